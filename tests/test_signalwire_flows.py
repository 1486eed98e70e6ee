"""SignalWire adapter behaviour: settings, credentials, paging, partial PUT,
purchase and release safety, errors. No network: emulator or MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import httpx
import pytest

import phonefleet
from phonefleet import (
    ArchiveBlockedError,
    AuthenticationError,
    Handler,
    NotFoundError,
    NumberChanges,
    ProviderError,
    RateLimitError,
    ResponseFormatError,
    Routing,
    ServerError,
    TransportError,
)
from phonefleet.adapter import Secret
from phonefleet.testing import Emulator, Fault, FaultPlan, emulate
from phonefleet_signalwire import SignalWireAdapter, SignalWireStore, space_host
from phonefleet_signalwire.emulator import API_TOKEN, BASE_URL, PROJECT_ID

ORIGIN = "https://example.signalwire.com"
BASE = f"{ORIGIN}/api/relay/rest"


def number_payload(index: int, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": f"00000000-0000-4000-8000-{index:012d}",
        "number": f"+1202555{index:04d}",
        "name": f"Line {index}",
        "capabilities": ["voice", "sms"],
        "number_type": "longcode",
        "country_code": "US",
        "created_at": "2024-01-02T09:00:00Z",
        "updated_at": "2024-01-02T09:00:00Z",
        "call_handler": None,
        "message_handler": None,
    }
    payload.update(fields)
    return payload


def page(items: list[dict[str, Any]], next_link: str | None = None) -> dict[str, Any]:
    links: dict[str, str] = {
        "self": "/api/relay/rest/phone_numbers",
        "first": "/api/relay/rest/phone_numbers",
    }
    if next_link is not None:
        links["next"] = next_link
    return {"links": links, "data": items}


class Recorder:
    """A MockTransport answering from a function, keeping every request."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.answer(request)

    def store(self, **settings: Any) -> SignalWireStore:
        options = {"space": "example", "project_id": "pid", "api_token": "tok-secret", **settings}
        return phonefleet.connect("signalwire", transport=httpx.MockTransport(self), **options)  # type: ignore[no-any-return]


def pages_by_token(pages: dict[str | None, dict[str, Any]]) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("page_token")])

    return answer


@pytest.fixture
def emu() -> Emulator:
    return emulate("signalwire", numbers=6)


@pytest.fixture
def store(emu: Emulator) -> Iterator[SignalWireStore]:
    with emu.connect("signalwire", page_size=4) as opened:
        yield opened


def last_body(emu: Emulator, method: str) -> dict[str, Any]:
    request = next(r for r in reversed(emu.transport.requests) if r.method == method)
    body: dict[str, Any] = json.loads(request.content)
    return body


# -- settings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "host"),
    [
        ("example", "example.signalwire.com"),
        ("Example.SignalWire.com", "example.signalwire.com"),
        ("a-1", "a-1.signalwire.com"),
    ],
)
def test_space_accepts_a_label_or_the_signalwire_host(given: str, host: str) -> None:
    assert space_host(given) == host
    adapter = SignalWireAdapter(space=given, project_id="p", api_token="t")
    assert adapter.describe() == f"signalwire https://{host}/api/relay/rest"


@pytest.mark.parametrize(
    "bad",
    [
        "https://example.signalwire.com",
        "example.com",
        "evil.com/x",
        "ex ample",
        "a.b.signalwire.com",
        "-x",
        "",
        "x" * 64,
        "example.signalwire.com.evil.com",
    ],
)
def test_space_refuses_anything_that_is_not_a_hostname_label(bad: str) -> None:
    with pytest.raises(ValueError, match="space"):
        SignalWireAdapter(space=bad, project_id="p", api_token="t")


def test_settings_fall_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNALWIRE_SPACE", "envspace")
    monkeypatch.setenv("SIGNALWIRE_PROJECT_ID", "env-project")
    monkeypatch.setenv("SIGNALWIRE_API_TOKEN", "env-token")
    recorder = Recorder(lambda r: httpx.Response(200, json=page([])))
    with phonefleet.connect("signalwire", transport=httpx.MockTransport(recorder)) as opened:
        assert list(opened.list()) == []
    request = recorder.requests[0]
    assert request.url.host == "envspace.signalwire.com"
    assert request.headers["Authorization"] == httpx.BasicAuth("env-project", "env-token")._auth_header


