"""Twilio IncomingPhoneNumbers <-> phonefleet's model.

Reading: `sid` -> id, `friendly_name` -> name, the voice side -> forwarding
(the Forward Twimlet) or `routing.voice`, the SMS side -> `routing.messaging`,
with Twilio's precedence rules: a `trunk_sid` overrides a voice application,
which overrides the voice URLs. Twilio writes "" for a field that is not set;
it reads as None.

Writing: `voice_fields` / `messaging_fields` say what a side should look like
as response fields; the flow compares that with the number's current state
and sends only what differs (as form fields, "" to clear).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Final
from urllib.parse import unquote_plus, urlencode

import msgspec

from phonefleet import (
    Capability,
    Handler,
    InvalidNumberError,
    NumberType,
    PhoneNumber,
    ResponseFormatError,
    Routing,
    is_e164,
    to_e164,
)
from phonefleet.adapter import Memo, RawJSON, build_numbers, decode_json, shared_routing, shorten

from ._wire import (
    CAPABILITIES,
    HTTP_METHODS,
    PROVIDER,
    AvailableNumber,
    NumberRecord,
    RawPage,
    RecordPage,
)

__all__ = [
    "APPLICATION",
    "TRUNK",
    "WEBHOOK",
    "available_from_wire",
    "check_handler",
    "forward_url",
    "forwarding_fields",
    "forwarding_from_url",
    "messaging_fields",
    "number_from_wire",
    "page_from_wire",
    "voice_fields",
]

#: the handler kinds a Twilio number has (Twilio names none; these say what each is)
WEBHOOK: Final = "twiml_webhook"  # voice_url / sms_url and their fallbacks and callbacks
APPLICATION: Final = "twiml_application"  # voice_application_sid / sms_application_sid
TRUNK: Final = "sip_trunk"  # trunk_sid (voice only)

_NUMBER_TYPES: Final = {
    spelling: number_type
    for name, number_type in (
        ("local", NumberType.LOCAL),
        ("mobile", NumberType.MOBILE),
        ("toll-free", NumberType.TOLL_FREE),
        ("tollfree", NumberType.TOLL_FREE),
        ("toll_free", NumberType.TOLL_FREE),
    )
    for spelling in (name, name.upper(), name.title())
}
_E164: Final = re.compile(r"\+[1-9][0-9]{1,14}")
#: the Forward Twimlet, spelt so that every URL parser reads it alike: Twilio's
#: scheme and host, no port, no userinfo, and nothing a WHATWG parser rewrites
#: (a backslash, whitespace, a control character) anywhere in it
_TWIMLET: Final = re.compile(
    r"https?://(?:www\.)?twimlets\.com/forward/?\?([^#\\\s\x00-\x1f\x7f]*)", re.IGNORECASE | re.ASCII
)
_MONTHS: Final = {
    name: index
    for index, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_MONTH_DIGITS: Final = {name: f"{index:02d}" for name, index in _MONTHS.items()}
#: "Thu, 30 Jul 2015 23:19:04 +0000": the shape Twilio sends, read without email.utils
#: (long month and day names too: SignalWire's examples write "Sept")
_RFC2822: Final = re.compile(
    r"(?:[A-Z][a-z]{2,8}, )?(\d{1,2}) ([A-Z][a-z]{2,8}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})"
)
#: a fleet shares a few configurations: each is read once (bounded by size, see Memo)
_HANDLERS: Memo[tuple[Any, ...], Handler] = Memo()
_CAPABILITY_SETS: Memo[bytes, frozenset[Capability] | None] = Memo()
_MISSING: Final = object()
_FORWARDS: Memo[str, str | None] = Memo()
_HANDLING: Memo[tuple[str | None, ...], tuple[str | None, Routing | None]] = Memo()
_decode_records: Final = msgspec.json.Decoder(RecordPage).decode
_decode_raws: Final = msgspec.json.Decoder(RawPage).decode
_decode_record: Final = msgspec.json.Decoder(NumberRecord).decode
_encode: Final = msgspec.json.Encoder().encode


def _bad(message: str) -> ResponseFormatError:
    return ResponseFormatError(message, provider=PROVIDER)


def _set(value: str | None) -> str | None:
    """A field Twilio reports as "" or null is not set."""
    return value or None


# -- forwarding: the Forward Twimlet ------------------------------------------


def forward_url(number: str) -> str:
    """Twilio's documented forwarding recipe: the Forward Twimlet as the voice URL."""
    return "https://twimlets.com/forward?" + urlencode({"PhoneNumber": number})


