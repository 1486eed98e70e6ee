"""Telnyx records -> `PhoneNumber`, and the neutral changes -> Telnyx fields.

A number is two records: `PhoneNumberDetailed` (the line, its status, type,
connection, messaging profile, `customer_reference`) and its voice settings
(`call_forwarding`). `raw` is the first with the second under `"voice"`.
Forwarding is `forwards_to` when `call_forwarding` is enabled and `always`;
an `on-failure` forward is conditional, so it is not where calls go: it stays
in `raw["voice"]`. Routing is the connection (voice) and the messaging
profile (messaging), each a handler whose `target` is the id. Anything that is not the
documented shape is a ResponseFormatError, never a KeyError or TypeError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

from phonefleet import (
    Handler,
    NumberChanges,
    NumberType,
    PhoneNumber,
    ResponseFormatError,
    Routing,
    Unset,
)
from phonefleet.adapter import (
    AvailableNumber,
    Memo,
    e164_from_wire,
    next_page_number,
    parse_datetime,
    quote_segment,
    shorten,
)

from ._wire import (
    ALWAYS,
    CONNECTION,
    DELETED,
    FEATURES_OF,
    MESSAGING_PROFILE,
    NUMBER_TYPES,
    PROVIDER,
)

__all__ = [
    "available_from_wire",
    "changes_to_wire",
    "data_of",
    "number_from_wire",
    "record_id",
    "numbers_from_page",
    "page_of",
    "records_of",
    "routing_of",
    "voices_by_id",
]


def _bad(message: str) -> ResponseFormatError:
    return ResponseFormatError(message, provider=PROVIDER)


def _text(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None or type(value) is str:
        return value
    msg = f"expected {key} to be a string or null, got {type(value).__name__}"
    raise _bad(msg)


def _e164(value: object, field: str) -> str:
    return e164_from_wire(value, field, provider=PROVIDER)


def data_of(body: object, what: str) -> Any:
    """`{"data": ...}` -> its data."""
    if not isinstance(body, dict) or "data" not in body:
        msg = f"expected an object with data ({what}), got {type(body).__name__}"
        raise _bad(msg)
    return body["data"]


def records_of(body: object, what: str) -> list[Any]:
    """`{"data": [...]}` -> the list."""
    data = data_of(body, what)
    if not isinstance(data, list):
        msg = f"expected data to be a list ({what}), got {type(data).__name__}"
        raise _bad(msg)
    return data


def page_of(body: object, what: str, asked: int) -> tuple[list[Any], str | None]:
    """A listing page -> its records and the cursor of the next page (from `meta`,
    which must be the answer for page `asked`)."""
    data = records_of(body, what)
    meta = body.get("meta") if isinstance(body, dict) else None
    if not isinstance(meta, dict):
        msg = f"a page of {what} has no meta object"
        raise _bad(msg)
    following = next_page_number(
        meta.get("page_number"), meta.get("total_pages"), provider=PROVIDER, asked=asked
    )
    return data, following


# -- forwarding and routing ---------------------------------------------------------


def _call_forwarding(voice: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """(forwards_to, forwarding_type) of an enabled forward, else (None, None)."""
    if voice is None:
        return None, None
    settings = voice.get("call_forwarding")
    if settings is None:
        return None, None
    if type(settings) is not dict:
        msg = f"expected call_forwarding to be an object, got {type(settings).__name__}"
        raise _bad(msg)
    enabled = settings.get("call_forwarding_enabled", True)  # the spec's default
    if type(enabled) is not bool:
        msg = f"expected call_forwarding_enabled to be a boolean, got {shorten(enabled, 40, quote=True)}"
        raise _bad(msg)
    target = settings.get("forwards_to")
    kind = settings.get("forwarding_type")
    if kind is not None and type(kind) is not str:
        msg = f"expected forwarding_type to be a string, got {type(kind).__name__}"
        raise _bad(msg)
    if not enabled or target is None or target == "":
        return None, None  # "inbound calls will not be forwarded if this field is left blank"
    return _e164(target, "forwards_to"), kind


#: handlers are values shared by most of a fleet: built once each (bounded)
_HANDLERS: Memo[tuple[str, str], Handler] = Memo()
_ROUTINGS: Memo[tuple[str | None, str | None], Routing] = Memo()


def _handler(kind: str, target: str) -> Handler:
    found = _HANDLERS.get((kind, target))
    if found is None:
        found = _HANDLERS.keep((kind, target), Handler(kind, target=target))
    return found


def routing_of(connection: str | None, profile: str | None) -> Routing | None:
    """Voice: the connection that takes calls; messaging: the messaging profile."""
    if connection is None and profile is None:
        return None
    routing = _ROUTINGS.get((connection, profile))
    if routing is None:
        routing = Routing(
            voice=_handler(CONNECTION, connection) if connection else None,
            messaging=_handler(MESSAGING_PROFILE, profile) if profile else None,
        )
        _ROUTINGS.keep((connection, profile), routing)
    return routing


# -- reading ------------------------------------------------------------------------


def _datetime(record: Mapping[str, Any], key: str) -> datetime | None:
    value = record.get(key)
    if type(value) is str:
        try:
            return datetime.fromisoformat(value)  # 3.11 reads a trailing Z
        except ValueError:
            pass
    return parse_datetime(value, provider=PROVIDER)


def record_id(record: object) -> str:
    """A record's `id`, checked before it goes into a URL path: a record without
    a usable one is not the documented shape (a ResponseFormatError)."""
    ident = record.get("id") if type(record) is dict else None
    if type(ident) is not str or not ident:
        msg = "a phone number has no id"
        raise _bad(msg)
    try:
        quote_segment(ident)
    except ValueError:
        msg = f"a phone number's id {shorten(ident, 40, quote=True)} cannot name it in a URL"
        raise _bad(msg) from None
    return ident


def number_from_wire(record: object, voice: object = None) -> PhoneNumber:
    """One `PhoneNumberDetailed` (and its voice settings, when read), every field checked."""
    if type(record) is not dict:
        msg = f"expected a phone number object, got {type(record).__name__}"
        raise _bad(msg)
    if voice is not None and type(voice) is not dict:
        msg = f"expected voice settings to be an object, got {type(voice).__name__}"
        raise _bad(msg)
    ident = record_id(record)
    kind = record.get("phone_number_type")
    country = record.get("country_iso_alpha2")
    if country is not None and not (type(country) is str and len(country) == 2 and country.isalpha()):
        msg = f"expected country_iso_alpha2 to be ISO 3166-1 alpha-2, got {shorten(country, 40, quote=True)}"
        raise _bad(msg)
    target, forwarding_type = _call_forwarding(voice)
    if voice is not None:
        record["voice"] = voice
    return PhoneNumber(
        provider=PROVIDER,
        id=ident,
        number=_e164(record.get("phone_number"), "phone_number"),
        name=_text(record, "customer_reference") or None,
        forwarding_number=target if forwarding_type == ALWAYS else None,
        number_type=NUMBER_TYPES.get(kind, NumberType.UNKNOWN) if type(kind) is str else NumberType.UNKNOWN,
        country=country.upper() if country else None,
        archived=_text(record, "status") == DELETED,
        routing=routing_of(
            _text(record, "connection_id") or None, _text(record, "messaging_profile_id") or None
        ),
        created_at=_datetime(record, "created_at"),
        updated_at=_datetime(record, "updated_at"),
        raw=MappingProxyType(record),
    )


def numbers_from_page(records: Sequence[Any], voices: Mapping[Any, Any] | None) -> list[PhoneNumber]:
    """A listing page joined with its voice settings by id (None: none were read)."""
    if voices is None:
        return [number_from_wire(record) for record in records]
    return [number_from_wire(r, voices.get(r.get("id")) if type(r) is dict else None) for r in records]


def voices_by_id(records: Sequence[Any]) -> dict[str, Any]:
    """A voice-settings page by number id (records without a string id are skipped)."""
    found: dict[str, Any] = {}
    for record in records:
        if type(record) is not dict:
            msg = f"expected voice settings to be an object, got {type(record).__name__}"
            raise _bad(msg)
        ident = record.get("id")
        if type(ident) is str:
            found[ident] = record
    return found


def available_from_wire(body: object) -> list[AvailableNumber]:
    """`/available_phone_numbers` -> AvailableNumber (region_information flattened)."""
    found = []
    for item in records_of(body, "available phone numbers"):
        if not isinstance(item, dict):
            msg = f"expected an available number object, got {type(item).__name__}"
            raise _bad(msg)
        regions: dict[str, str] = {}
        for region in item.get("region_information") or ():
            if isinstance(region, dict):
                kind, name = region.get("region_type"), region.get("region_name")
                if isinstance(kind, str) and isinstance(name, str):
                    regions.setdefault(kind, name)
        features = item.get("features")
        capabilities = None
        if isinstance(features, list):
            names = [f.get("name") for f in features if isinstance(f, dict)]
            capabilities = frozenset(FEATURES_OF[n] for n in names if n in FEATURES_OF)
        kind = item.get("phone_number_type")
        country = regions.get("country_code")
        found.append(
            AvailableNumber(
                number=_e164(item.get("phone_number"), "phone_number"),
                capabilities=capabilities,
                number_type=NUMBER_TYPES.get(kind, NumberType.UNKNOWN)
                if isinstance(kind, str)
                else NumberType.UNKNOWN,
                country=country.upper() if isinstance(country, str) and len(country) == 2 else None,
                region=regions.get("state"),
                city=regions.get("location"),
                rate_center=regions.get("rate_center"),
                raw=item,
            )
        )
    return found


# -- writing ------------------------------------------------------------------------


_SIDES: Final = {"voice": (CONNECTION, "connection"), "messaging": (MESSAGING_PROFILE, "messaging profile")}
_SLOTS: Final = (
    "url",
    "method",
    "fallback_url",
    "fallback_method",
    "status_callback_url",
    "status_callback_method",
)


def forwarding_to_wire(target: str | None) -> dict[str, Any]:
    """The voice-settings PATCH that forwards every call to `target`, or stops forwarding."""
    if target is None:
        return {"call_forwarding": {"call_forwarding_enabled": False}}
    return {
        "call_forwarding": {"call_forwarding_enabled": True, "forwards_to": target, "forwarding_type": ALWAYS}
    }


def _target(handler: Handler, side: str) -> str:
    """The id a handler points at ("" unassigns); Telnyx takes nothing else."""
    kind, what = _SIDES[side]
    given = [slot for slot in _SLOTS if getattr(handler, slot) is not None] + sorted(handler.extra)
    if handler.kind != kind or given:
        got = f"{handler.kind!r}" + (f" with {', '.join(given)}" if given else "")
        msg = f"a Telnyx {side} handler is Handler({kind!r}, target=<the {what} id>) alone, got {got}"
        raise ValueError(msg)
    return handler.target or ""


def changes_to_wire(changes: NumberChanges) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The bodies of the number, voice-settings and messaging-settings PATCHes.

    A handler Telnyx cannot take is a ValueError here, before anything is
    sent. The name is `customer_reference`; "" clears it, and unassigns a
    connection or a messaging profile.
    """
    number: dict[str, Any] = {}
    voice: dict[str, Any] = {}
    messaging: dict[str, Any] = {}
    if not isinstance(changes.name, Unset):
        number["customer_reference"] = changes.name or ""
    if not isinstance(changes.forwarding_number, Unset):
        voice = forwarding_to_wire(changes.forwarding_number)
    routing = changes.routing
    if routing is None:
        number["connection_id"] = messaging["messaging_profile_id"] = ""
    elif isinstance(routing, Routing):
        if routing.voice is not None:
            number["connection_id"] = _target(routing.voice, "voice")
        if routing.messaging is not None:
            messaging["messaging_profile_id"] = _target(routing.messaging, "messaging")
    return number, voice, messaging
