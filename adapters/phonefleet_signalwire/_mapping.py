"""SignalWire wire payloads <-> phonefleet's model.

Reading is the hot path of a listing (100,000 numbers in pages of 1,000), so
it is written by hand: every access is guarded, and anything that is not the
documented shape is a ResponseFormatError, never a KeyError or TypeError.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final

from phonefleet import (
    Capability,
    Handler,
    NumberType,
    PhoneNumber,
    ResponseFormatError,
    Routing,
    is_e164,
)
from phonefleet.adapter import Memo, e164_from_wire, parse_datetime, shared_routing, shorten

from ._wire import (
    CAPABILITIES,
    HTTP_METHODS,
    KNOWN_FIELDS,
    MESSAGE_SIDE,
    SIDES,
    VOICE_SIDE,
    AvailableNumber,
    HandlerSpec,
    Side,
)

__all__ = [
    "available_from_wire",
    "handler_from_wire",
    "handler_to_wire",
    "number_from_wire",
    "page_from_wire",
    "routing_to_wire",
    "runs_a_script",
]

PROVIDER: Final = "signalwire"
_NUMBER_TYPES: Final = {"toll-free": NumberType.TOLL_FREE, "longcode": NumberType.LOCAL}
_SLOTS: Final = (
    "url",
    "method",
    "fallback_url",
    "fallback_method",
    "status_callback_url",
    "status_callback_method",
    "target",
)


def _bad(message: str) -> ResponseFormatError:
    return ResponseFormatError(message, provider=PROVIDER)


def _detail(error: ResponseFormatError) -> str:
    """An error's message without its provider prefix (to quote it in another)."""
    text = str(error)
    prefix = f"{PROVIDER}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    msg = f"expected {key} to be a string or null, got {type(value).__name__}"
    raise _bad(msg)


# -- reading -------------------------------------------------------------------


def spec_for(side: Side, kind: str) -> HandlerSpec:
    return side.kinds.get(kind) or side.fallback


#: handlers are values, and a fleet shares a few configurations: reading one
#: builds it once (bounded, so memory stays flat over any listing)
#: a fleet shares a few configurations: each is read once (bounded by size, see Memo)
_HANDLERS: Memo[tuple[Any, ...], Handler] = Memo()
_CAPABILITY_SETS: Memo[tuple[Any, ...], frozenset[Capability]] = Memo()
_NO_KEYS: Final[frozenset[str]] = frozenset()
#: the shape `phonefleet.is_e164` checks, matched inline on the hot path
_E164: Final = re.compile(r"\+[1-9][0-9]{1,14}")


def handler_from_wire(
    side: Side, data: Mapping[str, Any], unknown: frozenset[str] = frozenset()
) -> Handler | None:
    """The side's handler, or None when the number has none.

    Only the fields of the handler's own kind fill the Handler: the vendor
    keeps a previous handler's fields after a switch, and ignores them.
    `unknown` are the payload's undocumented keys: those of this side's
    prefix are kept in `extra`, so a newer field round-trips.
    """
    kind = data.get(side.handler_key)
    if kind is None:
        return None
    if type(kind) is not str or not kind:
        msg = f"expected {side.handler_key} to be a handler name, got {shorten(kind, 40, quote=True)}"
        raise _bad(msg)
    spec = side.kinds.get(kind) or side.fallback
    values = tuple(map(data.get, spec.slots.values()))
    for value in values:
        if value is not None and type(value) is not str:
            for field in spec.slots.values():
                _text(data, field)  # raises, naming the field
    extra: dict[str, Any] | None = None
    for field, default in side.defaults.items():
        value = data.get(field)
        if value is not None and value != default:
            extra = {field: _text(data, field)}
    if unknown:
        for field in unknown:
            if field.startswith(side.prefix) and data[field] is not None:
                if extra is None:
                    extra = {}
                extra[field] = data[field]
    # values carry their type in the key: 1, 1.0 and True are equal to a dict
    # but are different vendor data, and must never stand in for each other
    key = (
        (side.name, kind, values)
        if extra is None
        else (side.name, kind, values, tuple(sorted((k, type(v), v) for k, v in extra.items())))
    )
    try:
        handler = _HANDLERS.get(key)
    except TypeError:  # an unhashable extra value: build it, do not keep it
        return _build_handler(kind, spec, values, extra)
    if handler is None:
        handler = _HANDLERS.keep(key, _build_handler(kind, spec, values, extra))
    return handler


def _build_handler(
    kind: str, spec: HandlerSpec, values: tuple[Any, ...], extra: dict[str, Any] | None
) -> Handler:
    given: dict[str, Any] = {
        slot: value for slot, value in zip(spec.slots, values, strict=True) if value is not None
    }
    if extra:
        given["extra"] = extra
    return Handler(kind, **given)