def forwarding_from_url(url: str | None) -> str | None:
    """The target of a Forward Twimlet URL (http or https, other Twimlet
    parameters allowed), or None for any other URL.

    Only a URL that every parser sends to Twilio's Twimlet is forwarding:
    `https://evil.example\\@twimlets.com/forward?...` reads as twimlets.com to
    RFC 3986 but goes to evil.example under WHATWG rules (urllib3, browsers),
    and `twimlets.com:8443` is not Twilio's service; both are routing.
    """
    if not url or "twimlets.com" not in url.lower():
        return None
    found = _FORWARDS.get(url, "")
    if found != "":
        return found
    matched = _TWIMLET.fullmatch(url)
    target: str | None = None
    if matched is not None:
        values = [
            _query_value(value)
            for key, _, value in (pair.partition("=") for pair in matched.group(1).split("&"))
            if unquote_plus(key) == "PhoneNumber"
        ]
        if len(values) == 1:
            try:
                target = to_e164(values[0])
            except InvalidNumberError:
                target = None
    return _FORWARDS.keep(url, target)


def _query_value(raw: str) -> str:
    """A query value as typed: a literal leading `+` (as people paste numbers
    into Twimlet URLs) is the number's plus, not a form-encoded space."""
    if raw.startswith("+"):
        return "+" + unquote_plus(raw[1:])
    return unquote_plus(raw)


# -- reading ----------------------------------------------------------------------


def parse_date(value: str | None) -> datetime | None:
    """An RFC 2822 date as Twilio sends it (`Thu, 30 Jul 2015 23:19:04 +0000`)."""
    if not value:
        return None
    if len(value) == 31 and value[26:] == "+0000" and value[3:5] == ", ":
        # the exact shape Twilio sends, read by position
        month = _MONTH_DIGITS.get(value[8:11])
        if (
            month is not None
            and value[4] == " "
            and value[7] == " "
            and value[11] == " "
            and value[16] == " "
        ):
            try:
                return datetime.fromisoformat(f"{value[12:16]}-{month}-{value[5:7]}T{value[17:25]}+00:00")
            except ValueError:
                pass
    match = _RFC2822.fullmatch(value)
    if match is not None:
        day, month, year, hour, minute, second, sign, tz_hours, tz_minutes = match.groups()
        offset = int(tz_hours) * 60 + int(tz_minutes)
        tz = UTC if offset == 0 else timezone(timedelta(minutes=-offset if sign == "-" else offset))
        try:
            return datetime(  # "Sept" (SignalWire's examples) is Sep
                int(year), _MONTHS[month[:3]], int(day), int(hour), int(minute), int(second), tzinfo=tz
            )
        except (KeyError, ValueError):
            pass
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:  # an ISO 8601 date, as a proxy or a compatible API might send
            parsed = datetime.fromisoformat(value)
        except ValueError:
            msg = f"expected an RFC 2822 date, got {shorten(value, 40, quote=True)}"
            raise _bad(msg) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _memo(key: tuple[Any, ...], build: Any) -> Any:
    handler = _HANDLERS.get(key)
    if handler is None:
        handler = _HANDLERS.keep(key, build())
    return handler


def _webhook(  # noqa: PLR0917 - the six slots of one webhook, in order
    url: str | None,
    method: str | None,
    fallback_url: str | None,
    fallback_method: str | None,
    status_url: str | None = None,
    status_method: str | None = None,
) -> Handler | None:
    """A TwiML webhook; a method is reported only with its URL (Twilio always
    reports one, "POST" by default, even for a URL that is not set)."""
    if url is None and fallback_url is None and status_url is None:
        return None
    key = (WEBHOOK, url, method, fallback_url, fallback_method, status_url, status_method)
    return _memo(  # type: ignore[no-any-return]
        key,
        lambda: Handler(
            WEBHOOK,
            url=url,
            method=method if url is not None else None,
            fallback_url=fallback_url,
            fallback_method=fallback_method if fallback_url is not None else None,
            status_callback_url=status_url,
            status_callback_method=status_method if status_url is not None else None,
        ),
    )


def _target(kind: str, sid: str) -> Handler:
    return _memo((kind, sid), lambda: Handler(kind, target=sid))  # type: ignore[no-any-return]