@pytest.mark.parametrize("missing", ["SIGNALWIRE_PROJECT_ID", "SIGNALWIRE_API_TOKEN", "SIGNALWIRE_SPACE"])
def test_missing_settings_name_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    values = {"SIGNALWIRE_SPACE": "s", "SIGNALWIRE_PROJECT_ID": "p", "SIGNALWIRE_API_TOKEN": "t"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    with pytest.raises(ValueError, match=missing):
        SignalWireAdapter()


@pytest.mark.parametrize("size", [0, 1001, -1, True, 2.5])
def test_page_size_is_bounded(size: Any) -> None:
    with pytest.raises(ValueError, match="page_size"):
        SignalWireAdapter(space="x", project_id="p", api_token="t", page_size=size)


def test_http_base_url_is_refused_except_loopback() -> None:
    with pytest.raises(ValueError, match="http"):
        SignalWireAdapter(
            base_url="http://example.signalwire.com/api/relay/rest", project_id="p", api_token="t"
        )
    SignalWireAdapter(base_url="http://127.0.0.1:8080/api/relay/rest", project_id="p", api_token="t")


def test_credentials_never_show(store: SignalWireStore) -> None:
    adapter = store.adapter
    shown = " ".join([repr(store), adapter.describe(), repr(adapter.auth), repr(vars(adapter))])
    assert API_TOKEN not in shown
    assert PROJECT_ID not in shown
    assert "signalwire" in repr(store)


def test_secret_objects_are_accepted_as_credentials() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, json=page([])))
    with recorder.store(project_id=Secret("p"), api_token=Secret("t")) as opened:
        assert list(opened.list()) == []
    assert recorder.requests[0].headers["Authorization"] == httpx.BasicAuth("p", "t")._auth_header


# -- credentials only to the own origin -----------------------------------------------------


@pytest.mark.parametrize(
    "foreign",
    [
        "https://cdn.elsewhere.example/api/relay/rest/phone_numbers?page_token=PA2",
        "http://example.signalwire.com/api/relay/rest/phone_numbers?page_token=PA2",
        "//evil.example/api/relay/rest/phone_numbers?page_token=PA2",
        "https://example.signalwire.com:8443/api/relay/rest/phone_numbers?page_token=PA2",
    ],
)
def test_a_next_link_to_another_origin_is_refused_and_never_fetched(foreign: str) -> None:
    pages = {None: page([number_payload(1)], foreign), "PA2": page([number_payload(2)])}
    recorder = Recorder(pages_by_token(pages))
    seen: list[str] = []
    with recorder.store() as opened, pytest.raises(ResponseFormatError, match="another origin"):
        seen.extend(n.number for n in opened.list())
    assert seen == []  # the page that carried the link is refused whole, before it is yielded
    assert [(r.url.scheme, r.url.host, r.url.port) for r in recorder.requests] == [
        ("https", "example.signalwire.com", None)
    ]


# -- paging -------------------------------------------------------------------------------


@pytest.mark.parametrize("absolute", [False, True])
def test_relative_and_absolute_next_links_list_every_number(absolute: bool) -> None:
    emu = emulate("signalwire", numbers=11, absolute_links=absolute)
    with emu.connect("signalwire", page_size=3) as opened:
        numbers = [n.number for n in opened.list()]
    expected = [payload["number"] for payload in emu.transport.numbers()]
    assert numbers == expected
    assert len(set(numbers)) == 11
    assert emu.transport.count("GET", "/phone_numbers") == 4


def test_links_switch_form_mid_listing() -> None:
    emu = emulate("signalwire", numbers=9)
    seen: list[str] = []
    with emu.connect("signalwire", page_size=2) as opened:
        for index, number in enumerate(opened.list()):
            seen.append(number.number)
            emu.transport.absolute_links = index % 2 == 0
    assert len(seen) == len(set(seen)) == 9


def test_listing_keeps_going_past_empty_pages() -> None:
    pages = {
        None: page([number_payload(1)], "/api/relay/rest/phone_numbers?page_token=PA2"),
        "PA2": page([], "/api/relay/rest/phone_numbers?page_token=PA3"),
        "PA3": page([], "/api/relay/rest/phone_numbers?page_token=PA4"),
        "PA4": page([number_payload(4)]),
    }
    recorder = Recorder(pages_by_token(pages))
    with recorder.store() as opened:
        assert [n.number for n in opened.list()] == ["+12025550001", "+12025550004"]
    assert len(recorder.requests) == 4