def _datetime(value: object) -> datetime | None:
    """ISO 8601 (the spec), or RFC 2822 (`Mon, 11 Mar 2024 14:07:31 GMT`, seen too)."""
    if type(value) is str:
        try:
            return datetime.fromisoformat(value)  # 3.11 reads a trailing Z
        except ValueError:
            if value[:1].isalpha():
                try:
                    return parsedate_to_datetime(value)
                except (TypeError, ValueError, IndexError):
                    pass
    return parse_datetime(value, provider=PROVIDER)


def _number(ident: str, value: object) -> str:
    """The line in E.164 (a loose but unambiguous form is normalised)."""
    return e164_from_wire(value, f"the number of phone number {ident}", provider=PROVIDER)


def number_from_wire(data: object, forwarding: Mapping[str, str] | None = None) -> PhoneNumber:
    """One phone number resource as a PhoneNumber (raw keeps the payload).

    `forwarding` maps the `request_url` of each forwarding script of the
    space to its target: a number whose calls run one reads as forwarded.
    """
    if not isinstance(data, dict):
        msg = f"expected a phone number object, got {type(data).__name__}"
        raise _bad(msg)
    get = data.get
    ident = get("id")
    if not isinstance(ident, str) or not ident:
        msg = "a phone number has no id"
        raise _bad(msg)
    number = get("number")
    if not (type(number) is str and _E164.fullmatch(number)):
        number = _number(ident, number)
    name = get("name")
    if name is not None and type(name) is not str:
        _text(data, "name")
    number_type = get("number_type")
    country = get("country_code")
    if country == "":
        country = None  # seen for numbers the vendor has no country for
    if country is not None and not (isinstance(country, str) and len(country) == 2 and country.isalpha()):
        msg = f"expected country_code to be ISO 3166-1 alpha-2, got {shorten(country, 40, quote=True)}"
        raise _bad(msg)
    unknown = _NO_KEYS if data.keys() <= KNOWN_FIELDS else frozenset(data.keys() - KNOWN_FIELDS)
    voice = handler_from_wire(VOICE_SIDE, data, unknown)
    messaging = handler_from_wire(MESSAGE_SIDE, data, unknown)
    created = get("created_at")
    created_at = _datetime(created)
    updated = get("updated_at")
    updated_at = created_at if updated == created and created is not None else _datetime(updated)
    return PhoneNumber(
        provider=PROVIDER,
        id=ident,
        number=number,
        name=name,
        capabilities=_capabilities(get("capabilities")),
        number_type=_NUMBER_TYPES.get(number_type, NumberType.UNKNOWN)
        if isinstance(number_type, str)
        else NumberType.UNKNOWN,
        country=(country if country.isupper() else country.upper()) if country else None,
        routing=shared_routing(voice, messaging),
        forwarding_number=forwarding.get(voice.url or "")
        if forwarding and voice is not None and voice.kind == "relay_script"
        else None,
        created_at=created_at,
        updated_at=updated_at,
        raw=data,
    )


def _capabilities(value: object) -> frozenset[Capability] | None:
    """A list of names (numbers) or an object of booleans (search results)."""
    if value is None:
        return None
    if isinstance(value, list):
        names = value
    elif isinstance(value, dict):
        names = [key for key, flag in value.items() if flag is True]
    else:
        msg = f"expected capabilities to be a list or an object, got {type(value).__name__}"
        raise _bad(msg)
    try:
        key = tuple(names)
        cached = _CAPABILITY_SETS.get(key)
    except TypeError:
        key, cached = None, None
    if cached is not None:
        return cached
    found = set()
    for name in names:
        if not isinstance(name, str):
            msg = f"expected a capability name, got {shorten(name, 40, quote=True)}"
            raise _bad(msg)
        capability = CAPABILITIES.get(name.lower())
        if capability is not None:  # an unknown one stays in raw
            found.add(capability)
    result = frozenset(found)
    if key is not None:
        _CAPABILITY_SETS.keep(key, result)
    return result


