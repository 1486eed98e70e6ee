"""An in-process emulator of SignalWire's relay REST phone-number API.

A stateful httpx transport (sync and async): HTTP Basic check, listing with
`page_size` bounds and keyset `page_token` links (relative or absolute,
switchable), partial PUT with the documented handler rules, purchase from a
pool of available numbers (which `/phone_numbers/search` searches), release,
404s, 422s in the documented `{"errors": [...]}` shape, and the core's fault
injection. Seeded numbers are kept compact (their fields are derived from
the seed on demand), so 100,000 of them fit in a few tens of megabytes.

The Fabric API's SWML scripts (`/api/fabric/resources/swml_scripts`) are
served too, in the spec's shapes (each with its `request_url`): a few are
seeded as if made by hand in the dashboard, one of them forwarding calls,
and some seeded numbers run it (`relay_script`), so they read as forwarded.
"""

from __future__ import annotations

import base64
import random
import uuid
from bisect import bisect_left
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, Final
from urllib.parse import urlencode

import httpx

from phonefleet import is_e164, to_e164
from phonefleet.adapter import decode_json
from phonefleet.testing import (
    TOLL_FREE_AREAS,
    Emulator,
    EmulatorTransport,
    FaultPlan,
    NumberRecord,
    RecordBook,
    Router,
    json_response,
    pool_numbers,
    seeded_numbers,
)

from . import _emulator_spec as spec
from ._forwarding import swml_document
from ._wire import HTTP_METHODS, MESSAGE_SIDE, NUMBER_FIELDS, VOICE_SIDE, Side

__all__ = ["API_TOKEN", "BASE_URL", "PROJECT_ID", "SignalWireEmulator", "emulator"]

HOST: Final = "signalwire.emulator.invalid"
BASE_PATH: Final = "/api/relay/rest"
FABRIC_PATH: Final = "/api/fabric"
SCRIPTS_PATH: Final = f"{FABRIC_PATH}/resources/swml_scripts"
#: where the seeded hand-made forwarding script sends calls
HAND_FORWARD_TO: Final = "+14155550100"
BASE_URL: Final = f"https://{HOST}{BASE_PATH}"
PROJECT_ID: Final = "5f1c2d3e-0000-4000-8000-00000000e301"
API_TOKEN: Final = "PTemulator0000000000000000000000000000000000000000"  # noqa: S105 - a fake, for the emulator
_EPOCH: Final = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
_TEMPLATE: Final = dict.fromkeys(sorted(NUMBER_FIELDS))
#: call handlers a PUT may set (the rest are set through the Fabric API)
_CALL_HANDLERS_SETTABLE: Final = frozenset(VOICE_SIDE.kinds)
_MESSAGE_HANDLERS: Final = frozenset(MESSAGE_SIDE.kinds)
_READ_ONLY: Final = frozenset({VOICE_SIDE.resource_key, MESSAGE_SIDE.resource_key})
#: taken by a PUT, never reported: the resource a kind is set with (reported
#: as its `*_handler_resource_id`) and the call flow's version
_WRITE_ONLY: Final = VOICE_SIDE.write_only | MESSAGE_SIDE.write_only | {"call_flow_version"}
_WRITABLE: Final = (VOICE_SIDE.fields | MESSAGE_SIDE.fields | _WRITE_ONLY | {"name"}) - _READ_ONLY
_FLOW_VERSIONS: Final = frozenset({"working_copy", "current_deployed"})
_NAMES: Final = ("Front desk", "Sales", "Support", "Billing", "Dispatch", "Clinic", "After hours", "Campaign")

