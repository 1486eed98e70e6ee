"""An in-process emulator of Twilio's IncomingPhoneNumbers API (2010-04-01),
in Twilio's dialect or SignalWire's Compatibility dialect.

A stateful httpx transport (sync and async), built from Twilio's OpenAPI
spec (`twilio_api_v2010.json`) and SignalWire's Compatibility spec: HTTP
Basic (account sid + auth token, or an API key pair), listing with
`PageSize` (1-1000) and `next_page_uri` (`PageToken` keyset paging),
form-encoded updates with Twilio's precedence rules (an application and a
trunk exclude each other), purchase from a pool of numbers for sale (which
`AvailablePhoneNumbers/{Country}/{Local,TollFree,Mobile}.json` searches),
release (204), the documented error bodies, and the core's fault injection.

The SignalWire dialect (`dialect="signalwire"`) has UUID sids, the
`/api/laml` prefix (also in `next_page_uri`, which carries no `.json`),
`account_id` and `country_code` instead of Twilio's type and bundle fields,
release refused with 409 during a cooldown after purchase, and
`{"errors": [...]}` validation errors.

Seeded numbers are compact (their payload is derived from the seed on
demand), so 10,000+ of them are cheap.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import uuid
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, Final
from urllib.parse import parse_qsl, quote, urlencode

import httpx

from phonefleet import is_e164, to_e164
from phonefleet.testing import (
    TOLL_FREE_AREAS,
    Emulator,
    EmulatorTransport,
    FaultPlan,
    LimitState,
    Network,
    NumberRecord,
    RecordBook,
    Router,
    json_response,
    pool_numbers,
    seeded_numbers,
)

from ._emulator_spec import COUNTRIES, dialect_spec
from ._mapping import forward_url
from ._porting_emulator import NUMBERS_HOST, UPLOAD_HOST, PortingDesk
from ._wire import FORM_NAMES, HTTP_METHODS

__all__ = [
    "ACCOUNT_SID",
    "API_KEY",
    "API_SECRET",
    "AUTH_TOKEN",
    "BASE_URL",
    "SIGNALWIRE_BASE_URL",
    "SIGNALWIRE_PROJECT",
    "SIGNALWIRE_TOKEN",
    "TwilioEmulator",
    "emulator",
]

HOST: Final = "api.twilio.emulator.invalid"
BASE_URL: Final = f"https://{HOST}"
ACCOUNT_SID: Final = "AC0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e01"
AUTH_TOKEN: Final = "twilio-emulator-auth-token-0000001"  # noqa: S105 - a fake, for the emulator
API_KEY: Final = "SK0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e01"
API_SECRET: Final = "twilio-emulator-api-secret-000001"  # noqa: S105 - a fake, for the emulator
SIGNALWIRE_HOST: Final = "example.signalwire.emulator.invalid"
SIGNALWIRE_BASE_URL: Final = f"https://{SIGNALWIRE_HOST}/api/laml"
SIGNALWIRE_PROJECT: Final = "b3877c40-da60-4998-90ad-b792e98472af"
SIGNALWIRE_TOKEN: Final = "PTsignalwire0emulator0token000001"  # noqa: S105 - a fake, for the emulator
_EPOCH: Final = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
_NAMES: Final = ("Front desk", "Sales", "Support", "Billing", "Dispatch", "Clinic", "After hours", "Campaign")
_KEYPAD: Final = {
    c: str(d)
    for d, letters in enumerate(("", "", "abc", "def", "ghi", "jkl", "mno", "pqrs", "tuv", "wxyz"))
    for c in letters
}
_URL_FIELDS: Final = frozenset(
    {"voice_url", "voice_fallback_url", "status_callback", "sms_url", "sms_fallback_url"}
)
_METHOD_FIELDS: Final = frozenset(
    {"voice_method", "voice_fallback_method", "status_callback_method", "sms_method", "sms_fallback_method"}
)
_FIELD_FOR: Final = {form: field for field, form in FORM_NAMES.items()}
#: `IncomingPhoneNumbers/{Local,Mobile,TollFree}.json` -> the `type` each lists
_TYPED_LISTS: Final = {"Local": "local", "Mobile": "mobile", "TollFree": "toll-free"}
#: writable fields phonefleet does not model, by form name
_OTHER_FIELDS: Final = {
    "VoiceCallerIdLookup": "voice_caller_id_lookup",
    "VoiceReceiveMode": "voice_receive_mode",
    "EmergencyStatus": "emergency_status",
    "EmergencyAddressSid": "emergency_address_sid",
    "IdentitySid": "identity_sid",
    "AddressSid": "address_sid",
    "BundleSid": "bundle_sid",
}


def _rfc2822(moment: datetime) -> str:
    return format_datetime(moment).replace("-0000", "+0000")


def _hex_sid(prefix: str, a: int, b: int) -> str:
    """A random-looking, reproducible sid: the prefix and 32 hex digits."""
    return prefix + hashlib.blake2b(f"{prefix}:{a}:{b}".encode(), digest_size=16).hexdigest()


def _formatted(number: str) -> str:
    national = number[2:]
    if number.startswith("+1") and len(national) == 10:
        return f"({national[:3]}) {national[3:6]}-{national[6:]}"
    return number


class TwilioEmulator(EmulatorTransport):
    """Twilio's (or SignalWire's) IncomingPhoneNumbers, in memory.

    Knobs a test may flip at any time: `send_retry_after` (whether a 429
    carries Retry-After), `release_holds` (sids whose release is refused with
    409, SignalWire's cooldown), `hold_purchases` (hold every number bought
    here), `problem_details` (errors in the RFC 9457 shape).
    """

    def __init__(
        self,
        numbers: Iterable[str],
        *,
        dialect: str = "twilio",
        seed: int = 0,
        available: int = 200,
        hold_purchases: bool = False,
        faults: FaultPlan | None = None,
        latency: float = 0.0,
        network: Network | None = None,
    ) -> None:
        super().__init__(faults=faults, latency=latency)
        if dialect not in {"twilio", "signalwire"}:
            msg = f"dialect must be 'twilio' or 'signalwire', got {dialect!r}"
            raise ValueError(msg)
        self.dialect = dialect
        self.signalwire = dialect == "signalwire"
        if self.signalwire:  # SignalWire limits writes (POST, PUT, PATCH) only; Twilio every request
            self.limited_methods = frozenset({"POST", "PUT", "PATCH"})
        #: the dialect's spec: what a form may carry, what a record looks like
        self.spec = dialect_spec(signalwire=self.signalwire)
        self.seed = seed
        self.hold_purchases = hold_purchases
        self.send_retry_after = True
        self.problem_details = False
        self.release_holds: set[str] = set()
        self._rng = random.Random(seed)  # noqa: S311 - test data
        self._book = RecordBook()
        self._writes = 0
        if self.signalwire:
            self.prefix = "/api/laml"
            self.account = SIGNALWIRE_PROJECT
            logins = [(SIGNALWIRE_PROJECT, SIGNALWIRE_TOKEN)]
        else:
            self.prefix = ""
            self.account = ACCOUNT_SID
            logins = [(ACCOUNT_SID, AUTH_TOKEN), (API_KEY, API_SECRET)]
        self._logins = {"Basic " + base64.b64encode(f"{u}:{p}".encode()).decode() for u, p in logins}
        for number in numbers:
            self._add(number if is_e164(number) else to_e164(number))
        owned = {record.number for record in self._book.records.values()}
        #: the numbers for sale, by number (what search and purchase work on)
        self.available: dict[str, dict[str, Any]] = {
            item["phone_number"]: item for item in self._pool(available) if item["phone_number"] not in owned
        }
        self.router = Router()
        account = f"{self.prefix}/2010-04-01/Accounts/{{account}}"
        suffixes = (".json", "") if self.signalwire else (".json",)
        for suffix in suffixes:
            self.router.add("GET", f"{account}/IncomingPhoneNumbers{suffix}", self._list)
            self.router.add("POST", f"{account}/IncomingPhoneNumbers{suffix}", self._create)
        if not self.signalwire:  # Twilio's per-type lists and purchases (SignalWire has none)
            for kind in _TYPED_LISTS:
                self.router.add("GET", f"{account}/IncomingPhoneNumbers/{kind}.json", self._typed_list(kind))
                self.router.add(
                    "POST", f"{account}/IncomingPhoneNumbers/{kind}.json", self._typed_create(kind)
                )
        for suffix in suffixes:
            self.router.add("GET", f"{account}/IncomingPhoneNumbers/{{sid}}{suffix}", self._fetch)
            self.router.add("POST", f"{account}/IncomingPhoneNumbers/{{sid}}{suffix}", self._update)
            self.router.add("DELETE", f"{account}/IncomingPhoneNumbers/{{sid}}{suffix}", self._delete)
        for suffix in suffixes:
            self.router.add("GET", f"{account}/AvailablePhoneNumbers{suffix}", self._countries)
            self.router.add("GET", f"{account}/AvailablePhoneNumbers/{{country}}{suffix}", self._country)
            self.router.add(
                "GET", f"{account}/AvailablePhoneNumbers/{{country}}/{{kind}}{suffix}", self._search
            )
        #: how each field reads when nothing is set (what clearing it leaves)
        self._unset = self._blank("", "+10000000000", "")
        #: porting (numbers.twilio.com, Twilio's dialect only) and this emulator's place on a Network
        self.porting = PortingDesk(self, network)
        self.porting.hold_seeded()
        if not self.signalwire:
            self.porting.mount()

    # -- state -------------------------------------------------------------------
    def _sid(self, seq: int) -> str:
        if self.signalwire:
            return str(uuid.UUID(int=int(_hex_sid("", seq, self.seed), 16), version=4))
        return _hex_sid("PN", seq, self.seed)

    def _add(self, number: str, fields: dict[str, Any] | None = None) -> NumberRecord:
        return self._book.add(number, self._sid, fields)

    def _pool(self, count: int) -> Iterable[dict[str, Any]]:
        for index, number, region, city in pool_numbers(count):
            yield {
                "friendly_name": _formatted(number),
                "phone_number": number,
                "lata": None if region is None else str(100 + index % 900),
                "locality": city,
                "rate_center": city.upper() if city else None,
                "latitude": None,
                "longitude": None,
                "region": region,
                "postal_code": None,
                "iso_country": "US",
                "address_requirements": "none",
                "beta": False,
                # as Twilio answers a search: SMS and MMS in capitals
                "capabilities": {"voice": True, "SMS": True, "MMS": index % 3 != 0, "fax": index % 4 == 0},
            }

    def _now(self) -> datetime:
        self._writes += 1
        return _EPOCH + timedelta(days=400, seconds=self._writes)

    def _uri(self, sid: str | None = None) -> str:
        base = f"{self.prefix}/2010-04-01/Accounts/{self.account}/IncomingPhoneNumbers"
        return f"{base}/{sid}.json" if sid is not None else base + ".json"

    def _blank(self, sid: str, number: str, created: str) -> dict[str, Any]:
        """A number as the dialect reports it, with nothing configured."""
        payload: dict[str, Any] = {
            "account_sid": self.account,
            "address_requirements": "none",
            "address_sid": None,
            "api_version": "2010-04-01",
            "beta": False,
            "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False},
            "date_created": created,
            "date_updated": created,
            "emergency_status": "Inactive",
            "emergency_address_sid": None,
            "friendly_name": _formatted(number),
            "identity_sid": None,
            "origin": "signalwire" if self.signalwire else "twilio",
            "phone_number": number,
            "sid": sid,
            "sms_application_sid": None if self.signalwire else "",
            "sms_fallback_method": "POST",
            "sms_fallback_url": None if self.signalwire else "",
            "sms_method": "POST",
            "sms_url": None if self.signalwire else "",
            "status_callback": None if self.signalwire else "",
            "status_callback_method": "POST",
            "trunk_sid": None,
            "uri": self._uri(sid),
            "voice_application_sid": None if self.signalwire else "",
            "voice_caller_id_lookup": None if self.signalwire else False,
            "voice_fallback_method": "POST",
            "voice_fallback_url": None,
            "voice_method": "POST",
            "voice_url": None,
        }
        toll_free = number[2:5] in TOLL_FREE_AREAS
        if self.signalwire:
            payload["account_id"] = self.account
            payload["country_code"] = "US"
            if toll_free:
                payload["verification_status"] = "Unverified"
        else:
            payload.update(
                bundle_sid=None,
                emergency_address_status="unregistered",
                status="in-use",
                type="toll-free" if toll_free else "local",
                voice_receive_mode="voice",
            )
        return payload

    def _seeded(self, record: NumberRecord) -> dict[str, Any]:
        key = (record.seq * 2654435761 + self.seed * 40503) & 0xFFFFFFFF
        payload = self._blank(record.id, record.number, _rfc2822(_EPOCH + timedelta(minutes=record.seq)))
        if key % 7:
            payload["friendly_name"] = f"{_NAMES[key % len(_NAMES)]} {record.seq:05d}"
        payload["capabilities"] = {
            "voice": True,
            "sms": key % 3 != 0,
            "mms": key % 3 != 0,
            "fax": key % 5 == 0,
        }
        voice = key % (5 if self.signalwire else 6)
        if voice == 0:
            payload.update(
                voice_url="https://hooks.example.com/voice",
                voice_fallback_url="https://backup.example.com/voice",
                status_callback="https://hooks.example.com/status",
            )
        elif voice == 1:
            payload["voice_url"] = forward_url(f"+1202555{1000 + record.seq % 9000:04d}")
        elif voice == 2:
            payload["voice_application_sid"] = self._app_sid(key % 3)
        elif voice == 3:
            payload.update(voice_url="https://hooks.example.com/ivr", voice_method="GET")
        elif voice == 5:
            payload["trunk_sid"] = _hex_sid("TK", key % 2, 0)
        sms = (key >> 8) % 3
        if sms == 0:
            payload["sms_url"] = "https://hooks.example.com/sms"
        elif sms == 1:
            payload["sms_application_sid"] = self._app_sid(key % 2)
        return payload

    def _app_sid(self, index: int) -> str:
        if self.signalwire:
            return str(uuid.UUID(int=int(_hex_sid("", index, 99), 16), version=4))
        return _hex_sid("AP", index, 99)

    def payload(self, record: NumberRecord) -> dict[str, Any]:
        return self._seeded(record) if record.fields is None else dict(record.fields)

    def numbers(self) -> list[dict[str, Any]]:
        """Every number's payload, in listing order (for tests)."""
        return [self.payload(self._book.by_seq[seq]) for seq in self._book.order]

    # -- errors ----------------------------------------------------------------------
    def _error(
        self, status: int, code: int, message: str, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        more_info = (
            "https://signalwire.com/docs/compatibility-api/reference/errors"
            if self.signalwire
            else f"https://www.twilio.com/docs/errors/{code}"
        )
        if self.problem_details:
            title = httpx.codes.get_reason_phrase(status)
            body: dict[str, Any] = {"type": more_info, "title": title, "detail": message,
                                    "code": code, "status": status}  # fmt: skip
        else:
            body = {"code": code, "message": message, "more_info": more_info, "status": status}
        return json_response(status, body, headers)

    def _not_found(self, request: httpx.Request) -> httpx.Response:
        return self._error(404, 20404, f"The requested resource {request.url.path} was not found")

    def error_response(self, status: int, *, retry_after: float | None = None) -> httpx.Response:
        if status == 429:
            headers = (
                {"Retry-After": f"{retry_after:g}"}
                if retry_after is not None and self.send_retry_after
                else {}
            )
            return self._error(429, 20429, "Too Many Requests", headers)
        return self._error(status, 20000 + status, httpx.codes.get_reason_phrase(status))

    def limited_response(self, state: LimitState) -> httpx.Response:
        """Twilio's concurrency refusal: 429, code 20429, no Retry-After promised."""
        if state.concurrency:
            return self._error(429, 20429, "Too Many Requests", {})
        return super().limited_response(state)

    # -- transport ---------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") not in self._logins:
            return self._unauthorized()
        response = self.router.dispatch(request, request.url.path)
        if response is not None and response.status_code == 405:
            return self._error(405, 20004, "Method not allowed")
        return response if response is not None else self._not_found(request)

    def _unauthorized(self) -> httpx.Response:
        realm = "SignalWire" if self.signalwire else "Twilio API"
        return self._error(401, 20003, "Authenticate", {"WWW-Authenticate": f'Basic realm="{realm}"'})

    def _check_account(self, request: httpx.Request, account: str) -> httpx.Response | None:
        """Another account's sid in the path: these credentials cannot reach it (401, 20003)."""
        return None if account == self.account else self._unauthorized()

    def _refused(self, form: Mapping[str, str], *, create: bool) -> httpx.Response | None:
        """The 400 a form earns by breaking the dialect's spec, before anything is looked up."""
        refused = self.spec.refusal(form, create=create)
        return None if refused is None else self._error(400, *refused)

    # -- IncomingPhoneNumbers -----------------------------------------------------------
    def _typed_list(self, kind: str) -> Any:
        def handler(request: httpx.Request, account: str) -> httpx.Response:
            return self._list(request, account, number_type=_TYPED_LISTS[kind], path=kind)

        return handler

    def _typed_create(self, kind: str) -> Any:
        def handler(request: httpx.Request, account: str) -> httpx.Response:
            return self._create(request, account, number_type=_TYPED_LISTS[kind])

        return handler

    def _list_filter(self, filters: Mapping[str, str], number_type: str | None) -> Any:
        """The list's filters as one test: a record's payload if it matches, else None."""
        number_filter = _number_pattern(filters.get("PhoneNumber", ""))
        wanted = {
            key: value
            for key, value in (
                ("friendly_name", filters.get("FriendlyName")),
                ("origin", filters.get("Origin")),
                ("type", number_type),
            )
            if value
        }
        new_only = filters.get("Beta", "true").lower() == "false"

        def keep(record: NumberRecord) -> dict[str, Any] | None:
            if number_filter is not None and not number_filter.search(record.number):
                return None
            payload = self.payload(record)
            if any(payload.get(key) != value for key, value in wanted.items()):
                return None
            return None if new_only and payload.get("beta") else payload

        return keep

    def _list(
        self, request: httpx.Request, account: str, *, number_type: str | None = None, path: str | None = None
    ) -> httpx.Response:
        if (problem := self._check_account(request, account)) is not None:
            return problem
        query = request.url.params
        try:
            page_size = int(query.get("PageSize", "50"))
            page = int(query.get("Page", "0"))
        except ValueError:
            return self._error(400, 20001, "PageSize and Page must be integers")
        if not 1 <= page_size <= 1000 or page < 0:
            return self._error(400, 20001, "PageSize must be between 1 and 1000")
        names = (
            ("PhoneNumber", "FriendlyName")
            if self.signalwire
            else ("Beta", "FriendlyName", "PhoneNumber", "Origin")
        )
        filters = {key: query[key] for key in names if query.get(key)}
        beta = filters.get("Beta", "true").lower()
        if beta not in {"true", "false"}:
            return self._error(400, 20001, "Beta must be true or false")
        keep = self._list_filter(filters, number_type)
        token = query.get("PageToken")
        backwards = bool(token) and token.startswith("PB")
        start = 0
        skip = 0
        if token:
            ident = token[2:] if token.startswith(("PA", "PB")) else ""
            seq = self._book.seq_of(ident)
            if seq is None:
                return self._error(400, 20001, "PageToken is invalid")
            # PA<sid>: the page after that number; PB<sid>: the page before it
            start = (
                bisect_left(self._book.order, seq) - 1
                if backwards
                else bisect_left(self._book.order, seq + 1)
            )
        elif page and self.signalwire:  # SignalWire: "Required when Page > 0"
            return self._error(400, 20001, "PageToken is required when Page is above 0")
        else:  # Twilio: a page number alone counts matches from the start
            skip = page * page_size
        found, more = self._scan(start, -1 if backwards else 1, keep, skip, page_size)
        if backwards:
            found.reverse()
            more = bool(found)  # the page this one is before
        items = [self.spec.number(payload) for _, payload in found]
        following = {"Page": page + 1, "PageToken": "PA" + found[-1][0].id} if more and found else None
        previous: dict[str, Any] | None = None
        if page > 0:
            previous = {"Page": page - 1, **({"PageToken": "PB" + found[0][0].id} if found else {})}
        return self._envelope(path, filters, (page, page_size, token), items, following, previous)

    def _scan(
        self, index: int, step: int, keep: Any, skip: int, page_size: int
    ) -> tuple[list[tuple[NumberRecord, dict[str, Any]]], bool]:
        """Up to `page_size` matches from `index` on (`step` -1: backwards),
        after skipping `skip`; and whether one more match follows."""
        found: list[tuple[NumberRecord, dict[str, Any]]] = []
        while 0 <= index < len(self._book.order):
            record = self._book.by_seq[self._book.order[index]]
            index += step
            payload = keep(record)
            if payload is None:
                continue
            if skip:
                skip -= 1
                continue
            if len(found) == page_size:
                return found, True
            found.append((record, payload))
        return found, False

    def _envelope(  # noqa: PLR0917 - the parts of a list page
        self,
        path: str | None,
        filters: Mapping[str, str],
        position: tuple[int, int, str | None],
        items: list[dict[str, Any]],
        following: Mapping[str, Any] | None,
        previous: Mapping[str, Any] | None,
    ) -> httpx.Response:
        """A list page in the dialect's envelope (SignalWire's has no start and end)."""
        page, page_size, token = position
        base = self._uri()
        if path is not None:
            base = base.removesuffix(".json") + f"/{path}.json"
        if self.signalwire:
            base = base.removesuffix(".json")

        def link(extra: Mapping[str, Any]) -> str:
            params = {"PageSize": page_size, **filters, **extra}
            return f"{base}?{urlencode(params, quote_via=quote)}"

        body: dict[str, Any] = {
            "first_page_uri": link({"Page": 0}),
            "previous_page_uri": link(previous) if previous is not None else None,
            "incoming_phone_numbers": items,
            "uri": link({"Page": page, **({"PageToken": token} if token else {})}),
            "page_size": page_size,
            "next_page_uri": link(following) if following is not None else None,
            "page": page,
        }
        if not self.signalwire:
            body["start"] = page * page_size
            body["end"] = page * page_size + max(len(items) - 1, 0)
        return json_response(200, body)

    def _fetch(self, request: httpx.Request, account: str, sid: str) -> httpx.Response:
        if (problem := self._check_account(request, account)) is not None:
            return problem
        record = self._book.records.get(sid)
        if record is None:
            return self._not_found(request)
        return json_response(200, self.spec.number(self.payload(record)))

    def _form(self, request: httpx.Request) -> dict[str, str]:
        return dict(parse_qsl(request.content.decode("utf-8", "replace"), keep_blank_values=True))

    def _apply_form(self, payload: dict[str, Any], form: Mapping[str, str]) -> httpx.Response | None:
        """Form fields onto a payload, by Twilio's rules; an error answer, or None."""
        for name, sent in form.items():
            value = sent
            field = _FIELD_FOR.get(name)
            if field is None:
                other = _OTHER_FIELDS.get(name)
                if other is not None and other in payload:  # kept as sent, for SDKs that read it back
                    payload[other] = (
                        value.lower() == "true" if other == "voice_caller_id_lookup" else (value or None)
                    )
                continue
            if field in _URL_FIELDS and value and not value.lower().startswith(("http://", "https://")):
                return self._error(400, 21502, f"{name} is not a valid URL: {value[:60]}")
            if field in _METHOD_FIELDS:
                if value.upper() not in HTTP_METHODS:
                    return self._error(400, 21501, f"{name} must be GET or POST")
                value = value.upper()
            if field == "friendly_name":
                limit = 255 if self.signalwire else 64
                if len(value) > limit:
                    return self._error(400, 21402, f"FriendlyName is longer than {limit} characters")
                payload[field] = value or _formatted(payload["phone_number"])
            elif field == "voice_application_sid":
                payload[field] = value or self._unset[field]
                if value:  # an application removes a trunk
                    payload["trunk_sid"] = None
            elif field == "trunk_sid":
                if self.signalwire:  # SignalWire's trunk_sid is "Always null": no such form field
                    continue
                payload[field] = value or None
                if value:  # a trunk removes an application
                    payload["voice_application_sid"] = self._unset["voice_application_sid"]
            else:  # cleared, a field reads as it does when never set
                payload[field] = value or self._unset[field]
        return None

    def _update(self, request: httpx.Request, account: str, sid: str) -> httpx.Response:
        if (problem := self._check_account(request, account)) is not None:
            return problem
        record = self._book.records.get(sid)
        if record is None:
            return self._not_found(request)
        form = self._form(request)
        if (problem := self._refused(form, create=False)) is not None:
            return problem
        payload = self.payload(record)
        problem = self._apply_form(payload, form)
        if problem is not None:
            return problem
        payload["date_updated"] = _rfc2822(self._now())
        record.fields = payload
        return json_response(200, self.spec.number(payload))

    def _create(
        self, request: httpx.Request, account: str, *, number_type: str | None = None
    ) -> httpx.Response:
        if (problem := self._check_account(request, account)) is not None:
            return problem
        form = self._form(request)
        if (problem := self._refused(form, create=True)) is not None:
            return problem
        number = form.get("PhoneNumber")
        if not number and form.get("AreaCode"):
            number = next((n for n in self.available if n[2:5] == form["AreaCode"]), None)
            if number is None:
                return self._error(400, 21452, "No phone numbers found in area code")
        if not number:
            return self._error(400, 21421, "PhoneNumber or AreaCode is required")
        item = self.available.get(number)
        if item is None:
            return self._error(400, 21422, f"PhoneNumber {number[:20]} is not available")
        toll_free = number[2:5] in TOLL_FREE_AREAS
        if number_type is not None and number_type != ("toll-free" if toll_free else "local"):
            return self._error(400, 21422, f"PhoneNumber {number[:20]} is not a {number_type} number")
        now = _rfc2822(self._now())
        record = self._add(number)
        payload = self._blank(record.id, number, now)
        payload["capabilities"] = {key.lower(): bool(flag) for key, flag in item["capabilities"].items()}
        problem = self._apply_form(payload, {k: v for k, v in form.items() if k != "PhoneNumber"})
        if problem is not None:
            self._remove(record)
            return problem
        del self.available[number]
        record.fields = payload
        if self.hold_purchases:
            self.release_holds.add(record.id)
        return json_response(201, self.spec.number(payload))

    def _remove(self, record: NumberRecord) -> None:
        self._book.remove(record)

    def _delete(self, request: httpx.Request, account: str, sid: str) -> httpx.Response:
        if (problem := self._check_account(request, account)) is not None:
            return problem
        record = self._book.records.get(sid)
        if record is None:
            return self._not_found(request)
        if sid in self.release_holds:
            return self._error(409, 21450, "This number was purchased too recently to be released")
        self._remove(record)
        return httpx.Response(204, headers={"Date": format_datetime(self._now(), usegmt=True)})

    # -- AvailablePhoneNumbers ------------------------------------------------------------
    def _country_payload(self, code: str) -> dict[str, Any]:
        name, kinds = COUNTRIES[code]
        suffix = "" if self.signalwire else ".json"
        base = f"{self.prefix}/2010-04-01/Accounts/{self.account}/AvailablePhoneNumbers/{code}"
        subresources = {
            re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower(): f"{base}/{kind}{suffix}" for kind in kinds
        }
        return self.spec.country(
            {
                "country_code": code,
                "country": name,
                "uri": base + suffix,
                "beta": False,
                "subresource_uris": subresources,
            }
        )

    def _countries(self, request: httpx.Request, account: str) -> httpx.Response:
        if (problem := self._check_account(request, account)) is not None:
            return problem
        countries = [self._country_payload(code) for code in sorted(COUNTRIES)]
        return json_response(200, {"countries": countries, "uri": request.url.path})

    def _country(self, request: httpx.Request, account: str, country: str) -> httpx.Response:
        if (problem := self._check_account(request, account)) is not None:
            return problem
        if country not in COUNTRIES:
            return self._not_found(request)
        return json_response(200, self._country_payload(country))

    def _search(self, request: httpx.Request, account: str, country: str, kind: str) -> httpx.Response:
        if (problem := self._check_account(request, account)) is not None:
            return problem
        kinds = ("Local", "TollFree") if self.signalwire else ("Local", "TollFree", "Mobile")
        if not (len(country) == 2 and country.isalpha() and country.isupper()) or kind not in kinds:
            return self._not_found(request)
        query = request.url.params
        try:  # SignalWire's search has no PageSize: it answers one fixed-size list
            page_size = 50 if self.signalwire else int(query.get("PageSize", "50"))
        except ValueError:
            return self._error(400, 20001, "PageSize must be an integer")
        if not 1 <= page_size <= 1000:
            return self._error(400, 20001, "PageSize must be between 1 and 1000")
        contains = "".join(_KEYPAD.get(ch.lower(), ch) for ch in query.get("Contains", ""))
        found = []
        for item in self.available.values():
            national = item["phone_number"][2:]
            toll_free = national[:3] in TOLL_FREE_AREAS
            if country != "US" or kind == "Mobile" or toll_free != (kind == "TollFree"):
                continue
            if query.get("AreaCode") and national[:3] != query["AreaCode"]:
                continue
            if contains and not _matches(national, contains):
                continue
            if query.get("InRegion") and item["region"] != query["InRegion"]:
                continue
            if query.get("InLocality") and (item["locality"] or "").lower() != query["InLocality"].lower():
                continue
            capabilities = {key.lower(): flag for key, flag in item["capabilities"].items()}
            if any(
                query.get(param) == "true" and not capabilities.get(name)
                for param, name in (("SmsEnabled", "sms"), ("MmsEnabled", "mms"), ("VoiceEnabled", "voice"),
                                    ("FaxEnabled", "fax"))
            ):  # fmt: skip
                continue
            found.append(self.spec.available(item))
            if len(found) == page_size:
                break
        uri = request.url.raw_path.decode()
        if self.signalwire:  # SignalWire's answer: the list and its uri, no paging
            return json_response(200, {"uri": request.url.path, "available_phone_numbers": found})
        return json_response(
            200,
            {
                "available_phone_numbers": found,
                "end": max(len(found) - 1, 0),
                "first_page_uri": uri,
                "next_page_uri": None,
                "page": 0,
                "page_size": page_size,
                "previous_page_uri": None,
                "start": 0,
                "uri": uri,
            },
        )


def _matches(national: str, pattern: str) -> bool:
    """Twilio's `Contains` (letters already made digits): `*` one digit, `%` any
    run of digits, `+` first anchors the start (of the number with or without
    its country code), `$` last anchors the end; otherwise anywhere."""
    body = pattern.removeprefix("+").removesuffix("$")
    regex = "".join(r"\d" if ch == "*" else r"\d*" if ch == "%" else re.escape(ch) for ch in body)
    regex += "$" if pattern.endswith("$") else ""
    if pattern.startswith("+"):
        return re.match(regex, national) is not None or re.match(regex, "1" + national) is not None
    return re.search(regex, national) is not None


def _number_pattern(value: str) -> re.Pattern[str] | None:
    """The list's `PhoneNumber` filter: a partial number, `*` for any digit."""
    kept = "".join(ch for ch in value if ch.isdigit() or ch == "*")
    if not kept:
        return None
    return re.compile("".join(r"\d" if ch == "*" else ch for ch in kept))


def emulator(
    numbers: int | Iterable[str] = 25,
    *,
    offset: int = 0,
    faults: FaultPlan | None = None,
    latency: float = 0.0,
    seed: int = 0,
    available: int = 200,
    dialect: str = "twilio",
    hold_purchases: bool = False,
    network: Network | None = None,
) -> Emulator:
    """A Twilio emulator (or, with `dialect="signalwire"`, SignalWire's
    Compatibility API) with `numbers` and `available` numbers for sale.

    On a `network`, its numbers can be ported away to another member, and
    (Twilio's dialect) it ports numbers in; without one it makes its own."""
    if isinstance(numbers, int):
        numbers = seeded_numbers(numbers, offset=offset)
    transport = TwilioEmulator(
        numbers,
        dialect=dialect,
        seed=seed,
        available=available,
        hold_purchases=hold_purchases,
        faults=faults,
        latency=latency,
        network=network,
    )
    if dialect == "signalwire":
        settings = {
            "base_url": SIGNALWIRE_BASE_URL,
            "account_sid": SIGNALWIRE_PROJECT,
            "auth_token": SIGNALWIRE_TOKEN,
        }
    else:
        settings = {
            "base_url": BASE_URL,
            "account_sid": ACCOUNT_SID,
            "auth_token": AUTH_TOKEN,
            "numbers_base_url": f"https://{NUMBERS_HOST}",
            "upload_base_url": f"https://{UPLOAD_HOST}",
        }
    return Emulator(transport=transport, settings=settings)