def page_from_wire(
    body: object, forwarding: Mapping[str, str] | None = None
) -> tuple[list[PhoneNumber], str | None]:
    """`{"links": {...}, "data": [...]}` -> the numbers and the raw `next` link.

    No `links`, or a `next` that is null or "", is the last page. One
    unreadable number fails the page with its id and position.
    """
    if not isinstance(body, dict):
        msg = f"expected a page object, got {type(body).__name__}"
        raise _bad(msg)
    data = body.get("data")
    if not isinstance(data, list):
        msg = "a page of phone numbers has no data list"
        raise _bad(msg)
    links = body.get("links")
    if links is None:
        links = {}
    elif not isinstance(links, dict):
        msg = f"expected links to be an object, got {type(links).__name__}"
        raise _bad(msg)
    following = links.get("next")
    if following == "":
        following = None
    elif following is not None and (not isinstance(following, str) or not following.strip()):
        msg = f"expected links.next to be a URL, got {shorten(following, 40, quote=True)}"
        raise _bad(msg)
    try:
        return [number_from_wire(item, forwarding) for item in data], following
    except ResponseFormatError:
        pass
    for position, item in enumerate(data):  # only on failure: say which one
        try:
            number_from_wire(item, forwarding)
        except ResponseFormatError as exc:
            ident = item.get("id") if isinstance(item, dict) else None
            shown = shorten(ident, 60, quote=True)
            msg = f"phone number #{position} of the page (id {shown}) is unreadable: {_detail(exc)}"
            raise _bad(msg) from None
    raise AssertionError("unreachable")  # pragma: no cover


def runs_a_script(body: object) -> bool:
    """Whether a page (as decoded) has a number whose calls run a script by URL."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return False
    return any(type(item) is dict and item.get("call_handler") == "relay_script" for item in data)


def available_from_wire(body: object) -> list[AvailableNumber]:
    """Search results: `{"data": [...]}` (spec) or a bare list (seen live).

    The line is `number` (spec) or `e164` (seen live); capabilities are an
    object of booleans (spec) or a list of names (seen live).
    """
    if isinstance(body, dict):
        items = body.get("data", [])
        if items is None:
            items = []
    else:
        items = body
    if not isinstance(items, list):
        msg = "search results have no data list"
        raise _bad(msg)
    found = []
    for item in items:
        if not isinstance(item, dict):
            msg = f"expected an available number object, got {type(item).__name__}"
            raise _bad(msg)
        number = next(
            (item[key] for key in ("number", "e164", "phone_number") if item.get(key) is not None), None
        )
        if not is_e164(number):
            msg = f"an available number has no E.164 number (got {shorten(number, 40, quote=True)})"
            raise _bad(msg)
        assert isinstance(number, str)
        found.append(
            AvailableNumber(
                number=number,
                capabilities=_capabilities(item.get("capabilities")),
                region=_text(item, "region"),
                city=_text(item, "city"),
                rate_center=_text(item, "rate_center"),
                lata=_text(item, "lata"),
                raw=item,
            )
        )
    return found


# -- writing -------------------------------------------------------------------


def handler_to_wire(side: Side, handler: Handler) -> dict[str, Any]:
    """The PUT fields that set `handler` on `side`: its kind and the slots it
    gives, nothing else.

    A slot the handler leaves out is not sent at all (never as null: the API
    types these fields as strings), so what the number had for it stays.
    Raises ValueError (before anything is sent) for a slot this handler kind
    cannot carry, a method other than GET/POST, or an `extra` key that is not
    one of this side's fields.
    """
    if not isinstance(handler, Handler) or not handler.kind:
        msg = f"{side.name} routing needs a Handler with a kind"
        raise ValueError(msg)
    spec = spec_for(side, handler.kind)
    body: dict[str, Any] = {side.handler_key: handler.kind}
    for slot in _SLOTS:
        value = getattr(handler, slot)
        field = spec.field_for_writing(slot)
        if field is None:
            if value is not None:
                allowed = ", ".join(sorted(spec.slots)) or "nothing"
                msg = f"a SignalWire {side.name} handler {handler.kind!r} has no {slot} (it takes {allowed})"
                raise ValueError(msg)
            continue
        if value is None:
            continue
        if not isinstance(value, str):
            msg = f"{side.name} handler {slot} must be a string, got {type(value).__name__}"
            raise ValueError(msg)
        if slot.endswith("method") and value not in HTTP_METHODS:
            msg = f"{side.name} handler {slot} must be GET or POST, got {value!r}"
            raise ValueError(msg)
        body[field] = value
    for key, value in handler.extra.items():
        if not (key.startswith(side.prefix) or key == side.resource_key):
            msg = f"{side.name} handler extra key {key!r} is not a SignalWire {side.prefix}* field"
            raise ValueError(msg)
        if value is None:
            continue
        body[key] = value
    return body


def routing_to_wire(routing: Routing | None) -> dict[str, Any]:
    """The PUT fields for a routing change: each side given sets that side;
    None clears both handlers (the one place a null is sent)."""
    if routing is None:
        return {side.handler_key: None for side in SIDES}
    body: dict[str, Any] = {}
    if routing.voice is not None:
        body.update(handler_to_wire(VOICE_SIDE, routing.voice))
    if routing.messaging is not None:
        body.update(handler_to_wire(MESSAGE_SIDE, routing.messaging))
    return body
