"""A stateful emulator of Gravity Rail's workspace phone-number API.

An httpx transport (sync and async) holding one organisation: workspaces with
their phone numbers, API keys with scopes, and the org's provider-phone pool.
It checks Bearer keys (401), scopes and workspace access (403), keeps
workspaces apart (another workspace's number is a 404), addresses numbers by
numeric id or uuid, filters on `is_archived`, refuses archives that workflows
block (409), never un-archives, links provider phones both ways, answers in
FastAPI's error envelope with an `X-Request-Id`, and injects the core's faults.

    from phonefleet_gravityrail.emulator import emulator
    emu = emulator(10, blocked=1)
    with emu.connect("gravityrail") as store: ...
"""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import attrs
import httpx

from phonefleet import is_e164, to_e164
from phonefleet.adapter import decode_json
from phonefleet.testing import Emulator, EmulatorTransport, FaultPlan, Router, json_response, seeded_numbers

__all__ = [
    "ALL_SCOPES",
    "BASE_URL",
    "WORK_MODES",
    "GravityRailEmulator",
    "emulator",
]

BASE_URL: Final = "https://gravityrail.emulator.invalid"
ALL_SCOPES: Final = frozenset({"phones:read", "phones:write", "phones:admin"})
WORK_MODES: Final = frozenset(
    {
        "always_forward",
        "forward_off_hours",
        "always_message",
        "message_off_hours",
        "voicemail",
        "voicemail_off_hours",
    }
)
_FORWARDING: Final = frozenset({"always_forward", "forward_off_hours"})
_PREFIX: Final = "/api/v2/w/{workspace}/phone-numbers"
_TRUE: Final = frozenset({"true", "1", "yes", "on", "t", "y"})
_FALSE: Final = frozenset({"false", "0", "no", "off", "f", "n"})
_NAMES: Final = (
    "Front desk",
    "Main line",
    "Support",
    "Sales",
    "After hours",
    "Billing",
    "Clinic intake",
    "Reception",
    "Scheduling",
    "Care team",
)
_WORKFLOWS: Final = ("Inbound intake", "Appointment reminders", "After-hours triage", "Refill requests")
_EPOCH: Final = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

BlockerSpec = tuple[int | str, str] | Mapping[str, Any]

_STR_FIELDS: Final = frozenset(
    {
        "name",
        "brandName",
        "brandDescription",
        "brandWebsite",
        "restartPrompt",
        "voiceUnavailableMessage",
        "voiceGreetingMessage",
        "anonymousRejectionMessage",
        "smsUnavailableMessage",
        "voicemailGreeting",
        "voiceOffHoursMessage",
        "smsOffHoursMessage",
    }
)
_BOOL_FIELDS: Final = frozenset(
    {"enableVoice", "enableSms", "enableWhatsApp", "assistantEnabled", "allowSignup", "allowAnonymous"}
)
_INT_FIELDS: Final = frozenset(
    {"defaultWorkflowId", "restartDelay", "signupMemberRoleId", "anonymousMemberRoleId"}
)
_NUMBER_FIELDS: Final = frozenset({"voiceForwardNumber", "smsForwardNumber"})
_MODE_FIELDS: Final = frozenset({"voiceWorkMode", "smsWorkMode"})


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _problem(kind: str, loc: Sequence[str | int], msg: str, value: Any = None) -> dict[str, Any]:
    return {"type": kind, "loc": list(loc), "msg": msg, "input": value}


@attrs.define
class _Token:
    scopes: frozenset[str]
    workspaces: frozenset[str]


