"""The Twilio adapter's porting flows fed answers by hand: no I/O, no event loop.

What each flow sends (paths, hosts, bodies), how Twilio's statuses map,
the split by 1,000 numbers, and the look before a create is sent again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Generator
from typing import Any

import httpx
import pytest

from phonefleet import (
    PortAccount,
    PortAddress,
    PortDocuments,
    PortStatus,
    ResponseFormatError,
    ServerError,
    TransportError,
)
from phonefleet_twilio import TwilioAdapter
from phonefleet_twilio._porting_wire import port_in_from_wire, port_status, portability_from_wire

ACCOUNT = "AC" + "1" * 32
PIN = "8642"
ACCOUNT_NUMBER = "555000111"
BILL = b"%PDF-1.4 the bill"

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response] | Exception


def _adapter() -> TwilioAdapter:
    return TwilioAdapter(account_sid=ACCOUNT, auth_token="token-" + "x" * 20)


def _account(**changes: Any) -> PortAccount:
    fields: dict[str, Any] = {
        "name": "Acme Clinic",
        "authorized_name": "Pat Example",
        "authorized_email": "pat@example.com",
        "address": PortAddress("1 Main St", "Springfield", "IL", "62701", "US", street_2="Suite 5"),
        "account_number": ACCOUNT_NUMBER,
        "pin": PIN,
        "billing_number": "+12025550100",
    }
    fields.update(changes)
    return PortAccount(**fields)


def drive(
    flow: Generator[httpx.Request, httpx.Response, Any], answers: list[Answer]
) -> tuple[Any, list[httpx.Request]]:
    """Run a flow on canned answers (an exception is thrown into it); its result and what it sent."""
    sent: list[httpx.Request] = []
    try:
        request = next(flow)
        while True:
            sent.append(request)
            assert answers, f"the flow sent more than expected: {request.method} {request.url}"
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                request = flow.throw(answer)
                continue
            response = answer(request) if callable(answer) else answer
            response.request = request
            request = flow.send(response)
    except StopIteration as stop:
        assert not answers, f"{len(answers)} answers left unused"
        return stop.value, sent


def _json(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


def _port(
    sid: str, numbers: dict[str, str], request_status: str = "In progress", **extra: Any
) -> dict[str, Any]:
    return {
        "port_in_request_sid": sid,
        "account_sid": ACCOUNT,
        "port_in_request_status": request_status,
        "date_created": "2026-01-05T15:00:00Z",
        "losing_carrier_information": {"customer_name": "Acme Clinic", "account_number": ACCOUNT_NUMBER},
        "phone_numbers": [
            {"phone_number": n, "port_in_phone_number_status": s, "port_in_phone_number_sid": "PU" + n[-4:]}
            for n, s in numbers.items()
        ],
        "documents": ["RD" + "0" * 32],
        **extra,
    }


def _listing(sids: list[tuple[str, str]], next_token: str | None = None) -> httpx.Response:
    items = [{"port_in_request_sid": s, "port_in_request_status": st} for s, st in sids]
    return _json(200, {"port_in_requests": items, "meta": {"next_token": next_token, "previous_token": None}})


KW = "KW" + "a" * 32
KW2 = "KW" + "b" * 32


# -- statuses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("in_review", PortStatus.SUBMITTED),
        ("port_submitted", PortStatus.SUBMITTED),
        ("In review", PortStatus.SUBMITTED),
        ("In Review", PortStatus.SUBMITTED),
        ("In progress", PortStatus.SUBMITTED),
        ("waiting_for_signature", PortStatus.ACTION_REQUIRED),
        ("Waiting for Signature", PortStatus.ACTION_REQUIRED),
        ("Action Required", PortStatus.ACTION_REQUIRED),
        ("port_pending", PortStatus.SCHEDULED),
        ("completed", PortStatus.COMPLETED),
        ("port_rejected", PortStatus.REJECTED),
        ("canceled", PortStatus.CANCELLED),
        ("canceling", PortStatus.CANCELLED),
        ("Canceled", PortStatus.CANCELLED),
        ("Expired", PortStatus.CANCELLED),
        ("pending", PortStatus.UNKNOWN),
        ("on_hold", PortStatus.UNKNOWN),
        (None, PortStatus.UNKNOWN),
    ],
)
def test_twilio_statuses_map_and_unknown_is_never_guessed(text: str | None, status: PortStatus) -> None:
    assert port_status(text) is status


def test_a_request_takes_its_least_advanced_open_number_and_each_number_keeps_its_own() -> None:
    body = _port(
        KW,
        {"+12025550100": "port_pending", "+12025550101": "in_review", "+12025550102": "completed"},
        port_date=None,
    )
    body["phone_numbers"][0]["port_date"] = "2026-01-08T15:00:00Z"
    port = port_in_from_wire(body)
    assert port.status is PortStatus.SUBMITTED
    assert [n.status for n in port.numbers] == [
        PortStatus.SCHEDULED,
        PortStatus.SUBMITTED,
        PortStatus.COMPLETED,
    ]
    assert port.foc_date == dt.datetime(2026, 1, 8, 15, tzinfo=dt.UTC)
    assert port.created_at == dt.datetime(2026, 1, 5, 15, tzinfo=dt.UTC)


def test_an_unknown_number_status_makes_the_request_unknown_with_the_text_in_raw() -> None:
    port = port_in_from_wire(_port(KW, {"+12025550100": "port_pending", "+12025550101": "on_hold"}))
    assert port.status is PortStatus.UNKNOWN
    assert port.numbers[1].status is PortStatus.UNKNOWN
    assert port.raw["phone_numbers"][1]["port_in_phone_number_status"] == "on_hold"


def test_rejections_and_cancellation_are_the_problems_and_the_request_waits_on_an_action() -> None:
    body = _port(KW, {"+12025550100": "port_rejected", "+12025550101": "in_review"}, "Action Required")
    body["phone_numbers"][0]["rejection_reason"] = "INVALID_PIN"
    port = port_in_from_wire(body)
    assert port.status is PortStatus.ACTION_REQUIRED
    assert port.numbers[0].reason == "INVALID_PIN"
    assert port.problems == ("+12025550100: INVALID_PIN",)
    done = port_in_from_wire(
        _port(KW, {"+12025550100": "canceled"}, "Canceled", order_cancellation_reason="Customer asked")
    )
    assert (done.status, done.problems) == (PortStatus.CANCELLED, ("Customer asked",))


def test_scheduled_without_a_port_date_takes_the_target_date() -> None:
    body = _port(KW, {"+12025550100": "port_pending"}, target_port_in_date="2026-02-02")
    assert port_in_from_wire(body).foc_date == dt.date(2026, 2, 2)
    submitted = _port(KW, {"+12025550100": "in_review"}, target_port_in_date="2026-02-02")
    assert port_in_from_wire(submitted).foc_date is None  # asked for, not confirmed


def test_the_account_number_and_pins_twilio_echoes_are_masked_in_raw() -> None:
    body = _port(KW, {"+12025550100": "in_review"})
    body["phone_numbers"][0]["pin"] = PIN
    port = port_in_from_wire(body)
    text = repr(port) + json.dumps(dict(port.raw))
    assert ACCOUNT_NUMBER not in text
    assert PIN not in text
    assert port.raw["losing_carrier_information"]["customer_name"] == "Acme Clinic"


def test_answers_that_are_not_the_documented_shape_are_format_errors() -> None:
    with pytest.raises(ResponseFormatError):
        port_in_from_wire({"phone_numbers": []})
    with pytest.raises(ResponseFormatError):
        port_in_from_wire({"port_in_request_sid": KW, "phone_numbers": "+12025550100"})
    with pytest.raises(ResponseFormatError):
        port_in_from_wire({"port_in_request_sid": KW, "phone_numbers": [{"phone_number": "not a number"}]})


# -- portability -----------------------------------------------------------------------------


def test_portability_asks_once_per_number_on_the_numbers_host() -> None:
    answers: list[Answer] = [
        _json(
            200, {"phone_number": "+12025550100", "portable": True, "pin_and_account_number_required": True}
        ),
        _json(
            200,
            {
                "phone_number": "+18001234567",
                "portable": False,
                "not_portable_reason": "MANUAL_PORTING_AVAILABLE",
                "not_portable_reason_code": 22133,
            },
        ),
    ]
    results, sent = drive(_adapter().check_portability(("+12025550100", "+18001234567")), answers)
    assert [r.url.raw_path for r in sent] == [
        b"/v1/Porting/Portability/PhoneNumber/%2B12025550100",
        b"/v1/Porting/Portability/PhoneNumber/%2B18001234567",
    ]
    assert {r.url.host for r in sent} == {"numbers.twilio.com"}
    assert [(p.portable, p.reason, p.pin_required) for p in results] == [
        (True, None, True),
        (False, "MANUAL_PORTING_AVAILABLE", None),
    ]


def test_a_400_carrying_the_portability_fields_is_an_answer_not_an_error() -> None:
    body = {
        "phone_number": "+12025550100",
        "portable": False,
        "not_portable_reason": "ALREADY_IN_TWILIO_DIFFERENT_OWNER",
        "not_portable_reason_code": 22132,
    }
    (result,), _ = drive(_adapter().check_portability(("+12025550100",)), [_json(400, body)])
    assert (result.portable, result.reason) == (False, "ALREADY_IN_TWILIO_DIFFERENT_OWNER")


def test_portable_null_is_not_a_yes() -> None:
    result = portability_from_wire({"phone_number": "+12025550100", "portable": None}, "+12025550100")
    assert (result.portable, result.reason) == (False, None)


# -- port in -----------------------------------------------------------------------------------


def _uploaded(request: httpx.Request) -> httpx.Response:
    assert request.url == "https://numbers-upload.twilio.com/v1/Documents"
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    content = request.content
    assert b'name="document_type"\r\n\r\nutility_bill' in content
    assert b'name="File"; filename="utility_bill"' in content
    assert b"Content-Type: application/pdf" in content
    assert BILL in content
    return _json(201, {"sid": "RD" + "d" * 32, "document_type": "utility_bill"})


def _created(sid: str) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        numbers = {item["phone_number"]: "in_review" for item in body["phone_numbers"]}
        return _json(202, _port(sid, numbers, "In review"))

    return answer


def test_port_in_uploads_the_bill_then_creates_the_request_as_the_spec_says() -> None:
    flow = _adapter().port_in(
        ("+12025550100", "+12025550101"),
        account=_account(),
        documents=PortDocuments(invoice=BILL),
        date=dt.date(2026, 2, 2),
    )
    (port,), sent = drive(flow, [_uploaded, _created(KW)])
    create = sent[1]
    assert (create.method, str(create.url)) == ("POST", "https://numbers.twilio.com/v1/Porting/PortIn")
    assert create.headers["Content-Type"] == "application/json"
    assert json.loads(create.content) == {
        "account_sid": ACCOUNT,
        "documents": ["RD" + "d" * 32],
        "phone_numbers": [
            {"phone_number": "+12025550100", "pin": PIN},
            {"phone_number": "+12025550101", "pin": PIN},
        ],
        "losing_carrier_information": {
            "customer_type": "Business",
            "customer_name": "Acme Clinic",
            "authorized_representative": "Pat Example",
            "authorized_representative_email": "pat@example.com",
            "account_number": ACCOUNT_NUMBER,
            "account_telephone_number": "+12025550100",
            "address": {"street": "1 Main St", "street_2": "Suite 5", "city": "Springfield", "state": "IL",
                        "zip": "62701", "country": "US"},
        },
        "target_port_in_date": "2026-02-02",
    }  # fmt: skip
    assert (port.id, port.status) == (KW, PortStatus.SUBMITTED)


def test_an_individual_without_pin_or_account_number_sends_neither() -> None:
    account = _account(kind="individual", pin=None, account_number=None, billing_number=None)
    flow = _adapter().port_in(
        ("+12025550100",), account=account, documents=PortDocuments(invoice=BILL), date=None
    )
    _, sent = drive(flow, [_uploaded, _created(KW)])
    body = json.loads(sent[1].content)
    assert body["phone_numbers"] == [{"phone_number": "+12025550100"}]
    carrier = body["losing_carrier_information"]
    assert carrier["customer_type"] == "Individual"
    assert not {"account_number", "account_telephone_number"} & set(carrier)
    assert "target_port_in_date" not in body


def test_more_than_1000_numbers_are_split_into_requests_of_at_most_1000() -> None:
    numbers = tuple(f"+1202555{i:04d}" for i in range(2345))
    flow = _adapter().port_in(numbers, account=_account(), documents=PortDocuments(invoice=BILL), date=None)
    ports, sent = drive(flow, [_uploaded, _created(KW), _created(KW2), _created("KW" + "c" * 32)])
    sizes = [len(json.loads(r.content)["phone_numbers"]) for r in sent[1:]]
    assert sizes == [1000, 1000, 345]
    assert [n.number for p in ports for n in p.numbers] == list(numbers)
    assert sum(1 for r in sent if "Documents" in r.url.path) == 1  # one bill for every request


def test_a_required_field_or_the_bill_missing_is_refused_before_anything_is_sent() -> None:
    adapter = _adapter()
    with pytest.raises(ValueError, match="utility bill"):
        adapter.check_port_in(("+12025550100",), account=_account(), documents=PortDocuments(), date=None)
    with pytest.raises(ValueError, match="10 MB"):
        adapter.check_port_in(
            ("+12025550100",),
            account=_account(),
            documents=PortDocuments(invoice=b"x" * (10 * 1024 * 1024 + 1)),
            date=None,
        )
    flow = adapter.port_in(("+12025550100",), account=_account(), documents=PortDocuments(), date=None)
    with pytest.raises(ValueError, match="utility bill"):
        next(flow)


@pytest.mark.parametrize(
    "failure",
    [TransportError("connection lost"), _json(503, {"code": 20503, "message": "down"})],
    ids=["connection-lost", "503"],
)
def test_an_unclear_create_that_took_effect_is_found_and_never_sent_again(failure: Answer) -> None:
    numbers = ("+12025550100", "+12025550101")
    flow = _adapter().port_in(numbers, account=_account(), documents=PortDocuments(invoice=BILL), date=None)
    answers: list[Answer] = [
        _uploaded,
        failure,
        _listing([(KW2, "Completed"), (KW, "In review")]),
        _json(200, _port(KW, dict.fromkeys(numbers, "in_review"), "In review")),
    ]
    (port,), sent = drive(flow, answers)
    assert port.id == KW
    assert [r.method for r in sent].count("POST") == 2  # the upload and one create
    assert sent[2].url.path == "/v1/Porting/PortIn/PortInRequests"
    assert sent[3].url.path == f"/v1/Porting/PortIn/{KW}"  # the done request was not even fetched


def test_an_unclear_create_that_did_not_take_effect_is_sent_again_once_looked_for() -> None:
    flow = _adapter().port_in(
        ("+12025550100",), account=_account(), documents=PortDocuments(invoice=BILL), date=None
    )
    answers: list[Answer] = [
        _uploaded,
        TransportError("timed out"),
        _listing([(KW2, "In review")]),
        _json(200, _port(KW2, {"+12025550199": "in_review"}, "In review")),  # holds another number
        _created(KW),
    ]
    (port,), sent = drive(flow, answers)
    assert port.id == KW
    assert [r.url.path for r in sent].count("/v1/Porting/PortIn") == 2


def test_creates_that_keep_failing_stop_after_three_sends_with_the_error() -> None:
    flow = _adapter().port_in(
        ("+12025550100",), account=_account(), documents=PortDocuments(invoice=BILL), date=None
    )
    answers: list[Answer] = [_uploaded]
    for _ in range(3):
        answers += [_json(502, {"code": 20502, "message": "Bad gateway"}), _listing([])]
    with pytest.raises(ServerError):
        drive(flow, answers)


def test_a_refused_create_is_raised_at_once() -> None:
    flow = _adapter().port_in(
        ("+12025550100",), account=_account(), documents=PortDocuments(invoice=BILL), date=None
    )
    refusal = _json(400, {"code": 22137, "message": "Port is already in progress", "status": 400})
    with pytest.raises(Exception, match="already in progress") as caught:
        drive(flow, [_uploaded, refusal])
    assert getattr(caught.value, "code", None) == 22137


# -- get, list, cancel ---------------------------------------------------------------------------


def test_get_percent_encodes_the_id() -> None:
    _, sent = drive(_adapter().get_port_in("KW../x"), [_json(200, _port(KW, {"+12025550100": "in_review"}))])
    assert sent[0].url.raw_path == b"/v1/Porting/PortIn/KW%2E%2E%2Fx"


def test_list_pages_by_token_fetches_each_request_and_open_only_skips_done_ones() -> None:
    answers: list[Answer] = [
        _listing([(KW, "In review"), (KW2, "Completed")], next_token="KW" + "c" * 32),
        _json(200, _port(KW, {"+12025550100": "in_review"}, "In review")),
    ]
    page, sent = drive(_adapter().list_port_ins_page(True, None), answers)
    assert [p.id for p in page.items] == [KW]
    assert page.next == "KW" + "c" * 32
    assert dict(sent[0].url.params) == {"Size": "100"}
    answers = [
        _listing([(KW2, "Completed")]),
        _json(200, _port(KW2, {"+12025550101": "completed"}, "Completed")),
    ]
    page, sent = drive(_adapter().list_port_ins_page(False, "KW" + "c" * 32), answers)
    assert [p.status for p in page.items] == [PortStatus.COMPLETED]
    assert sent[0].url.params["Token"] == "KW" + "c" * 32
    assert page.next is None


def test_cancel_deletes_then_reads_the_request_back() -> None:
    answers: list[Answer] = [
        httpx.Response(204),
        _json(200, _port(KW, {"+12025550100": "canceled"}, "Canceled")),
    ]
    port, sent = drive(_adapter().cancel_port_in(KW), answers)
    assert [(r.method, r.url.path) for r in sent] == [
        ("DELETE", f"/v1/Porting/PortIn/{KW}"),
        ("GET", f"/v1/Porting/PortIn/{KW}"),
    ]
    assert port.status is PortStatus.CANCELLED


def test_a_cancel_lost_on_the_way_back_is_not_sent_again_once_it_shows() -> None:
    cancelled = _json(200, _port(KW, {"+12025550100": "canceled"}, "Canceled"))
    answers: list[Answer] = [TransportError("connection lost"), cancelled, cancelled]
    port, sent = drive(_adapter().cancel_port_in(KW), answers)
    assert [r.method for r in sent] == ["DELETE", "GET", "GET"]
    assert port.status is PortStatus.CANCELLED


def test_the_signalwire_dialect_has_no_porting() -> None:
    adapter = TwilioAdapter(
        account_sid="proj", auth_token="t" * 20, base_url="https://x.signalwire.com/api/laml"
    )
    assert not adapter.numbers
    from phonefleet import Feature

    assert Feature.PORT_IN not in adapter.features
    assert Feature.PORT_IN in _adapter().features
    assert not adapter.is_own_origin(httpx.URL("https://numbers.twilio.com/v1/Porting/PortIn"))
    assert _adapter().is_own_origin(httpx.URL("https://numbers-upload.twilio.com/v1/Documents"))
