"""Telnyx porting flows fed responses: what goes on the wire, how the answers
map (status table, FOC date, problems), and a create never sent twice."""

from __future__ import annotations

import json
from collections.abc import Generator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from phonefleet import (
    PortAccount,
    PortAddress,
    PortDocuments,
    PortStatus,
    ProviderError,
    ResponseFormatError,
    ServerError,
    TransportError,
)
from phonefleet_telnyx import TelnyxAdapter
from phonefleet_telnyx._porting import PORTABILITY_BATCH
from phonefleet_telnyx._porting_wire import STATUSES, order_from_wire

BASE = "https://api.telnyx.com/v2"
PIN = "4321"
ACCOUNT_NUMBER = "ACC-998877"
ACCOUNT = PortAccount(
    name="Porter McPortersen",
    authorized_name="Porter McPortersen II",
    authorized_email="porter@example.com",
    address=PortAddress("600 Congress Avenue", "Austin", "TX", "78701", "US", street_2="14th Floor"),
    account_number=ACCOUNT_NUMBER,
    pin=PIN,
    billing_number="+13035551234",
)
DOCUMENTS = PortDocuments(loa=b"%PDF-1.4 loa", invoice=b"%PDF-1.4 invoice")


def order(oid: str, numbers: list[str], status: str = "draft", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": oid,
        "record_type": "porting_order",
        "activation_settings": {
            "activation_status": None,
            "fast_port_eligible": True,
            "foc_datetime_actual": None,
            "foc_datetime_requested": None,
        },
        "created_at": "2022-03-17T18:01:01Z",
        "updated_at": "2022-03-17T18:01:01Z",
        "documents": {"invoice": None, "loa": None},
        "end_user": {"admin": {"pin_passcode": None, "account_number": None}, "location": {}},
        "phone_numbers": [
            {"phone_number": n, "porting_order_status": status, "record_type": "porting_phone_number"}
            for n in numbers
        ],
        "porting_phone_numbers_count": len(numbers),
        "requirements_met": status != "draft",
        "status": {"details": [], "value": status},
    }
    data.update(fields)
    return data


def listing(data: list[Any], page: int = 1, pages: int = 1) -> dict[str, Any]:
    return {"data": data, "meta": {"page_number": page, "total_pages": pages, "page_size": 250}}


def answer(request: httpx.Request, body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body, request=request)


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


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


# -- portability --------------------------------------------------------------------------------


def test_portability_is_checked_in_batches_with_the_vendors_reasons(adapter: TelnyxAdapter) -> None:
    numbers = tuple(f"+1303555{i:04d}" for i in range(PORTABILITY_BATCH + 1))

    def results(batch: list[str]) -> dict[str, Any]:
        return {
            "data": [
                {
                    "phone_number": n,
                    "portable": n != numbers[1],
                    "not_portable_reason": "No coverage" if n == numbers[1] else "",
                    "fast_portable": n == numbers[0],
                    "record_type": "portability_check_result",
                }
                for n in batch
            ]
        }

    found, sent = run(
        adapter.check_portability(numbers),
        [
            (201, results(list(numbers[:PORTABILITY_BATCH]))),
            (201, results(list(numbers[PORTABILITY_BATCH:]))),
        ],
    )
    assert [(r.method, r.url.path) for r in sent] == [("POST", "/v2/portability_checks")] * 2
    assert body(sent[0]) == {"phone_numbers": list(numbers[:PORTABILITY_BATCH])}
    assert body(sent[1]) == {"phone_numbers": [numbers[-1]]}
    assert [r.number for r in found] == list(numbers)
    assert found[0].portable
    assert found[0].fast is True
    assert found[0].reason is None
    assert not found[1].portable
    assert found[1].reason == "No coverage"
    assert found[2].fast is False


def test_a_portability_answer_of_another_shape_is_a_format_error(adapter: TelnyxAdapter) -> None:
    with pytest.raises(ResponseFormatError):
        run(
            adapter.check_portability(("+13035550000",)),
            [(201, {"data": [{"phone_number": "+13035550000"}]})],
        )


