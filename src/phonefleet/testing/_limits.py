"""An emulated account limit: what a vendor enforces, so pacing is tested offline.

`AccountLimit` counts requests in fixed windows (`rate`, e.g. 100 per second)
and requests in flight (`concurrency`), on an injectable clock. The shared
emulator base asks it before handling a request; a refusal is answered in
the vendor's own envelope through the emulator's hooks
(`limited_response`, `limit_headers`), so the limiter itself knows no vendor.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import attrs

from phonefleet._ratelimit import RateLimit, parse_rate_limit

__all__ = ["AccountLimit", "LimitState", "account_limit"]


@attrs.frozen
class LimitState:
    """Where the account stands after one request: for the vendor's headers and its 429."""

    limit: int
    remaining: int
    reset: float  # seconds until the window resets
    refused: bool = False
    concurrency: bool = False  # refused for too many in flight

    @property
    def retry_after(self) -> int:
        """Whole seconds, as `Retry-After` is sent (at least 1)."""
        return max(1, math.ceil(self.reset))


@attrs.define
class AccountLimit:
    """A vendor's limit on one emulated account.

    `methods`: the methods the rate counts (None: all); `refused` counts the
    429s answered, the ground truth a benchmark reports.
    """

    rate: RateLimit | None = None
    concurrency: int | None = None
    methods: frozenset[str] | None = None
    clock: Callable[[], float] = time.monotonic
    refused: int = 0
    counted: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    _window: int = -1
    _used: int = 0

    def counts(self, method: str) -> bool:
        return self.methods is None or method in self.methods

    def enter(self) -> LimitState | None:
        """A request arrives (before the server works on it): a refusal if too many are in flight."""
        if self.concurrency is None:
            return None
        if self.in_flight >= self.concurrency:
            self.refused += 1
            return LimitState(self.concurrency, 0, 1.0, refused=True, concurrency=True)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        return None

    def leave(self) -> None:
        if self.concurrency is not None:
            self.in_flight -= 1

    def take(self, method: str) -> LimitState | None:
        """Count one request against the window: its state (refused past the limit), or None if uncounted."""
        if self.rate is None or not self.counts(method):
            return None
        now = self.clock()
        window = math.floor(now / self.rate.per)
        if window != self._window:
            self._window, self._used = window, 0
        limit = int(self.rate.requests)
        reset = (window + 1) * self.rate.per - now
        if self._used >= limit:
            self.refused += 1
            return LimitState(limit, 0, reset, refused=True)
        self._used += 1
        self.counted += 1
        return LimitState(limit, limit - self._used, reset)


def account_limit(
    rate_limit: object = None,
    concurrency_limit: int | None = None,
    *,
    methods: frozenset[str] | None = None,
    clock: Callable[[], float] | None = None,
) -> AccountLimit | None:
    """The limit an emulator enforces (None when neither is asked for); bad values are ValueErrors."""
    rate = parse_rate_limit(rate_limit)
    if rate is not None and not isinstance(rate, RateLimit):
        msg = "an emulator's rate_limit must be a figure such as '100/s' (it has no vendor default)"
        raise ValueError(msg)
    if concurrency_limit is not None and (
        isinstance(concurrency_limit, bool) or not isinstance(concurrency_limit, int) or concurrency_limit < 1
    ):
        msg = f"concurrency_limit must be a positive integer, got {concurrency_limit!r}"
        raise ValueError(msg)
    if rate is None and concurrency_limit is None:
        return None
    return AccountLimit(
        rate=rate, concurrency=concurrency_limit, methods=methods, clock=clock or time.monotonic
    )
