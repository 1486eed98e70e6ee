"""Linq records -> `PhoneNumber`: one careful path, one lean path for listings.

`number_from_record` is the source of truth: it checks every field and says
what was wrong. `numbers_from_list` is the hot path for a 10,000-number
listing: it assumes the documented shape, checks numbers in bulk with one
precompiled regex, interns the handful of distinct reputations, builds each
`PhoneNumber` directly, and falls back to the careful path for the whole
payload the moment anything is off, so both paths always agree.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import repeat
from operator import attrgetter, itemgetter
from types import MappingProxyType
from typing import Any, Final

import msgspec

from phonefleet import (
    PhoneNumber,
    Reputation,
    ReputationStatus,
    ResponseFormatError,
)
from phonefleet.adapter import RawJSON, build_numbers, e164_from_wire, shorten

from ._wire import PROVIDER

__all__ = ["gc_paused", "number_from_record", "numbers_from_list", "reputation_from"]

_CHUNK: Final = 1024
_E164_LINES: Final = re.compile(r"(?:\+[1-9][0-9]{1,14}\n)*")
_STATUSES: Final = {status.value: status for status in ReputationStatus}
_ID: Final = itemgetter("id")
_NUMBER: Final = itemgetter("phone_number")


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic GC while a listing is decoded and built.

    Tens of thousands of fresh containers (none of them in a cycle) would
    otherwise set off collections that walk every live object, over and over.
    The previous state is restored, so a caller who disabled GC keeps it off.
    """
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _fail(message: str) -> ResponseFormatError:
    return ResponseFormatError(message, provider=PROVIDER)


def _number(value: object, field: str) -> str:
    return e164_from_wire(value, field, provider=PROVIDER)


def reputation_from(value: object) -> Reputation | None:
    """`reputation` / `health_status`: None unless Linq sent a status we know."""
    if not isinstance(value, dict):
        return None
    text = value.get("status")
    status = _STATUSES.get(text) if isinstance(text, str) else None
    if status is None:
        return None
    doc_url = value.get("doc_url")
    return Reputation(status=status, doc_url=doc_url if isinstance(doc_url, str) else None)


def _record_reputation(record: Mapping[str, Any]) -> Reputation | None:
    # `health_status` is the deprecated alias; older payloads carry only it.
    value = record.get("reputation")
    if value is None:
        value = record.get("health_status")
    return reputation_from(value)


def number_from_record(record: object, *, with_reputation: bool = True) -> PhoneNumber:
    """One Linq phone number (list item or PUT answer), every field checked.

    The PUT answer has no reputation: `with_reputation=False` leaves it None
    rather than guessing.
    """
    if not isinstance(record, dict):
        msg = f"expected a phone number object, got {type(record).__name__}"
        raise _fail(msg)
    ident = record.get("id")
    if not isinstance(ident, str) or not ident:
        msg = "phone number without an 'id'"
        raise _fail(msg)
    if "phone_number" not in record:
        msg = f"phone number {shorten(ident, 40, quote=True)} has no 'phone_number'"
        raise _fail(msg)
    number = _number(record["phone_number"], "phone_number")
    forwarding = record.get("forwarding_number")
    forwarding = None if forwarding is None or forwarding == "" else _number(forwarding, "forwarding_number")
    return PhoneNumber(
        provider=PROVIDER,
        id=ident,
        number=number,
        forwarding_number=forwarding,
        reputation=_record_reputation(record) if with_reputation else None,
        raw=record,
    )


def _records(payload: object) -> list[Any]:
    if not isinstance(payload, dict):
        msg = f"expected an object with 'phone_numbers', got {type(payload).__name__}"
        raise _fail(msg)
    records = payload.get("phone_numbers")
    if not isinstance(records, list):
        msg = "the listing has no 'phone_numbers' list"
        raise _fail(msg)
    return records


def numbers_from_list(payload: object) -> list[PhoneNumber]:
    """`GET /v3/phone_numbers` -> PhoneNumbers, fast when the payload is as documented."""
    records = _records(payload)
    numbers: list[PhoneNumber] = []
    try:
        # In slices, so each slice's records and objects stay in the CPU cache
        # across the column passes of `_lean`.
        for start in range(0, len(records), _CHUNK):
            part = _lean(records[start : start + _CHUNK])
            if part is None:
                break
            numbers += part
        else:
            return numbers
    except (KeyError, TypeError, AttributeError, ValueError):
        pass
    return [number_from_record(record) for record in records]


