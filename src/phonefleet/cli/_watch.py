"""What the CLI sees of the vendor while a command runs.

The HTTP clients the CLI hands its stores report every attempt here, so a
hung vendor ends in words (`linq did not answer within 2 s (3 attempts)`)
rather than an exception's class name, and a spinner on a terminal shows
the attempt count while retries run.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

import phonefleet

if TYPE_CHECKING:
    import httpx

__all__ = ["WATCH", "Watch"]


def _isatty(file: Any) -> bool:
    try:
        return bool(file.isatty())
    except (AttributeError, ValueError):
        return False


def _seconds(value: float) -> str:
    return f"{value:g}"


def _attempts(count: int) -> str:
    return f"{count} attempt" if count == 1 else f"{count} attempts"


class Watch:
    """Attempts per request, the last failure, and the spinner (one command at a time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status: Any = None
        self.start()

    def start(self) -> None:
        """Forget the previous command (the in-process tests run many)."""
        self.stop()
        self.attempts: dict[tuple[str, str], int] = {}
        self.deadlines: dict[str, float] = {}
        self.last: tuple[str, httpx.Request, int, BaseException | None] | None = None
        self.quiet = False

    # -- what the clients report ----------------------------------------------
    def sending(self, provider: str, request: httpx.Request) -> None:
        key = (request.method, str(request.url))
        with self._lock:
            count = self.attempts.get(key, 0) + 1
            self.attempts[key] = count
            self.last = (provider, request, count, None)
        if count > 1:
            self._spin(f"waiting for {provider}: attempt {count}")

    def failed(self, request: httpx.Request, exc: BaseException) -> None:
        with self._lock:
            if self.last is None or self.last[1] is not request:
                return
            self.last = (*self.last[:3], exc)
            provider, _, count, _ = self.last
        self._spin(f"{provider}: attempt {count} failed ({type(exc).__name__}); retrying")

    def answered(self, request: httpx.Request, response: httpx.Response) -> None:
        if response.status_code in (429, 500, 502, 503, 504):  # may be retried: the count goes on
            key = (request.method, str(request.url))
            self._spin(
                f"{self._provider_of(request)}: HTTP {response.status_code} on attempt "
                f"{self.attempts.get(key, 1)}; retrying"
            )
            return
        with self._lock:
            self.attempts.pop((request.method, str(request.url)), None)
            if self.last is not None and self.last[1] is request:
                self.last = None
        self._unspin()

    def _provider_of(self, request: httpx.Request) -> str:
        last = self.last
        return last[0] if last is not None and last[1] is request else "the vendor"

    # -- the spinner -----------------------------------------------------------
    def _spin(self, text: str) -> None:
        if self.quiet or not _isatty(sys.stderr):
            return
        if self._status is None:
            from rich.console import Console

            self._status = Console(file=sys.stderr, stderr=True).status(text)
            self._status.start()
        else:
            self._status.update(text)

    def _unspin(self) -> None:
        status, self._status = self._status, None
        if status is not None:
            status.stop()

    def stop(self) -> None:
        """The command is over: no spinner left behind."""
        self._unspin()

    # -- the words of the error ------------------------------------------------
    def explain(self, error: phonefleet.TransportError) -> str:
        """A network failure in words: who did not answer, within how long, after how many tries."""
        import httpx  # a request was sent, so httpx is loaded already

        last = self.last
        if last is None:
            return str(error)
        provider, request, count, failure = last
        deadline = self.deadlines.get(provider, phonefleet.RetryPolicy().deadline)
        timed_out = isinstance(error, phonefleet.DeadlineExceededError) or isinstance(
            failure, httpx.TimeoutException
        )
        if failure is None and str(error).rstrip().endswith("Timeout"):
            timed_out = True
        if isinstance(failure, httpx.ConnectTimeout | httpx.ConnectError) and not isinstance(
            error, phonefleet.DeadlineExceededError
        ):
            where = request.url.host + (f":{request.url.port}" if request.url.port else "")
            return f"could not connect to {provider} at {where} ({_attempts(count)})"
        if timed_out:
            return f"{provider} did not answer within {_seconds(deadline)} s ({_attempts(count)})"
        kind = type(failure).__name__ if failure is not None else "the connection failed"
        return f"{provider}: the connection failed ({kind}) after {_attempts(count)}"


WATCH = Watch()
