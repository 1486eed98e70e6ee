"""An in-process emulator of the Linq v3 partner API (phone numbers and audits).

`emulator(10_000)` holds ten thousand numbers and lists them fast (the
listing body is built once and reused until a number changes). It checks
the bearer token (401, code 2004), validates forwarding numbers (400, code
1002), answers 404 (code 2019) for unknown numbers and injects faults through
the shared `FaultPlan`, all in Linq's error envelope.

Reputation audits: a started audit is `pending` for `audit_polls` reads,
then `complete` with a report built from the line's reputation. Starting one
while another runs answers 202 with the running audit's id (as Linq does, so
a retried start picks that audit back up); starting one after an audit
finished answers 429 with `Retry-After: audit_cooldown`.

The deprecated `GET /v3/phonenumbers` and `GET /v3/available_number` (smart
number assignment: the least recently suggested line of the healthiest
reputation, honouring `exclude_from` and `type`) are served too. A path the
API does not have answers a plain 404 in Linq's envelope with no code (Linq
documents none for it): never 2019, which means a line id was not found.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterable
from typing import Any, Final

import httpx

from phonefleet import is_e164
from phonefleet.adapter import decode_json, dumps
from phonefleet.testing import (
    Emulator,
    EmulatorTransport,
    FaultPlan,
    Router,
    bytes_response,
    json_response,
    seeded_numbers,
)

__all__ = ["BASE_URL", "DEFAULT_API_KEY", "LinqEmulatorTransport", "emulator"]

BASE_URL: Final = "https://linq.emulator.invalid/api/partner"
DEFAULT_API_KEY: Final = "linq-emulator-key"
_DOCS: Final = "https://docs.linqapp.com"
_REPUTATION_DOCS: Final = {
    "HEALTHY": f"{_DOCS}/guides/phone-numbers/phone-reputation#healthy",
    "AT_RISK": f"{_DOCS}/guides/phone-numbers/phone-reputation#at-risk",
    "CRITICAL": f"{_DOCS}/guides/phone-numbers/phone-reputation#critical",
}
_SERVER_CODES: Final = {500: 3006, 502: 3001, 503: 3004, 504: 3005}
_MESSAGES: Final = {
    1001: "Missing required field",
    1002: "Phone number must be in E.164 format",
    1003: "Invalid request body",
    1005: "Invalid parameter value",
    1007: "Rate limit exceeded",
    2004: "Unauthorized - missing or invalid authentication token",
    2019: "Phone number not found",
    3001: "Bad gateway",
    3004: "Service unavailable",
    3005: "Gateway timeout",
    3006: "Internal server error",
    4004: "Service unavailable",
}
_REPUTATION_RANK: Final = {"HEALTHY": 0, "AT_RISK": 1, "CRITICAL": 2}
_LINE_TYPES: Final = {"imessage": "iMessage", "rcs": "RCS"}


def _code_family(code: int) -> str:
    return f"{code // 1000}xxx"


def envelope(status: int, code: int | None, *, trace_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """Linq's error body (`code` None: an answer Linq documents no code for)."""
    error: dict[str, Any] = {"status": status}
    if code is not None:
        error["code"] = code
    error["message"] = _MESSAGES.get(code or 0, httpx.codes.get_reason_phrase(status))
    if code is not None:
        error["doc_url"] = f"{_DOCS}/error/codes/{_code_family(code)}/{code}/"
    error.update(extra)
    body: dict[str, Any] = {"error": error, "success": False}
    if trace_id is not None:
        body["trace_id"] = trace_id
    return body


