"""Telnyx adapter behaviour: the listing join, exact lookups, forwarding on
the wire, name and routing, orders and deletes that are never re-sent
blindly, settings. Flows are fed responses directly, or run on the emulator."""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import httpx
import pytest

import phonefleet
from phonefleet import (
    ArchiveBlockedError,
    Handler,
    InvalidNumberError,
    NotFoundError,
    NumberChanges,
    ProviderError,
    ResponseFormatError,
    Routing,
    ServerError,
    TransportError,
    UnsupportedOperationError,
)
from phonefleet.adapter import Ref
from phonefleet.testing import Emulator, Fault, FaultPlan, emulate
from phonefleet_telnyx import TelnyxAdapter

BASE = "https://api.telnyx.com/v2"


def record(index: int, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": f"12933842610757{index:05d}",
        "record_type": "phone_number",
        "phone_number": f"+1970555{index:04d}",
        "country_iso_alpha2": "US",
        "status": "active",
        "tags": [],
        "customer_reference": None,
        "connection_id": None,
        "messaging_profile_id": None,
        "phone_number_type": "local",
        "created_at": "2019-10-23T18:10:00.000Z",
        "updated_at": "2019-10-24T18:10:00.000Z",
        "purchased_at": "2019-10-23T18:10:00.000Z",
        "deletion_lock_enabled": False,
    }
    data.update(fields)
    return data


def voice(index: int, forwards_to: str = "", kind: str = "always", enabled: bool = True) -> dict[str, Any]:
    return {
        "id": f"12933842610757{index:05d}",
        "record_type": "voice_settings",
        "call_forwarding": {
            "call_forwarding_enabled": enabled,
            "forwards_to": forwards_to,
            "forwarding_type": kind,
        },
    }


def listing(data: list[Any], page: int = 1, pages: int = 1) -> dict[str, Any]:
    return {
        "data": data,
        "meta": {"page_number": page, "total_pages": pages, "total_results": 0, "page_size": 250},
    }


def answer(request: httpx.Request, body: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers, request=request)


def run(
    flow: Generator[httpx.Request, httpx.Response, Any], replies: list[Any]
) -> tuple[Any, list[httpx.Request]]:
    """Feed a flow: each reply is a (status, body) pair, a body, or an exception to throw in."""
    sent: list[httpx.Request] = []
    try:
        request = next(flow)
        for reply in replies:
            sent.append(request)
            if isinstance(reply, Exception):
                request = flow.throw(reply)
            elif isinstance(reply, tuple):
                request = flow.send(answer(request, reply[1], reply[0]))
            else:
                request = flow.send(answer(request, reply))
        pytest.fail(f"the flow sent more than {len(replies)} requests: {request.method} {request.url}")
    except StopIteration as stop:
        return stop.value, sent


@pytest.fixture
def adapter() -> TelnyxAdapter:
    return TelnyxAdapter(api_key="KEYtest_secret_0123456789", base_url=BASE)


# -- listing ---------------------------------------------------------------------------------


def test_a_page_is_two_requests_joined_by_id(adapter: TelnyxAdapter) -> None:
    numbers = [record(1), record(2, customer_reference="Desk"), record(3)]
    voices = [
        voice(3, "+13035559123"),
        voice(1, "+13035559000", "on-failure"),
        voice(2, "+13035559001", enabled=False),
    ]
    page, sent = run(adapter.list_page(False, None), [listing(voices, 1, 3), listing(numbers, 1, 3)])
    assert [r.url.path for r in sent] == ["/v2/phone_numbers/voice", "/v2/phone_numbers"]
    for request in sent:
        assert request.url.params["page[number]"] == "1"
        assert request.url.params["page[size]"] == "250"
        assert request.url.params["sort"] == "phone_number"
    assert [n.forwarding_number for n in page.items] == [None, None, "+13035559123"]
    assert page.items[0].raw["voice"]["call_forwarding"]["forwarding_type"] == "on-failure"
    assert page.items[1].name == "Desk"
    assert page.next == "2"


def test_the_last_page_has_no_next(adapter: TelnyxAdapter) -> None:
    page, sent = run(adapter.list_page(False, "3"), [listing([voice(1)], 3, 3), listing([record(1)], 3, 3)])
    assert sent[1].url.params["page[number]"] == "3"
    assert page.next is None