def _voice(record: NumberRecord) -> tuple[Handler | None, str | None]:
    """The voice handler and the forwarding target, by Twilio's precedence."""
    trunk = record.trunk_sid
    if trunk:
        return _target(TRUNK, trunk), None
    application = record.voice_application_sid
    if application:
        return _target(APPLICATION, application), None
    url = record.voice_url or None
    forwarding = forwarding_from_url(url)
    if forwarding is not None:
        return None, forwarding
    handler = _webhook(
        url,
        record.voice_method,
        record.voice_fallback_url or None,
        record.voice_fallback_method,
        record.status_callback or None,
        record.status_callback_method,
    )
    return handler, None


def _messaging(record: NumberRecord) -> Handler | None:
    application = record.sms_application_sid
    if application:
        return _target(APPLICATION, application)
    return _webhook(
        record.sms_url or None,
        record.sms_method,
        record.sms_fallback_url or None,
        record.sms_fallback_method,
    )


def _capabilities(value: Mapping[str, Any] | None) -> frozenset[Capability] | None:
    """`{"voice": true, "SMS": false, ...}` (keys in any case) -> the set of trues."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(type(flag) in {bool, type(None)} for flag in value.values()):
        msg = f"expected capabilities to be an object of booleans, got {shorten(value, 60, quote=True)}"
        raise _bad(msg)
    return frozenset(
        capability
        for name, flag in value.items()
        if flag is True and (capability := CAPABILITIES.get(name.lower())) is not None
    )


def _raw_capabilities(value: msgspec.Raw) -> frozenset[Capability] | None:
    key = bytes(value)
    found = _CAPABILITY_SETS.get(key, _MISSING)
    if found is _MISSING:
        try:
            decoded = decode_json(key)
        except ValueError:  # pragma: no cover - the page decoded already
            decoded = key
        found = _CAPABILITY_SETS.keep(key, _capabilities(decoded))
    return found  # type: ignore[return-value]


_COLUMNS: Final = (
    "id",
    "number",
    "name",
    "forwarding_number",
    "capabilities",
    "number_type",
    "country",
    "routing",
    "created_at",
    "updated_at",
)


def _row(record: NumberRecord) -> tuple[Any, ...]:
    """One record's PhoneNumber fields, in `_COLUMNS` order, every one checked."""
    sid = record.sid
    if not sid:
        msg = "an incoming phone number has no sid"
        raise _bad(msg)
    number = record.phone_number
    if (number is None or not _E164.fullmatch(number)) and (
        not isinstance(number, str) or not is_e164(number)
    ):
        shown = shorten(number, 40, quote=True)
        msg = f"incoming phone number {shorten(sid, 40)} has no E.164 phone_number (got {shown})"
        raise _bad(msg)
    country = record.country_code
    if country is not None:
        country = country.upper() if len(country) == 2 and country.isalpha() else None
    # a fleet shares a few configurations: each is read once
    key = (
        record.voice_url,
        record.voice_method,
        record.voice_fallback_url,
        record.voice_fallback_method,
        record.status_callback,
        record.status_callback_method,
        record.voice_application_sid,
        record.trunk_sid,
        record.sms_url,
        record.sms_method,
        record.sms_fallback_url,
        record.sms_fallback_method,
        record.sms_application_sid,
    )
    handling = _HANDLING.get(key)
    if handling is None:
        voice, forwarding = _voice(record)
        handling = _HANDLING.keep(key, (forwarding, shared_routing(voice, _messaging(record))))
    created = record.date_created
    created_at = parse_date(created)
    updated = record.date_updated
    kind = record.type
    return (
        sid,
        number,
        record.friendly_name or None,
        handling[0],
        _raw_capabilities(record.capabilities),
        _NUMBER_TYPES.get(kind, NumberType.UNKNOWN) if kind else NumberType.UNKNOWN,
        country,
        handling[1],
        created_at,
        created_at if updated == created else parse_date(updated),
    )


def _number(record: NumberRecord, raw: Mapping[str, Any]) -> PhoneNumber:
    return PhoneNumber(provider=PROVIDER, raw=raw, **dict(zip(_COLUMNS, _row(record), strict=True)))


def _numbers(records: list[NumberRecord], raws: list[RawJSON]) -> list[PhoneNumber]:
    """A page's numbers, built field by field (see `phonefleet.adapter.build_numbers`)."""
    if not records:
        return []
    columns: dict[str, Any] = dict(
        zip(_COLUMNS, map(list, zip(*map(_row, records), strict=True)), strict=True)
    )
    columns["raw"] = raws
    return build_numbers(len(records), columns, {"provider": PROVIDER})