def test_a_next_link_seen_before_is_a_format_error_not_a_truncation() -> None:
    pages = {
        None: page([number_payload(1)], "/api/relay/rest/phone_numbers?page_token=PA2"),
        "PA2": page([number_payload(2)], "/api/relay/rest/phone_numbers?page_token=PA3"),
        "PA3": page([number_payload(3)], f"{ORIGIN}/api/relay/rest/phone_numbers?page_token=PA2"),
    }
    recorder = Recorder(pages_by_token(pages))
    seen: list[str] = []
    with recorder.store() as opened, pytest.raises(ResponseFormatError, match="already returned"):
        seen.extend(n.number for n in opened.list())
    assert seen == ["+12025550001", "+12025550002", "+12025550003"]
    assert len(recorder.requests) == 3


def test_a_next_link_to_the_page_itself_is_refused_at_once() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, json=page([number_payload(1)], str(r.url))))
    with recorder.store() as opened, pytest.raises(ResponseFormatError, match="points back"):
        list(opened.list())
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"links": {}, "data": None},
        {"links": [], "data": []},
        {"links": {"next": 5}, "data": []},
        {"links": {"next": "ftp://example.signalwire.com/x"}, "data": []},
        {"links": {}, "data": [{"id": "x", "number": "12025550100"}]},
        {"links": {}, "data": [{"number": "+12025550100"}]},
        {"links": {}, "data": [number_payload(1, created_at="yesterday")]},
        {"links": {}, "data": [number_payload(1, call_handler=7)]},
        {"links": {}, "data": [number_payload(1, capabilities="voice")]},
        {"links": {}, "data": [number_payload(1, call_handler="laml_webhooks", call_request_url=["x"])]},
        [],
    ],
)
def test_malformed_pages_are_format_errors(body: Any) -> None:
    recorder = Recorder(lambda r: httpx.Response(200, json=body))
    with recorder.store() as opened, pytest.raises(ResponseFormatError):
        list(opened.list())


def test_a_non_json_page_is_a_format_error() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, content=b"<html>gateway</html>"))
    with recorder.store() as opened, pytest.raises(ResponseFormatError, match="expected JSON"):
        list(opened.list())


def test_archived_numbers_are_gone_so_archived_listing_is_empty_and_sends_nothing(
    emu: Emulator, store: SignalWireStore
) -> None:
    before = emu.transport.count()
    assert list(store.list(archived=True)) == []
    assert emu.transport.count() == before
    assert [n.id for n in store.list(archived=None)] == [n.id for n in store.list()]


def test_first_page_asks_for_the_configured_page_size(emu: Emulator) -> None:
    with emu.connect("signalwire", page_size=1000) as opened:
        assert len(list(opened.list())) == 6
    request = emu.transport.requests[0]
    assert request.url.params["page_size"] == "1000"
    assert request.url.path == "/api/relay/rest/phone_numbers"


# -- mapping ---------------------------------------------------------------------------------


def test_a_number_maps_every_documented_field() -> None:
    payload = number_payload(
        7,
        capabilities=["voice", "sms", "mms", "fax", "video"],
        number_type="toll-free",
        country_code="us",
        e911_address_id="e911-1",
        next_billed_at="2024-02-02T00:00:00Z",
        calling_handler_resource_id="res-1",
    )
    recorder = Recorder(lambda r: httpx.Response(200, json=payload))
    with recorder.store() as opened:
        number = opened.get(payload["id"])
    assert number.capabilities == frozenset(phonefleet.Capability)
    assert number.number_type is phonefleet.NumberType.TOLL_FREE
    assert number.country == "US"
    assert number.created_at is not None
    assert number.created_at.year == 2024
    assert number.routing is None
    assert number.forwarding_number is None
    assert number.raw["e911_address_id"] == "e911-1"
    assert number.raw["capabilities"][-1] == "video"


def test_absent_fields_stay_unknown() -> None:
    payload = {"id": "n-1", "number": "+12025550100"}
    recorder = Recorder(lambda r: httpx.Response(200, json=payload))
    with recorder.store() as opened:
        number = opened.get("n-1")
    assert number.capabilities is None
    assert number.number_type is phonefleet.NumberType.UNKNOWN
    assert number.name is None
    assert number.country is None
    assert number.created_at is None