class _Refusal(Exception):  # noqa: N818 - carries an answer out of a handler
    def __init__(self, status: int, detail: Any, headers: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


class GravityRailEmulator(EmulatorTransport):
    """The state and the routes; see the module docstring."""

    def __init__(
        self,
        *,
        faults: FaultPlan | None = None,
        latency: float = 0.0,
        seed: int = 0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(faults=faults, latency=latency)
        self._random = random.Random(seed)  # noqa: S311 - test data, not crypto
        self._clock = clock or (lambda: datetime.now(UTC))
        self._next_id = 1001
        self._served = 0
        self.org = self._uuid()
        #: workspace uuid -> numeric id -> the stored PhoneNumberResponse
        self.workspaces: dict[str, dict[int, dict[str, Any]]] = {}
        #: (workspace, uuid) -> record: a uuid lookup must not scan the fleet
        self._by_uuid: dict[tuple[str, str], dict[str, Any]] = {}
        self.tokens: dict[str, _Token] = {}
        #: provider-phone uuid -> its record (the org's pool)
        self.provider_phones: dict[str, dict[str, Any]] = {}
        #: number uuid -> the workflows that keep it from being archived
        self.blockers: dict[str, list[dict[str, Any]]] = {}
        self.router = Router()
        self._routes()

    # -- setting up ---------------------------------------------------------------
    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def add_workspace(self, workspace: str | None = None) -> str:
        ident = str(uuid.UUID(workspace)) if workspace else self._uuid()
        self.workspaces.setdefault(ident, {})
        return ident

    def add_token(
        self, token: str, scopes: Iterable[str] = ALL_SCOPES, *, workspaces: Iterable[str] | None = None
    ) -> str:
        """An API key with `scopes`, valid for `workspaces` (default: all known now)."""
        allowed = frozenset(workspaces) if workspaces is not None else frozenset(self.workspaces)
        self.tokens[token] = _Token(frozenset(scopes), allowed)
        return token

    def add_provider_phone(self, number: str) -> str:
        """A free line in the org's pool; returns its uuid."""
        ident = self._uuid()
        self.provider_phones[ident] = {
            "uuid": ident,
            "phoneNumber": number,
            "friendlyName": f"({number[2:5]}) {number[5:8]}-{number[8:]}",
            "assignedWorkspaceUuid": None,
            "workspacePhoneUuid": None,
            "capabilities": {"voice": True, "sms": True, "mms": True},
        }
        return ident

    def add_number(
        self,
        workspace: str,
        number: str,
        *,
        name: str | None = None,
        linked: bool = True,
        archived: bool = False,
        forward_to: str | None = None,
        work_mode: str = "voicemail_off_hours",
        created_at: datetime | None = None,
    ) -> dict[str, Any]:
        """A workspace number (linked to a new provider phone unless `linked=False`)."""
        numbers = self.workspaces[workspace]
        ident = self._next_id
        self._next_id += 1
        moment = _iso(created_at or self._clock())
        record: dict[str, Any] = {
            "id": ident,
            "uuid": self._uuid(),
            "workspaceUuid": workspace,
            "name": name,
            "phoneNumber": number,
            "providerPhoneUuid": None,
            "isMapped": False,
            "twilioInboundReady": False,
            "isArchived": archived,
            "archivedAt": moment if archived else None,
            "enableVoice": True,
            "enableSms": True,
            "enableWhatsApp": False,
            "assistantEnabled": True,
            "defaultWorkflowId": None,
            "restartDelay": 900,
            "voiceWorkMode": work_mode,
            "voiceForwardNumber": forward_to,
            "smsWorkMode": "message_off_hours",
            "smsForwardNumber": None,
            "createdAt": moment,
            "updatedAt": moment,
        }
        numbers[ident] = record
        self._by_uuid[workspace, record["uuid"]] = record
        if linked and not archived:
            phone = self.add_provider_phone(number)
            self._attach(record, self.provider_phones[phone])
        return record

    def set_blockers(self, ref: str, blockers: Iterable[BlockerSpec]) -> None:
        """Workflows that keep the number `ref` (E.164, uuid or numeric id) from being archived."""
        _, record = self._find_anywhere(ref)
        items: list[dict[str, Any]] = []
        for spec in blockers:
            if isinstance(spec, Mapping):
                items.append({"type": "workflow", **spec})
            else:
                ident, name = spec
                items.append({"id": ident, "name": name, "type": "workflow", "usage": "inbound"})
        self.blockers[record["uuid"]] = items

    def blocked_numbers(self) -> list[str]:
        """The E.164 numbers whose archive workflows block, in seeding order."""
        return [
            record["phoneNumber"]
            for numbers in self.workspaces.values()
            for record in numbers.values()
            if self.blockers.get(record["uuid"]) and not record["isArchived"]
        ]

    def record(self, ref: str) -> dict[str, Any]:
        """A copy of the stored number `ref` (E.164, uuid or numeric id), for assertions."""
        return copy.deepcopy(self._find_anywhere(ref)[1])

    def _find_anywhere(self, ref: str) -> tuple[str, dict[str, Any]]:
        for workspace, numbers in self.workspaces.items():
            for record in numbers.values():
                if ref in (record["phoneNumber"], record["uuid"], str(record["id"])):
                    return workspace, record
        msg = f"no number {ref!r} in the emulator"
        raise KeyError(msg)

    def _attach(self, record: dict[str, Any], phone: dict[str, Any]) -> None:
        record["providerPhoneUuid"] = phone["uuid"]
        record["isMapped"] = True
        record["twilioInboundReady"] = True
        phone["assignedWorkspaceUuid"] = record["workspaceUuid"]
        phone["workspacePhoneUuid"] = record["uuid"]

    def _detach(self, record: dict[str, Any]) -> None:
        phone = self.provider_phones.get(record.get("providerPhoneUuid") or "")
        if phone is not None:
            phone["assignedWorkspaceUuid"] = None
            phone["workspacePhoneUuid"] = None
        record["providerPhoneUuid"] = None
        record["isMapped"] = False
        record["twilioInboundReady"] = False

    # -- transport --------------------------------------------------------------
    def _request_id(self) -> str:
        self._served += 1
        return f"req_{self._served:08d}"

    def _answer(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> httpx.Response:
        return json_response(status, body, {"X-Request-Id": self._request_id(), **(headers or {})})

    def error_response(self, status: int, *, retry_after: float | None = None) -> httpx.Response:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        if status >= 500:
            detail = "An internal server error occurred"
        elif status == 429:
            detail = "Rate limit exceeded. Please slow down."
        else:
            detail = httpx.codes.get_reason_phrase(status) or "Error"
        return self._answer(status, {"detail": detail}, headers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self.router.dispatch(request, request.url.path)
        except _Refusal as refusal:
            return self._answer(refusal.status, {"detail": refusal.detail}, refusal.headers)
        if response is None:
            return self._answer(404, {"detail": "Not Found"})
        response.headers["X-Request-Id"] = self._request_id()
        return response

    def _routes(self) -> None:
        add = self.router.add
        add("GET", _PREFIX, self._guard("phones:read", self._list))
        add("POST", _PREFIX, self._guard("phones:write", self._create))
        add("GET", _PREFIX + "/linkable-phones", self._guard("phones:write", self._linkable))
        add("GET", _PREFIX + "/{pid}", self._guard("phones:read", self._get))
        add("PUT", _PREFIX + "/{pid}", self._guard("phones:write", self._update))
        add("POST", _PREFIX + "/{pid}/archive", self._guard("phones:admin", self._archive))
        add("GET", _PREFIX + "/{pid}/archive-blockers", self._guard("phones:admin", self._blockers))
        add("POST", _PREFIX + "/{pid}/link", self._guard("phones:write", self._link))

    def _guard(self, scope: str, handler: Callable[..., httpx.Response]) -> Callable[..., httpx.Response]:
        def guarded(request: httpx.Request, workspace: str, **params: str) -> httpx.Response:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            grant = self.tokens.get(token) if scheme.lower() == "bearer" else None
            if grant is None:
                raise _Refusal(401, "Could not validate credentials", {"WWW-Authenticate": "Bearer"})
            try:
                ws = str(uuid.UUID(workspace))
            except ValueError:
                raise _Refusal(
                    422,
                    [_problem("uuid_parsing", ["path", "workspace_uuid"], "Input should be a valid UUID")],
                ) from None
            if ws not in self.workspaces:
                raise _Refusal(404, "Workspace not found")
            if ws not in grant.workspaces:
                raise _Refusal(403, "You do not have access to this workspace")
            if scope not in grant.scopes:
                raise _Refusal(403, f"Missing required scope: {scope}")
            return handler(request, ws, **params)

        return guarded

    # -- helpers ------------------------------------------------------------------
    def _number(self, workspace: str, pid: str) -> dict[str, Any]:
        numbers = self.workspaces[workspace]
        found: dict[str, Any] | None = None
        if pid.isdigit():
            found = numbers.get(int(pid))
        else:
            found = self._by_uuid.get((workspace, pid.lower()))
        if found is None:
            raise _Refusal(404, "Phone number not found")
        return found

    def _ok(self, body: Any, status: int = 200) -> httpx.Response:
        return json_response(status, body)  # serialised at once: no copy needed

    def _body(self, request: httpx.Request) -> dict[str, Any]:
        try:
            body = decode_json(request.content or b"null")
        except ValueError:
            raise _Refusal(422, [_problem("json_invalid", ["body", 0], "JSON decode error")]) from None
        if body is None:
            raise _Refusal(422, [_problem("missing", ["body"], "Field required")])
        if not isinstance(body, dict):
            raise _Refusal(
                422,
                [
                    _problem(
                        "model_attributes_type",
                        ["body"],
                        "Input should be a valid dictionary or object to extract fields from",
                        body,
                    )
                ],
            )
        return body

    def _free_phone(self, phone: dict[str, Any], workspace: str, number_uuid: str | None) -> None:
        """Refuse a provider phone that another workspace or number holds."""
        owner = phone["assignedWorkspaceUuid"]
        if owner is not None and owner != workspace:
            raise _Refusal(404, "Provider phone not found")
        holder = phone["workspacePhoneUuid"]
        if holder is not None and holder != number_uuid:
            raise _Refusal(409, "Provider phone is already linked to another phone number")

    def _touch(self, record: dict[str, Any]) -> None:
        record["updatedAt"] = _iso(self._clock())

    # -- handlers -----------------------------------------------------------------
    def _list(self, request: httpx.Request, workspace: str) -> httpx.Response:
        raw = request.url.params.get("is_archived", "false")
        if raw.lower() in _TRUE:
            archived = True
        elif raw.lower() in _FALSE:
            archived = False
        else:
            problem = _problem(
                "bool_parsing",
                ["query", "is_archived"],
                "Input should be a valid boolean, unable to interpret input",
                raw,
            )
            raise _Refusal(422, [problem])
        chosen = [r for r in self.workspaces[workspace].values() if r["isArchived"] == archived]
        return self._ok(chosen)

    def _get(self, request: httpx.Request, workspace: str, pid: str) -> httpx.Response:
        return self._ok(self._number(workspace, pid))

    def _create(self, request: httpx.Request, workspace: str) -> httpx.Response:
        body = self._body(request)
        problems: list[dict[str, Any]] = []
        number, name, phone_uuid = body.get("phoneNumber"), body.get("name"), body.get("providerPhoneUuid")
        if number is not None and not (isinstance(number, str) and is_e164(number)):
            problems.append(
                _problem("value_error", ["body", "phoneNumber"], "Value error, invalid phone number", number)
            )
        if name is not None and not isinstance(name, str):
            problems.append(_problem("string_type", ["body", "name"], "Input should be a valid string", name))
        if phone_uuid is not None and not isinstance(phone_uuid, str):
            problems.append(
                _problem("string_type", ["body", "providerPhoneUuid"], "Input should be a valid string")
            )
        if number is None and phone_uuid is None:
            problems.append(
                _problem("value_error", ["body"], "Value error, providerPhoneUuid or phoneNumber is required")
            )
        if problems:
            raise _Refusal(422, problems)
        phone: dict[str, Any] | None = None
        if phone_uuid is not None:
            phone = self.provider_phones.get(phone_uuid.lower())
            if phone is None:
                raise _Refusal(404, "Provider phone not found")
            if number is not None and number != phone["phoneNumber"]:
                raise _Refusal(400, "phoneNumber does not match the provider phone")
            number = phone["phoneNumber"]
        else:
            phone = next((p for p in self.provider_phones.values() if p["phoneNumber"] == number), None)
        active = self.workspaces[workspace].values()
        if any(r["phoneNumber"] == number and not r["isArchived"] for r in active):
            raise _Refusal(409, "Phone number already exists in this workspace")
        if phone is not None:
            self._free_phone(phone, workspace, None)
        assert isinstance(number, str)
        record = self.add_number(workspace, number, name=name, linked=False)
        if phone is not None:
            self._attach(record, phone)
        return self._ok(record, 201)

    def _update(self, request: httpx.Request, workspace: str, pid: str) -> httpx.Response:
        record = self._number(workspace, pid)
        body = self._body(request)
        problems: list[dict[str, Any]] = []
        changes: dict[str, Any] = {}
        for key, value in body.items():
            loc = ["body", key]
            if key in _STR_FIELDS:
                if value is not None and not isinstance(value, str):
                    problems.append(_problem("string_type", loc, "Input should be a valid string", value))
            elif key in _BOOL_FIELDS:
                if not isinstance(value, bool):
                    problems.append(_problem("bool_type", loc, "Input should be a valid boolean", value))
            elif key in _INT_FIELDS:
                if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                    problems.append(_problem("int_type", loc, "Input should be a valid integer", value))
            elif key in _NUMBER_FIELDS:
                if value is not None and not (isinstance(value, str) and is_e164(value)):
                    problems.append(
                        _problem("value_error", loc, "Value error, invalid E.164 phone number", value)
                    )
            elif key in _MODE_FIELDS:
                if value is not None and value not in WORK_MODES:
                    expected = ", ".join(f"'{m}'" for m in sorted(WORK_MODES))
                    problems.append(_problem("enum", loc, f"Input should be {expected}", value))
            else:
                continue  # unknown fields are ignored, as pydantic does by default
            changes[key] = value
        if problems:
            raise _Refusal(422, problems)
        if record["isArchived"]:
            raise _Refusal(409, "Cannot update an archived phone number")
        merged = {**record, **changes}
        for mode_key, number_key in (
            ("voiceWorkMode", "voiceForwardNumber"),
            ("smsWorkMode", "smsForwardNumber"),
        ):
            if merged.get(mode_key) in _FORWARDING and not merged.get(number_key):
                problem = _problem(
                    "value_error",
                    ["body", number_key],
                    f"Value error, {number_key} is required when {mode_key} is {merged[mode_key]}",
                )
                raise _Refusal(422, [problem])
        record.update(changes)
        self._touch(record)
        return self._ok(record)

    def _archive(self, request: httpx.Request, workspace: str, pid: str) -> httpx.Response:
        record = self._number(workspace, pid)
        if record["isArchived"]:
            raise _Refusal(400, "Phone number is already archived")
        blockers = self.blockers.get(record["uuid"])
        if blockers:
            names = ", ".join(str(b.get("name") or b.get("id")) for b in blockers)
            raise _Refusal(409, f"Phone number is used by {len(blockers)} workflow(s): {names}")
        self._detach(record)
        record["isArchived"] = True
        record["archivedAt"] = _iso(self._clock())
        self._touch(record)
        return self._ok(record)

    def _blockers(self, request: httpx.Request, workspace: str, pid: str) -> httpx.Response:
        record = self._number(workspace, pid)
        blockers = [] if record["isArchived"] else self.blockers.get(record["uuid"], [])
        return self._ok({"blockers": blockers, "canArchive": not record["isArchived"] and not blockers})

    def _link(self, request: httpx.Request, workspace: str, pid: str) -> httpx.Response:
        record = self._number(workspace, pid)
        body = self._body(request)
        if "providerPhoneUuid" not in body:
            raise _Refusal(422, [_problem("missing", ["body", "providerPhoneUuid"], "Field required")])
        wanted = body["providerPhoneUuid"]
        if wanted is not None and not isinstance(wanted, str):
            problem = _problem("string_type", ["body", "providerPhoneUuid"], "Input should be a valid string")
            raise _Refusal(422, [problem])
        if record["isArchived"]:
            raise _Refusal(409, "Cannot link an archived phone number")
        if wanted is None:
            if record["providerPhoneUuid"] is not None:
                self._detach(record)
                self._touch(record)
            return self._ok(record)
        phone = self.provider_phones.get(wanted.lower())
        if phone is None:
            raise _Refusal(404, "Provider phone not found")
        self._free_phone(phone, workspace, record["uuid"])
        if record["providerPhoneUuid"] != phone["uuid"]:
            self._detach(record)
            self._attach(record, phone)
            self._touch(record)
        return self._ok(record)

    def _linkable(self, request: httpx.Request, workspace: str) -> httpx.Response:
        phones = [p for p in self.provider_phones.values() if p["assignedWorkspaceUuid"] in (None, workspace)]
        return self._ok(phones)


def _seed_number(
    emu: GravityRailEmulator, workspace: str, number: str, index: int, rng: random.Random
) -> None:
    roll = rng.random()
    forward: str | None = None
    mode = "voicemail_off_hours"
    if roll < 0.3:
        mode, forward = "always_forward", f"+1202555{rng.randrange(100, 200):04d}"
    elif roll < 0.4:
        mode, forward = "forward_off_hours", f"+1202555{rng.randrange(100, 200):04d}"
    elif roll < 0.55:
        mode = "message_off_hours"
    name = f"{rng.choice(_NAMES)} {index + 1}" if rng.random() < 0.85 else None
    emu.add_number(
        workspace,
        number,
        name=name,
        linked=rng.random() < 0.8,
        forward_to=forward,
        work_mode=mode,
        created_at=_EPOCH + timedelta(minutes=37 * index),
    )


def emulator(
    numbers: int | Iterable[str] = 25,
    *,
    offset: int = 0,
    faults: FaultPlan | None = None,
    latency: float = 0.0,
    seed: int = 0,
    blockers: Mapping[str, Iterable[BlockerSpec]] | None = None,
    blocked: int = 0,
    archived: int = 0,
    free_phones: int = 3,
    workspaces: Mapping[str, Iterable[str]] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Emulator:
    """A Gravity Rail emulator and the settings that connect a store to it.

    `numbers` seeds the main workspace (an int means `seeded_numbers(numbers,
    offset=offset)`); `blocked` gives the first N of them two blocking
    workflows, `blockers` maps an E.164 number (or uuid) to `(id, name)` pairs
    or dicts; `archived` adds archived numbers; `free_phones` adds unassigned
    lines to the org's pool; `workspaces` maps more workspace uuids to their
    numbers (each gets its own key, in `transport.tokens`).
    """
    emu = GravityRailEmulator(faults=faults, latency=latency, seed=seed, clock=clock)
    rng = random.Random(seed + 1)  # noqa: S311 - test data, not crypto
    # the keys from their own source: the same seed gives the same keys, whatever else is seeded
    keys = random.Random(f"keys-{seed}")  # noqa: S311 - test data, not crypto
    main = emu.add_workspace()
    if isinstance(numbers, int):
        seeds = list(seeded_numbers(numbers, offset=offset))
    else:
        seeds = [to_e164(number) for number in numbers]
    for index, number in enumerate(seeds):
        _seed_number(emu, main, number, index, rng)
    base = offset + len(seeds) if isinstance(numbers, int) else 0
    for index, number in enumerate(seeded_numbers(archived, offset=base + 50_000)):
        emu.add_number(
            main,
            number,
            name=f"Retired line {index + 1}",
            linked=False,
            archived=True,
            created_at=_EPOCH - timedelta(days=30 - index),
        )
    for number in seeded_numbers(free_phones, offset=base + 60_000):
        emu.add_provider_phone(number)
    for index, number in enumerate(seeds[:blocked]):
        workflows = [
            (rng.randrange(100, 999), _WORKFLOWS[index % len(_WORKFLOWS)]),
            (rng.randrange(100, 999), _WORKFLOWS[(index + 1) % len(_WORKFLOWS)]),
        ]
        emu.set_blockers(number, workflows)
    for ref, specs in (blockers or {}).items():
        emu.set_blockers(ref, specs)
    token = emu.add_token(f"gr_emulator_{keys.getrandbits(64):016x}", workspaces=[main])
    for extra, extra_numbers in (workspaces or {}).items():
        ws = emu.add_workspace(extra)
        for index, number in enumerate(extra_numbers):
            _seed_number(emu, ws, number, index, rng)
        emu.add_token(f"gr_emulator_{keys.getrandbits(64):016x}", workspaces=[ws])
    settings = {"api_key": token, "workspace": main, "base_url": BASE_URL}
    return Emulator(transport=emu, settings=settings)
