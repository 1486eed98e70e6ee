"""What every emulator shares: routing, JSON answers, faults, latency.

An emulator is an httpx transport (sync and async at once) that keeps a
vendor's state in memory. Subclasses write `handle(request)` with the help of
`Router`; this base injects faults and latency around it, the same way for
every vendor.
"""

from __future__ import annotations

import enum
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic
from urllib.parse import unquote

import attrs
import httpx
from typing_extensions import TypeVar

from phonefleet._errors import PhoneFleetError
from phonefleet._wire import dumps

from ._answer import bytes_response
from ._limits import AccountLimit, LimitState
from ._record import RequestRecord

__all__ = [
    "ALL_FAULTS",
    "Emulator",
    "EmulatorTransport",
    "Fault",
    "FaultPlan",
    "ProviderMismatchError",
    "Route",
    "Router",
    "json_response",
    "seeded_numbers",
]

Handler = Callable[..., httpx.Response]

if TYPE_CHECKING:
    from phonefleet._store import AsyncStore, Store

#: the store classes an emulator's `connect()` / `connect_async()` open
#: (`emulate("twilio")` fills them in; plain stores otherwise)
S = TypeVar("S", default="Store[Any]")
AS = TypeVar("AS", default="AsyncStore[Any]")


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> httpx.Response:
    """A JSON answer as a vendor would send it."""
    return bytes_response(status, dumps(body), {"Content-Type": "application/json", **(headers or {})})


class Fault(enum.Enum):
    """The failures an emulator can inject."""

    RATE_LIMIT = "rate_limit"  # 429 with Retry-After; nothing applied
    SERVER_ERROR = "server_error"  # 500/502/503/504; nothing applied
    DROP_BEFORE = "drop_before"  # connection lost before the server saw it
    DROP_AFTER = "drop_after"  # the server applied it, then the connection dropped
    SLOW = "slow"  # answered past the deadline: a read timeout, maybe applied
    MALFORMED = "malformed"  # a 200 whose body is not JSON; nothing applied


ALL_FAULTS: Final = tuple(Fault)
#: how many request paths a router remembers the routes of (a few hundred bytes each)
_PATHS_KEPT: Final = 1024
_PATH_KEPT_CHARS: Final = 2048


@attrs.define
class FaultPlan:
    """Which faults to inject, how often, from a seeded random source.

    `script` forces the next faults in order (None for "no fault") before the
    random rate applies: for tests that need one precise failure.
    """

    rate: float = 0.0
    kinds: tuple[Fault, ...] = ALL_FAULTS
    seed: int = 0
    retry_after: float = 1.0
    methods: frozenset[str] | None = None
    script: list[Fault | None] = attrs.field(factory=list)
    injected: list[tuple[str, str, Fault]] = attrs.field(factory=list)
    _random: random.Random = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._random = random.Random(self.seed)  # noqa: S311 - test data, not crypto

    def pick(self, request: httpx.Request) -> Fault | None:
        if self.methods is not None and request.method not in self.methods:
            return None
        if self.script:
            fault = self.script.pop(0)
        elif self.rate and self._random.random() < self.rate:
            fault = self._random.choice(self.kinds)
        else:
            fault = None
        if fault is not None:
            self.injected.append((request.method, request.url.path, fault))
        return fault

    def server_status(self) -> int:
        return self._random.choice((500, 502, 503, 504))