def _record(item: object) -> NumberRecord:
    if not isinstance(item, dict):
        msg = f"expected an incoming phone number object, got {type(item).__name__}"
        raise _bad(msg)
    try:
        return _decode_record(_encode(item))
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        msg = f"an incoming phone number is not in the documented shape: {exc}"
        raise _bad(msg) from None


def number_from_wire(item: object) -> PhoneNumber:
    """One IncomingPhoneNumber (fetch, update or create answer) as a PhoneNumber."""
    record = _record(item)
    assert isinstance(item, dict)
    return _number(record, item)


def page_from_wire(body: bytes) -> tuple[list[PhoneNumber], str | None]:
    """A list page -> its numbers and the raw `next_page_uri`.

    The documented shape is decoded straight into typed structs (raw kept
    as bytes, decoded on first use); anything else goes the careful way,
    which says what was wrong.
    """
    try:
        page = _decode_records(body)
        raws = RawJSON.many(_decode_raws(body).incoming_phone_numbers)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        return _careful_page(body)  # which says what is wrong (nesting too deep included)
    return _numbers(page.incoming_phone_numbers, raws), page.next_page_uri


def _careful_page(body: bytes) -> tuple[list[PhoneNumber], str | None]:
    try:
        data = decode_json(body)
    except ValueError:
        snippet = shorten(body, 80)
        msg = f"expected a JSON page of incoming phone numbers, got {snippet}"
        raise _bad(msg) from None
    if not isinstance(data, dict):
        msg = f"expected a page object, got {type(data).__name__}"
        raise _bad(msg)
    items = data.get("incoming_phone_numbers")
    if not isinstance(items, list):
        msg = "a page of incoming phone numbers has no incoming_phone_numbers list"
        raise _bad(msg)
    following = data.get("next_page_uri")
    if following is not None and not isinstance(following, str):
        msg = f"expected next_page_uri to be a URI or null, got {shorten(following, 40, quote=True)}"
        raise _bad(msg)
    return [number_from_wire(item) for item in items], following


def available_from_wire(body: object) -> list[AvailableNumber]:
    """`{"available_phone_numbers": [...]}` -> AvailableNumbers."""
    items = body.get("available_phone_numbers") if isinstance(body, dict) else None
    if not isinstance(items, list):
        msg = "search results have no available_phone_numbers list"
        raise _bad(msg)
    found = []
    for item in items:
        if not isinstance(item, dict):
            msg = f"expected an available number object, got {type(item).__name__}"
            raise _bad(msg)
        number = item.get("phone_number")
        if not isinstance(number, str) or not is_e164(number):
            msg = f"an available number has no E.164 phone_number (got {shorten(number, 40, quote=True)})"
            raise _bad(msg)
        capabilities = item.get("capabilities")
        if capabilities is not None and not (
            isinstance(capabilities, dict) and all(isinstance(k, str) for k in capabilities)
        ):
            msg = "expected capabilities to be an object of booleans"
            raise _bad(msg)
        text = {key: value if isinstance(value, str) and value else None for key, value in item.items()}
        found.append(
            AvailableNumber(
                number=number,
                friendly_name=text.get("friendly_name"),
                capabilities=_capabilities(capabilities),
                region=text.get("region"),
                locality=text.get("locality"),
                rate_center=text.get("rate_center"),
                lata=text.get("lata"),
                postal_code=text.get("postal_code"),
                country=text.get("iso_country"),
                raw=item,
            )
        )
    return found


# -- writing ------------------------------------------------------------------------