def test_get_by_number_filters_then_matches_exactly() -> None:
    pages = {
        # a substring match that is not the number comes first
        None: page(
            [number_payload(1, number="+12025550011")], "/api/relay/rest/phone_numbers?page_token=PA2"
        ),
        "PA2": page([number_payload(1)]),
    }
    recorder = Recorder(pages_by_token(pages))
    with recorder.store() as opened:
        found = opened.get("+12025550001")
    assert found.number == "+12025550001"
    assert len(recorder.requests) == 2
    assert recorder.requests[0].url.params["filter_number"] == "+12025550001"


# -- partial PUT ----------------------------------------------------------------------------


def test_a_name_change_sends_the_name_alone(emu: Emulator, store: SignalWireStore) -> None:
    sample = next(iter(store.list()))
    changed = store.update(sample.id, NumberChanges(name="Reception"))
    assert last_body(emu, "PUT") == {"name": "Reception"}
    assert changed.name == "Reception"
    assert changed.routing == sample.routing
    cleared = store.update(sample, NumberChanges(name=None))
    assert last_body(emu, "PUT") == {"name": None}
    assert cleared.name is None


def test_a_voice_change_sends_only_call_fields(emu: Emulator, store: SignalWireStore) -> None:
    sample = next(iter(store.list()))
    handler = Handler(kind="relay_topic", target="office", status_callback_url="https://example.com/cb")
    changed = store.update(sample.id, NumberChanges(routing=Routing(voice=handler)))
    assert last_body(emu, "PUT") == {
        "call_handler": "relay_topic",
        "call_relay_topic": "office",
        "call_relay_topic_status_callback_url": "https://example.com/cb",
    }
    assert changed.routing is not None
    assert changed.routing.voice == handler
    assert sample.routing is not None
    assert changed.routing.messaging == sample.routing.messaging


def test_a_messaging_change_sends_only_message_fields(emu: Emulator, store: SignalWireStore) -> None:
    sample = next(iter(store.list()))
    handler = Handler(kind="laml_webhooks", url="https://example.com/sms", method="GET")
    changed = store.update(sample.id, NumberChanges(routing=Routing(messaging=handler)))
    assert last_body(emu, "PUT") == {
        "message_handler": "laml_webhooks",
        "message_request_url": "https://example.com/sms",
        "message_request_method": "GET",
    }
    assert changed.routing is not None
    assert changed.routing.messaging == handler


def test_a_handler_change_sends_only_what_it_gives(emu: Emulator, store: SignalWireStore) -> None:
    sample = next(iter(store.list()))
    full = Handler(
        kind="laml_webhooks",
        url="https://example.com/a",
        method="POST",
        fallback_url="https://example.com/b",
        fallback_method="POST",
        status_callback_url="https://example.com/c",
        status_callback_method="GET",
    )
    store.update(sample.id, NumberChanges(routing=Routing(voice=full)))
    lean = Handler(kind="laml_webhooks", url="https://example.com/z")
    changed = store.update(sample.id, NumberChanges(routing=Routing(voice=lean)))
    # no null for the options left out: the number keeps them
    assert last_body(emu, "PUT") == {
        "call_handler": "laml_webhooks",
        "call_request_url": "https://example.com/z",
    }
    assert changed.routing is not None
    assert changed.routing.voice == attrs.evolve(full, url="https://example.com/z")
    topic = Handler(kind="relay_topic", target="office")
    switched = store.update(sample.id, NumberChanges(routing=Routing(voice=topic)))
    assert switched.routing is not None
    assert switched.routing.voice == topic
    # the previous handler's URL stays on the vendor's side (inert), never in the Handler
    assert switched.raw["call_request_url"] == "https://example.com/z"
    assert "call_request_url" not in last_body(emu, "PUT")


def test_routing_none_clears_both_handlers(emu: Emulator, store: SignalWireStore) -> None:
    sample = next(iter(store.list()))
    cleared = store.update(sample.id, NumberChanges(routing=None))
    assert last_body(emu, "PUT") == {"call_handler": None, "message_handler": None}
    assert cleared.routing is None
    assert store.get(sample.id).routing is None


