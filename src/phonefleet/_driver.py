"""The two drivers: one loop over httpx.Client, one over httpx.AsyncClient.

Everything that needs no I/O (which failures are retried, how long to wait,
the deadline, the body's size cap, logging with redaction) lives in
`_Driver`, once. The loops only send, read, wait and feed the flow.

Bodies are read as streams, chunk by chunk: the operation's deadline is
checked after every chunk (a server dripping one byte at a time cannot hold
an operation past it) and the decoded size against `max_response_bytes` (a
decompression bomb stops at the cap, never expanded in full).
"""

from __future__ import annotations

import itertools
import logging
import random
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs
import httpx

from . import _memo, _redact
from ._auth import BasicAuth, BearerAuth
from ._errors import DeadlineExceededError, PhoneFleetError, ResponseFormatError, TransportError
from ._flow import Adapter, Flow, error_for_status
from ._pacing import Pacer, Permit, pacer_for
from ._ratelimit import VENDOR_DEFAULT, RateSignal
from ._retry import RetryPolicy
from ._wire import LISTING_EXTENSION, retry_mode

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "DEFAULT_MAX_LISTING_BYTES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "AsyncDriver",
    "Clock",
    "Deadline",
    "SyncDriver",
]

T = TypeVar("T")
P = TypeVar("P")
Clock = Callable[[], float]

log: Final = logging.getLogger("phonefleet.http")

_RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
#: failures that prove the request never reached the server
_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_SECRET_PARAMS: Final = frozenset({"token", "api_key", "apikey", "key", "access_token", "secret", "password"})
#: the default cap on one response body, decoded: a 1,000-number page is about 0.5 MB
DEFAULT_MAX_RESPONSE_BYTES: Final = 32 * 1024 * 1024
#: the default cap on a listing answered in one body (Linq's): it grows with the
#: fleet, about 370 bytes a number, so 256 MiB is some 700,000 numbers
DEFAULT_MAX_LISTING_BYTES: Final = 256 * 1024 * 1024
#: a compressed body reaches the decoder in slices this small, so that one
#: slice expands to a few MB at most (gzip's ratio is about 1:1000)
_SLICE: Final = 4096
_keys = itertools.count()
_SIGNAL: Final = "phonefleet.rate_signal"


def _slices(chunk: bytes) -> Iterator[bytes]:
    if len(chunk) <= _SLICE:
        yield chunk
    else:
        view = memoryview(chunk)
        for start in range(0, len(chunk), _SLICE):
            yield bytes(view[start : start + _SLICE])


