"""The retry loop the drivers iterate: stamina's shape, phonefleet's own voice.

`for attempt in attempts: with attempt: ...` (or `async for`), exactly as
with `stamina.retry_context`, and it honours stamina's switches
(`stamina.set_active(False)`: one attempt; `stamina.set_testing(True)`: no
waiting). What it leaves out is stamina's instrumentation: stamina's on-retry
hooks are process-wide, and with structlog installed they print each retry
on stdout, inside the app's own output. phonefleet logs its retries through
the `phonefleet.http` logger instead; `RetryPolicy(stamina_hooks=True)`
sends them to stamina's hooks as well.
"""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType

__all__ = ["Attempts", "stamina_switches"]

#: decides on a failure: False to give up, else the seconds to wait
Decide = Callable[[Exception], "bool | float"]


class _Attempt:
    """One try: a failure it may retry is kept (and swallowed), anything else goes on."""

    def __init__(self, loop: Attempts) -> None:
        self._loop = loop

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        return self._loop.failed(exc)


def stamina_switches() -> tuple[bool, bool]:
    """stamina's switches, (active, testing).

    Only code that imports stamina can turn them, so while nothing has, they
    are its defaults (active, not testing) and stamina (with tenacity) is not
    loaded just to read them: a command-line listing starts that much sooner.
    """
    stamina = sys.modules.get("stamina")
    if stamina is None:
        return True, False
    return bool(stamina.is_active()), bool(stamina.is_testing())


class Attempts:
    """Up to `attempts` tries; after a failure, `decide` says whether and how long to wait."""

    def __init__(self, decide: Decide, attempts: int, *, name: str, stamina_hooks: bool = False) -> None:
        active, self._testing = stamina_switches()
        self._decide = decide
        self._attempts = attempts if active else 1
        self._name = name
        self._hooks = stamina_hooks
        self._number = 0
        self._wait = 0.0
        self._waited = 0.0
        self._again = True  # the first try; then only after a failure it retries

    def failed(self, exc: Exception) -> bool:
        """True: try again after `self._wait`; False: let `exc` go to the caller."""
        if self._number >= self._attempts:
            return False
        wait = self._decide(exc)
        if wait is False or wait is True:
            return False
        self._wait = float(wait)
        self._again = True
        if self._hooks:
            self._call_hooks(exc)
        return True

    def _call_hooks(self, exc: Exception) -> None:
        from stamina.instrumentation import RetryDetails, get_on_retry_hooks

        details = RetryDetails(
            name=self._name,
            args=(),
            kwargs={},
            retry_num=self._number,
            wait_for=self._wait,
            waited_so_far=self._waited,
            caused_by=exc,
        )
        for hook in get_on_retry_hooks():
            hook(details)

    def _next(self) -> float:
        """The wait before the next try (0 before the first, and in stamina's test mode)."""
        self._number += 1
        self._again = False
        wait, self._wait = self._wait, 0.0
        self._waited += wait
        return 0.0 if self._testing else wait

    def __iter__(self) -> Iterator[_Attempt]:
        while self._again:
            wait = self._next()
            if wait > 0:
                time.sleep(wait)
            yield _Attempt(self)

    async def __aiter__(self) -> AsyncIterator[_Attempt]:
        import anyio

        while self._again:
            wait = self._next()
            if wait > 0:
                await anyio.sleep(wait)
            yield _Attempt(self)