# -- mapping --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("draft", PortStatus.DRAFT),
        ("in-process", PortStatus.SUBMITTED),
        ("submitted", PortStatus.SUBMITTED),
        ("exception", PortStatus.ACTION_REQUIRED),
        ("foc-date-confirmed", PortStatus.SCHEDULED),
        ("ported", PortStatus.COMPLETED),
        ("cancelled", PortStatus.CANCELLED),
        ("cancel-pending", PortStatus.CANCELLED),
        ("teleported", PortStatus.UNKNOWN),
    ],
)
def test_status_table(value: str, expected: PortStatus) -> None:
    mapped = order_from_wire(order("o1", ["+13035550000"], value))
    assert mapped.status is expected
    assert mapped.numbers[0].status is expected
    assert mapped.raw["status"]["value"] == value  # an unknown value is kept as sent


def test_the_status_table_covers_the_spec() -> None:
    spec = {"draft", "in-process", "submitted", "exception", "foc-date-confirmed", "ported"}
    assert spec | {"cancelled", "cancel-pending"} == set(STATUSES)


def test_an_order_maps_foc_problems_and_each_numbers_own_status() -> None:
    record = order(
        "o1",
        ["+13035550000"],
        "exception",
        activation_settings={"foc_datetime_actual": "2022-04-08T15:00:00Z"},
    )
    record["status"]["details"] = [
        {"code": "ENTITY_NAME_MISMATCH", "description": "Entity name does not match"}
    ]
    record["phone_numbers"].append({"phone_number": "13035550001", "porting_order_status": "ported"})
    mapped = order_from_wire(record, ["requirement Latest Invoice: requirement-info-pending"])
    assert mapped.foc_date == datetime(2022, 4, 8, 15, 0, tzinfo=UTC)
    assert mapped.problems == (
        "ENTITY_NAME_MISMATCH: Entity name does not match",
        "requirement Latest Invoice: requirement-info-pending",
    )
    assert [(n.number, n.status) for n in mapped.numbers] == [
        ("+13035550000", PortStatus.ACTION_REQUIRED),
        ("+13035550001", PortStatus.COMPLETED),
    ]
    assert mapped.created_at == datetime(2022, 3, 17, 18, 1, 1, tzinfo=UTC)


def test_the_echoed_pin_and_account_number_are_masked_in_raw() -> None:
    record = order("o1", ["+13035550000"], "in-process")
    record["end_user"]["admin"] = {"pin_passcode": PIN, "account_number": ACCOUNT_NUMBER, "entity_name": "X"}
    mapped = order_from_wire(record)
    assert PIN not in json.dumps(dict(mapped.raw))
    assert ACCOUNT_NUMBER not in json.dumps(dict(mapped.raw))
    assert mapped.raw["end_user"]["admin"]["entity_name"] == "X"


# -- port in ---------------------------------------------------------------------------------------


def _document(ident: str) -> dict[str, Any]:
    return {"data": {"id": ident, "record_type": "document", "status": "pending"}}


def test_port_in_uploads_creates_patches_and_confirms_every_order(adapter: TelnyxAdapter) -> None:
    a, b, c = "+13035550000", "+13035550001", "+14155550002"
    replies = [
        _document("doc-loa"),
        _document("doc-invoice"),
        (201, {"data": [order("o1", [a, b]), order("o2", [c])]}),  # split by losing carrier
        {"data": order("o1", [a, b])},
        {"data": order("o1", [a, b], "in-process")},
        {"data": order("o2", [c])},
        {"data": order("o2", [c], "in-process")},
    ]
    orders, sent = run(
        adapter.port_in((a, b, c), account=ACCOUNT, documents=DOCUMENTS, date=date(2022, 4, 8)), replies
    )
    assert [(r.method, r.url.path) for r in sent] == [
        ("POST", "/v2/documents"),
        ("POST", "/v2/documents"),
        ("POST", "/v2/porting_orders"),
        ("PATCH", "/v2/porting_orders/o1"),
        ("POST", "/v2/porting_orders/o1/actions/confirm"),
        ("PATCH", "/v2/porting_orders/o2"),
        ("POST", "/v2/porting_orders/o2/actions/confirm"),
    ]
    assert sent[0].headers["Content-Type"].startswith("multipart/form-data")
    assert b"%PDF-1.4 loa" in sent[0].content
    assert b'name="file"; filename="loa.pdf"' in sent[0].content
    assert b"%PDF-1.4 invoice" in sent[1].content
    assert body(sent[2]) == {"phone_numbers": [a, b, c]}
    patch = body(sent[3])
    assert patch == body(sent[5])
    assert patch["documents"] == {"loa": "doc-loa", "invoice": "doc-invoice"}
    assert patch["activation_settings"] == {"foc_datetime_requested": "2022-04-08T16:00:00Z"}
    assert patch["end_user"]["admin"] == {
        "entity_name": "Porter McPortersen",
        "auth_person_name": "Porter McPortersen II",
        "account_number": ACCOUNT_NUMBER,
        "pin_passcode": PIN,
        "billing_phone_number": "+13035551234",
    }
    assert patch["end_user"]["location"] == {
        "street_address": "600 Congress Avenue",
        "extended_address": "14th Floor",
        "locality": "Austin",
        "administrative_area": "TX",
        "postal_code": "78701",
        "country_code": "US",
    }
    assert [o.id for o in orders] == ["o1", "o2"]
    assert all(o.status is PortStatus.SUBMITTED for o in orders)


