"""Telnyx porting on the wire: `PortingOrder`, `PortabilityCheckDetails` and
`PortingOrderRequirementDetail` -> the neutral porting model, and a
`PortAccount` -> the order's `end_user`.

Status is `status.value` (`PortingOrderStatus`); a value the spec does not
list is UNKNOWN with its text kept in `raw`, never guessed. Each number keeps
its own `porting_order_status`. `problems` are `status.details` (the
exception types: code and description) and, where read, the unmet
requirements. Anything that is not the documented shape is a
ResponseFormatError, never a KeyError or TypeError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any, Final

from phonefleet import (
    Portability,
    PortAccount,
    PortedNumber,
    PortIn,
    PortStatus,
    ResponseFormatError,
)
from phonefleet.adapter import e164_from_wire, parse_datetime, shorten

from ._wire import PROVIDER

__all__ = [
    "APPROVED",
    "DONE_STATUSES",
    "FOC_TIME",
    "MASK",
    "SECRET_FIELDS",
    "STATUSES",
    "account_to_wire",
    "foc_requested",
    "is_open",
    "order_from_wire",
    "orders_from_wire",
    "portability_from_wire",
    "status_of",
    "unmet_requirements",
]

#: `PortingOrderStatus.value` -> PortStatus (issue 20's table)
STATUSES: Final = {
    "draft": PortStatus.DRAFT,
    "in-process": PortStatus.SUBMITTED,
    "submitted": PortStatus.SUBMITTED,
    "exception": PortStatus.ACTION_REQUIRED,
    "foc-date-confirmed": PortStatus.SCHEDULED,
    "ported": PortStatus.COMPLETED,
    "cancelled": PortStatus.CANCELLED,
    "cancel-pending": PortStatus.CANCELLED,
}
#: the values after which an order holds its numbers no more
DONE_STATUSES: Final = frozenset({"ported", "cancelled", "cancel-pending"})
#: `requirement_status` of a requirement that is met
APPROVED: Final = "approved"
#: the time of day a requested FOC date is sent with: a business-hours slot
#: in every US time zone (Telnyx takes a date-time; we are given a date)
FOC_TIME: Final = time(16, 0, tzinfo=UTC)


def _bad(message: str) -> ResponseFormatError:
    return ResponseFormatError(message, provider=PROVIDER)


def _object(value: object, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        msg = f"expected {what} to be an object, got {type(value).__name__}"
        raise _bad(msg)
    return value


def _text(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value
    msg = f"expected {key} to be a string or null, got {type(value).__name__}"
    raise _bad(msg)


def _number(value: object, field: str) -> str:
    """A porting number: +E.164, or its digits alone (the spec's examples show both)."""
    if isinstance(value, str) and value.isdigit():
        value = "+" + value
    return e164_from_wire(value, field, provider=PROVIDER)


def status_of(value: object) -> PortStatus:
    """A `status.value` (or `porting_order_status`) as a PortStatus; UNKNOWN when not in the spec."""
    return STATUSES.get(value, PortStatus.UNKNOWN) if isinstance(value, str) else PortStatus.UNKNOWN


def _problems(status: Mapping[str, Any]) -> list[str]:
    details = status.get("details")
    if details is None:
        return []
    if not isinstance(details, list):
        msg = f"expected status.details to be a list, got {type(details).__name__}"
        raise _bad(msg)
    found = []
    for item in details:
        detail = _object(item, "a status detail")
        code, description = _text(detail, "code"), _text(detail, "description")
        text = f"{code}: {description}" if code and description else (description or code)
        if text:
            found.append(text)
    return found


#: `end_user.admin` fields Telnyx echoes back that are the holder's secrets
SECRET_FIELDS: Final = ("pin_passcode", "account_number")
#: what a secret echoed by Telnyx reads as in `raw`
MASK: Final = "***"


def _masked(order: Mapping[str, Any]) -> Mapping[str, Any]:
    """The order with the pin and account number Telnyx echoes blanked out:
    `raw` is kept, journaled and printed, and must never carry them."""
    end_user = order.get("end_user")
    if not isinstance(end_user, dict):
        return order
    admin = end_user.get("admin")
    if not isinstance(admin, dict) or not any(admin.get(key) for key in SECRET_FIELDS):
        return order
    masked = {key: (MASK if key in SECRET_FIELDS and value else value) for key, value in admin.items()}
    return {**order, "end_user": {**end_user, "admin": masked}}


def order_from_wire(record: object, requirements: Sequence[str] = ()) -> PortIn:
    """A `PortingOrder` -> PortIn; `requirements` are the unmet ones, already read.
    `raw` is the order with the echoed pin and account number masked."""
    order = _object(record, "a porting order")
    ident = order.get("id")
    if not isinstance(ident, str) or not ident:
        msg = f"a porting order has no id (got {shorten(ident, 40, quote=True)})"
        raise _bad(msg)
    status_record = _object(order.get("status"), "status")
    status = status_of(status_record.get("value"))
    phone_numbers = order.get("phone_numbers")
    if phone_numbers is None:
        phone_numbers = []
    if not isinstance(phone_numbers, list):
        msg = f"expected phone_numbers to be a list, got {type(phone_numbers).__name__}"
        raise _bad(msg)
    numbers = []
    for item in phone_numbers:
        entry = _object(item, "a porting phone number")
        own = entry.get("porting_order_status")
        numbers.append(
            PortedNumber(
                number=_number(entry.get("phone_number"), "phone_numbers[].phone_number"),
                status=status_of(own) if own is not None else status,
            )
        )
    settings = _object(order.get("activation_settings"), "activation_settings")
    foc = parse_datetime(settings.get("foc_datetime_actual"), provider=PROVIDER)
    return PortIn(
        provider=PROVIDER,
        id=ident,
        status=status,
        numbers=tuple(numbers),
        foc_date=foc,
        problems=(*_problems(status_record), *requirements),
        created_at=parse_datetime(order.get("created_at"), provider=PROVIDER),
        updated_at=parse_datetime(order.get("updated_at"), provider=PROVIDER),
        raw=_masked(order),
    )


def orders_from_wire(body: object) -> list[PortIn]:
    """The create answer: `{"data": [PortingOrder, ...]}` (one order per losing carrier)."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        msg = "expected the created porting orders as a data list"
        raise _bad(msg)
    orders = [order_from_wire(record) for record in body["data"]]
    if not orders:
        msg = "the porting order answer holds no order"
        raise _bad(msg)
    return orders


def is_open(order: Mapping[str, Any]) -> bool:
    """Whether a raw order still holds its numbers (draft, in process, exception, confirmed)."""
    status = order.get("status")
    value = status.get("value") if isinstance(status, dict) else None
    return value not in DONE_STATUSES


def unmet_requirements(records: Sequence[Any]) -> list[str]:
    """`PortingOrderRequirementDetail` records -> the vendor's words on each one not approved."""
    unmet = []
    for item in records:
        record = _object(item, "a porting requirement")
        state = _text(record, "requirement_status")
        if state == APPROVED:
            continue
        kind = _object(record.get("requirement_type"), "requirement_type")
        name = _text(kind, "name") or _text(kind, "description") or _text(kind, "id") or "a requirement"
        unmet.append(f"requirement {name}: {state or 'not met'}")
    return unmet


def portability_from_wire(body: object) -> list[Portability]:
    """`{"data": [PortabilityCheckDetails, ...]}` -> Portability, one per number."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        msg = "expected the portability results as a data list"
        raise _bad(msg)
    results = []
    for item in body["data"]:
        record = _object(item, "a portability result")
        portable = record.get("portable")
        if not isinstance(portable, bool):
            msg = f"expected portable to be true or false, got {shorten(portable, 40, quote=True)}"
            raise _bad(msg)
        fast = record.get("fast_portable")
        reason = _text(record, "not_portable_reason")
        results.append(
            Portability(
                number=_number(record.get("phone_number"), "phone_number"),
                portable=portable,
                reason=None if portable else (reason or None),
                fast=fast if isinstance(fast, bool) else None,
                raw=record,
            )
        )
    return results


def account_to_wire(account: PortAccount) -> dict[str, Any]:
    """The order's `end_user`: `admin` (the holder) and `location` (the service address)."""
    address = account.address
    return {
        "admin": {
            "entity_name": account.name,
            "auth_person_name": account.authorized_name,
            "account_number": account.account_number,
            "pin_passcode": account.pin,
            "billing_phone_number": account.billing_number,
        },
        "location": {
            "street_address": address.street,
            "extended_address": address.street_2,
            "locality": address.city,
            "administrative_area": address.region,
            "postal_code": address.postal_code,
            "country_code": address.country,
        },
    }


def foc_requested(day: date) -> str:
    """`activation_settings.foc_datetime_requested` for a requested port date."""
    return datetime.combine(day, FOC_TIME).strftime("%Y-%m-%dT%H:%M:%SZ")