@pytest.mark.parametrize(
    ("routing", "match"),
    [
        (Routing(voice=Handler(kind="relay_topic", url="https://x.example")), "has no url"),
        (
            Routing(voice=Handler(kind="laml_webhooks", url="https://x.example", method="PATCH")),
            "GET or POST",
        ),
        (
            Routing(messaging=Handler(kind="laml_webhooks", url="u", status_callback_url="s")),
            "has no status_callback_url",
        ),
        (
            Routing(voice=Handler(kind="relay_topic", target="t", extra={"message_relay_topic": "x"})),
            "not a SignalWire",
        ),
        (Routing(messaging=Handler(kind="")), "needs a Handler"),
    ],
)
def test_unrepresentable_handlers_are_refused_before_any_request(
    emu: Emulator, store: SignalWireStore, routing: Routing, match: str
) -> None:
    before = emu.transport.count()
    with pytest.raises(ValueError, match=match):
        store.update("+12022000001", NumberChanges(routing=routing))
    assert emu.transport.count() == before


def test_update_by_number_resolves_the_id_first(emu: Emulator, store: SignalWireStore) -> None:
    changed = store.update("+12022000003", NumberChanges(name="By number"))
    assert changed.number == "+12022000003"
    assert changed.name == "By number"
    put = next(r for r in emu.transport.requests if r.method == "PUT")
    assert put.url.path.endswith("/" + changed.id)


def test_an_ai_agent_or_call_flow_is_set_with_its_own_id_and_read_back_as_the_resource(
    emu: Emulator, store: SignalWireStore
) -> None:
    sample = next(iter(store.list()))
    agent = Handler("ai_agent", target="0b6e3f1a-9c8d-4e7f-a6b5-c4d3e2f1a0b9")
    changed = store.update(sample.id, NumberChanges(routing=Routing(voice=agent)))
    assert last_body(emu, "PUT") == {"call_handler": "ai_agent", "call_ai_agent_id": agent.target}
    assert changed.raw["calling_handler_resource_id"] == agent.target
    assert "call_ai_agent_id" not in changed.raw
    assert store.get(sample.id).routing.voice == agent  # type: ignore[union-attr]
    flow = Handler(
        "call_flow",
        target="5e2f9a1c-0d3b-4c7e-8f6a-2b1d0c9e8f7a",
        extra={"call_flow_version": "current_deployed"},
    )
    changed = store.update(sample.id, NumberChanges(routing=Routing(voice=flow)))
    assert last_body(emu, "PUT") == {
        "call_handler": "call_flow",
        "call_flow_id": flow.target,
        "call_flow_version": "current_deployed",
    }
    assert changed.routing is not None
    assert changed.routing.voice == Handler("call_flow", target=flow.target)  # the version is not reported
    # the unchanged handler round-trips
    same = store.update(sample.id, NumberChanges(routing=changed.routing))
    assert same.routing == changed.routing


def test_a_fabric_only_handler_round_trips_but_cannot_be_switched_to(
    emu: Emulator, store: SignalWireStore
) -> None:
    subscriber = Handler("fabric_subscriber", target="5e2f9a1c-0d3b-4c7e-8f6a-2b1d0c9e8f7a")
    sample = next(iter(store.list()))
    with pytest.raises(ProviderError) as caught:
        store.update(sample.id, NumberChanges(routing=Routing(voice=subscriber)))
    assert caught.value.status == 422


def test_the_emulator_refuses_an_ai_agent_without_its_id(emu: Emulator, store: SignalWireStore) -> None:
    sample = next(iter(store.list()))
    with pytest.raises(ProviderError, match="call_ai_agent_id can't be blank"):
        store.update(sample.id, NumberChanges(routing=Routing(voice=Handler("ai_agent"))))


# -- purchase --------------------------------------------------------------------------------


def test_purchase_with_a_name_posts_then_names(emu: Emulator, store: SignalWireStore) -> None:
    created = store.create("+1 (512) 555-0101", name="Austin")
    assert created.number == "+15125550101"
    assert created.name == "Austin"
    assert [r.method for r in emu.transport.requests[-2:]] == ["POST", "PUT"]
    assert last_body(emu, "POST") == {"number": "+15125550101"}
    assert "+15125550101" not in emu.transport.available