def _check_url(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip().lower().startswith(("https://", "http://")):
        msg = f"{what} must be an absolute http(s) URL, got {shorten(value, 60, quote=True)}"
        raise ValueError(msg)
    return value.strip()


def _check_method(value: object, what: str) -> str:
    if not isinstance(value, str) or value.upper() not in HTTP_METHODS:
        msg = f"{what} must be GET or POST, got {shorten(value, 40, quote=True)}"
        raise ValueError(msg)
    return value.upper()


def check_handler(side: str, handler: Handler) -> Handler:
    """Refuse (ValueError, before anything is sent) a handler Twilio cannot hold."""
    if not isinstance(handler, Handler) or not handler.kind:
        msg = f"{side} routing needs a Handler with a kind"
        raise ValueError(msg)
    kinds = (WEBHOOK, APPLICATION, TRUNK) if side == "voice" else (WEBHOOK, APPLICATION)
    if handler.kind not in kinds:
        msg = f"a Twilio {side} handler is one of {', '.join(kinds)}, not {handler.kind!r}"
        raise ValueError(msg)
    if handler.extra:
        msg = f"a Twilio {side} handler takes no extra fields (got {', '.join(sorted(handler.extra))})"
        raise ValueError(msg)
    slots = {
        "url": handler.url,
        "method": handler.method,
        "fallback_url": handler.fallback_url,
        "fallback_method": handler.fallback_method,
        "status_callback_url": handler.status_callback_url,
        "status_callback_method": handler.status_callback_method,
    }
    if handler.kind != WEBHOOK:
        given = [name for name, value in slots.items() if value is not None]
        if given or not isinstance(handler.target, str) or not handler.target.strip():
            msg = f"a Twilio {handler.kind} handler takes a target sid and nothing else"
            raise ValueError(msg)
        return handler
    if handler.target is not None:
        msg = f"a Twilio {WEBHOOK} handler has no target (give url, method, fallback_url, ...)"
        raise ValueError(msg)
    if side == "messaging" and (handler.status_callback_url or handler.status_callback_method):
        msg = "a Twilio number has no status callback for messages"
        raise ValueError(msg)
    for url_slot, method_slot in (
        ("url", "method"),
        ("fallback_url", "fallback_method"),
        ("status_callback_url", "status_callback_method"),
    ):
        if slots[url_slot] is not None:
            _check_url(slots[url_slot], f"{side} handler {url_slot}")
        if slots[method_slot] is not None:
            if slots[url_slot] is None:
                msg = f"{side} handler {method_slot} needs {url_slot}"
                raise ValueError(msg)
            _check_method(slots[method_slot], f"{side} handler {method_slot}")
    if handler.url is None and handler.fallback_url is None and handler.status_callback_url is None:
        msg = f"a Twilio {WEBHOOK} handler needs at least one URL"
        raise ValueError(msg)
    return handler


def _webhook_fields(prefix: str, status: bool, handler: Handler | None) -> dict[str, str]:
    """Response fields for a webhook side (None: every URL cleared)."""
    fields: dict[str, str] = {}
    slots = (
        [("url", "method", f"{prefix}_url", f"{prefix}_method")]
        + [("fallback_url", "fallback_method", f"{prefix}_fallback_url", f"{prefix}_fallback_method")]
        + (
            [("status_callback_url", "status_callback_method", "status_callback", "status_callback_method")]
            if status
            else []
        )
    )
    for url_slot, method_slot, url_field, method_field in slots:
        url = getattr(handler, url_slot) if handler is not None else None
        fields[url_field] = url.strip() if url else ""
        if url:
            method = getattr(handler, method_slot)
            fields[method_field] = method.upper() if method else "POST"
    return fields


def voice_fields(handler: Handler | None, *, keep_url: bool = False) -> dict[str, str]:
    """What the voice side should read as (response fields), for `handler` (None: cleared).

    `keep_url` leaves `voice_url` out: clearing routing keeps a forwarding Twimlet.
    """
    if handler is None:
        fields = {**_webhook_fields("voice", True, None), "voice_application_sid": "", "trunk_sid": ""}
    elif handler.kind == WEBHOOK:
        fields = {**_webhook_fields("voice", True, handler), "voice_application_sid": "", "trunk_sid": ""}
    elif handler.kind == APPLICATION:
        # setting an application removes a trunk (Twilio does it too)
        fields = {"voice_application_sid": handler.target or "", "trunk_sid": ""}
    else:
        fields = {"trunk_sid": handler.target or ""}
    if keep_url:
        fields.pop("voice_url", None)
    return fields


def messaging_fields(handler: Handler | None) -> dict[str, str]:
    """What the SMS side should read as, for `handler` (None: cleared)."""
    if handler is None or handler.kind == WEBHOOK:
        return {**_webhook_fields("sms", False, handler), "sms_application_sid": ""}
    return {"sms_application_sid": handler.target or ""}


def forwarding_fields(forward_to: str | None, current_url: str | None) -> dict[str, str]:
    """Forward with the Twimlet (and no application or trunk in its way), or
    stop forwarding: clear the voice URL, only when it is a Twimlet."""
    if forward_to is not None:
        fields = {"voice_application_sid": "", "trunk_sid": ""}
        if forwarding_from_url(current_url) != forward_to:  # a Twimlet there already (with its
            fields["voice_url"] = forward_url(forward_to)  # Timeout, say) is kept as it is
        return fields
    if forwarding_from_url(current_url) is not None:
        return {"voice_url": ""}
    return {}
