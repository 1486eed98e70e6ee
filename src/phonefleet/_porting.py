"""Porting: moving a number from its current carrier to another vendor.

The winning vendor files an order, the losing carrier checks the holder's
account data and confirms a date (the FOC date), and on that date the
number moves. These classes are that lifecycle, provider-neutral: values,
frozen, with the vendor's own payload kept in `raw`.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs

from ._identity import StoreIdentity

__all__ = [
    "CHECK_FRESH_FOR",
    "PortAccount",
    "PortAddress",
    "PortDocuments",
    "PortIn",
    "PortStatus",
    "Portability",
    "PortedNumber",
    "least_advanced",
]

_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


def _frozen(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not value:
        return _EMPTY
    if isinstance(value, MappingProxyType):
        return value
    return MappingProxyType(dict(value))


class PortStatus(enum.Enum):
    """Where a port stands; a vendor status we do not know is UNKNOWN, never guessed."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACTION_REQUIRED = "action_required"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def done(self) -> bool:
        """True once nothing more will happen: completed, rejected or cancelled."""
        return self in _DONE


_DONE: Final = frozenset({PortStatus.COMPLETED, PortStatus.REJECTED, PortStatus.CANCELLED})

# How far an open port has come: a request whose numbers disagree takes the
# least advanced one. UNKNOWN ranks lowest: we cannot claim more than we know.
_OPEN_RANK: Final = {
    PortStatus.UNKNOWN: 0,
    PortStatus.DRAFT: 1,
    PortStatus.ACTION_REQUIRED: 2,
    PortStatus.SUBMITTED: 3,
    PortStatus.SCHEDULED: 4,
}


def least_advanced(statuses: Iterable[PortStatus]) -> PortStatus:
    """The status of a request from its numbers' statuses.

    Any open number keeps the request open, at the least advanced open
    status. Once all are done: COMPLETED if every number completed, else
    REJECTED if any was rejected, else CANCELLED.
    """
    found = list(statuses)
    if not found:
        return PortStatus.UNKNOWN
    open_ = [s for s in found if not s.done]
    if open_:
        return min(open_, key=_OPEN_RANK.__getitem__)
    if all(s is PortStatus.COMPLETED for s in found):
        return PortStatus.COMPLETED
    if PortStatus.REJECTED in found:
        return PortStatus.REJECTED
    return PortStatus.CANCELLED


@attrs.frozen
class Portability:
    """Whether one number can be ported to the asking vendor, and why not.

    `fast` (the vendor can port it quickly, e.g. on-net) and `pin_required`
    are None when the vendor does not say. A store stamps each answer it
    gets with `checked_at` (UTC) and `checked_by` (its identity), so that
    `port_in(..., checked=...)` can trust a fresh answer of its own instead
    of asking again.
    """

    number: str
    portable: bool
    reason: str | None = None
    fast: bool | None = None
    pin_required: bool | None = None
    raw: Mapping[str, Any] = attrs.field(default=_EMPTY, eq=False, hash=False, repr=False, converter=_frozen)
    checked_at: datetime | None = attrs.field(default=None, eq=False, hash=False, repr=False)
    checked_by: StoreIdentity | None = attrs.field(default=None, eq=False, hash=False, repr=False)

    def fresh_for(self, identity: StoreIdentity, now: datetime) -> bool:
        """Whether this answer came from the store `identity` less than `CHECK_FRESH_FOR` before `now`."""
        return (
            self.checked_by == identity
            and self.checked_at is not None
            and self.checked_at.tzinfo is not None
            and timedelta(0) <= now - self.checked_at <= CHECK_FRESH_FOR
        )


#: how long a store's own portability answer is trusted by `port_in(..., checked=...)`:
#: an older one is asked again (a number can be ported elsewhere, or locked, meanwhile)
CHECK_FRESH_FOR: Final = timedelta(minutes=15)


@attrs.frozen
class PortAddress:
    """The service address on the holder's bill at the losing carrier."""

    street: str
    city: str
    region: str
    postal_code: str
    country: str
    street_2: str | None = None


