"""SignalWire forwarding: SWML `connect` scripts in the Fabric API, bound with
`call_handler=relay_script`. On the emulator, no network."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import phonefleet
import phonefleet.adapter
from phonefleet import Handler, InvalidNumberError, NumberChanges, ResponseFormatError, Routing
from phonefleet.testing import Emulator, Fault, FaultPlan, emulate
from phonefleet_signalwire import (
    SCRIPT_NAME_PREFIX,
    SignalWireStore,
    fabric_base,
    forwarding_contents,
    forwarding_target,
)
from phonefleet_signalwire.emulator import HAND_FORWARD_TO, SignalWireEmulator

TARGET = "+12025550199"
SCRIPTS = "/api/fabric/resources/swml_scripts"


@pytest.fixture
def emu() -> Emulator:
    return emulate("signalwire", numbers=40, seed=2)


@pytest.fixture
def store(emu: Emulator) -> Iterator[SignalWireStore]:
    with emu.connect("signalwire") as opened:
        yield opened


def _sw(emu: Emulator) -> SignalWireEmulator:
    assert isinstance(emu.transport, SignalWireEmulator)
    return emu.transport


def _bodies(emu: Emulator, method: str, path: str) -> list[Any]:
    return [
        json.loads(r.content) for r in emu.transport.requests if r.method == method and path in r.url.path
    ]


def _plain_number(emu: Emulator, store: SignalWireStore) -> phonefleet.PhoneNumber:
    """A number whose calls run no script."""
    return next(n for n in store.list() if n.routing is None or n.routing.voice is None)


def _made_here(emu: Emulator) -> list[Any]:
    return [s for s in _sw(emu).scripts.values() if s.display_name.startswith(SCRIPT_NAME_PREFIX)]


# -- writing ---------------------------------------------------------------------


def test_set_forwarding_creates_one_script_and_binds_it(emu: Emulator, store: SignalWireStore) -> None:
    number = _plain_number(emu, store)
    emu.transport.requests.clear()
    forwarded = store.set_forwarding(number.id, "+1 (202) 555-0199")
    assert forwarded.forwarding_number == TARGET
    assert _bodies(emu, "POST", SCRIPTS) == [
        {
            "name": f"phonefleet forward {TARGET}",
            "contents": {
                "version": "1.0.0",
                "sections": {"main": [{"connect": {"from": "%{call.from}", "to": TARGET}}]},
            },
        }
    ]
    (script,) = _made_here(emu)
    assert _bodies(emu, "PUT", "/phone_numbers/") == [
        {"call_handler": "relay_script", "call_relay_script_url": script.request_url}
    ]
    assert forwarded.routing is not None
    assert forwarded.routing.voice == Handler("relay_script", url=script.request_url)
    assert store.get(number.id).forwarding_number == TARGET


def test_a_second_number_reuses_the_script(emu: Emulator, store: SignalWireStore) -> None:
    first, second = [n for n in store.list() if n.forwarding_number is None][:2]
    store.set_forwarding(first.id, TARGET)
    before = emu.transport.count("POST")
    again = store.set_forwarding(second.number, TARGET)
    assert again.forwarding_number == TARGET
    assert emu.transport.count("POST") == before
    assert len(_made_here(emu)) == 1


def test_a_script_made_by_hand_is_reused_whatever_its_name(emu: Emulator, store: SignalWireStore) -> None:
    number = _plain_number(emu, store)
    forwarded = store.set_forwarding(number.id, HAND_FORWARD_TO)
    assert forwarded.forwarding_number == HAND_FORWARD_TO
    assert emu.transport.count("POST") == 0
    assert _made_here(emu) == []
    assert forwarded.routing is not None
    assert forwarded.routing.voice is not None
    assert forwarded.routing.voice.url == _sw(emu).hand_forwarding_url


def test_a_remembered_script_is_checked_then_used(emu: Emulator, store: SignalWireStore) -> None:
    first, second = [n for n in store.list() if n.forwarding_number is None][:2]
    store.set_forwarding(first.id, TARGET)
    (script,) = _made_here(emu)
    emu.transport.requests.clear()
    store.set_forwarding(second.id, TARGET)
    # one GET of that script, no full read of the scripts
    gets = [r.url.path for r in emu.transport.requests if r.method == "GET"]
    assert gets == [f"{SCRIPTS}/{script.id}"]


def test_a_script_deleted_behind_our_back_is_made_again(emu: Emulator, store: SignalWireStore) -> None:
    first, second = [n for n in store.list() if n.forwarding_number is None][:2]
    store.set_forwarding(first.id, TARGET)
    (script,) = _made_here(emu)
    del _sw(emu).scripts[script.id]
    forwarded = store.set_forwarding(second.id, TARGET)
    assert forwarded.forwarding_number == TARGET
    (remade,) = _made_here(emu)
    assert remade.id != script.id


def test_a_script_edited_behind_our_back_is_not_used(emu: Emulator, store: SignalWireStore) -> None:
    first, second = [n for n in store.list() if n.forwarding_number is None][:2]
    store.set_forwarding(first.id, TARGET)
    (script,) = _made_here(emu)
    script.script["contents"] = forwarding_contents("+12025550100")
    assert store.get(first.id).forwarding_number == "+12025550100"
    forwarded = store.set_forwarding(second.id, TARGET)
    assert forwarded.forwarding_number == TARGET
    assert len(_made_here(emu)) == 2


def test_update_carries_name_and_forwarding_in_one_put(emu: Emulator, store: SignalWireStore) -> None:
    number = _plain_number(emu, store)
    changed = store.update(number.id, NumberChanges(name="Sales", forwarding_number=TARGET))
    assert (changed.name, changed.forwarding_number) == ("Sales", TARGET)
    (body,) = _bodies(emu, "PUT", "/phone_numbers/")
    assert body["name"] == "Sales"
    assert body["call_handler"] == "relay_script"


def test_forwarding_with_a_voice_handler_is_refused_before_sending(
    emu: Emulator, store: SignalWireStore
) -> None:
    number = _plain_number(emu, store)
    before = emu.transport.count()
    for routing in (Routing(voice=Handler("relay_topic", target="office")), None):
        with pytest.raises(ValueError, match="one at a time"):
            store.update(number.id, NumberChanges(forwarding_number=TARGET, routing=routing))
    assert emu.transport.count() == before


def test_a_bad_target_is_refused_before_any_request(emu: Emulator, store: SignalWireStore) -> None:
    number = _plain_number(emu, store)
    before = emu.transport.count()
    for bad in ("not a number", "+1 202 555", "2025550199"):
        with pytest.raises(InvalidNumberError):
            store.set_forwarding(number.id, bad)
    assert emu.transport.count() == before


# -- clearing -----------------------------------------------------------------------


def test_clearing_unbinds_and_leaves_the_script(emu: Emulator, store: SignalWireStore) -> None:
    number = _plain_number(emu, store)
    store.set_forwarding(number.id, TARGET)
    emu.transport.requests.clear()
    cleared = store.set_forwarding(number.id, None)
    assert cleared.forwarding_number is None
    assert cleared.routing is None or cleared.routing.voice is None
    assert _bodies(emu, "PUT", "/phone_numbers/") == [{"call_handler": None}]
    assert len(_made_here(emu)) == 1
    assert store.get(number.id).forwarding_number is None


def test_clearing_a_number_that_does_not_forward_sends_no_write(
    emu: Emulator, store: SignalWireStore
) -> None:
    greeting = next(
        n
        for n in store.list()
        if n.routing and n.routing.voice and n.routing.voice.url == _sw(emu).hand_greeting_url
    )
    emu.transport.requests.clear()
    same = store.set_forwarding(greeting.id, None)
    assert same.routing == greeting.routing
    assert emu.transport.count("PUT") == 0


def test_clearing_by_number_finds_it_first(emu: Emulator, store: SignalWireStore) -> None:
    forwarded = next(n for n in store.list() if n.forwarding_number == HAND_FORWARD_TO)
    cleared = store.set_forwarding(forwarded.number, None)
    assert cleared.id == forwarded.id
    assert cleared.forwarding_number is None
    assert _sw(emu).hand_forwarding_url in {s.request_url for s in _sw(emu).scripts.values()}


# -- reading ---------------------------------------------------------------------------


def test_reading_what_is_forwarding_and_what_is_not(emu: Emulator, store: SignalWireStore) -> None:
    numbers = list(store.list())
    by_url: dict[str | None, set[str | None]] = {}
    for n in numbers:
        if n.routing and n.routing.voice and n.routing.voice.kind == "relay_script":
            by_url.setdefault(n.routing.voice.url, set()).add(n.forwarding_number)
    assert by_url[_sw(emu).hand_forwarding_url] == {HAND_FORWARD_TO}
    assert by_url[_sw(emu).hand_greeting_url] == {None}  # a script, not forwarding
    foreign = "https://example.signalwire.com/relay-bins/60e2ba7b"
    assert by_url[foreign] == {None}  # not a script of this space
    others = [
        n for n in numbers if not (n.routing and n.routing.voice and n.routing.voice.kind == "relay_script")
    ]
    assert all(n.forwarding_number is None for n in others)


def test_a_listing_reads_the_scripts_once_however_many_pages(emu: Emulator) -> None:
    sw = _sw(emu)
    for index in range(120):  # three pages of scripts
        sw.scripts[f"extra-{index:03d}"] = type(next(iter(sw.scripts.values())))(
            f"extra-{index:03d}",
            f"inner-{index:03d}",
            f"other {index}",
            {"contents": {}},
            "2024-01-01T00:00:00Z",
        )
    with emu.connect("signalwire", page_size=5) as store:
        numbers = list(store.list())
        assert store.adapter._listings == {}  # nothing kept once the listing ends
    assert len(numbers) == 40
    assert emu.transport.count("GET", "/phone_numbers") == 8
    assert emu.transport.count("GET", SCRIPTS) == 3  # one paged read: 123 scripts, 50 a page
    assert sum(1 for n in numbers if n.forwarding_number == HAND_FORWARD_TO) >= 1


def test_a_listing_with_no_script_bound_reads_no_script() -> None:
    emu = emulate("signalwire", numbers=["+12025550100", "+12025550101"])
    with emu.connect("signalwire") as store:
        for number in list(store.list()):
            if number.routing and number.routing.voice and number.routing.voice.kind == "relay_script":
                store.update(
                    number.id, NumberChanges(routing=Routing(voice=Handler("relay_topic", target="x")))
                )
        emu.transport.requests.clear()
        assert all(n.forwarding_number is None for n in store.list())
    assert emu.transport.count("GET", SCRIPTS) == 0


def test_two_listings_read_the_scripts_once_each(emu: Emulator, store: SignalWireStore) -> None:
    first, second = store.list(), store.list()
    for _ in zip(first, second, strict=False):
        pass
    list(first)
    list(second)
    assert emu.transport.count("GET", SCRIPTS) == 2


def test_get_reads_forwarding_from_the_script(emu: Emulator, store: SignalWireStore) -> None:
    forwarded = next(n for n in store.list() if n.forwarding_number)
    emu.transport.requests.clear()
    again = store.get(forwarded.id)
    assert again.forwarding_number == HAND_FORWARD_TO
    # the script was seen in the listing: one GET of it, not a full read
    assert emu.transport.count("GET", SCRIPTS) == 1


@pytest.mark.parametrize(
    ("contents", "expected"),
    [
        (forwarding_contents(TARGET), TARGET),
        (json.dumps(forwarding_contents(TARGET)), TARGET),  # JSON text (older answers)
        ({"sections": {"main": [{"connect": {"to": TARGET}}]}}, TARGET),
        ({"sections": {"main": [{"connect": {"to": TARGET, "timeout": 20}}]}}, TARGET),
        # YAML text, as the dashboard and SignalWire's forwarding guide write it
        (
            "version: 1.0.0\nsections:\n  main:\n    - connect:\n"
            '        from: "%{call.from}"\n        to: "+12025550199"\n',
            TARGET,
        ),
        ("version: 1.0.0\nsections:\n  main:\n    - connect:\n        to: +12025550199\n", None),  # YAML int
        ("sections: [unclosed", None),
        ("just text", None),
        ({"sections": {"main": [{"connect": {"to": "sip:desk@example.com"}}]}}, None),
        ({"sections": {"main": [{"connect": {"to": "2025550199"}}]}}, None),
        ({"sections": {"main": [{"connect": {"parallel": [{"to": TARGET}]}}]}}, None),
        ({"sections": {"main": [{"connect": {"to": TARGET, "result": {"case": {}}}}]}}, None),
        ({"sections": {"main": [{"connect": {"to": TARGET, "confirm": "https://x"}}]}}, None),
        ({"sections": {"main": [{"play": {"url": "say:hi"}}, {"connect": {"to": TARGET}}]}}, None),
        ({"sections": {"main": [{"connect": {"to": TARGET}, "play": {"url": "say:hi"}}]}}, None),
        ({"sections": {"main": []}}, None),
        ({"sections": {}}, None),
        (None, None),
        (42, None),
    ],
)
def test_what_reads_as_forwarding(contents: object, expected: str | None) -> None:
    assert forwarding_target(contents) == expected


def test_an_unreadable_script_names_itself() -> None:
    from phonefleet_signalwire._forwarding import scripts_page_from_wire

    good = {"id": "a", "swml_script": {"request_url": "https://x/a", "contents": {}}}
    with pytest.raises(ResponseFormatError, match=r"#1 \(id 'b'\)"):
        scripts_page_from_wire({"data": [good, {"id": "b", "swml_script": {"request_url": 7}}]})
    scripts, following = scripts_page_from_wire([{"data": [good]}])  # the spec's array of pages
    assert [s.id for s in scripts] == ["a"]
    assert following is None


@pytest.mark.parametrize(
    ("relay", "fabric"),
    [
        ("https://example.signalwire.com/api/relay/rest", "https://example.signalwire.com/api/fabric"),
        ("https://proxy.example/sw/api/relay/rest/", "https://proxy.example/sw/api/fabric"),
        ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080/api/fabric"),
    ],
)
def test_the_fabric_api_is_on_the_same_origin(relay: str, fabric: str) -> None:
    assert fabric_base(relay) == fabric


# -- safety --------------------------------------------------------------------------


def test_a_create_lost_after_it_took_effect_is_found_not_repeated(emu: Emulator) -> None:
    emu.transport.faults = FaultPlan(script=[Fault.DROP_AFTER], methods=frozenset({"POST"}))
    with emu.connect("signalwire") as store:
        number = _plain_number(emu, store)
        forwarded = store.set_forwarding(number.id, TARGET)
    assert forwarded.forwarding_number == TARGET
    assert sum(1 for r in emu.transport.applied if r.method == "POST") == 1
    assert len(_made_here(emu)) == 1


@pytest.mark.parametrize("fault", [Fault.DROP_BEFORE, Fault.SERVER_ERROR, Fault.MALFORMED])
def test_a_create_that_did_not_take_is_sent_again_after_looking(emu: Emulator, fault: Fault) -> None:
    emu.transport.faults = FaultPlan(script=[fault], methods=frozenset({"POST"}))
    with emu.connect("signalwire") as store:
        number = _plain_number(emu, store)
        forwarded = store.set_forwarding(number.id, TARGET)
    assert forwarded.forwarding_number == TARGET
    assert len(_made_here(emu)) == 1
    assert emu.transport.count("POST") == 2


def _send(emu: Emulator, store: SignalWireStore, request: httpx.Request) -> httpx.Response:
    auth = store.adapter.auth
    assert auth is not None
    signed = next(auth.auth_flow(request))
    return emu.transport.handle_request(signed)


def _until_post(emu: Emulator, store: SignalWireStore, flow: Any) -> httpx.Request:
    request = next(flow)
    while request.method != "POST":
        request = flow.send(_send(emu, store, request))
    return request


def _finish(emu: Emulator, store: SignalWireStore, flow: Any, request: httpx.Request) -> Any:
    try:
        while True:
            request = flow.send(_send(emu, store, request))
    except StopIteration as stop:
        return stop.value


def test_writers_that_both_created_a_script_converge_on_the_oldest(emu: Emulator) -> None:
    """Two numbers forwarded to one new target at once (a migration with
    concurrency): both look, find nothing and create; the later keeps the
    older script and deletes its own."""
    with emu.connect("signalwire") as store:
        first, second = [n for n in store.list() if n.forwarding_number is None][:2]
        flow_a = store.adapter.set_forwarding(phonefleet.adapter.Ref(id=first.id), TARGET)
        flow_b = store.adapter.set_forwarding(phonefleet.adapter.Ref(id=second.id), TARGET)
        post_a = _until_post(emu, store, flow_a)
        post_b = _until_post(emu, store, flow_b)  # B looked before A created
        done_a = _finish(emu, store, flow_a, post_a)
        done_b = _finish(emu, store, flow_b, post_b)
        assert done_a.forwarding_number == done_b.forwarding_number == TARGET
        assert emu.transport.count("POST") == 2
        assert emu.transport.count("DELETE") == 1
        (kept,) = _made_here(emu)
        assert store.get(first.id).routing.voice.url == kept.request_url  # type: ignore[union-attr]
        assert store.get(second.id).routing.voice.url == kept.request_url  # type: ignore[union-attr]


def test_concurrent_forwarding_on_the_async_store() -> None:
    emu = emulate("signalwire", numbers=30, seed=4)

    async def scenario() -> None:
        async with emu.connect_async("signalwire") as store:
            numbers = [n async for n in store.list() if n.forwarding_number is None][:6]
            results = await asyncio.gather(*(store.set_forwarding(n.id, TARGET) for n in numbers))
            assert {r.forwarding_number for r in results} == {TARGET}
            again = [await store.get(n.id) for n in numbers]
            assert {n.forwarding_number for n in again} == {TARGET}

    asyncio.run(scenario())
    assert len(_made_here(emu)) == 1


# -- pruning ---------------------------------------------------------------------------


def test_prune_is_a_dry_run_by_default_and_never_touches_hand_made_scripts(
    emu: Emulator, store: SignalWireStore
) -> None:
    first, second = [n for n in store.list() if n.forwarding_number is None][:2]
    store.set_forwarding(first.id, TARGET)
    store.set_forwarding(second.id, "+12025550100")
    store.set_forwarding(first.id, None)
    before = dict(_sw(emu).scripts)
    (unused,) = store.ex_prune_forwarding_scripts()
    assert unused.target == TARGET
    assert unused.made_here
    assert _sw(emu).scripts == before
    assert emu.transport.count("DELETE") == 0
    (deleted,) = store.ex_prune_forwarding_scripts(dry_run=False)
    assert deleted == unused
    assert set(before) - set(_sw(emu).scripts) == {unused.id}
    # hand-made scripts that no number runs ("Ring both desks") stay
    assert {s.display_name for s in _sw(emu).scripts.values()} >= {"Ring both desks", "Welcome message"}
    assert store.ex_prune_forwarding_scripts(dry_run=False) == []
    assert store.get(second.id).forwarding_number == "+12025550100"


def test_prune_async() -> None:
    emu = emulate("signalwire", numbers=10, seed=2)

    async def scenario() -> None:
        async with emu.connect_async("signalwire") as store:
            number = next(iter([n async for n in store.list() if n.forwarding_number is None]))
            await store.set_forwarding(number.id, TARGET)
            assert await store.ex_prune_forwarding_scripts() == []
            await store.set_forwarding(number.id, None)
            assert [s.target for s in await store.ex_prune_forwarding_scripts(dry_run=False)] == [TARGET]

    asyncio.run(scenario())
    assert _made_here(emu) == []


def test_the_fabric_calls_carry_the_credentials_and_nothing_leaves_the_origin(
    emu: Emulator, store: SignalWireStore
) -> None:
    store.set_forwarding(_plain_number(emu, store).id, TARGET)
    fabric = [r for r in emu.transport.requests if r.url.path.startswith("/api/fabric/")]
    assert fabric
    assert all(r.headers.get("authorization", "").startswith("Basic ") for r in fabric)
    assert {r.url.host for r in emu.transport.requests} == {httpx.URL(emu.settings["base_url"]).host}


def test_abandoned_listings_are_forgotten_and_a_late_one_reads_again(emu: Emulator) -> None:
    from phonefleet_signalwire._adapter import _LISTINGS_KEPT

    with emu.connect("signalwire", page_size=2) as store:
        newest = next(iter(store.list()))
        store.set_forwarding(newest.id, TARGET)  # so every first page needs the scripts
        listings = [store.list() for _ in range(_LISTINGS_KEPT + 1)]
        for listing in listings:
            next(listing)  # each reads its first page (and the scripts, when it needs them)
        assert len(store.adapter._listings) == _LISTINGS_KEPT  # the oldest was dropped
        reads = emu.transport.count("GET", SCRIPTS)
        rest = list(listings[0])  # its index was dropped: it reads the scripts again, once
        assert emu.transport.count("GET", SCRIPTS) - reads == 1
        assert any(n.forwarding_number == HAND_FORWARD_TO for n in rest)
        list(listings[-1])  # the newest is still kept: no read
        assert emu.transport.count("GET", SCRIPTS) - reads == 1


def test_the_async_listing_resolves_forwarding_too(emu: Emulator) -> None:
    async def scenario() -> list[phonefleet.PhoneNumber]:
        async with emu.connect_async("signalwire", page_size=3) as store:
            return [n async for n in store.list()]

    numbers = asyncio.run(scenario())
    with emu.connect("signalwire", page_size=3) as store:
        assert [(n.id, n.forwarding_number) for n in store.list()] == [
            (n.id, n.forwarding_number) for n in numbers
        ]
    assert any(n.forwarding_number == HAND_FORWARD_TO for n in numbers)
    assert emu.transport.count("GET", SCRIPTS) == 2


def test_a_spare_copy_that_cannot_be_deleted_does_not_fail_the_forwarding(emu: Emulator) -> None:
    with emu.connect("signalwire") as store:
        first, second = [n for n in store.list() if n.forwarding_number is None][:2]
        flow_a = store.adapter.set_forwarding(phonefleet.adapter.Ref(id=first.id), TARGET)
        flow_b = store.adapter.set_forwarding(phonefleet.adapter.Ref(id=second.id), TARGET)
        post_a = _until_post(emu, store, flow_a)
        post_b = _until_post(emu, store, flow_b)
        _finish(emu, store, flow_a, post_a)
        request = flow_b.send(_send(emu, store, post_b))
        while request.method != "DELETE":
            request = flow_b.send(_send(emu, store, request))
        request = flow_b.send(httpx.Response(403, json={"error": "Forbidden"}, request=request))
        done = _finish(emu, store, flow_b, request)
        assert done.forwarding_number == TARGET
        assert len(_made_here(emu)) == 2
        (spare,) = store.ex_prune_forwarding_scripts(dry_run=False)
        assert spare.target == TARGET
        assert len(_made_here(emu)) == 1


def test_hostile_nesting_in_script_contents_is_no_script() -> None:
    from phonefleet_signalwire._forwarding import swml_document

    assert swml_document("[" * 100_000) is None
    assert swml_document('{"version": "1.0.0", "sections": {"main": []}}') == {
        "version": "1.0.0",
        "sections": {"main": []},
    }


@pytest.mark.parametrize(
    "extra",
    [
        {"call_state_url": "https://collector.example/calls"},
        {"status_url": "https://collector.example/status"},
        {"status_url_method": "GET", "status_url": "https://collector.example/status"},
        {"ringback": ["https://collector.example/ring.mp3"]},
        {"transfer_after_bridge": "https://collector.example/next.swml"},
        {"headers": [{"name": "X-Leak", "value": "%{call.from}"}]},
        {"webhook_url": "https://collector.example/any"},
        {"custom_parameters": {"k": "v"}},
        {"username": "u", "password": "p"},
    ],
)
def test_a_connect_that_reports_elsewhere_is_not_forwarding(extra: dict[str, Any]) -> None:
    contents = {"sections": {"main": [{"connect": {"from": "%{call.from}", "to": TARGET, **extra}}]}}
    assert forwarding_target(contents) is None
    calm = {"sections": {"main": [{"connect": {"to": TARGET, "timeout": 20, "answer_on_bridge": True}}]}}
    assert forwarding_target(calm) == TARGET


def test_a_script_reporting_to_a_third_party_is_never_reused(emu: Emulator, store: SignalWireStore) -> None:
    sw = _sw(emu)
    spy = type(next(iter(sw.scripts.values())))(
        "spying-script",
        "spying-inner",
        "front desk (reports calls)",
        {
            "contents": {
                "version": "1.0.0",
                "sections": {
                    "main": [
                        {
                            "connect": {
                                "from": "%{call.from}",
                                "to": TARGET,
                                "call_state_url": "https://collector.example/calls",
                            }
                        }
                    ]
                },
            }
        },
        "2020-01-01T00:00:00Z",  # older than any: it would be picked if it were forwarding
    )
    sw.scripts[spy.id] = spy
    number = _plain_number(emu, store)
    forwarded = store.set_forwarding(number.id, TARGET)
    assert forwarded.forwarding_number == TARGET
    assert forwarded.routing is not None
    assert forwarded.routing.voice is not None
    assert forwarded.routing.voice.url != spy.request_url
    (made,) = _made_here(emu)
    assert forwarded.routing.voice.url == made.request_url


def test_a_script_text_larger_than_any_forwarding_one_is_never_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import yaml

    from phonefleet_signalwire._forwarding import MAX_SCRIPT_TEXT

    parsed: list[int] = []
    real = yaml.load

    def counting(text: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(len(text))
        return real(text, *args, **kwargs)

    monkeypatch.setattr(yaml, "load", counting)
    monkeypatch.setattr(yaml, "safe_load", lambda text: counting(text, Loader=yaml.SafeLoader))
    small = 'version: 1.0.0\nsections:\n  main:\n    - connect:\n        to: "+12025550199"\n'
    assert forwarding_target(small) == TARGET
    assert parsed == [len(small)]
    huge = small + "#" + "x" * 4_900_000 + "\n"  # the 4.9 MB script that took 24 s
    assert forwarding_target(huge) is None
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nsections: {main: [{connect: {to: "+12025550199"}}]}\n'
    assert forwarding_target(bomb) is None
    assert forwarding_target("sections: {other: [{play: {url: 'say:hi'}}]}") is None
    assert parsed == [len(small)]  # neither the huge one nor the others reached the parser
    assert len(small) < MAX_SCRIPT_TEXT


def test_a_huge_script_on_the_async_store_never_reaches_the_parser(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    sw = _sw(emu)
    sw.scripts["huge"] = type(next(iter(sw.scripts.values())))(
        "huge",
        "huge-inner",
        "huge",
        {"contents": "main: connect\n" + "#" * 1_300_000},
        "2024-01-01T00:00:00Z",
    )
    calls: list[int] = []
    monkeypatch.setattr(yaml, "load", lambda text, **kw: calls.append(len(text)))
    monkeypatch.setattr(yaml, "safe_load", lambda text: calls.append(len(text)))

    async def main() -> list[phonefleet.PhoneNumber]:
        async with emu.connect_async("signalwire") as store:
            return [n async for n in store.list()]

    numbers = asyncio.run(main())
    assert len(numbers) == 40
    assert all(size < 1_000_000 for size in calls)
