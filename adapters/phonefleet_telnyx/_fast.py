"""The hot path of a listing: a page of numbers and its voice settings, from bytes.

msgspec decodes only the fields phonefleet maps (typed, skipping the rest of
each record without building it) and keeps each record's own bytes for
`raw`, decoded on first use. The numbers are built column by column. Any
record off the documented shape makes this path give up (None), and the
careful path in `_mapping.py` reads the page instead, so the two always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import msgspec

from phonefleet import NumberType, PhoneNumber
from phonefleet.adapter import JoinedRawJSON, RawJSON, all_e164, build_numbers, next_page_number

from ._mapping import routing_of
from ._wire import ALWAYS, DELETED, NUMBER_TYPES, PROVIDER

__all__ = ["fast_page"]


class _Forwarding(msgspec.Struct):
    call_forwarding_enabled: bool = True  # the spec's default
    forwards_to: str | None = None
    forwarding_type: str | None = None


class _Voice(msgspec.Struct):
    id: str
    call_forwarding: _Forwarding | None = None


class _Number(msgspec.Struct):
    id: str
    phone_number: str
    status: str | None = None
    customer_reference: str | None = None
    phone_number_type: str | None = None
    country_iso_alpha2: str | None = None
    connection_id: str | None = None
    messaging_profile_id: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class _Meta(msgspec.Struct):
    page_number: int | None = None
    total_pages: int | None = None


class _Numbers(msgspec.Struct):
    data: list[_Number]
    meta: _Meta


class _Voices(msgspec.Struct):
    data: list[_Voice]


class _RawList(msgspec.Struct):
    data: list[msgspec.Raw]


_numbers: Final = msgspec.json.Decoder(_Numbers).decode
_voices: Final = msgspec.json.Decoder(_Voices).decode
_raws: Final = msgspec.json.Decoder(_RawList).decode


def _datetimes(values: list[str | None]) -> list[datetime | None] | None:
    try:
        return [None if v is None else datetime.fromisoformat(v) for v in values]
    except ValueError:
        return None


def fast_page(
    numbers_body: bytes, voice_body: bytes | None, asked: int
) -> tuple[list[PhoneNumber], str | None] | None:
    """The numbers of page `asked` and the next cursor, straight from the bytes; None:
    read it the careful way (a record off the shape, or a number the voice page lacks)."""
    try:
        page = _numbers(numbers_body)
        raws = _raws(numbers_body).data
        voices = _voices(voice_body).data if voice_body is not None else None
        voice_raws = _raws(voice_body).data if voice_body is not None else None
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None  # the careful path says what is wrong (nesting too deep included)
    following = next_page_number(page.meta.page_number, page.meta.total_pages, provider=PROVIDER, asked=asked)
    records = page.data
    if not records:
        return [], following
    ids = [r.id for r in records]
    numbers = [r.phone_number for r in records]
    # an id that cannot name its number in a URL: the careful reader says what is wrong
    if any(not i or i == "." or ".." in i for i in ids) or not all_e164(numbers):
        return None
    by_id: dict[str, tuple[_Voice, msgspec.Raw]] = {}
    if voices is not None and voice_raws is not None:
        by_id = dict(zip([v.id for v in voices], zip(voices, voice_raws, strict=True), strict=True))
        if not by_id.keys() >= set(ids):
            return None
    forwards: list[str | None] = []
    joined: list[Mapping[str, Any]] = []
    for ident, raw in zip(ids, raws, strict=True):
        entry = by_id.get(ident)
        if entry is None:
            forwards.append(None)
            joined.append(RawJSON(raw))
            continue
        voice, voice_raw = entry
        settings = voice.call_forwarding
        forward = None
        if settings is not None and settings.call_forwarding_enabled and settings.forwards_to:
            if settings.forwarding_type == ALWAYS:
                forward = settings.forwards_to
            elif not all_e164([settings.forwards_to]):
                return None  # the careful path names the bad number
        forwards.append(forward)
        joined.append(JoinedRawJSON(raw, "voice", voice_raw))
    if not all_e164([f for f in forwards if f is not None]):
        return None
    countries = [r.country_iso_alpha2 for r in records]
    for country in set(countries):
        if country is not None and not (len(country) == 2 and country.isalpha()):
            return None
    created = _datetimes([r.created_at for r in records])
    updated = _datetimes([r.updated_at for r in records])
    if created is None or updated is None:
        return None
    built = build_numbers(
        len(ids),
        {
            "id": ids,
            "number": numbers,
            "name": [r.customer_reference or None for r in records],
            "forwarding_number": forwards,
            "number_type": [NUMBER_TYPES.get(r.phone_number_type or "", NumberType.UNKNOWN) for r in records],
            "country": [c.upper() if c else None for c in countries],
            "archived": [r.status == DELETED for r in records],
            "routing": [routing_of(r.connection_id or None, r.messaging_profile_id or None) for r in records],
            "created_at": created,
            "updated_at": updated,
            "raw": joined,
        },
        {"provider": PROVIDER},
    )
    return built, following