#: seeded voice handlers, one chosen per number from the seed
_VOICE_PLANS: Final[tuple[dict[str, Any], ...]] = (
    {
        "call_handler": "laml_webhooks",
        "call_request_url": "https://hooks.example.com/voice",
        "call_request_method": "POST",
        "call_fallback_url": "https://backup.example.com/voice",
        "call_fallback_method": "POST",
        "call_status_callback_url": "https://hooks.example.com/status",
        "call_status_callback_method": "POST",
    },
    {
        "call_handler": "relay_topic",
        "call_relay_topic": "office",
        "call_relay_topic_status_callback_url": None,
    },
    {"call_handler": "relay_application", "call_relay_application": "my-relay-app"},
    {"call_handler": "laml_application", "call_laml_application_id": "6b0c8c2e-5a44-4bd2-8a1e-6f3c9f0d2a11"},
    {
        "call_handler": "relay_script",
        "call_relay_script_url": "https://example.signalwire.com/relay-bins/60e2ba7b",
    },
    {"call_handler": "dialogflow", "call_dialogflow_agent_id": "agent-7"},
    {"call_handler": "video_room", "call_video_room_id": "fe4093d9-58c2-4931-b4b9-5679f82652c6"},
    {"call_handler": "ai_agent"},
    {"call_handler": None},
)
_MESSAGE_PLANS: Final[tuple[dict[str, Any], ...]] = (
    {
        "message_handler": "laml_webhooks",
        "message_request_url": "https://hooks.example.com/sms",
        "message_request_method": "POST",
    },
    {"message_handler": "relay_topic", "message_relay_topic": "office"},
    {"message_handler": "relay_application"},
    {"message_handler": None},
)
_CAPABILITY_SETS: Final = (
    ["voice", "sms", "mms"],
    ["voice", "sms", "mms", "fax"],
    ["voice"],
    ["voice", "sms"],
)


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _derived_uuid(high: int, low: int) -> str:
    """A random-looking, reproducible uuid4 from two numbers."""
    mixed = (((high + 1) * 0x9E3779B97F4A7C15) << 64 | ((low + 1) * 0xC2B2AE3D27D4EB4F)) & ((1 << 128) - 1)
    return str(uuid.UUID(int=mixed, version=4))


def _errors(status: int, detail: str, code: str, title: str = "Invalid Attribute") -> httpx.Response:
    return json_response(
        status, {"errors": [{"detail": detail, "status": str(status), "title": title, "code": code}]}
    )


def _plain(status: int) -> httpx.Response:
    headers = {"WWW-Authenticate": 'Basic realm="SignalWire"'} if status == 401 else None
    return json_response(status, {"error": httpx.codes.get_reason_phrase(status)}, headers)


def _fabric_error(status: int, message: str, code: str, attribute: str | None = None) -> httpx.Response:
    """The Fabric API's error item: type, code, message, attribute, url."""
    item: dict[str, Any] = {"type": "validation_error", "code": code, "message": message}
    if attribute is not None:
        item["attribute"] = attribute
    item["url"] = "https://signalwire.com/docs/apis/error-codes"
    return json_response(status, {"errors": [item]})


def _check_contents(contents: object) -> httpx.Response | None:
    """A SWML document: an object (the spec) or its JSON or YAML text."""
    document = swml_document(contents)
    sections = document.get("sections") if document is not None else None
    if not isinstance(sections, dict) or not isinstance(sections.get("main"), list):
        return _fabric_error(422, "contents must be valid SWML JSON", "invalid_parameter_value", "contents")
    return None


def _swml(*main: dict[str, Any]) -> dict[str, Any]:
    return {"version": "1.0.0", "sections": {"main": list(main)}}


#: scripts a person made in the dashboard: one forwards, the others do more
_HAND_SCRIPTS: Final[tuple[tuple[str, dict[str, Any]], ...]] = (
    ("Forward to the front desk", _swml({"connect": {"from": "%{call.from}", "to": HAND_FORWARD_TO}})),
    ("Welcome message", _swml({"play": {"url": "say:Welcome to the clinic"}}, {"hangup": {}})),
    (
        "Ring both desks",
        _swml({"connect": {"parallel": [{"to": "+14155550101"}, {"to": "+14155550102"}]}}),
    ),
)