def test_a_number_missing_from_the_voice_page_is_read_alone(adapter: TelnyxAdapter) -> None:
    reply = {"data": voice(2, "+13035559123")}
    page, sent = run(
        adapter.list_page(False, None), [listing([voice(1)]), listing([record(1), record(2)]), reply]
    )
    assert sent[2].url.path == "/v2/phone_numbers/1293384261075700002/voice"
    assert [n.forwarding_number for n in page.items] == [None, "+13035559123"]


def test_archived_listing_asks_for_deleted_numbers_only(adapter: TelnyxAdapter) -> None:
    page, sent = run(adapter.list_page(True, None), [listing([record(1, status="deleted"), record(2)])])
    assert sent[0].url.params["filter[status]"] == "deleted"
    assert [n.archived for n in page.items] == [True]  # a server ignoring the filter does not leak


@pytest.mark.parametrize(
    "meta",
    [
        {},
        {"page_number": "1", "total_pages": 2},
        {"page_number": 1, "total_pages": None},
        {"page_number": -1, "total_pages": 1},
    ],
)
def test_a_page_without_usable_meta_is_a_format_error(adapter: TelnyxAdapter, meta: dict[str, Any]) -> None:
    with pytest.raises(ResponseFormatError, match="meta"):
        run(adapter.list_page(False, None), [listing([]), {"data": [record(1)], "meta": meta}])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone_number", "not a number"),
        ("id", 7),
        ("country_iso_alpha2", "USA"),
        ("customer_reference", 3),
        ("created_at", "yesterday"),
    ],
)
def test_a_record_off_the_spec_is_a_format_error(adapter: TelnyxAdapter, field: str, value: Any) -> None:
    with pytest.raises(ResponseFormatError):
        run(adapter.list_page(False, None), [listing([voice(1)]), listing([record(1, **{field: value})])])


# -- mapping ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("local", "local"),
        ("toll_free", "toll_free"),
        ("tollfree", "toll_free"),
        ("mobile", "mobile"),
        ("longcode", "local"),
        ("national", "unknown"),
        ("shortcode", "unknown"),
    ],
)
def test_number_types(adapter: TelnyxAdapter, kind: str, expected: str) -> None:
    page, _ = run(
        adapter.list_page(True, None), [listing([record(1, status="deleted", phone_number_type=kind)])]
    )
    assert page.items[0].number_type.value == expected


def test_the_spec_example_maps_without_inventing(adapter: TelnyxAdapter) -> None:
    example = record(
        1,
        connection_id="1293384261075731499",
        messaging_profile_id="abc85f64-5717-4562-b3fc-2c9600000000",
        tags=["tag_1", "tag_2"],
    )
    found, _ = run(adapter.get(Ref(id=example["id"])), [{"data": example}, {"data": voice(1)}])
    assert found.routing == Routing(
        voice=Handler("connection", target="1293384261075731499"),
        messaging=Handler("messaging_profile", target="abc85f64-5717-4562-b3fc-2c9600000000"),
    )
    assert found.capabilities is None  # Telnyx's number record does not say
    assert found.name is None
    assert found.archived_at is None
    assert found.raw["tags"] == ["tag_1", "tag_2"]
    assert found.created_at is not None
    assert found.created_at.isoformat() == "2019-10-23T18:10:00+00:00"


def test_forwarding_type_missing_is_not_forwarding(adapter: TelnyxAdapter) -> None:
    settings = {"id": "1293384261075700001", "call_forwarding": {"forwards_to": "+13035559123"}}
    found, _ = run(adapter.get(Ref(id="1293384261075700001")), [{"data": record(1)}, {"data": settings}])
    assert found.forwarding_number is None


# -- get by number ------------------------------------------------------------------------------


def test_get_by_number_filters_digits_and_checks_the_exact_match(adapter: TelnyxAdapter) -> None:
    near = [record(1, phone_number="+19705550010"), record(2, phone_number="+119705550001")]
    exact = record(3, phone_number="+19705550001")
    found, sent = run(
        adapter.get(Ref(number="+19705550001")),
        [listing(near, 1, 2), listing([exact], 2, 2), {"data": voice(3, "+13035559123")}],
    )
    assert [r.url.params["filter[phone_number]"] for r in sent[:2]] == ["19705550001", "19705550001"]
    assert [r.url.params["page[number]"] for r in sent[:2]] == ["1", "2"]
    assert found.id == exact["id"]
    assert found.forwarding_number == "+13035559123"


def test_get_by_number_with_only_near_matches_is_not_found(adapter: TelnyxAdapter) -> None:
    with pytest.raises(NotFoundError):
        run(adapter.get(Ref(number="+19705550001")), [listing([record(1, phone_number="+19705550012")])])


# -- writes on the wire ----------------------------------------------------------------------------