@attrs.frozen
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Maps `METHOD /path/{param}` to handlers; params arrive percent-decoded.

    The routes a path matches are worked out once per path (a client asks
    for the same few paths again and again), a bounded number of paths kept.
    """

    def __init__(self) -> None:
        self._routes: list[Route] = []
        self._matches: dict[str, tuple[tuple[Route, dict[str, str]], ...]] = {}

    def add(self, method: str, template: str, handler: Handler) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self._routes.append(Route(method, re.compile(regex + "/?"), handler))
        self._matches = {}

    def _routes_for(self, path: str) -> tuple[tuple[Route, dict[str, str]], ...]:
        """Every route `path` matches, in order, with its params decoded."""
        found = self._matches.get(path)
        if found is None:
            found = tuple(
                (route, {key: unquote(value) for key, value in match.groupdict().items()})
                for route in self._routes
                if (match := route.pattern.fullmatch(path)) is not None
            )
            if len(path) <= _PATH_KEPT_CHARS:
                if len(self._matches) >= _PATHS_KEPT:
                    self._matches = {}
                self._matches[path] = found
        return found

    def dispatch(self, request: httpx.Request, path: str) -> httpx.Response | None:
        """The handler's answer, or None when no route matches (404)."""
        matches = self._routes_for(path)
        for route, params in matches:
            if route.method == request.method:
                return route.handler(request, **params)
        if matches:
            return httpx.Response(405, json={"detail": "Method Not Allowed"})
        return None


class EmulatorTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Base of every emulator's transport: one lock, faults, latency, a log.

    Subclasses implement `handle(request)` (under the lock) and
    `fault_response(fault_status, retry_after)` in their vendor's envelope.
    With `limit` set (an `AccountLimit`), requests beyond the account's limit
    are refused the way the vendor does: `limited_response` and `limit_headers`.
    """

    #: the methods the vendor's rate counts (None: every request)
    limited_methods: frozenset[str] | None = None

    def __init__(self, *, faults: FaultPlan | None = None, latency: float = 0.0) -> None:
        self.faults = faults or FaultPlan()
        self.latency = latency
        self.limit: AccountLimit | None = None
        #: the requests received, newest kept (bounded: see `RequestRecord`)
        self.requests = RequestRecord()
        #: the requests the emulated server processed (faults aside): the
        #: ground truth for "was this write sent twice?" (bounded the same way)
        self.applied = RequestRecord()
        self._lock = threading.RLock()

    # -- to override --------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        raise NotImplementedError

    def error_response(self, status: int, *, retry_after: float | None = None) -> httpx.Response:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
        return json_response(status, {"error": httpx.codes.get_reason_phrase(status)}, headers)

    def limited_response(self, state: LimitState) -> httpx.Response:
        """The vendor's answer beyond its limit: its 429, with Retry-After where it sends one."""
        return self.error_response(429, retry_after=state.retry_after)

    def limit_headers(self, state: LimitState) -> dict[str, str]:
        """Headers the vendor puts on every counted answer (Telnyx's x-ratelimit-*); none by default."""
        return {}

    def _refuse(self, state: LimitState) -> httpx.Response:
        response = self.limited_response(state)
        response.headers.update(self.limit_headers(state))
        response.read()
        return response

    # -- machinery ----------------------------------------------------------
    def _apply(self, request: httpx.Request, *, read: bool = True) -> httpx.Response:
        request.read()
        with self._lock:
            self.requests.append(request)
            state = self.limit.take(request.method) if self.limit is not None else None
            if state is not None and state.refused:
                return self._refuse(state)
            fault = self.faults.pick(request)
            if fault is Fault.RATE_LIMIT:
                return self.error_response(429, retry_after=self.faults.retry_after)
            if fault is Fault.SERVER_ERROR:
                return self.error_response(self.faults.server_status())
            if fault is Fault.DROP_BEFORE:
                raise httpx.ConnectError("emulated: connection refused", request=request)
            if fault is Fault.MALFORMED:
                return httpx.Response(200, content=b"<html>upstream error</html>")
            self.applied.append(request)
            response = self.handle(request)
            if state is not None:
                response.headers.update(self.limit_headers(state))
            if read or not isinstance(response.stream, httpx.ByteStream):
                response.read()  # bytes in memory need no reading to be sent as they are
            if fault is Fault.DROP_AFTER:
                raise httpx.ReadError("emulated: connection dropped after the answer", request=request)
            if fault is Fault.SLOW:
                raise httpx.ReadTimeout("emulated: answer too slow", request=request)
            return response

    def _enter(self, request: httpx.Request) -> httpx.Response | None:
        """A request arrives: refused at once if the account has too many in flight."""
        if self.limit is None or self.limit.concurrency is None:
            return None
        with self._lock:
            state = self.limit.enter()
            if state is None:
                return None
            self.requests.append(request)
            return self._refuse(state)

    def _leave(self) -> None:
        if self.limit is not None and self.limit.concurrency is not None:
            with self._lock:
                self.limit.leave()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._handle(request, read=True)

    def handle_served(self, request: httpx.Request) -> httpx.Response:
        """`handle_request` for the served emulator: an answer whose body is bytes in
        memory comes back unread (its `stream` holds them), so the server sends
        them as they are, without httpx's decoding pass."""
        return self._handle(request, read=False)

    def _handle(self, request: httpx.Request, *, read: bool) -> httpx.Response:
        request.read()
        refusal = self._enter(request)
        if refusal is not None:
            return refusal
        try:
            if self.latency:
                time.sleep(self.latency)
            return self._apply(request, read=read)
        finally:
            self._leave()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import asyncio  # loaded already (this is a coroutine); a sync client never imports it

        await request.aread()
        refusal = self._enter(request)
        if refusal is not None:
            return refusal
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            elif self.limit is not None and self.limit.concurrency is not None:
                await asyncio.sleep(0)  # the server's work takes a turn, so requests overlap
            return self._apply(request)
        finally:
            self._leave()

    def count(self, method: str | None = None, path_contains: str | None = None) -> int:
        """How many requests reached the emulator (faulted ones included)."""
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method)
            and (path_contains is None or path_contains in r.url.path)
        )