def test_without_a_date_no_foc_is_requested(adapter: TelnyxAdapter) -> None:
    a = "+13035550000"
    replies = [
        _document("l"),
        _document("i"),
        (201, {"data": [order("o1", [a])]}),
        {"data": order("o1", [a])},
        {"data": order("o1", [a], "in-process")},
    ]
    _, sent = run(adapter.port_in((a,), account=ACCOUNT, documents=DOCUMENTS, date=None), replies)
    assert "activation_settings" not in body(sent[3])


@pytest.mark.parametrize("missing", ["loa", "invoice"])
def test_a_missing_document_is_refused_before_any_request(adapter: TelnyxAdapter, missing: str) -> None:
    documents = PortDocuments(**{"loa": b"%PDF loa", "invoice": b"%PDF invoice", missing: None})
    with pytest.raises(ValueError, match=missing):
        adapter.check_port_in(("+13035550000",), account=ACCOUNT, documents=documents, date=None)
    flow = adapter.port_in(("+13035550000",), account=ACCOUNT, documents=documents, date=None)
    with pytest.raises(ValueError, match=missing):
        next(flow)


def test_an_unclear_create_is_looked_up_and_never_sent_again_when_it_took(adapter: TelnyxAdapter) -> None:
    a, b = "+13035550000", "+14155550001"
    replies = [
        _document("l"),
        _document("i"),
        TransportError("connection lost"),
        listing([order("old", [a], "cancelled"), order("o1", [a])]),  # a cancelled one holds nothing
        listing([order("o2", [b])]),
        {"data": order("o1", [a])},
        {"data": order("o1", [a], "in-process")},
        {"data": order("o2", [b])},
        {"data": order("o2", [b], "in-process")},
    ]
    orders, sent = run(adapter.port_in((a, b), account=ACCOUNT, documents=DOCUMENTS, date=None), replies)
    creates = [r for r in sent if r.method == "POST" and r.url.path == "/v2/porting_orders"]
    assert len(creates) == 1
    looks = [r for r in sent if r.method == "GET"]
    assert [r.url.params["filter[phone_numbers.phone_number][contains]"] for r in looks] == [a[1:], b[1:]]
    assert [o.id for o in orders] == ["o1", "o2"]


def test_an_unclear_create_is_sent_again_only_for_the_numbers_no_order_holds(
    adapter: TelnyxAdapter,
) -> None:
    a, b = "+13035550000", "+14155550001"
    replies = [
        _document("l"),
        _document("i"),
        (503, {"errors": [{"code": "10007", "title": "Unexpected error"}]}),
        listing([order("o1", [a])]),
        listing([]),
        (201, {"data": [order("o2", [b])]}),
        {"data": order("o1", [a])},
        {"data": order("o1", [a], "in-process")},
        {"data": order("o2", [b])},
        {"data": order("o2", [b], "in-process")},
    ]
    orders, sent = run(adapter.port_in((a, b), account=ACCOUNT, documents=DOCUMENTS, date=None), replies)
    creates = [body(r) for r in sent if r.method == "POST" and r.url.path == "/v2/porting_orders"]
    assert creates == [{"phone_numbers": [a, b]}, {"phone_numbers": [b]}]
    assert sorted(o.id for o in orders) == ["o1", "o2"]