def test_set_forwarding_patches_voice_settings(adapter: TelnyxAdapter) -> None:
    ident = "1293384261075700001"
    found, sent = run(
        adapter.set_forwarding(Ref(id=ident), "+13035559123"),
        [{"data": voice(1, "+13035559123")}, {"data": record(1)}],
    )
    assert (sent[0].method, sent[0].url.path) == ("PATCH", f"/v2/phone_numbers/{ident}/voice")
    assert json.loads(sent[0].content) == {
        "call_forwarding": {
            "call_forwarding_enabled": True,
            "forwards_to": "+13035559123",
            "forwarding_type": "always",
        }
    }
    assert found.forwarding_number == "+13035559123"


def test_clearing_forwarding_switches_it_off(adapter: TelnyxAdapter) -> None:
    _, sent = run(
        adapter.set_forwarding(Ref(id="1293384261075700001"), None), [{"data": voice(1)}, {"data": record(1)}]
    )
    assert json.loads(sent[0].content) == {"call_forwarding": {"call_forwarding_enabled": False}}


def test_name_and_routing_go_to_their_endpoints(adapter: TelnyxAdapter) -> None:
    changes = NumberChanges(
        name="Desk",
        routing=Routing(
            voice=Handler("connection", target="77"), messaging=Handler("messaging_profile", target="mp-1")
        ),
    )
    _, sent = run(
        adapter.update(Ref(id="1293384261075700001"), changes),
        [{"data": {}}, {"data": record(1)}, {"data": voice(1)}],
    )
    assert [(r.method, r.url.path.rsplit("/", 1)[-1]) for r in sent] == [
        ("PATCH", "messaging"),
        ("PATCH", "1293384261075700001"),
        ("GET", "voice"),
    ]
    assert json.loads(sent[0].content) == {"messaging_profile_id": "mp-1"}
    assert json.loads(sent[1].content) == {"customer_reference": "Desk", "connection_id": "77"}


def test_clearing_routing_unassigns_connection_and_profile(adapter: TelnyxAdapter) -> None:
    _, sent = run(
        adapter.update(Ref(id="1293384261075700001"), NumberChanges(routing=None, name=None)),
        [{"data": {}}, {"data": record(1)}, {"data": voice(1)}],
    )
    assert json.loads(sent[0].content) == {"messaging_profile_id": ""}
    assert json.loads(sent[1].content) == {"customer_reference": "", "connection_id": ""}


@pytest.mark.parametrize(
    "routing",
    [
        Routing(voice=Handler("laml_webhooks", url="https://example.com/voice")),
        Routing(voice=Handler("connection", target="1", url="https://example.com")),
        Routing(messaging=Handler("connection", target="1")),
        Routing(voice=Handler("connection", target="1", extra={"x": 1})),
    ],
)
def test_a_handler_telnyx_cannot_take_is_refused_before_sending(routing: Routing) -> None:
    emu = emulate("telnyx", numbers=2)
    with emu.connect("telnyx") as store:
        sample = next(iter(store.list()))
        before = len(emu.transport.requests)
        with pytest.raises(ValueError, match="Telnyx"):
            store.update(sample.id, NumberChanges(routing=routing))
        assert len(emu.transport.requests) == before


# -- orders -----------------------------------------------------------------------------------------


def _order(status: str = "pending") -> dict[str, Any]:
    return {
        "data": {
            "id": "12ade33a-21c0-473b-b055-b3c836e1c292",
            "record_type": "number_order",
            "status": status,
        }
    }


def test_create_orders_the_number_and_returns_it_pending(adapter: TelnyxAdapter) -> None:
    pending = record(1, status="purchase-pending")
    found, sent = run(
        adapter.create("+19705550001", name=None, link=None),
        [_order(), listing([pending]), {"data": voice(1)}],
    )
    assert (sent[0].method, sent[0].url.path) == ("POST", "/v2/number_orders")
    assert json.loads(sent[0].content) == {"phone_numbers": [{"phone_number": "+19705550001"}]}
    assert found.raw["status"] == "purchase-pending"
    assert not found.archived


def test_create_after_a_dropped_answer_looks_and_does_not_order_again(adapter: TelnyxAdapter) -> None:
    dropped = TransportError("connection dropped")
    pending = listing([record(1, status="purchase-pending")])
    found, sent = run(
        adapter.create("+19705550001", name=None, link=None), [dropped, pending, pending, {"data": voice(1)}]
    )
    assert [r.method for r in sent].count("POST") == 1
    assert found.number == "+19705550001"