class LinqEmulatorTransport(EmulatorTransport):
    """Linq's state in memory behind an httpx transport (sync and async)."""

    def __init__(
        self,
        numbers: Iterable[str],
        *,
        api_key: str = DEFAULT_API_KEY,
        seed: int = 0,
        faults: FaultPlan | None = None,
        latency: float = 0.0,
        audit_polls: int = 1,
        audit_cooldown: float = 3600.0,
        legacy: bool = False,
    ) -> None:
        super().__init__(faults=faults, latency=latency)
        self.api_key = api_key
        self.audit_polls = audit_polls
        self.audit_cooldown = audit_cooldown
        self.legacy = legacy
        self._random = random.Random(seed)  # noqa: S311 - test data, not crypto
        self._traces = (f"{seed:08x}{n:024x}" for n in itertools.count(1))
        self.numbers: dict[str, dict[str, Any]] = {}
        for number in numbers:
            record = self._seed(number)
            self.numbers[record["id"]] = record
        self._by_number = {record["phone_number"]: record for record in self.numbers.values()}
        self.audits: dict[str, dict[str, Any]] = {}
        self._running: dict[str, str] = {}  # phone -> pending audit id
        self._audited: set[str] = set()  # phones in their cooldown
        self._suggested: dict[str, int] = {}  # phone -> when available_number last chose it
        self._suggestions = itertools.count(1)
        self._listing: bytes | None = None
        self.router = Router()
        prefix = httpx.URL(BASE_URL).path
        self.router.add("GET", f"{prefix}/v3/phone_numbers", self._list)
        self.router.add("GET", f"{prefix}/v3/phonenumbers", self._list_deprecated)
        self.router.add("GET", f"{prefix}/v3/available_number", self._available_number)
        self.router.add("PUT", f"{prefix}/v3/phone_numbers/{{ident}}", self._update)
        self.router.add("POST", f"{prefix}/v3/phone_numbers/{{phone}}/reputation_audit", self._start_audit)
        self.router.add(
            "GET", f"{prefix}/v3/phone_numbers/{{phone}}/reputation_audit/{{audit_id}}", self._get_audit
        )

    # -- seeding ---------------------------------------------------------------------
    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def _seed(self, number: str) -> dict[str, Any]:
        draw = self._random.random()
        status = "HEALTHY" if draw < 0.8 else "AT_RISK" if draw < 0.95 else "CRITICAL"
        forwarding = None
        if self._random.random() < 0.3:
            forwarding = f"+1202555{self._random.randrange(10000):04d}"
        reputation = {"status": status, "doc_url": _REPUTATION_DOCS[status]}
        record: dict[str, Any] = {"id": self._uuid(), "phone_number": number}
        if not self.legacy:
            record["forwarding_number"] = forwarding
            record["reputation"] = reputation
            record["line_type"] = "iMessage" if self._random.random() < 0.9 else "RCS"
        record["health_status"] = dict(reputation)
        return record

    # -- envelope --------------------------------------------------------------------
    def error_response(self, status: int, *, retry_after: float | None = None) -> httpx.Response:
        if status == 429:
            return self._error(429, 1007, retry_after=retry_after)
        return self._error(status, _SERVER_CODES.get(status, 3006))

    def _error(self, status: int, code: int | None, *, retry_after: float | None = None) -> httpx.Response:
        extra: dict[str, Any] = {}
        headers: dict[str, str] = {}
        if retry_after is not None:
            extra["retry_after"] = int(retry_after) if float(retry_after).is_integer() else retry_after
            headers["Retry-After"] = f"{retry_after:g}"
        if status == 401:  # a Bearer-token API's challenge (RFC 6750)
            headers["WWW-Authenticate"] = "Bearer"
        return json_response(status, envelope(status, code, trace_id=next(self._traces), **extra), headers)

    # -- routes ----------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self._error(401, 2004)
        response = self.router.dispatch(request, request.url.path)
        if response is None:
            return self._error(404, None)
        if response.status_code == 405:
            return self._error(405, None)
        return response

    def _list(self, request: httpx.Request) -> httpx.Response:
        if self._listing is None:
            self._listing = dumps({"phone_numbers": list(self.numbers.values())})
        return bytes_response(200, self._listing, {"Content-Type": "application/json"})

    def _list_deprecated(self, request: httpx.Request) -> httpx.Response:
        """`GET /v3/phonenumbers`: the older listing (country_code and type always null)."""
        lines = [
            {"id": r["id"], "phone_number": r["phone_number"], "country_code": None, "type": None}
            for r in self.numbers.values()
        ]
        return json_response(200, {"phone_numbers": lines})

    def _available_number(self, request: httpx.Request) -> httpx.Response:
        """`GET /v3/available_number`: the line to send from (nothing is reserved)."""
        query = request.url.params
        excluded = query.get_list("exclude_from")
        if any(not is_e164(number) for number in excluded):
            return self._error(400, 1002)
        wanted = query.get("type")
        kind = None
        if wanted is not None:
            kind = _LINE_TYPES.get(wanted.lower())
            if kind is None:
                return self._error(400, 1005)
        lines = [r for r in self.numbers.values() if r["phone_number"] not in excluded]
        if not lines:
            return self._error(400, 1005)
        if kind is not None:
            lines = [r for r in lines if r.get("line_type") == kind]
            if not lines:
                return self._error(503, 4004)

        def preference(record: dict[str, Any]) -> tuple[int, int]:
            status = (record.get("reputation") or record.get("health_status") or {}).get("status")
            rank = _REPUTATION_RANK.get(status, 0) if isinstance(status, str) else 0
            return rank, self._suggested.get(record["phone_number"], 0)

        chosen = min(lines, key=preference)["phone_number"]
        self._suggested[chosen] = next(self._suggestions)
        vcf = f"https://cdn.linq.emulator.invalid/vcards/{self._uuid()}.vcf"
        return json_response(200, {"phone_number": chosen, "vcf_url": vcf})

    def _update(self, request: httpx.Request, ident: str) -> httpx.Response:
        record = self.numbers.get(ident)
        if record is None:
            return self._error(404, 2019)
        try:
            body = decode_json(request.content)
        except ValueError:
            return self._error(400, 1003)
        if not isinstance(body, dict) or "forwarding_number" not in body:
            return self._error(400, 1001)
        target = body["forwarding_number"]
        if target is not None and target != "" and not is_e164(target):
            return self._error(400, 1002)
        record["forwarding_number"] = target or None
        self._listing = None
        return json_response(200, {k: record.get(k) for k in ("id", "phone_number", "forwarding_number")})

    def _start_audit(self, request: httpx.Request, phone: str) -> httpx.Response:
        record = self._by_number.get(phone)
        if record is None:
            return self._error(404, 2019)
        running = self._running.get(phone)
        if running is not None:
            return json_response(202, {"audit_id": running, "status": "pending"})
        if phone in self._audited:
            return self._error(429, 1007, retry_after=self.audit_cooldown)
        audit_id = self._uuid()
        self._running[phone] = audit_id
        self.audits[audit_id] = {"phone": phone, "polls": 0}
        return json_response(202, {"audit_id": audit_id, "status": "pending"})

    def _get_audit(self, request: httpx.Request, phone: str, audit_id: str) -> httpx.Response:
        audit = self.audits.get(audit_id)
        if audit is None or audit["phone"] != phone:
            return self._error(404, 2019)
        audit["polls"] += 1
        body: dict[str, Any] = {"audit_id": audit_id, "phone": phone, "generated_at": None}
        if audit["polls"] <= self.audit_polls:
            body["status"] = "pending"
            return json_response(200, body)
        self._running.pop(phone, None)
        self._audited.add(phone)
        severity = (self._by_number[phone].get("health_status") or {}).get("status", "HEALTHY")
        body["status"] = "complete"
        body["generated_at"] = "2026-01-05T12:00:00Z"
        body["report"] = _report(severity)
        return json_response(200, body)