class _Sliced(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response's raw stream, cut into small slices before decompression."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            yield from _slices(chunk)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            for piece in _slices(chunk):
                yield piece

    def close(self) -> None:
        self._stream.close()

    async def aclose(self) -> None:
        await self._stream.aclose()


class _RetryableResponse(Exception):  # noqa: N818 - internal signal, never escapes
    def __init__(self, response: httpx.Response) -> None:
        self.response = response


@attrs.define
class Deadline:
    """The time left for one operation, read from an injectable clock."""

    seconds: float
    clock: Clock
    start: float = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.start = self.clock()

    def remaining(self) -> float:
        return self.seconds - (self.clock() - self.start)


def redact_url(url: httpx.URL) -> str:
    """The URL as it may be logged: no userinfo, no secret-looking parameters."""
    clean = url.copy_with(username=None, password=None) if url.userinfo else url
    if clean.query:
        params = [
            (key, "***" if key.lower() in _SECRET_PARAMS else value)
            for key, value in clean.params.multi_items()
        ]
        clean = clean.copy_with(params=params)
    return str(clean)


class _Driver:
    """What both drivers share: policy, classification, logging."""

    def __init__(
        self,
        adapter: Adapter,
        *,
        retry: RetryPolicy | None = None,
        timeout: float | None = None,
        clock: Clock | None = None,
        max_response_bytes: int | None = None,
        rate_limit: object = VENDOR_DEFAULT,
        pacer: Pacer | None = None,
        max_listing_bytes: int | None = None,
    ) -> None:
        if max_response_bytes is None:
            max_response_bytes = DEFAULT_MAX_RESPONSE_BYTES
        if max_listing_bytes is None:
            max_listing_bytes = DEFAULT_MAX_LISTING_BYTES
        for name, cap in (
            ("max_response_bytes", max_response_bytes),
            ("max_listing_bytes", max_listing_bytes),
        ):
            if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
                msg = f"{name} must be a positive integer, got {cap!r}"
                raise ValueError(msg)
        self.adapter = adapter
        self.policy = retry or RetryPolicy()
        self.timeout = timeout
        self.clock = clock or time.monotonic
        self.max_response_bytes = max_response_bytes
        #: the account's pacer (shared with every store on the account), asked before each request
        self.pacer = pacer or pacer_for(adapter, rate_limit, _credential_texts(adapter))
        #: the cap for an answer that is a whole listing in one body (it grows with the fleet)
        self.max_listing_bytes = max_listing_bytes
        self._forms = _redact.secret_forms(_credential_texts(adapter))
        # while this store is open, httpx/httpcore DEBUG lines never show its credentials
        self._redaction_key = next(_keys)
        _redact.redacting(self._redaction_key, self._forms)
        weakref.finalize(self, _redact.forget_later, self._redaction_key)
        _memo.store_opened(self)

    def start(self) -> Deadline:
        return Deadline(self.policy.deadline, self.clock)

    def deadline_passed(self, request: httpx.Request, when: str) -> DeadlineExceededError:
        msg = (
            f"{self.adapter.provider}: deadline of {self.policy.deadline:g}s passed "
            f"{when} {request.method} {request.url.path}"
        )
        return DeadlineExceededError(msg)

    def cap_for(self, request: httpx.Request) -> int:
        """The body cap of this request's answer: per endpoint, a whole listing in
        one body (it grows with the fleet) gets `max_listing_bytes`."""
        if request.extensions.get(LISTING_EXTENSION):
            return max(self.max_listing_bytes, self.max_response_bytes)
        return self.max_response_bytes

    def too_large(self, request: httpx.Request) -> ResponseFormatError:
        listing = bool(request.extensions.get(LISTING_EXTENSION))
        setting = "max_listing_bytes" if listing else "max_response_bytes"
        what = "the cap on a listing answered in one body" if listing else "the cap on one answer"
        msg = (
            f"the answer to {request.method} {request.url.path} is larger than "
            f"{self.cap_for(request):,} bytes (the store's {setting}, {what}); not read further. "
            f"If the answer is genuine, raise it: connect(..., {setting}=...)"
        )
        return ResponseFormatError(msg, provider=self.adapter.provider)

    def open_body(self, response: httpx.Response) -> None:
        """Refuse a body declared too large; slice a compressed one before it is decoded."""
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        if encoding in ("", "identity"):
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.cap_for(response.request):
                raise self.too_large(response.request)
        else:
            response.stream = _Sliced(response.stream)

    def take_chunk(
        self, chunks: list[bytes], chunk: bytes, size: int, request: httpx.Request, deadline: Deadline
    ) -> int:
        """Keep one decoded chunk; stop at the size cap or the deadline."""
        size += len(chunk)
        if size > self.max_response_bytes and size > self.cap_for(request):
            chunks.clear()  # never hold more than the cap
            raise self.too_large(request)
        chunks.append(chunk)
        if deadline.remaining() <= 0:
            chunks.clear()
            raise self.deadline_passed(request, "while reading the answer to")
        return size

    @staticmethod
    def keep_body(response: httpx.Response, chunks: list[bytes]) -> None:
        """Hand the flow a read response; a plain stream breaks httpx's
        response <-> stream cycle, so a page is freed as soon as it is done with."""
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        response._content = body  # what Response.read() sets: .content, .json() work as usual
        response.stream = httpx.ByteStream(body)

    def close_redaction(self) -> None:
        _redact.forget(self._redaction_key)
        _memo.store_closed(self)  # the last store closed: no memo keeps what was read for it

    def retrying(self, request: httpx.Request, deadline: Deadline) -> Any:
        """The retry loop for one request (iterate it sync or async), shaped as stamina's.

        It honours stamina's switches (active, test mode) but not its
        process-wide hooks: retries are logged on `phonefleet.http`, never
        printed (`RetryPolicy(stamina_hooks=True)` adds stamina's hooks).
        """
        from ._attempts import Attempts

        return Attempts(
            self.hook(request, deadline),
            self.policy.attempts,
            name=f"phonefleet.http {self.adapter.provider} {request.method}",
            stamina_hooks=self.policy.stamina_hooks,
        )

    def prepare(self, request: httpx.Request, deadline: Deadline, client_timeout: httpx.Timeout) -> float:
        """Refuse to start past the deadline; give the request no more time than is left."""
        remaining = deadline.remaining()
        if remaining <= 0:
            raise self.deadline_passed(request, "before")
        base = client_timeout if self.timeout is None else httpx.Timeout(self.timeout)
        request.extensions["timeout"] = {
            part: remaining if value is None else min(value, remaining)
            for part, value in base.as_dict().items()
        }
        return remaining

    def no_time_to_pace(self, request: httpx.Request) -> DeadlineExceededError:
        return self.deadline_passed(request, "while pacing to the account's rate limit, before")

    def settle(self, permit: Permit, response: httpx.Response | None) -> bool:
        """Tell the pacer how the request went (None: no answer); True if a waiter got the slot."""
        signal = None
        if response is not None:
            signal = self.adapter.rate_signal(response)
            response.extensions[_SIGNAL] = signal  # its wait is read once, not twice
        return self.pacer.release(permit, signal)

    def wait_asked(self, response: httpx.Response) -> float | None:
        """The wait the vendor asked for, as the rate signal read it."""
        signal = response.extensions.get(_SIGNAL)
        if isinstance(signal, RateSignal) and signal.throttled:
            return signal.retry_after
        return self.adapter.retry_after(response)

    def guarded(self, step: Callable[[P], T], arg: P) -> T:
        """Run a step outside any flow (a pager moving on, quoting a cursor seen
        twice) as a flow runs: credentials blanked before shortening, errors scrubbed."""
        lent = _redact.lend(self._forms)
        try:
            return step(arg)
        except PhoneFleetError as exc:
            raise self.scrub(exc) from None
        finally:
            _redact.unlend(lent)

    def scrub(self, error: PhoneFleetError) -> PhoneFleetError:
        """Blank the adapter's credentials out of every text field of an error
        and of its blockers (a vendor may echo a key in any of them)."""
        _redact.scrub_error(error, self._forms)
        return error

    def too_deep(self, response: httpx.Response | None) -> PhoneFleetError:
        """What a RecursionError from a flow's own decoder means: the typed error
        for an error status, else a ResponseFormatError."""
        if response is not None and response.is_error:
            reason = response.reason_phrase or f"HTTP {response.status_code}"
            return error_for_status(
                response.status_code,
                f"{reason} (the error body is nested too deeply to decode)",
                provider=self.adapter.provider,
                retry_after=self.adapter.retry_after(response),
            )
        msg = "the answer is nested too deeply to decode"
        return ResponseFormatError(msg, provider=self.adapter.provider)

    def auth_for(self, request: httpx.Request) -> httpx.Auth | None:
        """Credentials go only to the adapter's own origin, never to a foreign link."""
        if self.adapter.auth is not None and self.adapter.is_own_origin(request.url):
            return self.adapter.auth
        return None

    def check_response(
        self, request: httpx.Request, response: httpx.Response, started: float
    ) -> httpx.Response:
        if log.isEnabledFor(logging.DEBUG):  # the URL is redacted only for a line that is written
            log.debug(
                "%s %s %s -> %d (%.0f ms)",
                self.adapter.provider,
                request.method,
                redact_url(request.url),
                response.status_code,
                (self.clock() - started) * 1000,
            )
        mode = retry_mode(request)
        if response.status_code in _RETRY_STATUSES and (
            mode in ("idempotent", "safe") or (mode == "rate_limit" and response.status_code == 429)
        ):
            raise _RetryableResponse(response)
        return response

    def hook(self, request: httpx.Request, deadline: Deadline) -> Callable[[Exception], bool | float]:
        """stamina's backoff hook: whether to retry, and how long to wait.

        The wait is always decided here (Retry-After, else exponential backoff
        with jitter), so a wait that would outlast the deadline is never
        started: the last answer goes to the flow instead.
        """
        attempt = 0

        def decide(exc: Exception) -> bool | float:
            nonlocal attempt
            attempt += 1
            wait: float | None = None
            if isinstance(exc, _RetryableResponse):
                wait = self.wait_asked(exc.response)
                if wait is not None and wait > self.policy.max_retry_after:
                    self._log_giving_up(request, f"Retry-After {wait:g}s exceeds the cap")
                    return False
            elif isinstance(exc, _NOT_SENT):
                pass
            elif isinstance(exc, httpx.TransportError):
                if retry_mode(request) in ("unsafe", "rate_limit"):
                    return False
            else:
                return False
            why = "Retry-After"
            if wait is None:
                wait, why = self.backoff(attempt), "backoff"
            if wait >= deadline.remaining():
                self._log_giving_up(request, "the deadline would pass")
                return False
            log.info(
                "%s %s %s: retrying after %s in %.3gs (%s)",
                self.adapter.provider,
                request.method,
                redact_url(request.url),
                _reason(exc),
                wait,
                why,
            )
            return wait

        return decide

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter, as stamina computes it."""
        policy = self.policy
        jitter = random.uniform(0, policy.backoff_jitter) if policy.backoff_jitter else 0.0  # noqa: S311
        return float(min(policy.backoff_max, policy.backoff_initial * 2.0 ** (attempt - 1) + jitter))

    def _log_giving_up(self, request: httpx.Request, why: str) -> None:
        log.info(
            "%s %s %s: not retrying: %s", self.adapter.provider, request.method, redact_url(request.url), why
        )

    def transport_error(
        self, request: httpx.Request, exc: httpx.RequestError, deadline: Deadline
    ) -> TransportError:
        """The network failure as the caller sees it: its kind, never its text
        (httpx may quote a header value, credentials included)."""
        kind = type(exc).__name__
        msg = f"{self.adapter.provider}: {request.method} {redact_url(request.url)} failed: {kind}"
        if isinstance(exc, httpx.TimeoutException) and deadline.remaining() <= 0:
            return DeadlineExceededError(msg)
        return TransportError(msg)


def _credential_texts(adapter: Adapter) -> list[str]:
    texts = [secret.reveal() for secret in adapter.credentials]
    auth = adapter.auth
    if isinstance(auth, BasicAuth | BearerAuth):
        texts.append(auth.credential_text())
    return texts


def _running_loop() -> asyncio.AbstractEventLoop | None:
    import asyncio  # loaded by then: only async stores ask

    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # another async library (trio): nothing to check
        return None


def _reason(exc: Exception) -> str:
    if isinstance(exc, _RetryableResponse):
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__


class SyncDriver(_Driver):
    """Runs flows over an httpx.Client."""

    def __init__(
        self,
        adapter: Adapter,
        client: httpx.Client | None,
        client_factory: Callable[[], httpx.Client],
        **kwargs: Any,
    ) -> None:
        super().__init__(adapter, **kwargs)
        self._client_factory = client_factory
        self._client = client
        self._owns_client = client is None
        self._opening = threading.Lock()

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            with self._opening:  # threads sharing a store open one client, not one each
                if self._client is None:
                    self._client = self._client_factory()
        return self._client

    def run(self, flow: Flow[T]) -> T:
        deadline = self.start()
        response: httpx.Response | None = None
        lent = _redact.lend(self._forms)  # what the flow shortens, it blanks first
        try:
            request = next(flow)
            while True:
                try:
                    response = self._send(request, deadline)
                except PhoneFleetError as exc:
                    response = None
                    request = flow.throw(exc)
                else:
                    request = flow.send(response)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        except PhoneFleetError as exc:
            raise self.scrub(exc) from exc.__cause__
        except RecursionError:  # a decoder a flow called directly, on hostile nesting
            raise self.scrub(self.too_deep(response)) from None
        finally:
            flow.close()
            _redact.unlend(lent)

    def _send(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        try:
            try:  # the happy path: one send, no retry machinery
                return self._send_once(request, deadline)
            except (_RetryableResponse, httpx.RequestError) as exc:
                first: Exception | None = exc
            for attempt in self.retrying(request, deadline):
                with attempt:
                    if first is not None:  # stamina decides and waits on it as on its own
                        failure, first = first, None
                        raise failure
                    return self._send_once(request, deadline)
            raise AssertionError("unreachable")  # pragma: no cover
        except _RetryableResponse as exc:
            return exc.response
        except httpx.RequestError as exc:
            error = self.transport_error(request, exc, deadline)
        # raised outside the handler: the error keeps neither httpx's exception
        # nor, through it, the request and its Authorization header
        raise error

    def _send_once(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        permit = self.pacer.admit(request.method, deadline.remaining())
        if permit is None:
            raise self.no_time_to_pace(request)
        response: httpx.Response | None = None
        try:
            self.prepare(request, deadline, self.client.timeout)
            started = self.clock()
            response = self.client.send(request, auth=self.auth_for(request), stream=True)
            chunks: list[bytes] = []
            try:
                self.open_body(response)
                size = 0
                for chunk in response.iter_bytes():
                    size = self.take_chunk(chunks, chunk, size, request, deadline)
            finally:
                response.close()
            self.keep_body(response, chunks)
        finally:
            self.settle(permit, response)
        return self.check_response(request, response, started)

    def close(self) -> None:
        self.close_redaction()
        if self._client is not None and self._owns_client:
            self._client.close()
            self._client = None


class AsyncDriver(_Driver):
    """Runs the same flows over an httpx.AsyncClient."""

    def __init__(
        self,
        adapter: Adapter,
        client: httpx.AsyncClient | None,
        client_factory: Callable[[], httpx.AsyncClient],
        **kwargs: Any,
    ) -> None:
        super().__init__(adapter, **kwargs)
        self._client_factory = client_factory
        self._client = client
        self._owns_client = client is None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        loop = _running_loop()
        if self._client is None:
            self._client = self._client_factory()
            self._loop = loop
        elif loop is not None and loop is not self._loop:
            if self._loop is None:  # a caller's client, first used here
                self._loop = loop
            elif self._owns_client and self._loop.is_closed():
                # the store's own client died with its loop: open a new one on this loop
                self._client = self._client_factory()
                self._loop = loop
            else:
                msg = (
                    f"this {self.adapter.provider} store's HTTP client belongs to another event loop "
                    "(an async store is bound to the loop it is first used on, e.g. one asyncio.run); "
                    "open a store per event loop"
                )
                raise PhoneFleetError(msg)
        return self._client

    async def run(self, flow: Flow[T]) -> T:
        deadline = self.start()
        response: httpx.Response | None = None
        lent = _redact.lend(self._forms)  # what the flow shortens, it blanks first
        try:
            request = next(flow)
            while True:
                try:
                    response = await self._send(request, deadline)
                except PhoneFleetError as exc:
                    response = None
                    request = flow.throw(exc)
                else:
                    request = flow.send(response)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        except PhoneFleetError as exc:
            raise self.scrub(exc) from exc.__cause__
        except RecursionError:  # a decoder a flow called directly, on hostile nesting
            raise self.scrub(self.too_deep(response)) from None
        finally:
            flow.close()
            _redact.unlend(lent)

    async def _send(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        try:
            try:  # the happy path: one send, no retry machinery
                return await self._send_once(request, deadline)
            except (_RetryableResponse, httpx.RequestError) as exc:
                first: Exception | None = exc
            async for attempt in self.retrying(request, deadline):
                with attempt:
                    if first is not None:  # stamina decides and waits on it as on its own
                        failure, first = first, None
                        raise failure
                    return await self._send_once(request, deadline)
            raise AssertionError("unreachable")  # pragma: no cover
        except _RetryableResponse as exc:
            return exc.response
        except httpx.RequestError as exc:
            error = self.transport_error(request, exc, deadline)
        # raised outside the handler: the error keeps neither httpx's exception
        # nor, through it, the request and its Authorization header
        raise error

    async def _send_once(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        import anyio  # httpx's own dependency; async only, so loaded on first use

        client = self.client
        permit = await self.pacer.admit_async(request.method, deadline.remaining())
        if permit is None:
            raise self.no_time_to_pace(request)
        response: httpx.Response | None = None
        try:
            remaining = self.prepare(request, deadline, client.timeout)
            started = self.clock()
            # the deadline as a cancel scope too: no single read can outlast it
            with anyio.move_on_after(remaining):
                sent = await client.send(request, auth=self.auth_for(request), stream=True)
                chunks: list[bytes] = []
                try:
                    self.open_body(sent)
                    size = 0
                    async for chunk in sent.aiter_bytes():
                        size = self.take_chunk(chunks, chunk, size, request, deadline)
                finally:
                    await sent.aclose()
                self.keep_body(sent, chunks)
                response = sent
        finally:
            handed_over = self.settle(permit, response)
        if handed_over:  # the request woken for our slot goes before our own post-processing;
            await anyio.lowlevel.cancel_shielded_checkpoint()  # shielded: the answer is never lost
        if response is None:
            raise self.deadline_passed(request, "while waiting for")
        return self.check_response(request, response, started)

    async def aclose(self) -> None:
        self.close_redaction()
        if self._client is not None and self._owns_client:
            client, self._client = self._client, None
            if self._loop is None or not self._loop.is_closed():
                await client.aclose()