def test_create_after_a_5xx_orders_again_only_once_the_number_is_not_there(adapter: TelnyxAdapter) -> None:
    failed = (503, {"errors": [{"code": "10007", "title": "Unexpected error"}]})
    pending = listing([record(1, status="purchase-pending")])
    _, sent = run(
        adapter.create("+19705550001", name=None, link=None),
        [failed, listing([]), _order(), pending, {"data": voice(1)}],
    )
    assert [r.method for r in sent].count("POST") == 2


def test_a_number_deleted_before_is_not_taken_for_the_new_order(adapter: TelnyxAdapter) -> None:
    failed = (503, {"errors": [{"code": "10007", "title": "Unexpected error"}]})
    old = listing([record(1, status="deleted")])
    bought = listing(
        [record(1, status="deleted"), record(2, phone_number="+19705550001", status="purchase-pending")]
    )
    found, sent = run(
        adapter.create("+19705550001", name=None, link=None),
        [failed, old, _order(), bought, {"data": voice(2)}],
    )
    assert [r.method for r in sent].count("POST") == 2
    assert found.id == record(2)["id"]
    assert not found.archived


def test_a_failed_order_is_an_error(adapter: TelnyxAdapter) -> None:
    with pytest.raises(ProviderError, match="failure"):
        run(adapter.create("+19705550001", name=None, link=None), [_order("failure")])


# -- deletes ----------------------------------------------------------------------------------------


def test_archive_deletes_once(adapter: TelnyxAdapter) -> None:
    ident = "1293384261075700001"
    found, sent = run(
        adapter.archive(Ref(id=ident)), [{"data": record(1)}, {"data": record(1, status="deleted")}]
    )
    assert [(r.method, r.url.path) for r in sent] == [
        ("GET", f"/v2/phone_numbers/{ident}"),
        ("DELETE", f"/v2/phone_numbers/{ident}"),
    ]
    assert found.archived


def test_archive_after_a_dropped_answer_looks_first(adapter: TelnyxAdapter) -> None:
    dropped = TransportError("connection dropped")
    gone = (404, {"errors": [{"code": "10005", "title": "Resource not found"}]})
    found, sent = run(adapter.archive(Ref(id="1293384261075700001")), [{"data": record(1)}, dropped, gone])
    assert [r.method for r in sent] == ["GET", "DELETE", "GET"]
    assert found.archived


def test_archive_is_sent_again_only_when_the_number_is_still_active(adapter: TelnyxAdapter) -> None:
    failed = (502, {"errors": [{"code": "10007", "title": "Unexpected error"}]})
    found, sent = run(
        adapter.archive(Ref(id="1293384261075700001")),
        [{"data": record(1)}, failed, {"data": record(1)}, {"data": record(1, status="deleted")}],
    )
    assert [r.method for r in sent] == ["GET", "DELETE", "GET", "DELETE"]
    assert found.archived


def test_archive_stops_when_the_look_fails(adapter: TelnyxAdapter) -> None:
    failed = (500, {"errors": [{"code": "10007", "title": "Unexpected error"}]})
    with pytest.raises(ServerError):
        run(adapter.archive(Ref(id="1293384261075700001")), [{"data": record(1)}, failed, failed])


def test_deletion_lock_blocks_before_any_delete(adapter: TelnyxAdapter) -> None:
    with pytest.raises(ArchiveBlockedError) as caught:
        run(adapter.archive(Ref(id="1293384261075700001")), [{"data": record(1, deletion_lock_enabled=True)}])
    assert [b.kind for b in caught.value.blockers] == ["deletion_lock"]


@pytest.mark.parametrize("fault", [Fault.DROP_AFTER, Fault.SLOW, Fault.SERVER_ERROR, Fault.MALFORMED])
def test_archive_on_the_emulator_with_a_fault_deletes_exactly_once(fault: Fault) -> None:
    emu = emulate("telnyx", numbers=3)
    with emu.connect("telnyx") as store:
        sample = next(iter(store.list()))
        emu.transport.faults = FaultPlan(script=[fault], methods=frozenset({"DELETE"}))
        assert store.archive(sample.id).archived
    deletes = [r for r in emu.transport.applied if r.method == "DELETE"]
    assert len(deletes) == 1
    assert sample.id not in emu.transport.records


# -- settings -------------------------------------------------------------------------------------------