def test_purchase_of_a_number_not_for_sale_keeps_the_vendor_error(store: SignalWireStore) -> None:
    with pytest.raises(ProviderError) as caught:
        store.create("+12025559999")
    assert caught.value.status == 422
    assert caught.value.code == "number_not_available"
    assert "not available" in str(caught.value)


def test_a_purchase_whose_answer_was_lost_is_not_repeated() -> None:
    emu = emulate(
        "signalwire", numbers=2, faults=FaultPlan(methods=frozenset({"POST"}), script=[Fault.DROP_AFTER])
    )
    with emu.connect("signalwire") as opened:
        created = opened.create("+15125550100")
    assert created.number == "+15125550100"
    assert emu.transport.count("POST") == 1
    assert sum(1 for p in emu.transport.numbers() if p["number"] == "+15125550100") == 1


def test_a_purchase_that_failed_before_taking_effect_is_sent_again() -> None:
    faults = FaultPlan(methods=frozenset({"POST"}), script=[Fault.SERVER_ERROR])
    emu = emulate("signalwire", numbers=2, faults=faults)
    with emu.connect("signalwire") as opened:
        created = opened.create("+15125550100")
    assert created.number == "+15125550100"
    assert emu.transport.count("POST") == 2


def test_a_purchase_that_keeps_failing_gives_up_with_the_error() -> None:
    faults = FaultPlan(methods=frozenset({"POST"}), script=[Fault.SERVER_ERROR] * 5)
    emu = emulate("signalwire", numbers=2, faults=faults)
    with emu.connect("signalwire") as opened, pytest.raises(ServerError):
        opened.create("+15125550100")
    assert emu.transport.count("POST") == 3
    assert "+15125550100" in emu.transport.available


def test_a_purchase_refused_before_sending_is_retried_by_the_driver() -> None:
    faults = FaultPlan(methods=frozenset({"POST"}), script=[Fault.DROP_BEFORE])
    emu = emulate("signalwire", numbers=2, faults=faults)
    with emu.connect("signalwire") as opened:
        assert opened.create("+15125550100").number == "+15125550100"
    assert emu.transport.count("POST") == 2
    assert emu.transport.count("GET") == 0


# -- release ---------------------------------------------------------------------------------


def test_release_deletes_and_the_number_is_gone(emu: Emulator, store: SignalWireStore) -> None:
    sample = next(iter(store.list()))
    released = store.archive(sample.id)
    assert released.archived
    assert released.archived_at is not None  # the vendor's Date header
    assert released.number == sample.number
    with pytest.raises(NotFoundError):
        store.get(sample.id)
    with pytest.raises(NotFoundError):
        store.archive(sample.id)
    assert emu.transport.count("DELETE") == 1


def test_a_release_whose_answer_was_lost_is_checked_not_repeated() -> None:
    faults = FaultPlan(methods=frozenset({"DELETE"}), script=[Fault.DROP_AFTER])
    emu = emulate("signalwire", numbers=3, faults=faults)
    with emu.connect("signalwire") as opened:
        sample = next(iter(opened.list()))
        released = opened.archive(sample)
    assert released.archived
    assert released.archived_at is None  # the answer was lost: no vendor time to report
    assert emu.transport.count("DELETE") == 1
    assert sample.number not in {p["number"] for p in emu.transport.numbers()}


def test_a_release_is_sent_again_only_after_a_get_proves_the_number_is_there() -> None:
    faults = FaultPlan(methods=frozenset({"DELETE"}), script=[Fault.SERVER_ERROR])
    emu = emulate("signalwire", numbers=3, faults=faults)
    with emu.connect("signalwire") as opened:
        sample = next(iter(opened.list()))
        start = len(emu.transport.requests)
        assert opened.archive(sample).archived
    methods = [r.method for r in emu.transport.requests[start:]]
    assert methods == ["DELETE", "GET", "DELETE"]


def test_a_release_lost_on_a_timeout_then_refused_as_not_found_counts_as_done() -> None:
    faults = FaultPlan(methods=frozenset({"DELETE"}), script=[Fault.SLOW])
    emu = emulate("signalwire", numbers=3, faults=faults)
    with emu.connect("signalwire") as opened:
        sample = next(iter(opened.list()))
        assert opened.archive(sample.id).archived
    assert emu.transport.count("DELETE") == 1