class _Script:
    """One Fabric SWML script resource."""

    __slots__ = ("created_at", "display_name", "id", "inner_id", "request_url", "script", "updated_at")

    def __init__(self, ident: str, inner_id: str, name: str, script: dict[str, Any], when: str) -> None:
        self.id = ident
        self.inner_id = inner_id
        self.display_name = name
        self.request_url = f"https://{HOST}/relay-bins/{inner_id}"
        self.script = script
        self.created_at = self.updated_at = when

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "project_id": PROJECT_ID,
            "display_name": self.display_name,
            "type": "swml_script",
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "swml_script": {
                "id": self.inner_id,
                "display_name": self.display_name,
                "request_url": self.request_url,
                **self.script,
            },
        }


class SignalWireEmulator(EmulatorTransport):
    """SignalWire's relay REST phone numbers, in memory.

    Knobs a test may flip at any time: `absolute_links` (links.next as an
    absolute URL instead of a relative one), `search_style` ("spec": `number`
    and boolean capabilities; "live": `e164` and a capability list),
    `release_holds` (ids whose release is refused with
    `purchased_too_recently`), `hold_purchases` (hold every number bought
    here), `send_retry_after` (whether a 429 carries Retry-After).
    """

    #: SignalWire's documented limit counts writes only; GET and DELETE are unlimited
    limited_methods = frozenset({"POST", "PUT", "PATCH"})

    def __init__(
        self,
        numbers: Iterable[str],
        *,
        seed: int = 0,
        available: int = 200,
        absolute_links: bool = False,
        search_style: str = "spec",
        hold_purchases: bool = False,
        faults: FaultPlan | None = None,
        latency: float = 0.0,
    ) -> None:
        super().__init__(faults=faults, latency=latency)
        self.seed = seed
        self.absolute_links = absolute_links
        self.search_style = search_style
        self.hold_purchases = hold_purchases
        self.send_retry_after = True
        self.release_holds: set[str] = set()
        self._rng = random.Random(seed)  # noqa: S311 - test data
        self._book = RecordBook()
        self._writes = 0
        self._auth = "Basic " + base64.b64encode(f"{PROJECT_ID}:{API_TOKEN}".encode()).decode()
        #: the Fabric SWML scripts, in creation order
        self.scripts: dict[str, _Script] = {}
        for index, (name, contents) in enumerate(_HAND_SCRIPTS):
            ident, inner = _derived_uuid(seed, 7000 + index), _derived_uuid(seed, 8000 + index)
            when = _timestamp(_EPOCH - timedelta(days=30 - index))
            self.scripts[ident] = _Script(
                ident, inner, name, {"script_type": "calling", "contents": contents}, when
            )
        hand = list(self.scripts.values())
        #: the request_url of the hand-made forwarding script, and of one that plays
        self.hand_forwarding_url = hand[0].request_url
        self.hand_greeting_url = hand[1].request_url
        for number in numbers:
            self._add(number if is_e164(number) else to_e164(number))
        owned = {record.number for record in self._book.records.values()}
        #: the numbers for sale, by number (what search and purchase work on)
        self.available: dict[str, dict[str, Any]] = {}
        for item in self._pool_items(available):
            if item["number"] not in owned:
                self.available[item["number"]] = item
        self.router = Router()
        numbers_path = f"{BASE_PATH}/phone_numbers"
        self.router.add("GET", numbers_path, self._list)
        self.router.add("POST", numbers_path, self._purchase)
        self.router.add("GET", numbers_path + "/search", self._search)
        self.router.add("GET", numbers_path + "/{ident}", self._get)
        self.router.add("PUT", numbers_path + "/{ident}", self._update)
        self.router.add("DELETE", numbers_path + "/{ident}", self._release)
        self.router.add("GET", SCRIPTS_PATH, self._list_scripts)
        self.router.add("POST", SCRIPTS_PATH, self._create_script)
        self.router.add("GET", SCRIPTS_PATH + "/{ident}", self._get_script)
        self.router.add("PUT", SCRIPTS_PATH + "/{ident}", self._update_script)
        self.router.add("DELETE", SCRIPTS_PATH + "/{ident}", self._delete_script)
        self.router.add("GET", SCRIPTS_PATH + "/{ident}/addresses", self._script_addresses)

    # -- state -----------------------------------------------------------------
    def _add(self, number: str, fields: dict[str, Any] | None = None) -> NumberRecord:
        return self._book.add(number, lambda _seq: _uuid(self._rng), fields)

    def _pool_items(self, count: int) -> Iterable[dict[str, Any]]:
        for index, number, region, city in pool_numbers(count):
            yield {
                "number": number,
                "region": region,
                "city": city,
                "rate_center": city.upper() if city else None,
                "lata": None if region is None else str(100 + index % 900),
                "capabilities": {"voice": True, "sms": True, "mms": index % 3 != 0, "fax": index % 4 == 0},
            }

    def _now(self) -> datetime:
        self._writes += 1
        return _EPOCH + timedelta(days=400, seconds=self._writes)

    def _seeded(self, record: NumberRecord) -> dict[str, Any]:
        payload = dict(_TEMPLATE)
        key = (record.seq * 2654435761 + self.seed * 40503) & 0xFFFFFFFF
        created = _timestamp(_EPOCH + timedelta(minutes=record.seq))
        payload["id"] = record.id
        payload["number"] = record.number
        payload["name"] = None if key % 7 == 0 else f"{_NAMES[key % len(_NAMES)]} {record.seq:05d}"
        payload["capabilities"] = _CAPABILITY_SETS[key % len(_CAPABILITY_SETS)]
        payload["number_type"] = "toll-free" if record.number[2:5] in TOLL_FREE_AREAS else "longcode"
        payload["country_code"] = "US"
        payload["created_at"] = payload["updated_at"] = created
        payload["next_billed_at"] = _timestamp(_EPOCH + timedelta(days=30, minutes=record.seq))
        payload["call_receive_mode"] = "fax" if key % 11 == 0 else "voice"
        voice = _VOICE_PLANS[key % len(_VOICE_PLANS)]
        spot = (record.seq + self.seed) % 7
        if spot == 2:  # forwarded by hand, through the dashboard's script
            voice = {"call_handler": "relay_script", "call_relay_script_url": self.hand_forwarding_url}
        elif spot == 5:  # a greeting: a script, but not forwarding
            voice = {"call_handler": "relay_script", "call_relay_script_url": self.hand_greeting_url}
        payload.update(voice)
        if voice["call_handler"] is not None:
            payload["calling_handler_resource_id"] = _derived_uuid(record.seq, key)
        messaging = _MESSAGE_PLANS[(key >> 8) % len(_MESSAGE_PLANS)]
        payload.update(messaging)
        if messaging["message_handler"] is not None:
            payload["messaging_handler_resource_id"] = _derived_uuid(key, record.seq)
        return payload

    def payload(self, record: NumberRecord) -> dict[str, Any]:
        return self._seeded(record) if record.fields is None else dict(record.fields)

    def numbers(self) -> list[dict[str, Any]]:
        """Every number's payload, most recent first (for tests)."""
        return [self.payload(self._book.by_seq[seq]) for seq in reversed(self._book.order)]

    # -- transport -------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != self._auth:
            return _plain(401)
        response = self.router.dispatch(request, request.url.path)
        return response if response is not None else _plain(404)

    def error_response(self, status: int, *, retry_after: float | None = None) -> httpx.Response:
        if status == 429:
            headers = (
                {"Retry-After": f"{retry_after:g}"}
                if retry_after is not None and self.send_retry_after
                else {}
            )
            body = {
                "errors": [
                    {
                        "detail": "Too many requests",
                        "status": "429",
                        "title": "Too Many Requests",
                        "code": "rate_limit_exceeded",
                    }
                ]
            }
            return json_response(429, body, headers)
        return _plain(status)

    # -- routes ----------------------------------------------------------------
    def _absolute(self, request: httpx.Request, path: str) -> str:
        """An absolute link on the origin the request came to (the emulator may be served on loopback)."""
        if not self.absolute_links:
            return path
        url = request.url
        return str(url.copy_with(raw_path=path.encode("ascii"), query=None, fragment=None))

    def _link(self, request: httpx.Request, params: dict[str, str | int]) -> str:
        return self._absolute(request, f"{BASE_PATH}/phone_numbers?{urlencode(params)}")

    def _list(self, request: httpx.Request) -> httpx.Response:
        query = request.url.params
        try:
            page_size = int(query.get("page_size", "50"))
            page_number = int(query.get("page_number", "0"))
        except ValueError:
            return _errors(422, "page_size and page_number must be integers", "invalid_parameter")
        if not 1 <= page_size <= 1000:
            return _errors(422, "Page size must be between 1 and 1000", "invalid_parameter")
        filters: dict[str, str | int] = {
            key: query[key] for key in ("filter_name", "filter_number") if query.get(key)
        }
        token = query.get("page_token")
        order = self._book.order
        start = len(order)
        backwards = bool(token) and token.startswith("PB")
        if token:  # PA<id>: the page after that number; PB<id>: the page before it
            ident = token[2:] if token.startswith(("PA", "PB")) else ""
            seq = self._book.seq_of(ident)
            if seq is None:
                return _errors(422, "Page token is invalid", "invalid_parameter")
            start = bisect_left(order, seq + 1) if backwards else bisect_left(order, seq)
        name_filter = str(filters.get("filter_name", "")).lower()
        number_filter = str(filters.get("filter_number", ""))

        def keep(record: NumberRecord) -> dict[str, Any] | None:
            if number_filter and number_filter not in record.number:
                return None
            payload = self.payload(record)
            if name_filter and name_filter not in str(payload.get("name") or "").lower():
                return None
            return spec.number(payload)

        found: list[tuple[NumberRecord, dict[str, Any]]] = []
        step = 1 if backwards else -1
        index = start if backwards else start - 1
        more = False
        while 0 <= index < len(order):
            record = self._book.by_seq[order[index]]
            index += step
            payload = keep(record)
            if payload is None:
                continue
            if len(found) == page_size:
                more = True
                break
            found.append((record, payload))
        if backwards:
            found.reverse()
        data = [payload for _, payload in found]
        last = found[-1][0] if found else None
        # forwards: more follow this page; backwards: the number the token named follows it
        has_next = backwards or more
        has_prev = more if backwards else bool(token)
        common: dict[str, str | int] = {**filters, "page_size": page_size}
        links: dict[str, str] = {
            "self": self._link(
                request, {**common, "page_number": page_number, **({"page_token": token} if token else {})}
            ),
            "first": self._link(request, {**common, "page_number": 0}),
        }
        if has_next and last is not None:
            links["next"] = self._link(
                request, {**common, "page_number": page_number + 1, "page_token": "PA" + last.id}
            )
        if has_prev and found:  # "only present when not on the first page"
            links["prev"] = self._link(
                request,
                {**common, "page_number": max(page_number - 1, 0), "page_token": "PB" + found[0][0].id},
            )
        return json_response(200, {"links": links, "data": data})

    def _get(self, request: httpx.Request, ident: str) -> httpx.Response:
        record = self._book.records.get(ident)
        if record is None:
            return _plain(404)
        return json_response(200, spec.number(self.payload(record)))

    def _body(self, request: httpx.Request) -> Any:
        try:
            return decode_json(request.content)
        except ValueError:
            return None

    def _update(self, request: httpx.Request, ident: str) -> httpx.Response:
        record = self._book.records.get(ident)
        if record is None:
            return _plain(404)
        body = self._body(request)
        if not isinstance(body, dict):
            return _plain(400)
        refused = spec.refusal(body)
        if refused is not None:
            return _errors(422, f"{refused.field} {refused.message}", "invalid_parameter")
        current = self.payload(record)
        merged = dict(current)
        for key, value in body.items():
            if key in _READ_ONLY:
                if value != current.get(key):
                    return _errors(422, f"{key} is read-only", "invalid_parameter")
                continue
            if key not in _WRITABLE:
                continue  # unknown parameters are ignored
            if value is not None and not isinstance(value, str):
                return _errors(422, f"{key} must be a string", "invalid_parameter")
            if key.endswith("_method") and value is not None and value not in HTTP_METHODS:
                return _errors(422, f"{key} is not included in the list", "invalid_parameter")
            merged[key] = value
        if merged.get("call_receive_mode") not in {"voice", "fax"}:
            return _errors(422, "call_receive_mode is not included in the list", "invalid_parameter")
        if merged.get("call_flow_version") not in {None, *_FLOW_VERSIONS}:
            return _errors(422, "call_flow_version is not included in the list", "invalid_parameter")
        for side, settable in ((VOICE_SIDE, _CALL_HANDLERS_SETTABLE), (MESSAGE_SIDE, _MESSAGE_HANDLERS)):
            problem = self._check_side(side, settable, current, merged, body)
            if problem is not None:
                return problem
        for key in _WRITE_ONLY:
            merged.pop(key, None)
        merged["updated_at"] = _timestamp(self._now())
        record.fields = merged
        return json_response(200, spec.number(merged))

    def _check_side(
        self,
        side: Side,
        settable: frozenset[str],
        current: dict[str, Any],
        merged: dict[str, Any],
        body: dict[str, Any],
    ) -> httpx.Response | None:
        kind = merged.get(side.handler_key)
        changed = kind != current.get(side.handler_key)
        if kind is None:
            merged[side.resource_key] = None
            return None
        if kind not in settable and (changed or kind not in side.fabric_only):
            return _errors(422, f"{side.handler_key} is not included in the list", "invalid_parameter")
        spec = side.kinds.get(kind)
        if spec is not None and spec.writes:
            # set with its own field, reported as the handler's resource id
            field = spec.writes["target"]
            if field in body:
                if not merged.get(field):
                    return _errors(422, f"{field} can't be blank", "invalid_parameter")
                merged[side.resource_key] = merged[field]
                return None
            if changed:
                return _errors(422, f"{field} can't be blank", "invalid_parameter")
            return None
        if spec is not None:
            for field in sorted(spec.required):
                if not merged.get(field) and (kind, field) != (
                    "relay_application",
                    "message_relay_application",
                ):
                    return _errors(422, f"{field} can't be blank", "invalid_parameter")
        if changed:
            merged[side.resource_key] = _uuid(self._rng)
        return None

    # -- Fabric SWML scripts ------------------------------------------------------
    def _scripts_link(self, request: httpx.Request, params: dict[str, str | int]) -> str:
        return self._absolute(request, f"{SCRIPTS_PATH}?{urlencode(params)}")

    def _list_scripts(self, request: httpx.Request) -> httpx.Response:
        query = request.url.params
        try:
            page_size = int(query.get("page_size", "50"))
            page_number = int(query.get("page_number", "0"))
        except ValueError:
            return _fabric_error(422, "page_size and page_number must be integers", "invalid_parameter_value")
        if not 1 <= page_size <= 1000:
            return _fabric_error(422, "page_size must be between 1 and 1000", "invalid_parameter_value")
        ids = list(self.scripts)
        start = 0
        token = query.get("page_token")
        if token:  # PA<id>: the page after that script; PB<id>: the page before it
            ident = token[2:] if token.startswith(("PA", "PB")) else ""
            if ident not in self.scripts:
                return _fabric_error(422, "page_token is invalid", "invalid_parameter_value")
            at = ids.index(ident)
            start = max(at - page_size, 0) if token.startswith("PB") else at + 1
        chosen = ids[start : start + page_size]
        common: dict[str, str | int] = {"page_size": page_size, "type": "swml_script"}
        links = {
            "self": self._scripts_link(request, {"page_number": page_number, **common}),
            "first": self._scripts_link(request, common),
        }
        if start + page_size < len(ids):
            links["next"] = self._scripts_link(
                request, {"page_number": page_number + 1, **common, "page_token": "PA" + chosen[-1]}
            )
        if start > 0 and chosen:  # "only present when not on the first page"
            links["prev"] = self._scripts_link(
                request, {"page_number": max(page_number - 1, 0), **common, "page_token": "PB" + chosen[0]}
            )
        data = [self.scripts[ident].payload() for ident in chosen]
        return json_response(200, {"data": data, "links": links})

    def _get_script(self, request: httpx.Request, ident: str) -> httpx.Response:
        script = self.scripts.get(ident)
        if script is None:
            return _plain(404)
        return json_response(200, script.payload())

    def _create_script(self, request: httpx.Request) -> httpx.Response:
        body = self._body(request)
        if not isinstance(body, dict):
            return _plain(400)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            return _fabric_error(422, "name is required", "missing_required_parameter", "name")
        if "contents" not in body:
            return _fabric_error(422, "contents is required", "missing_required_parameter", "contents")
        problem = _check_contents(body["contents"])
        if problem is not None:
            return problem
        script_type = body.get("script_type", "calling")
        if script_type not in {"calling", "messaging"}:
            return _fabric_error(422, "script_type is not included in the list", "invalid_parameter_value")
        # stored as the SWML object the spec has, whether sent as one or as its text
        script: dict[str, Any] = {"script_type": script_type, "contents": swml_document(body["contents"])}
        if isinstance(body.get("status_callback_url"), str):
            script["status_callback_url"] = body["status_callback_url"]
        created = _Script(_uuid(self._rng), _uuid(self._rng), name, script, _timestamp(self._now()))
        self.scripts[created.id] = created
        return json_response(200, created.payload())

    def _update_script(self, request: httpx.Request, ident: str) -> httpx.Response:
        script = self.scripts.get(ident)
        if script is None:
            return _plain(404)
        body = self._body(request)
        if not isinstance(body, dict):
            return _plain(400)
        if "contents" in body:
            problem = _check_contents(body["contents"])
            if problem is not None:
                return problem
            script.script["contents"] = swml_document(body["contents"])
        if isinstance(body.get("display_name"), str):
            script.display_name = body["display_name"]
        if isinstance(body.get("status_callback_url"), str):
            script.script["status_callback_url"] = body["status_callback_url"]
        script.updated_at = _timestamp(self._now())
        return json_response(200, script.payload())

    def _script_addresses(self, request: httpx.Request, ident: str) -> httpx.Response:
        """`list_swml_script_addresses`: the one address a script is reached at (`FabricAddressApp`)."""
        script = self.scripts.get(ident)
        if script is None:
            return _plain(404)
        name = script.display_name.lower().replace(" ", "-")
        address = {
            "id": script.inner_id,
            "name": name,
            "display_name": script.display_name,
            "cover_url": "",
            "preview_url": "",
            "locked": False,
            "channels": {"audio": f"/public/{name}?channel=audio"},
            "created_at": script.created_at,
            "type": "app",
        }
        here = self._absolute(request, f"{SCRIPTS_PATH}/{ident}/addresses")
        return json_response(200, {"data": [address], "links": {"self": here, "first": here}})

    def _delete_script(self, request: httpx.Request, ident: str) -> httpx.Response:
        if self.scripts.pop(ident, None) is None:
            return _plain(404)
        return httpx.Response(204)

    def _purchase(self, request: httpx.Request) -> httpx.Response:
        body = self._body(request)
        number = body.get("number") if isinstance(body, dict) else None
        if not isinstance(number, str) or not number:
            return _errors(422, "Number can't be blank", "invalid_parameter")
        item = self.available.pop(number, None)
        if item is None:
            return _errors(422, f"{number} is not available for purchase", "number_not_available")
        now = _timestamp(self._now())
        payload = dict(_TEMPLATE)
        payload.update(
            number=number,
            capabilities=[name for name, flag in item["capabilities"].items() if flag],
            number_type="toll-free" if number[2:5] in TOLL_FREE_AREAS else "longcode",
            country_code="US",
            created_at=now,
            updated_at=now,
            next_billed_at=_timestamp(self._now() + timedelta(days=30)),
            call_receive_mode="voice",
        )
        record = self._add(number)
        payload["id"] = record.id
        record.fields = payload
        if self.hold_purchases:
            self.release_holds.add(record.id)
        return json_response(200, spec.number(payload))

    def _release(self, request: httpx.Request, ident: str) -> httpx.Response:
        record = self._book.records.get(ident)
        if record is None:
            return _plain(404)
        if ident in self.release_holds:
            return _errors(
                422,
                "This number was purchased too recently to be released",
                "purchased_too_recently",
                "Unprocessable Entity",
            )
        self._book.remove(record)
        return httpx.Response(204, headers={"Date": format_datetime(self._now(), usegmt=True)})

    def _search(self, request: httpx.Request) -> httpx.Response:
        query = request.url.params
        try:
            max_results = int(query.get("max_results", "50"))
        except ValueError:
            return _errors(422, "max_results must be an integer", "invalid_parameter")
        if not 1 <= max_results <= 100:
            return _errors(422, "max_results must be between 1 and 100", "invalid_parameter")
        patterns = [key for key in ("starts_with", "contains", "ends_with") if query.get(key)]
        if len(patterns) > 1:
            return _errors(422, "Use only one of starts_with, contains, ends_with", "invalid_parameter")
        toll_free = query.get("number_type", "local") == "toll-free"
        found = []
        for item in self.available.values():
            number: str = item["number"]
            national = number[2:]
            if (national[:3] in TOLL_FREE_AREAS) != toll_free:
                continue
            if query.get("areacode") and national[:3] != query["areacode"]:
                continue
            if query.get("region") and item["region"] != query["region"]:
                continue
            if query.get("city") and (item["city"] or "").lower() != query["city"].lower():
                continue
            if query.get("starts_with") and not national.startswith(query["starts_with"]):
                continue
            if query.get("contains") and query["contains"] not in national:
                continue
            if query.get("ends_with") and not national.endswith(query["ends_with"]):
                continue
            found.append(self._available(item))
            if len(found) == max_results:
                break
        if self.search_style == "live":
            return json_response(200, found)
        here = f"{BASE_PATH}/phone_numbers/search"
        return json_response(200, {"links": {"self": here, "first": here}, "data": found})

    def _available(self, item: dict[str, Any]) -> dict[str, Any]:
        if self.search_style == "live":
            live = {key: value for key, value in item.items() if key not in {"number", "capabilities"}}
            live["e164"] = item["number"]
            live["capabilities"] = [name for name, flag in item["capabilities"].items() if flag]
            return live
        return spec.available(item)


def emulator(
    numbers: int | Iterable[str] = 25,
    *,
    offset: int = 0,
    faults: FaultPlan | None = None,
    latency: float = 0.0,
    seed: int = 0,
    available: int = 200,
    absolute_links: bool = False,
    search_style: str = "spec",
    hold_purchases: bool = False,
) -> Emulator:
    """A SignalWire emulator with `numbers` (a count of seeded numbers, or the
    numbers themselves) and `available` numbers for sale."""
    if isinstance(numbers, int):
        numbers = seeded_numbers(numbers, offset=offset)
    transport = SignalWireEmulator(
        numbers,
        seed=seed,
        available=available,
        absolute_links=absolute_links,
        search_style=search_style,
        hold_purchases=hold_purchases,
        faults=faults,
        latency=latency,
    )
    settings = {"base_url": BASE_URL, "project_id": PROJECT_ID, "api_token": API_TOKEN}
    return Emulator(transport=transport, settings=settings)
