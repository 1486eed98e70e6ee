"""Twilio's Port In API wire format (numbers.twilio.com/v1/Porting): statuses,
answers read into the porting model, and the request body we send.

Read from `twilio_numbers_v1.json` (twilio/twilio-oai) and twilio-python's
`rest/numbers/v1/porting_port_in.py`. Twilio echoes the losing carrier's
account number and the numbers' port-out pin in its answers: both are
masked in `raw`, so a secret never leaves this module in a `PortIn`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

from phonefleet import Portability, PortAccount, PortedNumber, PortIn, PortStatus, ResponseFormatError
from phonefleet.adapter import e164_from_wire, least_advanced, parse_datetime, shorten

from ._wire import PROVIDER

__all__ = [
    "MASK",
    "document_mime",
    "listed_status",
    "port_in_body",
    "port_in_from_wire",
    "port_status",
    "portability_from_wire",
]

#: what replaces a secret Twilio echoes back (account number, pin) in `raw`
MASK: Final = "***"

#: Twilio's statuses (per number, and per request in its own words), by their
#: words in lower case joined with "_"; anything else is UNKNOWN, never guessed
_STATUSES: Final = {
    "in_review": PortStatus.SUBMITTED,
    "port_submitted": PortStatus.SUBMITTED,
    "in_progress": PortStatus.SUBMITTED,
    "waiting_for_signature": PortStatus.ACTION_REQUIRED,
    "action_required": PortStatus.ACTION_REQUIRED,
    "port_pending": PortStatus.SCHEDULED,
    "completed": PortStatus.COMPLETED,
    "port_rejected": PortStatus.REJECTED,
    "canceled": PortStatus.CANCELLED,
    "canceling": PortStatus.CANCELLED,
    "expired": PortStatus.CANCELLED,
}


def port_status(value: object) -> PortStatus:
    """A Twilio status (`in_review`, "In review", `port_pending`, ...) as a `PortStatus`."""
    if not isinstance(value, str):
        return PortStatus.UNKNOWN
    return _STATUSES.get("_".join(value.casefold().split()), PortStatus.UNKNOWN)


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _object(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        msg = f"expected {what} to be a JSON object, got {type(value).__name__}"
        raise ResponseFormatError(msg, provider=PROVIDER)
    return value


def _masked(body: Mapping[str, Any]) -> dict[str, Any]:
    """The answer with the account number and every pin masked (the rest untouched)."""
    copy = dict(body)
    carrier = copy.get("losing_carrier_information")
    if isinstance(carrier, dict) and carrier.get("account_number") not in (None, ""):
        copy["losing_carrier_information"] = {**carrier, "account_number": MASK}
    if copy.get("port_out_pin") is not None:
        copy["port_out_pin"] = MASK
    numbers = copy.get("phone_numbers")
    if isinstance(numbers, list):
        copy["phone_numbers"] = [
            {**item, **{key: MASK for key in ("pin", "port_out_pin") if item.get(key) is not None}}
            if isinstance(item, dict)
            else item
            for item in numbers
        ]
    return copy


def portability_from_wire(body: object, asked: str) -> Portability:
    """One answer of `GET /v1/Porting/Portability/PhoneNumber/{PhoneNumber}`.

    `portable` null (not evaluated) is not a yes: the number is reported not
    portable, with no reason invented.
    """
    data = _object(body, "the portability answer")
    number = data.get("phone_number")
    found = asked if number is None else e164_from_wire(number, "phone_number", provider=PROVIDER)
    portable = data.get("portable")
    required = data.get("pin_and_account_number_required")
    reason = _text(data.get("not_portable_reason"))
    code = data.get("not_portable_reason_code")
    if reason is None and isinstance(code, int) and not isinstance(code, bool):
        reason = str(code)
    return Portability(
        number=found,
        portable=portable is True,
        reason=None if portable is True else reason,
        fast=None,
        pin_required=required if isinstance(required, bool) else None,
        raw=data,
    )


def _date(value: object, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    msg = f"expected {field} to be an ISO 8601 date, got {shorten(value, 40, quote=True)}"
    raise ResponseFormatError(msg, provider=PROVIDER)


def port_in_from_wire(body: object) -> PortIn:
    """A port-in request (`numbers.v1.porting_port_in`) as a `PortIn`.

    Each number keeps its own status; the request's is the least advanced
    open one of its numbers (the request's own status when it lists none),
    and ACTION_REQUIRED when Twilio says the request needs an action.
    `foc_date` is the latest confirmed `port_date` of its numbers (the
    `target_port_in_date` once scheduled, if no number has one).
    """
    data = _object(body, "the port-in request")
    sid = _text(data.get("port_in_request_sid"))
    if sid is None:
        msg = "the port-in request has no port_in_request_sid"
        raise ResponseFormatError(msg, provider=PROVIDER)
    items = data.get("phone_numbers") or []
    if not isinstance(items, list):
        msg = f"expected phone_numbers to be a list, got {type(items).__name__}"
        raise ResponseFormatError(msg, provider=PROVIDER)
    numbers: list[PortedNumber] = []
    problems: list[str] = []
    port_dates: list[dt.datetime] = []
    updates: list[dt.datetime] = []
    for entry in items:
        item = _object(entry, "a phone_numbers entry")
        number = e164_from_wire(item.get("phone_number"), "phone_numbers[].phone_number", provider=PROVIDER)
        reason = _text(item.get("rejection_reason"))
        if reason is None and item.get("portable") is False:
            reason = _text(item.get("not_portability_reason"))
        numbers.append(PortedNumber(number, port_status(item.get("port_in_phone_number_status")), reason))
        if reason is not None:
            problems.append(f"{number}: {reason}")
        if (moment := parse_datetime(item.get("port_date"), provider=PROVIDER)) is not None:
            port_dates.append(moment)
        updated = parse_datetime(item.get("status_last_time_updated_timestamp"), provider=PROVIDER)
        if updated is not None:
            updates.append(updated)
    requested = port_status(data.get("port_in_request_status"))
    if numbers:
        status = least_advanced(n.status for n in numbers)
        if requested is PortStatus.ACTION_REQUIRED and not status.done:
            status = requested
    else:
        status = requested
    if (cancelled := _text(data.get("order_cancellation_reason"))) is not None:
        problems.append(cancelled)
    foc: dt.date | dt.datetime | None = max(port_dates) if port_dates else None
    if foc is None and status is PortStatus.SCHEDULED:
        foc = _date(data.get("target_port_in_date"), "target_port_in_date")
    return PortIn(
        provider=PROVIDER,
        id=sid,
        status=status,
        numbers=tuple(numbers),
        foc_date=foc,
        problems=tuple(problems),
        created_at=parse_datetime(data.get("date_created"), provider=PROVIDER),
        updated_at=max(updates) if updates else None,
        raw=_masked(data),
    )


def listed_status(item: object) -> tuple[str, PortStatus]:
    """The sid and status of one entry of `GET /v1/Porting/PortIn/PortInRequests`."""
    data = _object(item, "a port_in_requests entry")
    sid = _text(data.get("port_in_request_sid"))
    if sid is None:
        msg = "a port_in_requests entry has no port_in_request_sid"
        raise ResponseFormatError(msg, provider=PROVIDER)
    return sid, port_status(data.get("port_in_request_status"))


def port_in_body(
    numbers: tuple[str, ...],
    *,
    account_sid: str,
    account: PortAccount,
    documents: list[str],
    date: dt.date | None,
) -> dict[str, Any]:
    """The JSON body of `POST /v1/Porting/PortIn` (`numbers.v1.porting_port_in_create`)."""
    address = account.address
    wire_address = {
        "street": address.street,
        "city": address.city,
        "state": address.region,
        "zip": address.postal_code,
        "country": address.country,
    }
    if address.street_2:
        wire_address["street_2"] = address.street_2
    carrier: dict[str, Any] = {
        "customer_type": "Business" if account.kind == "business" else "Individual",
        "customer_name": account.name,
        "authorized_representative": account.authorized_name,
        "authorized_representative_email": account.authorized_email,
        "address": wire_address,
    }
    if account.account_number:
        carrier["account_number"] = account.account_number
    if account.billing_number:
        carrier["account_telephone_number"] = account.billing_number
    phone_numbers = [
        {"phone_number": number, **({"pin": account.pin} if account.pin else {})} for number in numbers
    ]
    body: dict[str, Any] = {
        "account_sid": account_sid,
        "documents": documents,
        "phone_numbers": phone_numbers,
        "losing_carrier_information": carrier,
    }
    if date is not None:
        body["target_port_in_date"] = date.isoformat()
    return body


def document_mime(content: bytes) -> str:
    """The media type of an uploaded bill, from its first bytes (Twilio takes a PDF or an image)."""
    if content.startswith(b"%PDF"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if content.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    return "application/octet-stream"