def test_a_release_that_keeps_failing_gives_up_with_the_transport_error() -> None:
    faults = FaultPlan(methods=frozenset({"DELETE"}), script=[Fault.DROP_BEFORE] * 30)
    emu = emulate("signalwire", numbers=3, faults=faults)
    with emu.connect("signalwire") as opened:
        sample = next(iter(opened.list()))
        with pytest.raises(TransportError):
            opened.archive(sample)
        assert opened.get(sample.id).number == sample.number


def test_a_release_refused_as_too_recent_is_blocked(emu: Emulator, store: SignalWireStore) -> None:
    sample = next(iter(store.list()))
    emu.transport.release_holds.add(sample.id)
    with pytest.raises(ArchiveBlockedError) as caught:
        store.archive(sample.id)
    error = caught.value
    assert error.status == 422
    assert error.code == "purchased_too_recently"
    assert error.blockers[0].kind == "purchased_too_recently"
    assert error.blockers[0].id == sample.id
    assert emu.transport.count("DELETE") == 1
    assert store.get(sample.id).number == sample.number


def test_release_by_number(emu: Emulator, store: SignalWireStore) -> None:
    released = store.archive("+12022000002")
    assert released.number == "+12022000002"
    assert "+12022000002" not in {p["number"] for p in emu.transport.numbers()}


# -- errors ----------------------------------------------------------------------------------


def test_wrong_credentials_are_an_authentication_error_without_the_token(emu: Emulator) -> None:
    with (
        phonefleet.connect(
            "signalwire",
            transport=emu.transport,
            base_url=BASE_URL,
            project_id=PROJECT_ID,
            api_token="wrong-token-123",
        ) as opened,
        pytest.raises(AuthenticationError) as caught,
    ):
        list(opened.list())
    assert caught.value.status == 401
    assert caught.value.message == "Unauthorized"
    assert "wrong-token-123" not in str(caught.value)