def test_an_unclear_create_that_never_took_gives_up_after_three_sends(adapter: TelnyxAdapter) -> None:
    a = "+13035550000"
    lost = TransportError("connection lost")
    replies = [_document("l"), _document("i"), lost, listing([]), lost, listing([]), lost, listing([])]
    with pytest.raises(TransportError):
        run(adapter.port_in((a,), account=ACCOUNT, documents=DOCUMENTS, date=None), replies)


def test_a_refused_create_is_raised_at_once(adapter: TelnyxAdapter) -> None:
    refusal = {"errors": [{"code": "10015", "title": "Bad Request", "detail": "not portable"}]}
    with pytest.raises(ProviderError, match="not portable"):
        run(
            adapter.port_in(("+13035550000",), account=ACCOUNT, documents=DOCUMENTS, date=None),
            [_document("l"), _document("i"), (422, refusal)],
        )


def test_an_unclear_confirm_is_decided_by_the_orders_status(adapter: TelnyxAdapter) -> None:
    a = "+13035550000"
    replies = [
        _document("l"),
        _document("i"),
        (201, {"data": [order("o1", [a])]}),
        {"data": order("o1", [a])},
        (502, {"errors": []}),
        {"data": order("o1", [a], "in-process")},  # it took: not sent again
    ]
    orders, sent = run(adapter.port_in((a,), account=ACCOUNT, documents=DOCUMENTS, date=None), replies)
    assert sum(r.url.path.endswith("/actions/confirm") for r in sent) == 1
    assert orders[0].status is PortStatus.SUBMITTED


# -- get / list / cancel ---------------------------------------------------------------------------


def test_get_reads_unmet_requirements_only_while_they_are_not_met(adapter: TelnyxAdapter) -> None:
    a = "+13035550000"
    requirements = listing(
        [
            {"requirement_status": "approved", "requirement_type": {"name": "Letter of Authorization"}},
            {
                "requirement_status": "requirement-info-pending",
                "requirement_type": {"name": "Latest Invoice"},
            },
        ]
    )
    found, sent = run(adapter.get_port_in("o 1"), [{"data": order("o 1", [a])}, requirements])
    assert [r.url.raw_path.split(b"?")[0] for r in sent] == [
        b"/v2/porting_orders/o%201",
        b"/v2/porting_orders/o%201/requirements",
    ]
    assert found.problems == ("requirement Latest Invoice: requirement-info-pending",)
    met, sent = run(adapter.get_port_in("o1"), [{"data": order("o1", [a], "foc-date-confirmed")}])
    assert len(sent) == 1
    assert met.status is PortStatus.SCHEDULED


def test_list_pages_as_telnyx_pages_and_open_only_keeps_what_is_not_done(adapter: TelnyxAdapter) -> None:
    a = "+13035550000"
    page, sent = run(
        adapter.list_port_ins_page(True, None),
        [listing([order("o1", [a], "ported"), order("o2", [a], "exception")], 1, 2)],
    )
    assert sent[0].url.params["page[number]"] == "1"
    assert sent[0].url.params["page[size]"] == "250"
    assert [o.id for o in page.items] == ["o2"]
    assert page.next == "2"
    last, sent = run(adapter.list_port_ins_page(False, "2"), [listing([order("o3", [a], "ported")], 2, 2)])
    assert sent[0].url.params["page[number]"] == "2"
    assert [o.id for o in last.items] == ["o3"]
    assert last.next is None


def test_cancel_after_an_unclear_outcome_looks_before_sending_again(adapter: TelnyxAdapter) -> None:
    a = "+13035550000"
    cancelled, sent = run(
        adapter.cancel_port_in("o1"),
        [TransportError("lost"), {"data": order("o1", [a], "cancel-pending")}],
    )
    assert [(r.method, r.url.path) for r in sent] == [
        ("POST", "/v2/porting_orders/o1/actions/cancel"),
        ("GET", "/v2/porting_orders/o1"),
    ]
    assert cancelled.status is PortStatus.CANCELLED
    with pytest.raises(ServerError):
        run(
            adapter.cancel_port_in("o1"),
            [(500, {}), {"data": order("o1", [a], "in-process")}] * 3,
        )