def _check_kind(_: object, __: object, value: object) -> None:
    if value not in ("business", "individual"):
        msg = f"kind must be 'business' or 'individual', got {value!r}"
        raise ValueError(msg)


def _check_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        msg = f"{attribute.name} must be a non-empty string"
        raise ValueError(msg)


def _check_optional_secret(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # never echo the value: it is a secret
    if value is not None and (not isinstance(value, str) or not value.strip()):
        msg = f"{attribute.name} must be a non-empty string or None"
        raise ValueError(msg)


@attrs.frozen
class PortAccount:
    """The holder's account at the losing carrier, as printed on its bill.

    `pin` and `account_number` are secrets: they never show in a repr, a
    str, an error, a log line or a cassette.
    """

    name: str = attrs.field(validator=_check_text)
    authorized_name: str = attrs.field(validator=_check_text)
    authorized_email: str = attrs.field(validator=_check_text)
    address: PortAddress = attrs.field(validator=attrs.validators.instance_of(PortAddress))
    account_number: str | None = attrs.field(default=None, repr=False, validator=_check_optional_secret)
    pin: str | None = attrs.field(default=None, repr=False, validator=_check_optional_secret)
    billing_number: str | None = None
    kind: Literal["business", "individual"] = attrs.field(default="business", validator=_check_kind)

    def secrets(self) -> tuple[str, ...]:
        """The values to scrub from anything a port operation writes or raises."""
        return tuple(value for value in (self.pin, self.account_number) if value)


#: a document given as its bytes, or as the path of a file holding them
Document = bytes | str | os.PathLike[str]


@attrs.frozen
class PortDocuments:
    """The papers a port needs: the signed letter of authorization and a recent bill.

    Each is `bytes` or a path to a file; paths are read (and an unreadable
    one refused) before any request is sent.
    """

    loa: Document | None = attrs.field(default=None, repr=False)
    invoice: Document | None = attrs.field(default=None, repr=False)

    def __repr__(self) -> str:
        def shown(value: Document | None) -> str:
            if value is None:
                return "None"
            if isinstance(value, bytes):
                return f"<{len(value)} bytes>"
            return repr(os.fspath(value))

        return f"PortDocuments(loa={shown(self.loa)}, invoice={shown(self.invoice)})"

    def read(self) -> PortDocuments:
        """The same documents with every path read into bytes; a clear ValueError if one cannot be."""
        return PortDocuments(loa=_read(self.loa, "loa"), invoice=_read(self.invoice, "invoice"))


def _read(value: Document | None, what: str) -> bytes | None:
    if value is None or isinstance(value, bytes):
        if value is not None and not value:
            msg = f"the {what} document is empty"
            raise ValueError(msg)
        return value
    if not isinstance(value, (str, os.PathLike)):
        msg = f"{what} must be bytes or a path, not {type(value).__name__}"
        raise TypeError(msg)
    path = os.fspath(value)
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        msg = f"cannot read the {what} document {path!r}: {exc.strerror or exc}"
        raise ValueError(msg) from None
    if not data:
        msg = f"the {what} document {path!r} is empty"
        raise ValueError(msg)
    return data


@attrs.frozen
class PortedNumber:
    """One number of a port order, with its own status (numbers of one order may differ)."""

    number: str
    status: PortStatus
    reason: str | None = None


@attrs.frozen
class PortIn:
    """A port-in order at the winning vendor.

    `foc_date` is the date the losing carrier confirmed (None until then);
    `problems` is the vendor's own words on what is wrong (rejection
    reasons, status details, unmet requirements).
    """

    provider: str
    id: str
    status: PortStatus
    numbers: tuple[PortedNumber, ...]
    foc_date: date | datetime | None = None
    problems: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = attrs.field(default=_EMPTY, eq=False, hash=False, repr=False, converter=_frozen)

    def holds(self, number: str) -> bool:
        """Whether this order carries `number` (E.164)."""
        return any(n.number == number for n in self.numbers)
