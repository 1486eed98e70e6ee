"""A stateful emulator of Telnyx's v2 numbers API, from its OpenAPI spec.

An httpx transport (sync and async) holding one account: numbers
(`PhoneNumberDetailed`) with their voice settings (`call_forwarding`) and
messaging profile, number orders, and a pool of numbers for sale. It checks
the Bearer key (401, code 10009), bounds `page[size]` to 1-250 and
`page[number]` to 1 and up (422, code 10015), pages with `meta.page_number` /
`meta.total_pages`, filters `phone_number` by digits as a partial match
(anything else finds nothing), orders numbers that show up at once as
`purchase-pending` and turn `active` after `activate_after` reads, deletes,
answers errors as `{"errors": [...]}` with a 429 carrying code 10011 and the
`x-ratelimit-*` headers, and injects the core's faults.

    from phonefleet_telnyx.emulator import emulator
    emu = emulator(10_000)
    with emu.connect("telnyx") as store: ...
"""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import httpx

from phonefleet import is_e164, to_e164
from phonefleet.adapter import decode_json, dumps
from phonefleet.testing import (
    Emulator,
    EmulatorTransport,
    FaultPlan,
    LimitState,
    Network,
    Router,
    bytes_response,
    json_response,
    seeded_numbers,
)

from . import _emulator_spec as spec
from ._porting_emulator import TelnyxPorting

__all__ = ["BASE_URL", "TelnyxEmulator", "emulator"]

BASE_URL: Final = "https://api.telnyx.emulator.invalid/v2"
_PREFIX: Final = "/v2"
_DOCS: Final = "https://developers.telnyx.com/docs/overview/errors/"
_EPOCH: Final = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)
_REFERENCES: Final = ("Front desk", "Main line", "Support", "Sales", "After hours", "Billing", "Clinic")
_SORTS: Final = frozenset({"purchased_at", "phone_number", "connection_name", "usage_payment_method"})
_TYPES: Final = frozenset({"local", "toll_free", "mobile", "national", "shared_cost"})
_FORWARDING_TYPES: Final = frozenset({"always", "on-failure"})
_SCREENING: Final = frozenset({"disabled", "reject_calls", "flag_calls"})
_PAYMENT: Final = frozenset({"pay-per-minute", "channel"})
#: `filter[source]` -> `source_type`
_SOURCES: Final = {"purchased": "number_order", "ported": "port_request"}
_ORDER_STATUSES: Final = frozenset({"pending", "success", "failure"})
#: what every number for sale offers (`AvailablePhoneNumber.features`)
_FOR_SALE_FEATURES: Final = ("sms", "mms", "voice")
#: what a number shows of its voice settings: its own field -> where the settings keep it
#: (one record, two views: the settings are the truth, the number mirrors them)
_MIRRORED: Final = {
    "inbound_call_screening": ("inbound_call_screening",),
    "call_forwarding_enabled": ("call_forwarding", "call_forwarding_enabled"),
    "cnam_listing_enabled": ("cnam_listing", "cnam_listing_enabled"),
    "call_recording_enabled": ("call_recording", "inbound_call_recording_enabled"),
    "t38_fax_gateway_enabled": ("media_features", "t38_fax_gateway_enabled"),
}


def _page_meta(total: int, number: int, size: int) -> dict[str, int]:
    """A page's `meta`, as every paged Telnyx listing answers it."""
    return {
        "total_pages": (total + size - 1) // size,
        "total_results": total,
        "page_number": number,
        "page_size": size,
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


#: NANP area codes of toll-free numbers
_TOLL_FREE_AREAS: Final = frozenset({"800", "833", "844", "855", "866", "877", "888"})


def _country_and_type(number: str) -> tuple[str, str]:
    """`country_iso_alpha2` and `phone_number_type` as Telnyx would report them
    (the spec requires both): NANP numbers cheaply, the rest through phonenumbers."""
    if number.startswith("+1") and len(number) == 12:
        area = number[2:5]
        return "US", ("toll_free" if area in _TOLL_FREE_AREAS else "local")
    import phonenumbers

    parsed = phonenumbers.parse(number)
    region = phonenumbers.region_code_for_number(parsed)
    if region is None or region == phonenumbers.UNKNOWN_REGION:
        region = phonenumbers.region_code_for_country_code(parsed.country_code or 0)
    kind = phonenumbers.number_type(parsed)
    types = {
        phonenumbers.PhoneNumberType.MOBILE: "mobile",
        phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
        phonenumbers.PhoneNumberType.SHARED_COST: "shared_cost",
        phonenumbers.PhoneNumberType.UAN: "national",
        phonenumbers.PhoneNumberType.PERSONAL_NUMBER: "national",
    }
    return region, types.get(kind, "local")


def _equals(key: str, value: str | None) -> Callable[[dict[str, Any]], bool]:
    return lambda record: record.get(key) == value


class _Refusal(Exception):  # noqa: N818 - carries an answer out of a handler
    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str,
        *,
        pointer: str | None = None,
        parameter: str | None = None,
    ) -> None:
        self.status = status
        self.body = _errors(code, title, detail, pointer=pointer, parameter=parameter)
        #: headers the answer carries (a 401's challenge)
        self.headers: dict[str, str] | None = None


