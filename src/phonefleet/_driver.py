"""The two drivers: one loop over httpx.Client, one over httpx.AsyncClient.

Everything that needs no I/O (which failures are retried, how long to wait,
the deadline, logging with redaction) lives in `_Driver`, once. The loops
only send, wait and feed the flow.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any, Final, TypeVar

import attrs
import httpx

from ._errors import DeadlineExceededError, PhoneFleetError, TransportError
from ._flow import Adapter, Flow
from ._retry import RetryPolicy
from ._wire import retry_mode

__all__ = ["AsyncDriver", "Clock", "Deadline", "SyncDriver"]

T = TypeVar("T")
Clock = Callable[[], float]

log: Final = logging.getLogger("phonefleet.http")

_RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
#: failures that prove the request never reached the server
_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_SECRET_PARAMS: Final = frozenset({"token", "api_key", "apikey", "key", "access_token", "secret", "password"})


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
    ) -> None:
        self.adapter = adapter
        self.policy = retry or RetryPolicy()
        self.timeout = timeout
        self.clock = clock or time.monotonic

    def start(self) -> Deadline:
        return Deadline(self.policy.deadline, self.clock)

    def retrying(self, request: httpx.Request, deadline: Deadline) -> Any:
        """stamina's retry context for one request (iterate it sync or async)."""
        import stamina

        return stamina.retry_context(
            on=self.hook(request, deadline),
            attempts=self.policy.attempts,
            timeout=None,  # the deadline is ours, on the injectable clock
            wait_initial=self.policy.backoff_initial,
            wait_max=self.policy.backoff_max,
            wait_jitter=self.policy.backoff_jitter,
        )

    def prepare(self, request: httpx.Request, deadline: Deadline, client_timeout: httpx.Timeout) -> None:
        """Refuse to start past the deadline; give the request no more time than is left."""
        remaining = deadline.remaining()
        if remaining <= 0:
            msg = (
                f"{self.adapter.provider}: deadline of {self.policy.deadline:g}s passed "
                f"before {request.method} {request.url.path}"
            )
            raise DeadlineExceededError(msg)
        base = client_timeout if self.timeout is None else httpx.Timeout(self.timeout)
        request.extensions["timeout"] = {
            part: remaining if value is None else min(value, remaining)
            for part, value in base.as_dict().items()
        }

    def scrub(self, error: PhoneFleetError) -> PhoneFleetError:
        """Blank the adapter's credentials out of an error (a vendor may echo one)."""
        for secret in self.adapter.credentials:
            value = secret.reveal()
            if value and value in str(error):
                error.args = tuple(a.replace(value, "***") if isinstance(a, str) else a for a in error.args)
                if isinstance(getattr(error, "message", None), str):
                    error.message = error.message.replace(value, "***")  # type: ignore[attr-defined]
        return error

    def auth_for(self, request: httpx.Request) -> httpx.Auth | None:
        """Credentials go only to the adapter's own origin, never to a foreign link."""
        if self.adapter.auth is not None and self.adapter.is_own_origin(request.url):
            return self.adapter.auth
        return None

    def check_response(
        self, request: httpx.Request, response: httpx.Response, started: float
    ) -> httpx.Response:
        # httpx's response and its bound stream refer to each other, so a body
        # would live until a full garbage collection; the body is read already,
        # so a plain stream breaks the cycle and a page is freed when done with.
        response.stream = httpx.ByteStream(response.content)
        elapsed = (self.clock() - started) * 1000
        log.debug(
            "%s %s %s -> %d (%.0f ms)",
            self.adapter.provider,
            request.method,
            redact_url(request.url),
            response.status_code,
            elapsed,
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
                wait = self.adapter.retry_after(exc.response)
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
        try:
            request = next(flow)
            while True:
                try:
                    response = self._send(request, deadline)
                except PhoneFleetError as exc:
                    request = flow.throw(exc)
                else:
                    request = flow.send(response)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        except PhoneFleetError as exc:
            raise self.scrub(exc) from exc.__cause__
        finally:
            flow.close()

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
        except _RetryableResponse as exc:
            return exc.response
        except httpx.RequestError as exc:
            raise self.transport_error(request, exc, deadline) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        self.prepare(request, deadline, self.client.timeout)
        started = self.clock()
        response = self.client.send(request, auth=self.auth_for(request))
        return self.check_response(request, response, started)

    def close(self) -> None:
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

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    async def run(self, flow: Flow[T]) -> T:
        deadline = self.start()
        try:
            request = next(flow)
            while True:
                try:
                    response = await self._send(request, deadline)
                except PhoneFleetError as exc:
                    request = flow.throw(exc)
                else:
                    request = flow.send(response)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        except PhoneFleetError as exc:
            raise self.scrub(exc) from exc.__cause__
        finally:
            flow.close()

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
        except _RetryableResponse as exc:
            return exc.response
        except httpx.RequestError as exc:
            raise self.transport_error(request, exc, deadline) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send_once(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        self.prepare(request, deadline, self.client.timeout)
        started = self.clock()
        response = await self.client.send(request, auth=self.auth_for(request))
        return self.check_response(request, response, started)

    async def aclose(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None