def _lean(records: list[Any]) -> list[PhoneNumber] | None:
    """The documented shape, built column by column; None (or an exception) means: go the careful way.

    Each column is one C-level pass (`itemgetter`, `map`) and each field one
    `map` of its slot setter: the per-record work stays in C as far as Python
    allows, and each record is visited as few times as possible.
    """
    count = len(records)
    if not count:
        return []
    get = dict.get  # TypeError unless every record is a dict
    ids = list(map(_ID, records))
    numbers = list(map(_NUMBER, records))
    forwards = list(map(get, records, repeat("forwarding_number")))
    values: list[Any] = list(map(get, records, repeat("reputation")))
    if None in values:
        values = [
            value if value is not None else get(record, "health_status")
            for value, record in zip(values, records, strict=True)
        ]
    statuses = list(map(get, values, repeat("status")))  # TypeError on a record with neither
    docs = list(map(get, values, repeat("doc_url")))
    return _from_columns(
        ids=ids,
        numbers=numbers,
        forwards=forwards,
        statuses=statuses,
        docs=docs,
        raws=map(MappingProxyType, records),
    )


def _from_columns(
    *,
    ids: list[Any],
    numbers: list[Any],
    forwards: list[Any],
    statuses: list[Any],
    docs: list[Any],
    raws: Iterable[Mapping[str, Any]],
) -> list[PhoneNumber] | None:
    """PhoneNumbers from checked columns; None means: go the careful way."""
    # Checked in bulk, in C: ids are non-empty strings, numbers canonical E.164.
    "".join(ids)  # TypeError unless every id is a string
    if (
        "" in ids
        or "" in forwards
        or not _all_e164(numbers)
        or not _all_e164([f for f in forwards if f is not None])
    ):
        return None
    # Linq's doc link names the status's section, so the link alone usually
    # identifies a reputation: one dict of a few entries, checked in C.
    status_of = dict(zip(docs, statuses, strict=True))
    if list(map(status_of.__getitem__, docs)) == statuses:
        known = {doc: reputation_from({"status": st, "doc_url": doc}) for doc, st in status_of.items()}
        reputations: Iterable[Reputation | None] = map(known.__getitem__, docs)
    else:
        pairs = list(zip(statuses, docs, strict=True))
        by_pair = {pair: reputation_from({"status": pair[0], "doc_url": pair[1]}) for pair in set(pairs)}
        reputations = map(by_pair.__getitem__, pairs)
    return build_numbers(
        len(ids),
        {
            "id": ids,
            "number": numbers,
            "forwarding_number": forwards,
            "reputation": reputations,
            "raw": raws,
        },
        {"provider": PROVIDER},
    )


class _Reputation(msgspec.Struct):
    status: str
    doc_url: str | None = None


class _Record(msgspec.Struct):
    """The documented list item; other fields are ignored here and kept in raw."""

    id: str
    phone_number: str
    forwarding_number: str | None = None
    reputation: _Reputation | None = None
    health_status: _Reputation | None = None


class _Listing(msgspec.Struct):
    phone_numbers: list[_Record]


class _RawListing(msgspec.Struct):
    phone_numbers: list[msgspec.Raw]


_decode_listing: Final = msgspec.json.Decoder(_Listing).decode
_decode_raw_listing: Final = msgspec.json.Decoder(_RawListing).decode


def numbers_from_body(body: bytes) -> list[PhoneNumber] | None:
    """The listing straight from its bytes, when it has the documented shape.

    Typed decoding skips a dict per record; each number's `raw` keeps its
    record's bytes and decodes them on first use. None means: decode the
    body generically and take `numbers_from_list`.
    """
    try:
        records = _decode_listing(body).phone_numbers
        raws = _decode_raw_listing(body).phone_numbers
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None  # the careful path says what is wrong (nesting too deep included)
    if not records:
        return []
    values = list(map(_REPUTATION, records))
    if None in values:
        values = [v if v is not None else r.health_status for v, r in zip(values, records, strict=True)]
        if None in values:
            return None
    return _from_columns(
        ids=list(map(_ATTR_ID, records)),
        numbers=list(map(_ATTR_NUMBER, records)),
        forwards=list(map(_ATTR_FORWARD, records)),
        statuses=list(map(_STATUS, values)),
        docs=list(map(_DOC, values)),
        raws=RawJSON.many(raws),
    )


_REPUTATION: Final = attrgetter("reputation")
_ATTR_ID: Final = attrgetter("id")
_ATTR_NUMBER: Final = attrgetter("phone_number")
_ATTR_FORWARD: Final = attrgetter("forwarding_number")
_STATUS: Final = attrgetter("status")
_DOC: Final = attrgetter("doc_url")


def _all_e164(numbers: Sequence[Any]) -> bool:
    if not numbers:
        return True
    text = "\n".join(numbers) + "\n"
    return text.count("\n") == len(numbers) and _E164_LINES.fullmatch(text) is not None