def _errors(
    code: str, title: str, detail: str, *, pointer: str | None = None, parameter: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {"code": code, "title": title, "detail": detail}
    if pointer is not None:
        item["source"] = {"pointer": pointer}
    elif parameter is not None:
        item["source"] = {"parameter": parameter}
    item["meta"] = {"url": _DOCS + code}
    return {"errors": [item]}


def _invalid(detail: str, *, pointer: str | None = None, parameter: str | None = None) -> _Refusal:
    return _Refusal(422, "10015", "Bad Request", detail, pointer=pointer, parameter=parameter)


class TelnyxEmulator(EmulatorTransport):
    """The state and the routes; see the module docstring."""

    def __init__(
        self,
        *,
        api_key: str,
        faults: FaultPlan | None = None,
        latency: float = 0.0,
        seed: int = 0,
        activate_after: int = 2,
        clock: Callable[[], datetime] | None = None,
        network: Network | None = None,
    ) -> None:
        super().__init__(faults=faults, latency=latency)
        self.api_key = api_key
        #: reads of a purchase-pending number before it turns active
        self.activate_after = activate_after
        self._random = random.Random(seed)  # noqa: S311 - test data, not crypto
        self._clock = clock or (lambda: datetime.now(UTC))
        self._next_id = 1293384261075731499 + seed * 1_000_003
        self._served = 0
        #: id -> PhoneNumberDetailed, and id -> the voice-only settings
        self.records: dict[str, dict[str, Any]] = {}
        self.voice: dict[str, dict[str, Any]] = {}
        self.deleted: dict[str, dict[str, Any]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        #: id -> reads so far of a purchase-pending number
        self._pending: dict[str, int] = {}
        self.connections: dict[str, str] = {}
        self.messaging_profiles: dict[str, str] = {}
        #: numbers for sale (`/available_phone_numbers`); any other free number may be ordered too
        self.available: list[str] = []
        self._sorted: dict[str, list[str]] = {}
        #: each record's JSON, by listing and id: a page is joined from these
        self._encoded: dict[str, dict[str, bytes]] = {"numbers": {}, "voice": {}}
        self.router = Router()
        self._routes()
        #: porting orders and documents, and this emulator's place on a Network
        self.porting = TelnyxPorting(self, network)
        self.porting.mount()

    # -- setting up ---------------------------------------------------------------------
    def _new_id(self) -> str:
        self._next_id += 7919
        return str(self._next_id)

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def add_connection(self, name: str) -> str:
        ident = self._new_id()
        self.connections[ident] = name
        return ident

    def add_messaging_profile(self, name: str) -> str:
        ident = self._uuid()
        self.messaging_profiles[ident] = name
        return ident

    def add_number(
        self,
        number: str,
        *,
        customer_reference: str | None = None,
        connection_id: str | None = None,
        messaging_profile_id: str | None = None,
        forwards_to: str | None = None,
        forwarding_type: str = "always",
        forwarding_enabled: bool = True,
        status: str = "active",
        number_type: str | None = None,
        deletion_lock: bool = False,
        created_at: datetime | None = None,
        tags: Iterable[str] = (),
        ident: str | None = None,
    ) -> dict[str, Any]:
        """A number on the account, with its voice settings (`ident`: a chosen id)."""
        ident = ident or self._new_id()
        moment = _iso(created_at or self._clock())
        country, detected = _country_and_type(number)
        number_type = number_type or detected
        record: dict[str, Any] = {
            "id": ident,
            "record_type": "phone_number",
            "phone_number": number,
            "country_iso_alpha2": country,
            "status": status,
            "tags": list(tags),
            "external_pin": None,
            "connection_id": connection_id,
            "connection_name": self.connections.get(connection_id or ""),
            "customer_reference": customer_reference,
            "messaging_profile_id": messaging_profile_id,
            "messaging_profile_name": self.messaging_profiles.get(messaging_profile_id or ""),
            "billing_group_id": None,
            "emergency_enabled": False,
            "emergency_address_id": None,
            "emergency_status": "disabled",
            "call_forwarding_enabled": forwarding_enabled,
            "cnam_listing_enabled": False,
            "caller_id_name_enabled": False,
            "call_recording_enabled": False,
            "t38_fax_gateway_enabled": False,
            "phone_number_type": number_type,
            "inbound_call_screening": "disabled",
            "purchased_at": moment,
            "created_at": moment,
            "updated_at": moment,
            "hd_voice_enabled": False,
            "source_type": "number_order",
            "deletion_lock_enabled": deletion_lock,
        }
        self.records[ident] = record
        self.voice[ident] = {
            "tech_prefix_enabled": False,
            "translated_number": "",
            "call_forwarding": {
                "call_forwarding_enabled": forwarding_enabled,
                "forwards_to": forwards_to or "",
                "forwarding_type": forwarding_type,
            },
            "cnam_listing": {"cnam_listing_enabled": False, "cnam_listing_details": None},
            "usage_payment_method": "pay-per-minute",
            "media_features": {
                "rtp_auto_adjust_enabled": True,
                "accept_any_rtp_packets_enabled": False,
                "t38_fax_gateway_enabled": False,
            },
            "call_recording": {
                "inbound_call_recording_enabled": False,
                "inbound_call_recording_format": "wav",
                "inbound_call_recording_channels": "single",
            },
            "inbound_call_screening": "disabled",
        }
        if status == "purchase-pending":
            self._pending[ident] = 0
        self._sorted.clear()
        self.changed()
        return record

    def find(self, ref: str) -> dict[str, Any]:
        """The live record of `ref` (id or E.164), for assertions and edits."""
        self.changed()  # the caller may edit it
        if ref in self.records:
            return self.records[ref]
        for record in self.records.values():
            if record["phone_number"] == ref:
                return record
        msg = f"no number {ref!r} in the emulator"
        raise KeyError(msg)

    def voice_settings(self, ref: str) -> dict[str, Any]:
        """A copy of the voice settings of `ref` as the API shows them."""
        return copy.deepcopy(self._voice_record(self.find(ref)))

    # -- transport ----------------------------------------------------------------------
    def _request_id(self) -> str:
        self._served += 1
        return str(uuid.UUID(int=self._served, version=4))

    def error_response(self, status: int, *, retry_after: float | None = None) -> httpx.Response:
        headers = {"x-request-id": self._request_id()}
        if status == 429:
            reset = retry_after if retry_after is not None else 1.0
            headers |= {
                "x-ratelimit-limit": "20",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": f"{reset:g}",
            }
            body = _errors(
                "10011", "Too many requests", "You have exceeded the maximum number of allowed requests."
            )
        elif status >= 500:
            body = _errors("10007", "Unexpected error", "An unexpected error occured.")
        else:
            body = _errors("10015", "Bad Request", httpx.codes.get_reason_phrase(status) or "Error")
        return json_response(status, body, headers)

    def limit_headers(self, state: LimitState) -> dict[str, str]:
        """Telnyx's rate headers, on every answer: the window's limit, what is left, seconds to its reset."""
        return {
            "x-ratelimit-limit": str(state.limit),
            "x-ratelimit-remaining": str(state.remaining),
            "x-ratelimit-reset": str(state.retry_after),
        }

    def changed(self) -> None:
        """Forget the encoded records: call it after editing `records` or `voice` by hand."""
        for encoded in self._encoded.values():
            encoded.clear()

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            self.changed()
        try:
            self._authenticate(request)
            response = self.router.dispatch(request, request.url.path)
        except _Refusal as refusal:
            response = json_response(refusal.status, refusal.body, refusal.headers)
        if response is None:
            response = json_response(
                404,
                _errors("10005", "Resource not found", "The requested resource or URL could not be found."),
            )
        elif response.status_code == 405:  # a method the path does not have, in Telnyx's envelope
            detail = f"The {request.method} method is not supported for this resource."
            response = json_response(405, _errors("10015", "Method not allowed", detail))
        response.headers["x-request-id"] = self._request_id()
        return response

    def _authenticate(self, request: httpx.Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token != self.api_key:
            refusal = _Refusal(
                401, "10009", "Authentication failed", "Could not understand the provided credentials."
            )
            refusal.headers = {"WWW-Authenticate": "Bearer"}
            raise refusal

    def _routes(self) -> None:
        add = self.router.add
        add("GET", _PREFIX + "/phone_numbers", self._list_numbers)
        add("GET", _PREFIX + "/phone_numbers/voice", self._list_voice)
        add("GET", _PREFIX + "/phone_numbers/messaging", self._list_messaging)
        add("GET", _PREFIX + "/phone_numbers/{pid}", self._get_number)
        add("PATCH", _PREFIX + "/phone_numbers/{pid}", self._update_number)
        add("DELETE", _PREFIX + "/phone_numbers/{pid}", self._delete_number)
        add("GET", _PREFIX + "/phone_numbers/{pid}/voice", self._get_voice)
        add("PATCH", _PREFIX + "/phone_numbers/{pid}/voice", self._update_voice)
        add("GET", _PREFIX + "/phone_numbers/{pid}/messaging", self._get_messaging)
        add("PATCH", _PREFIX + "/phone_numbers/{pid}/messaging", self._update_messaging)
        add("POST", _PREFIX + "/number_orders", self._create_order)
        add("GET", _PREFIX + "/number_orders", self._list_orders)
        add("GET", _PREFIX + "/number_orders/{oid}", self._get_order)
        add("PATCH", _PREFIX + "/number_orders/{oid}", self._update_order)
        add("GET", _PREFIX + "/available_phone_numbers", self._search)

    # -- helpers --------------------------------------------------------------------------
    def _number(self, pid: str) -> dict[str, Any]:
        record = self.records.get(pid)
        if record is None:
            raise _Refusal(
                404, "10005", "Resource not found", "The requested resource or URL could not be found."
            )
        return record

    def _read(self, records: Iterable[dict[str, Any]]) -> None:
        """Count a read of each pending number shown; enough reads make it active."""
        if not self._pending:
            return
        for record in records:
            ident = record["id"]
            if ident in self._pending:
                self._pending[ident] += 1
                if self._pending[ident] >= self.activate_after:
                    del self._pending[ident]
                    self._encoded["numbers"].pop(ident, None)
                    record["status"] = "active"
                    record["updated_at"] = _iso(self._clock())

    def _body(self, request: httpx.Request, template: str | None = None) -> dict[str, Any]:
        """The JSON object a request carries, checked against `template`'s request schema."""
        try:
            body = decode_json(request.content or b"null")
        except ValueError:
            raise _invalid("The request body is not valid JSON.", pointer="/") from None
        if not isinstance(body, dict):
            raise _invalid("The request body must be a JSON object.", pointer="/")
        if template is not None:
            refused = spec.body_refusal(template, request.method, body)
            if refused is not None:
                raise _invalid(refused[0], pointer=refused[1])
        return body

    def _query(self, request: httpx.Request, template: str) -> None:
        """Refuse a query key `template` does not declare (400) or a value it rules out (422)."""
        refused = spec.query_refusal(template, request.method, request.url.params)
        if refused is not None:
            status, detail, parameter = refused
            if status == 400:
                raise _Refusal(400, "10015", "Bad Request", detail, parameter=parameter)
            raise _invalid(detail, parameter=parameter)

    def _page(self, request: httpx.Request) -> tuple[int, int]:
        params = request.url.params
        values = []
        for key, default, low, high in (("page[number]", 1, 1, None), ("page[size]", 20, 1, 250)):
            raw = params.get(key)
            if raw is None:
                values.append(default)
                continue
            try:
                value = int(raw)
            except ValueError:
                raise _invalid(f"{key} must be an integer.", parameter=key) from None
            if value < low or (high is not None and value > high):
                bound = f"between {low} and {high}" if high else f"at least {low}"
                raise _invalid(f"{key} must be {bound}.", parameter=key)
            values.append(value)
        return values[0], values[1]

    def _ordered_ids(self, sort: str | None) -> list[str]:
        key = sort or "-created_at"
        ids = self._sorted.get(key)
        if ids is None:
            records = self.records
            if sort is None:
                ids = sorted(records, key=lambda i: (records[i]["created_at"], int(i)), reverse=True)
            elif sort == "usage_payment_method":
                ids = sorted(records, key=lambda i: (self.voice[i]["usage_payment_method"], int(i)))
            else:
                ids = sorted(records, key=lambda i: (records[i].get(sort) or "", int(i)))
            self._sorted[key] = ids
        return ids

    def _select(self, request: httpx.Request) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The records of one listing page and its `meta`, after filters and sort."""
        params = request.url.params
        number, size = self._page(request)
        sort = params.get("sort")
        if sort is not None and sort not in _SORTS:
            raise _invalid(f"sort must be one of {', '.join(sorted(_SORTS))}.", parameter="sort")
        ids = self._ordered_ids(sort)
        chosen: list[str] | None = None
        digits = params.get("filter[phone_number]")
        if digits is not None:
            if len(digits) < 3 and digits.isdigit():
                raise _invalid(
                    "filter[phone_number] requires at least three digits.", parameter="filter[phone_number]"
                )
            # digits only, partial: anything else finds nothing
            chosen = [i for i in ids if digits.isdigit() and digits in self.records[i]["phone_number"]]
        for key, field in (
            ("filter[status]", "status"),
            ("filter[connection_id]", "connection_id"),
            ("filter[customer_reference]", "customer_reference"),
        ):
            wanted = params.get(key)
            if wanted is not None:
                chosen = [
                    i for i in (ids if chosen is None else chosen) if self.records[i].get(field) == wanted
                ]
        for keep in self._filters(params):
            chosen = [i for i in (ids if chosen is None else chosen) if keep(self.records[i])]
        if chosen is None:
            chosen = ids
        start = (number - 1) * size
        page = [self.records[i] for i in chosen[start : start + size]]
        return page, _page_meta(len(chosen), number, size)

    def _filters(self, params: httpx.QueryParams) -> list[Callable[[dict[str, Any]], bool]]:
        """The other documented `filter[...]` of `/phone_numbers`, as predicates."""
        found: list[Callable[[dict[str, Any]], bool]] = []
        tag = params.get("filter[tag]")
        if tag is not None:
            found.append(lambda r: tag in r["tags"])
        if params.get("filter[without_tags]") == "true":  # "all other values are ignored"
            found.append(lambda r: not r["tags"])
        countries = params.get("filter[country_iso_alpha2]")
        if countries is not None:
            wanted = {c.strip().upper() for c in countries.split(",") if c.strip()}
            found.append(lambda r: r["country_iso_alpha2"] in wanted)
        kind = params.get("filter[number_type][eq]")
        if kind is not None:
            if kind not in _TYPES:
                key = "filter[number_type][eq]"
                raise _invalid(f"{key} must be one of {', '.join(sorted(_TYPES))}.", parameter=key)
            legacy = {"toll_free": "tollfree", "local": "longcode"}.get(kind)
            found.append(lambda r: r["phone_number_type"] in (kind, legacy))
        for key in ("billing_group_id", "emergency_address_id"):
            value = params.get(f"filter[{key}]")
            if value is not None:  # the string "null": numbers without one
                found.append(_equals(key, None if value == "null" else value))
        payment = params.get("filter[voice.usage_payment_method]")
        if payment is not None:
            found.append(lambda r: self.voice[r["id"]]["usage_payment_method"] == payment)
        for key in ("filter[voice.connection_name]", "filter[connection_name]"):
            for operator in ("eq", "contains", "starts_with", "ends_with"):
                operand = params.get(f"{key}[{operator}]")
                if operand is not None:
                    found.append(_name_test(operator, operand))
        source = params.get("filter[source]")
        if source is not None:
            if source not in _SOURCES:
                raise _invalid("filter[source] must be ported or purchased.", parameter="filter[source]")
            found.append(lambda r: r.get("source_type") == _SOURCES[source])
        return found

    def _voice_record(self, record: dict[str, Any]) -> dict[str, Any]:
        return spec.shape(
            spec.VOICE,
            {
                "id": record["id"],
                "record_type": "voice_settings",
                "phone_number": record["phone_number"],
                "connection_id": record["connection_id"] or "",
                "customer_reference": record["customer_reference"] or "",
                **self.voice[record["id"]],
                "emergency": {
                    "emergency_enabled": record["emergency_enabled"],
                    "emergency_address_id": record["emergency_address_id"],
                    "emergency_status": record["emergency_status"],
                },
            },
        )

    def _messaging_record(self, record: dict[str, Any]) -> dict[str, Any]:
        return spec.shape(
            spec.MESSAGING,
            {
                "record_type": "messaging_settings",
                "id": record["id"],
                "phone_number": record["phone_number"],
                "messaging_profile_id": record["messaging_profile_id"],
                "created_at": record["created_at"],
                "updated_at": record["updated_at"],
                "country_code": record["country_iso_alpha2"],
                # `PhoneNumberWithMessagingSettings.type`: long code, toll-free or short code
                "type": "tollfree" if record["phone_number_type"] == "toll_free" else "longcode",
                "eligible_messaging_products": ["A2P"],
                "traffic_type": "A2P",
                "messaging_product": "A2P",
            },
        )

    def _touch(self, record: dict[str, Any]) -> None:
        record["updated_at"] = _iso(self._clock())

    # -- handlers ------------------------------------------------------------------------
    def _listing(self, kind: str, page: list[dict[str, Any]], meta: dict[str, Any]) -> httpx.Response:
        """A page, joined from each record's cached JSON (10,000 numbers list fast)."""
        encoded = self._encoded[kind]
        parts = []
        for record in page:
            body = encoded.get(record["id"])
            if body is None:
                body = dumps(
                    spec.shape(spec.NUMBER, record) if kind == "numbers" else self._voice_record(record)
                )
                encoded[record["id"]] = body
            parts.append(body)
        content = b'{"data":[' + b",".join(parts) + b'],"meta":' + dumps(meta) + b"}"
        return bytes_response(200, content, {"Content-Type": "application/json"})

    def _list_numbers(self, request: httpx.Request) -> httpx.Response:
        self._query(request, "/phone_numbers")
        page, meta = self._select(request)
        response = self._listing("numbers", page, meta)
        self._read(page)
        return response

    def _list_voice(self, request: httpx.Request) -> httpx.Response:
        self._query(request, "/phone_numbers/voice")
        page, meta = self._select(request)
        return self._listing("voice", page, meta)

    def _list_messaging(self, request: httpx.Request) -> httpx.Response:
        """`GET /phone_numbers/messaging`: every number's messaging settings, paged and filtered."""
        self._query(request, "/phone_numbers/messaging")
        params = request.url.params
        number, size = self._page(request)
        views = [self._messaging_record(self.records[i]) for i in self._ordered_ids(None)]
        profile = params.get("filter[messaging_profile_id]")
        if profile is not None:
            views = [v for v in views if v.get("messaging_profile_id") == profile]
        exact = params.get("filter[phone_number]")
        if exact is not None:  # "supports comma-separated list"
            wanted = {n.strip() for n in exact.split(",")}
            views = [v for v in views if v["phone_number"] in wanted]
        part = params.get("filter[phone_number][contains]")
        if part is not None:
            views = [v for v in views if part in v["phone_number"]]
        kind = params.get("filter[type]")
        if kind is not None:
            views = [v for v in views if v["type"] == kind]
        direction = params.get("sort[phone_number]")
        if direction is not None:
            views.sort(key=lambda v: v["phone_number"], reverse=direction == "desc")
        meta = _page_meta(len(views), number, size)
        return json_response(200, {"data": views[(number - 1) * size : number * size], "meta": meta})

    def _get_number(self, request: httpx.Request, pid: str) -> httpx.Response:
        record = self._number(pid)
        response = json_response(200, {"data": record})
        self._read([record])
        return response

    def _update_number(self, request: httpx.Request, pid: str) -> httpx.Response:
        record = self._number(pid)
        body = self._body(request, "/phone_numbers/{id}")
        changes: dict[str, Any] = {}
        for key, given in body.items():
            pointer = f"/{key}"
            value = given
            if key == "tags":
                if not (isinstance(value, list) and all(isinstance(t, str) for t in value)):
                    raise _invalid("tags must be a list of strings.", pointer=pointer)
            elif key == "hd_voice_enabled":
                if not isinstance(value, bool):
                    raise _invalid("The field is invalid.", pointer=pointer)
            elif key in (
                "external_pin",
                "customer_reference",
                "connection_id",
                "billing_group_id",
                "address_id",
            ):
                if value is not None and not isinstance(value, str):
                    raise _invalid("The field is invalid.", pointer=pointer)
                value = value or None
            else:
                continue  # read-only or unknown fields are ignored
            changes[key] = value
        if "connection_id" in changes:
            changes["connection_name"] = self.connections.get(changes["connection_id"] or "")
        changes.pop("address_id", None)
        record.update(changes)
        self._touch(record)
        if "connection_id" in changes or "customer_reference" in changes:
            self._sorted.clear()
        return json_response(200, {"data": record})

    def _delete_number(self, request: httpx.Request, pid: str) -> httpx.Response:
        record = self._number(pid)
        if record["deletion_lock_enabled"]:
            raise _invalid("The phone number has deletion lock enabled.", pointer="/deletion_lock_enabled")
        del self.records[pid]
        self.voice.pop(pid, None)
        self._pending.pop(pid, None)
        self._sorted.clear()
        record["status"] = "deleted"
        self._touch(record)
        self.deleted[pid] = record
        return json_response(200, {"data": spec.shape(spec.DELETED, record)})

    def _get_voice(self, request: httpx.Request, pid: str) -> httpx.Response:
        return json_response(200, {"data": self._voice_record(self._number(pid))})

    def _update_voice(self, request: httpx.Request, pid: str) -> httpx.Response:
        record = self._number(pid)
        body = self._body(request, "/phone_numbers/{id}/voice")
        settings = self.voice[pid]
        updated = copy.deepcopy(settings)
        for key, value in body.items():
            pointer = f"/{key}"
            if key == "call_forwarding":
                updated[key] = self._forwarding(value, settings[key])
            elif key in ("tech_prefix_enabled", "caller_id_name_enabled"):
                if not isinstance(value, bool):
                    raise _invalid("The field is invalid.", pointer=pointer)
                updated[key] = value
            elif key == "translated_number":
                if not isinstance(value, str):
                    raise _invalid("The field is invalid.", pointer=pointer)
                updated[key] = value
            elif key in ("usage_payment_method", "inbound_call_screening"):
                allowed = _PAYMENT if key == "usage_payment_method" else _SCREENING
                if value not in allowed:
                    raise _invalid(f"{key} must be one of {', '.join(sorted(allowed))}.", pointer=pointer)
                updated[key] = value
            elif key in ("cnam_listing", "media_features", "call_recording"):
                if not isinstance(value, dict):
                    raise _invalid("The field is invalid.", pointer=pointer)
                updated[key] = {**settings[key], **value}
        if "caller_id_name_enabled" in updated:  # shown on the number, not in the voice settings
            record["caller_id_name_enabled"] = updated.pop("caller_id_name_enabled")
        self.voice[pid] = updated
        for field, path in _MIRRORED.items():  # the number shows what its settings now say
            shown: Any = updated
            for step in path:
                shown = shown.get(step) if isinstance(shown, dict) else None
            if shown is not None:
                record[field] = shown
        self._touch(record)
        return json_response(200, {"data": self._voice_record(record)})

    def _forwarding(self, value: object, current: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _invalid("call_forwarding must be an object.", pointer="/call_forwarding")
        merged = dict(current)
        for key, given in value.items():
            pointer = f"/call_forwarding/{key}"
            item = given
            if key == "call_forwarding_enabled":
                if not isinstance(item, bool):
                    raise _invalid("The field is invalid.", pointer=pointer)
            elif key == "forwards_to":
                if item is None:
                    item = ""
                if not isinstance(item, str) or (item and not is_e164(item)):
                    raise _Refusal(
                        422,
                        "10016",
                        "Phone number must be in +E164 format",
                        "forwards_to must be a +E.164-formatted phone number.",
                        pointer=pointer,
                    )
            elif key == "forwarding_type":
                if item not in _FORWARDING_TYPES:
                    raise _invalid("forwarding_type must be always or on-failure.", pointer=pointer)
            else:
                continue
            merged[key] = item
        return merged

    def _get_messaging(self, request: httpx.Request, pid: str) -> httpx.Response:
        return json_response(200, {"data": self._messaging_record(self._number(pid))})

    def _update_messaging(self, request: httpx.Request, pid: str) -> httpx.Response:
        record = self._number(pid)
        body = self._body(request, "/phone_numbers/{id}/messaging")
        profile = body.get("messaging_profile_id")
        if profile is not None:  # null or absent keeps the current value; "" unassigns
            if not isinstance(profile, str):
                raise _invalid("The field is invalid.", pointer="/messaging_profile_id")
            record["messaging_profile_id"] = profile or None
            record["messaging_profile_name"] = self.messaging_profiles.get(profile)
            self._touch(record)
        return json_response(200, {"data": self._messaging_record(record)})

    def _create_order(self, request: httpx.Request) -> httpx.Response:
        body = self._body(request, "/number_orders")
        wanted = body.get("phone_numbers")
        if not isinstance(wanted, list) or not wanted:
            raise _invalid("phone_numbers must be a non-empty list.", pointer="/phone_numbers")
        numbers: list[str] = []
        owned = {r["phone_number"] for r in self.records.values()}
        for index, item in enumerate(wanted):
            number = item.get("phone_number") if isinstance(item, dict) else None
            pointer = f"/phone_numbers/{index}/phone_number"
            if not isinstance(number, str) or not is_e164(number):
                raise _Refusal(
                    422,
                    "10016",
                    "Phone number must be in +E164 format",
                    "phone_number is not +E.164.",
                    pointer=pointer,
                )
            if number in owned or number in numbers:
                raise _invalid(f"{number} is not available for purchase.", pointer=pointer)
            numbers.append(number)
        for key in ("connection_id", "messaging_profile_id", "billing_group_id", "customer_reference"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise _invalid("The field is invalid.", pointer=f"/{key}")
        moment = self._clock()
        order_id = self._uuid()
        items = []
        for number in numbers:
            record = self.add_number(
                number,
                customer_reference=body.get("customer_reference"),
                connection_id=body.get("connection_id"),
                messaging_profile_id=body.get("messaging_profile_id"),
                forwarding_enabled=True,
                status="purchase-pending",
                created_at=moment,
            )
            record["billing_group_id"] = body.get("billing_group_id")
            if number in self.available:
                self.available.remove(number)
            items.append(
                {
                    "id": self._uuid(),
                    "record_type": "number_order_phone_number",
                    "phone_number": number,
                    "country_code": record["country_iso_alpha2"],
                    "phone_number_type": record["phone_number_type"],
                    "regulatory_requirements": [],
                    "requirements_met": True,
                    "requirements_status": "approved",
                    "status": "pending",
                    "_number_id": record["id"],
                }
            )
        order = {
            "id": order_id,
            "record_type": "number_order",
            "phone_numbers_count": len(items),
            "connection_id": body.get("connection_id"),
            "messaging_profile_id": body.get("messaging_profile_id"),
            "billing_group_id": body.get("billing_group_id"),
            "phone_numbers": items,
            "sub_number_orders_ids": [self._uuid()],
            "status": "pending",
            "customer_reference": body.get("customer_reference"),
            "created_at": _iso(moment),
            "updated_at": _iso(moment),
            "requirements_met": True,
        }
        self.orders[order_id] = order
        return json_response(200, {"data": self._order_view(order)})

    def _order_view(self, order: dict[str, Any]) -> dict[str, Any]:
        """The order as the API shows it: a number is `success` once active."""
        items = []
        for item in order["phone_numbers"]:
            record = self.records.get(item["_number_id"]) or self.deleted.get(item["_number_id"])
            status = "success" if record is not None and record["status"] != "purchase-pending" else "pending"
            items.append({**{k: v for k, v in item.items() if not k.startswith("_")}, "status": status})
        done = all(item["status"] == "success" for item in items)
        view = {**order, "phone_numbers": items, "status": "success" if done else "pending"}
        return spec.shape(spec.ORDER, view)

    def _list_orders(self, request: httpx.Request) -> httpx.Response:
        """`GET /number_orders`: newest first, paged, `filter[status]`."""
        self._query(request, "/number_orders")
        number, size = self._page(request)
        views = [self._order_view(order) for order in reversed(self.orders.values())]
        status = request.url.params.get("filter[status]")
        if status is not None:
            if status not in _ORDER_STATUSES:
                key = "filter[status]"
                raise _invalid(f"{key} must be one of {', '.join(sorted(_ORDER_STATUSES))}.", parameter=key)
            views = [view for view in views if view["status"] == status]
        meta = _page_meta(len(views), number, size)
        return json_response(200, {"data": views[(number - 1) * size : number * size], "meta": meta})

    def _get_order(self, request: httpx.Request, oid: str) -> httpx.Response:
        order = self.orders.get(oid)
        if order is None:
            raise _Refusal(
                404, "10005", "Resource not found", "The requested resource or URL could not be found."
            )
        return json_response(200, {"data": self._order_view(order)})

    def _update_order(self, request: httpx.Request, oid: str) -> httpx.Response:
        """`PATCH /number_orders/{id}` (`UpdateNumberOrderRequest`): its customer reference."""
        order = self.orders.get(oid)
        if order is None:
            raise _Refusal(
                404, "10005", "Resource not found", "The requested resource or URL could not be found."
            )
        body = self._body(request, "/number_orders/{number_order_id}")
        if "customer_reference" in body:
            order["customer_reference"] = body["customer_reference"]
            order["updated_at"] = _iso(self._clock())
        return json_response(200, {"data": self._order_view(order)})

    def _search(self, request: httpx.Request) -> httpx.Response:
        self._query(request, "/available_phone_numbers")
        params = request.url.params
        found = list(self.available)
        for key in ("starts_with", "ends_with", "contains"):
            pattern = params.get(f"filter[phone_number][{key}]")
            if pattern is None:
                continue
            national = {"starts_with": str.startswith, "ends_with": str.endswith}.get(key)
            found = [n for n in found if (national(n[2:], pattern) if national else pattern in n[1:])]
        country = params.get("filter[country_code]")
        if country is not None and country.upper() != "US":
            found = []
        ndc = params.get("filter[national_destination_code]")
        if ndc is not None:
            found = [n for n in found if n[2 : 2 + len(ndc)] == ndc]
        features = params.get("filter[features]")
        if features is not None:
            wanted = {f.strip() for f in features.split(",") if f.strip()}
            found = found if wanted <= set(_FOR_SALE_FEATURES) else []
        kind = params.get("filter[phone_number_type]")
        if kind is not None:
            if kind not in _TYPES:
                raise _invalid("filter[phone_number_type] is invalid.", parameter="filter[phone_number_type]")
            found = [n for n in found if _country_and_type(n)[1] == kind]
        limit = params.get("filter[limit]")
        if limit is not None:
            if not limit.isdigit():
                raise _invalid("filter[limit] must be an integer.", parameter="filter[limit]")
            found = found[: int(limit)]
        data = [
            {
                "record_type": "available_phone_number",
                "phone_number": number,
                "vanity_format": "",
                "best_effort": False,
                "quickship": True,
                "reservable": True,
                "region_information": [
                    {"region_type": "country_code", "region_name": "US"},
                    {"region_type": "rate_center", "region_name": "AUSTIN"},
                    {"region_type": "state", "region_name": "TX"},
                ],
                "cost_information": {"upfront_cost": "1.00", "monthly_cost": "1.00", "currency": "USD"},
                "features": [{"name": name} for name in _FOR_SALE_FEATURES],
            }
            for number in found
        ]
        meta = {"total_results": len(data), "best_effort_results": 0}
        return json_response(200, {"data": data, "meta": meta, "metadata": meta})


def _name_test(operator: str, wanted: str) -> Callable[[dict[str, Any]], bool]:
    """`filter[voice.connection_name][operator]`: the number's connection name against `wanted`."""
    tests: dict[str, Callable[[str], bool]] = {
        "eq": lambda name: name == wanted,
        "contains": lambda name: wanted in name,
        "starts_with": lambda name: name.startswith(wanted),
        "ends_with": lambda name: name.endswith(wanted),
    }
    test = tests[operator]
    return lambda record: test(record.get("connection_name") or "")


def _seed(
    emu: TelnyxEmulator,
    number: str,
    *,
    index: int,
    rng: random.Random,
    connections: list[str],
    profiles: list[str],
) -> None:
    roll = rng.random()
    forwards_to, forwarding_type, enabled = None, "always", True
    if roll < 0.3:
        forwards_to = f"+1202555{rng.randrange(100, 200):04d}"
    elif roll < 0.4:
        forwards_to, forwarding_type = f"+1202555{rng.randrange(100, 200):04d}", "on-failure"
    elif roll < 0.45:
        forwards_to, enabled = f"+1202555{rng.randrange(100, 200):04d}", False  # set but switched off
    emu.add_number(
        number,
        customer_reference=f"{rng.choice(_REFERENCES)} {index + 1}" if rng.random() < 0.7 else None,
        connection_id=rng.choice(connections) if rng.random() < 0.6 else None,
        messaging_profile_id=rng.choice(profiles) if rng.random() < 0.5 else None,
        forwards_to=forwards_to,
        forwarding_type=forwarding_type,
        forwarding_enabled=enabled,
        created_at=_EPOCH + timedelta(minutes=17 * index),
    )


def emulator(
    numbers: int | Iterable[str] = 25,
    *,
    offset: int = 0,
    faults: FaultPlan | None = None,
    latency: float = 0.0,
    seed: int = 0,
    activate_after: int = 2,
    available: int = 30,
    locked: int = 0,
    clock: Callable[[], datetime] | None = None,
    api_key: str | None = None,
    network: Network | None = None,
) -> Emulator:
    """A Telnyx emulator and the settings that connect a store to it.

    `numbers` seeds the account (an int means `seeded_numbers(numbers,
    offset=offset)`); an ordered number turns active after `activate_after`
    reads; `available` numbers are for sale; `locked` gives the first N
    numbers deletion lock. On a `network` its numbers can be ported away to
    another member and it ports numbers in; without one it makes its own.
    """
    rng = random.Random(seed + 1)  # noqa: S311 - test data, not crypto
    key = api_key or f"KEY{rng.getrandbits(128):032X}_{rng.getrandbits(64):016x}"
    emu = TelnyxEmulator(
        api_key=key,
        faults=faults,
        latency=latency,
        seed=seed,
        activate_after=activate_after,
        clock=clock,
        network=network,
    )
    connections = [emu.add_connection(name) for name in ("main-sip", "call-center", "ivr")]
    profiles = [emu.add_messaging_profile(name) for name in ("regional-customers", "alerts")]
    seeds = (
        list(seeded_numbers(numbers, offset=offset))
        if isinstance(numbers, int)
        else [to_e164(number) for number in numbers]
    )
    for index, number in enumerate(seeds):
        _seed(emu, number, index=index, rng=rng, connections=connections, profiles=profiles)
    emu.porting.hold_seeded()
    for record in list(emu.records.values())[:locked]:
        record["deletion_lock_enabled"] = True
    base = offset + len(seeds) if isinstance(numbers, int) else 0
    emu.available = list(seeded_numbers(available, offset=base + 700_000))
    return Emulator(transport=emu, settings={"api_key": key, "base_url": BASE_URL})