def _report(severity: str) -> dict[str, Any]:
    healthy = severity == "HEALTHY"
    drivers = (
        [] if healthy else [{"key": "volume_spike", "metric": "3.2x usual", "summary": "Volume spiked."}]
    )
    return {
        "severity": severity,
        "primary_driver": "" if healthy else "volume_spike",
        "drivers": drivers,
        "action_items": [
            {
                "priority": 1,
                "title": "Keep sending normally" if healthy else "Ramp volume gradually",
                "detail": "Nothing to act on." if healthy else "Spread sends over the day.",
                "expected_impact": "low" if healthy else "high",
            }
        ],
        "evidence": {"opt_out_chats": [], "unhealthy_chats": []},
        "summary_markdown": f"# Line reputation: {severity}\n",
    }


def emulator(
    numbers: int | Iterable[str] = 25,
    *,
    offset: int = 0,
    faults: FaultPlan | None = None,
    latency: float = 0.0,
    seed: int = 0,
    api_key: str = DEFAULT_API_KEY,
    audit_polls: int = 1,
    audit_cooldown: float = 3600.0,
    legacy: bool = False,
) -> Emulator:
    """A Linq emulator seeded with `numbers` (a count, or the E.164 numbers themselves).

    `legacy=True` serves the older payload (only `id`, `phone_number`,
    `health_status`), as in the docs' Go example.
    """
    chosen = seeded_numbers(numbers, offset=offset) if isinstance(numbers, int) else numbers
    transport = LinqEmulatorTransport(
        chosen,
        api_key=api_key,
        seed=seed,
        faults=faults,
        latency=latency,
        audit_polls=audit_polls,
        audit_cooldown=audit_cooldown,
        legacy=legacy,
    )
    settings = {"api_key": api_key, "base_url": BASE_URL}
    return Emulator(transport=transport, settings=settings, provider="linq")