def test_settings_fall_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELNYX_API_KEY", "KEYfrom_env_000")
    monkeypatch.delenv("TELNYX_BASE_URL", raising=False)
    adapter = TelnyxAdapter()
    assert str(adapter.requests.base_url) == "https://api.telnyx.com/v2"
    assert adapter.credentials[0].reveal() == "KEYfrom_env_000"
    assert "KEYfrom_env_000" not in repr(vars(adapter))


def test_a_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELNYX_API_KEY", raising=False)
    with pytest.raises(ValueError, match="TELNYX_API_KEY"):
        phonefleet.connect("telnyx")


@pytest.mark.parametrize("size", [0, 251, -1, True, "many"])
def test_page_size_is_bounded(size: Any) -> None:
    with pytest.raises(ValueError, match="page_size"):
        TelnyxAdapter(api_key="k", page_size=size)


def test_link_is_unsupported_before_any_request() -> None:
    emu = emulate("telnyx", numbers=2)
    with emu.connect("telnyx") as store:
        with pytest.raises(UnsupportedOperationError):
            store.create(emu.transport.available[0], link="pp-1")
        with pytest.raises(UnsupportedOperationError):
            store.linkable()
    assert emu.transport.requests == []


@pytest.mark.parametrize("bad", ["+1 202 555", "not a number", "+999"])
def test_bad_numbers_are_refused_before_any_request(bad: str) -> None:
    emu: Emulator = emulate("telnyx", numbers=2)
    with emu.connect("telnyx") as store:
        for call in (
            lambda: store.get(bad if bad.startswith("+") else "+" + bad),
            lambda: store.set_forwarding("1293384261075700001", bad),
            lambda: store.create(bad),
        ):
            with pytest.raises(InvalidNumberError):
                call()
    assert emu.transport.requests == []


# -- the two read paths agree ------------------------------------------------------------------------


def test_the_fast_and_careful_paths_read_a_page_alike() -> None:
    from phonefleet_telnyx._fast import fast_page
    from phonefleet_telnyx._mapping import numbers_from_page, voices_by_id

    emu = emulate("telnyx", numbers=300, seed=5)
    next(iter(emu.transport.records.values()))["phone_number_type"] = "tollfree"  # legacy value
    base, key = emu.settings["base_url"], emu.settings["api_key"]
    with httpx.Client(transport=emu.transport, headers={"Authorization": f"Bearer {key}"}) as client:
        params = {"page[size]": 250, "sort": "phone_number"}
        voice_body = client.get(f"{base}/phone_numbers/voice", params=params).content
        numbers_body = client.get(f"{base}/phone_numbers", params=params).content
    fast = fast_page(numbers_body, voice_body, 1)
    assert fast is not None
    numbers, following = fast
    assert following == "2"
    careful = numbers_from_page(
        json.loads(numbers_body)["data"], voices_by_id(json.loads(voice_body)["data"])
    )
    assert numbers == careful
    assert [dict(n.raw) for n in numbers] == [dict(n.raw) for n in careful]
    assert {n.number_type.value for n in numbers} == {"local", "toll_free"}
    assert any(n.forwarding_number for n in numbers)
    assert any(n.routing for n in numbers)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone_number", "+1 970 555 0001"),
        ("country_iso_alpha2", "us"),
        ("created_at", "2019-10-23T18:10:00z"),
    ],
)
def test_an_unusual_record_takes_the_careful_path_with_the_same_result(
    adapter: TelnyxAdapter, field: str, value: str
) -> None:
    page, _ = run(
        adapter.list_page(False, None), [listing([voice(1)]), listing([record(1, **{field: value})])]
    )
    number = page.items[0]
    assert number.number == "+19705550001"
    assert number.country == "US"
    assert number.created_at is not None


@pytest.mark.parametrize("answered", [3, 1])
def test_an_answer_for_another_page_than_asked_is_a_format_error(answered: int) -> None:
    """Asked for page 2, an answer saying page 3 of 3 (or page 1) must not end the listing early."""
    emu = emulate("telnyx", numbers=30, seed=5)

    def answer(request: httpx.Request) -> httpx.Response:
        response = emu.transport.handle_request(request)
        if request.url.params.get("page[number]") != "2":
            return response
        body = json.loads(response.read())
        body["meta"]["page_number"] = answered
        return httpx.Response(response.status_code, json=body, request=request)

    store = phonefleet.connect("telnyx", transport=httpx.MockTransport(answer), page_size=10, **emu.settings)
    with store, pytest.raises(ResponseFormatError, match="asked for page 2"):
        list(store.list())
    with phonefleet.connect("telnyx", transport=emu.transport, page_size=10, **emu.settings) as honest:
        assert len(list(honest.list())) == 30  # every page, following the request's own count