class ProviderMismatchError(PhoneFleetError, ValueError):
    """An emulator was asked to connect as another vendor than the one it emulates."""


@attrs.define
class Emulator(Generic[S, AS]):
    """An emulator ready to connect to: its transport, the settings for it, its vendor.

    `provider` is the adapter name it emulates (`emulate()` fills it in), so
    `connect()` needs no name, and a wrong one is refused before the other
    vendor's adapter is handed these settings.
    """

    transport: EmulatorTransport
    settings: dict[str, Any]
    provider: str | None = None

    def _provider(self, provider: str | None) -> str:
        if provider is None:
            if self.provider is None:
                msg = "this emulator does not know its provider: pass its name, e.g. connect('linq')"
                raise TypeError(msg)
            return self.provider
        if not isinstance(provider, str):
            msg = f"provider must be a string, got {type(provider).__name__}"
            raise TypeError(msg)
        if self.provider is not None and provider != self.provider:
            msg = (
                f"this emulator emulates {self.provider!r}, not {provider!r}: "
                f"call connect() without a name, or emulate({provider!r}) for that vendor"
            )
            raise ProviderMismatchError(msg)
        return provider

    def connect(self, provider: str | None = None, **common: Any) -> S:
        """A sync store over this emulator (it owns its client)."""
        from phonefleet._typed import connect

        name = self._provider(provider)
        store: Any = connect(name, **{"transport": self.transport, **self.settings, **common})
        return store  # type: ignore[no-any-return]

    def connect_async(self, provider: str | None = None, **common: Any) -> AS:
        """An async store over this emulator (it owns its client)."""
        from phonefleet._typed import connect_async

        name = self._provider(provider)
        store: Any = connect_async(name, **{"transport": self.transport, **self.settings, **common})
        return store  # type: ignore[no-any-return]


_AREA_CODES: Final = ("202", "212", "305", "312", "415", "512", "617", "646", "702", "718")


def seeded_numbers(count: int, *, offset: int = 0) -> Iterator[str]:
    """`count` distinct, valid US numbers, the same ones for the same offset.

    Two emulators seeded with overlapping ranges share numbers, which is what
    a migration between them needs.
    """
    for index in range(offset, offset + count):
        line = index % 10000
        area = _AREA_CODES[(index // 10000) % len(_AREA_CODES)]
        exchange = 200 + index // (10000 * len(_AREA_CODES))
        yield f"+1{area}{exchange}{line:04d}"