def test_an_unknown_id_is_not_found(store: SignalWireStore) -> None:
    with pytest.raises(NotFoundError) as caught:
        store.get("3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert caught.value.status == 404
    assert caught.value.message == "Not Found"


def test_validation_errors_keep_the_vendors_detail_code_and_request_id() -> None:
    body = {
        "errors": [
            {
                "detail": "Name is too long",
                "status": "422",
                "title": "Invalid Attribute",
                "code": "invalid_name",
            },
            {
                "detail": "Call relay topic can't be blank",
                "status": "422",
                "title": "Invalid Attribute",
                "code": "422",
            },
        ]
    }
    recorder = Recorder(lambda r: httpx.Response(422, json=body, headers={"X-Request-Id": "req-42"}))
    with recorder.store() as opened, pytest.raises(ProviderError) as caught:
        opened.update("n-1", NumberChanges(name="x" * 300))
    error = caught.value
    assert error.status == 422
    assert error.code == "invalid_name"
    assert error.request_id == "req-42"
    assert error.message == "Name is too long; Call relay topic can't be blank"
    assert error.operation == "update"


def test_the_rest_error_shape_keeps_its_doc_url() -> None:
    body = {
        "errors": [
            {
                "type": "validation_error",
                "code": "invalid_parameter",
                "message": "Bad",
                "url": "https://signalwire.com/docs/apis/error-codes",
            }
        ]
    }
    recorder = Recorder(lambda r: httpx.Response(422, json=body))
    with recorder.store() as opened, pytest.raises(ProviderError) as caught:
        opened.get("n-1")
    assert caught.value.doc_url == "https://signalwire.com/docs/apis/error-codes"
    assert caught.value.code == "invalid_parameter"


@pytest.mark.parametrize("headers", [{"Retry-After": "7"}, {}])
def test_rate_limits_are_retried_then_reported(headers: dict[str, str]) -> None:
    body = {
        "errors": [
            {
                "detail": "Too many requests",
                "status": "429",
                "title": "Too Many Requests",
                "code": "rate_limit_exceeded",
            }
        ]
    }
    recorder = Recorder(lambda r: httpx.Response(429, json=body, headers=headers))
    with recorder.store() as opened, pytest.raises(RateLimitError) as caught:
        opened.get("n-1")
    assert len(recorder.requests) == 5  # stamina test mode: 5 attempts, no waiting
    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.retry_after == (7.0 if headers else None)


def test_a_rate_limited_read_succeeds_once_the_limit_passes() -> None:
    emu = emulate("signalwire", numbers=3, faults=FaultPlan(script=[Fault.RATE_LIMIT, Fault.RATE_LIMIT]))
    emu.transport.send_retry_after = False
    with emu.connect("signalwire") as opened:
        assert len(list(opened.list())) == 3
    assert emu.transport.count("GET", "/phone_numbers") == 3


@pytest.mark.parametrize(
    ("status", "error"), [(400, ProviderError), (500, ServerError), (404, NotFoundError)]
)
def test_plain_error_bodies(status: int, error: type[Exception]) -> None:
    recorder = Recorder(
        lambda r: httpx.Response(status, json={"error": httpx.codes.get_reason_phrase(status)})
    )
    with recorder.store() as opened, pytest.raises(error) as caught:
        opened.get("n-1")
    assert isinstance(caught.value, ProviderError)
    assert caught.value.message == httpx.codes.get_reason_phrase(status)


def test_a_non_json_error_body_still_gives_the_typed_error() -> None:
    recorder = Recorder(lambda r: httpx.Response(502, content=b"<html>bad gateway</html>"))
    with recorder.store() as opened, pytest.raises(ServerError) as caught:
        opened.get("n-1")
    assert caught.value.status == 502


async def test_the_async_store_runs_the_same_flows(emu: Emulator) -> None:
    async with emu.connect_async("signalwire", page_size=4) as opened:
        numbers = [n async for n in opened.list()]
        assert len(numbers) == 6
        changed = await opened.update(numbers[0].id, NumberChanges(name="Async"))
        assert changed.name == "Async"
        found = await opened.ex_search_available(areacode=415, max_results=3)
        assert [a.number[:5] for a in found] == ["+1415"] * 3


async def test_the_async_driver_feeds_lost_answers_into_the_same_release_and_purchase_flows() -> None:
    faults = FaultPlan(methods=frozenset({"POST", "DELETE"}), script=[Fault.DROP_AFTER, Fault.DROP_AFTER])
    emu = emulate("signalwire", numbers=2, faults=faults)
    async with emu.connect_async("signalwire") as opened:
        created = await opened.create("+15125550100", name="Async line")
        assert created.name == "Async line"
        released = await opened.archive(created)
        assert released.archived
    assert emu.transport.count("POST") == 1
    assert emu.transport.count("DELETE") == 1
    assert "+15125550100" not in {p["number"] for p in emu.transport.numbers()}


def test_a_release_answered_with_an_undocumented_success_is_checked_not_trusted() -> None:
    faults = FaultPlan(methods=frozenset({"DELETE"}), script=[Fault.MALFORMED])  # a 200 page, nothing applied
    emu = emulate("signalwire", numbers=3, faults=faults)
    with emu.connect("signalwire") as opened:
        sample = next(iter(opened.list()))
        start = len(emu.transport.requests)
        assert opened.archive(sample).archived
    assert [r.method for r in emu.transport.requests[start:]] == ["DELETE", "GET", "DELETE"]
    assert sample.id not in {p["id"] for p in emu.transport.numbers()}


def test_a_purchase_answered_with_an_unreadable_success_is_looked_up() -> None:
    faults = FaultPlan(methods=frozenset({"POST"}), script=[Fault.MALFORMED])  # a 200 page, nothing applied
    emu = emulate("signalwire", numbers=2, faults=faults)
    with emu.connect("signalwire") as opened:
        created = opened.create("+15125550100")
    assert created.number == "+15125550100"
    assert emu.transport.count("POST") == 2
    assert sum(1 for p in emu.transport.numbers() if p["number"] == "+15125550100") == 1


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_a_rate_limited_purchase_or_release_is_waited_out(method: str) -> None:
    emu = emulate("signalwire", numbers=3, faults=FaultPlan(script=[Fault.RATE_LIMIT], methods={method}))
    with emu.connect("signalwire") as opened:
        if method == "POST":
            number = next(iter(emu.transport.available))
            assert opened.create(number).number == number
        else:
            assert opened.archive(next(iter(opened.list()))).archived
    assert emu.transport.count(method) == 2  # the 429 applied nothing; one real send
    assert len([r for r in emu.transport.applied if r.method == method]) == 1
