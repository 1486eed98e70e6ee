"""Pacing: send at the vendor's limit instead of bouncing off it.

One `Pacer` per account (provider, account, base URL) per process, shared by
every store on it, sync and async, threads and tasks alike (`account_pacer`).
The drivers ask it for a `Permit` before each request and hand it the
answer's `RateSignal` after; the pacer never performs I/O of its own beyond
waiting, and its clock and sleeps are injectable, so tests never sleep.

- A token bucket where a rate is known: the vendor's documented figure (or the
  caller's `rate_limit`), lowered by rate headers as they arrive, learned from
  the pace that drew a 429 where nothing is documented.
- Adaptive concurrency where concurrency is the limit (Twilio): a gate whose
  limit `AdaptiveLimit` finds and holds (AIMD, see `_concurrency`). A slot
  freed while requests wait goes to the first of them; the async driver then
  yields once, so the woken request is sent before the releasing task's own
  post-processing (else every hand-off waits behind it, and the vendor's
  slots idle for a share of each round trip).
- A 429 slows the whole account (a step down, and a pause for its Retry-After);
  clean running recovers gently towards the ceiling.
"""

from __future__ import annotations

import collections
import hashlib
import math
import random
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

import attrs

from ._concurrency import AdaptiveLimit
from ._ratelimit import RateLimit, RateSignal, VendorLimits, parse_rate_limit

if TYPE_CHECKING:
    from ._flow import Adapter

__all__ = ["PaceStats", "Pacer", "Permit", "account_key", "account_pacer", "pacer_for"]

Clock = Callable[[], float]
#: fill the documented rate to this share: the margin absorbs arrival jitter
_HEADROOM: Final = 0.95
#: a burst may run this share of the window's requests ahead of the rate
_BURST_SHARE: Final = 0.02
#: one 429 takes this share off the rate; clean running adds back this share of the ceiling per second
_STEP_DOWN: Final = 0.9
_RECOVER_PER_SECOND: Final = 0.1
#: a learned rate (no ceiling) creeps up by this share of itself per clean second
_PROBE_PER_SECOND: Final = 0.02
_MIN_RATE: Final = 0.1
#: headers beyond these are nonsense, ignored
_MAX_HEADER_LIMIT: Final = 10_000_000
_MAX_RESET: Final = 3600.0
_MAX_PAUSE: Final = 120.0
#: a Retry-After this long pauses the whole account; a shorter one (a whole second at a
#: window's end) only slows it, the refused request itself waiting it out
_LONG_PAUSE: Final = 2.0
_JITTER: Final = 0.1


def _default_sleep(seconds: float) -> None:
    if seconds > 0 and not _testing():
        time.sleep(seconds)


async def _default_async_sleep(seconds: float) -> None:
    if seconds > 0 and not _testing():
        import anyio

        await anyio.sleep(seconds)


def _testing() -> bool:
    """stamina's test mode removes every wait, the pacer's too."""
    from ._attempts import stamina_switches

    return stamina_switches()[1]


@attrs.frozen
class PaceStats:
    """What a pacer has seen: requests sent, answers that were 429, the current pace."""

    requests: int
    throttled: int
    rate: float | None
    concurrency: float | None


@attrs.define(eq=False)
class Permit:
    """One request's admission: when, in what order and with how many in flight it went."""

    counted: bool
    gated: bool
    started: float = 0.0
    in_flight: int = 0
    order: int = 0
    waiter: _Waiter | None = None


class _Waiter:
    """One request waiting for a concurrency slot, woken by whoever frees one."""

    __slots__ = ("event", "future", "granted", "loop", "permit")

    def __init__(self, permit: Permit) -> None:
        self.permit = permit
        self.granted = False
        self.event: threading.Event | None = None
        self.future: Any = None
        self.loop: Any = None

    def wake(self) -> None:
        self.granted = True
        if self.event is not None:
            self.event.set()
        elif self.loop is not None:
            import asyncio

            if asyncio._get_running_loop() is self.loop:  # the common case: freed by a task of its loop
                _resolve(self.future)
            else:
                self.loop.call_soon_threadsafe(_resolve, self.future)


def _resolve(future: Any) -> None:
    if not future.done():
        future.set_result(None)


def _sane(value: float | None, upper: float) -> float | None:
    if value is None or not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if not math.isfinite(value) or value < 0 or value > upper:
        return None
    return float(value)


class Pacer:
    """The pace of one account: a token bucket, a concurrency gate, counters.

    `enabled=False` keeps only the counters (the `rate_limit=None` store).
    """

    def __init__(
        self,
        limits: VendorLimits,
        rate: RateLimit | None,
        *,
        enabled: bool = True,
        clock: Clock | None = None,
        sleep: Callable[[float], None] | None = None,
        async_sleep: Callable[[float], Awaitable[None]] | None = None,
        explicit: bool = False,
        seed: int | None = None,
    ) -> None:
        self.limits = limits
        self.enabled = enabled
        self.clock = clock or time.monotonic
        #: real waits (not injected ones): skipped, and never held against a deadline, in stamina's test mode
        self._real_waits = sleep is None and async_sleep is None
        self._sleep = sleep or _default_sleep
        self._async_sleep = async_sleep or _default_async_sleep
        self._random = random.Random(seed)  # noqa: S311 - jitter, not crypto
        self._lock = threading.Lock()
        self.requests = 0
        self.throttled = 0
        now = self.clock()
        # -- the bucket: `rate` tokens a second up to `capacity`; tokens go negative for reservations
        #: the caller's own `rate_limit`: headers may lower the pace, never raise it past this
        self._user_ceiling = rate.rate * _HEADROOM if rate is not None and explicit else None
        self.ceiling: float | None = rate.rate * _HEADROOM if rate is not None else None
        self.rate: float | None = self.ceiling
        self._capacity = max(1.0, rate.requests * _BURST_SHARE) if rate is not None else 1.0
        self._tokens = self._capacity
        self._filled = now
        self._paused_until = now
        self._last_cut = -math.inf
        self._recovered = now
        self._window = 0.0
        self._sent: collections.deque[float] = collections.deque(maxlen=256)
        # -- the window log: never more than `_log_cap` sends in any `_log_span` seconds, checked as
        #    each request leaves (a stalled event loop wakes many at once: this spreads them again)
        self._log: collections.deque[float] = collections.deque()
        self._log_cap = int(rate.requests * _HEADROOM) if rate is not None else 0
        self._log_span = rate.per if rate is not None else 0.0
        # -- the gate: requests in flight, the limit found, who waits
        self._adaptive = AdaptiveLimit()
        self._in_flight = 0
        self._waiters: collections.deque[_Waiter] = collections.deque()

    @property
    def concurrency(self) -> float:
        """The requests allowed in flight at once, where the vendor limits that (`limits.concurrency`)."""
        return self._adaptive.limit

    @concurrency.setter
    def concurrency(self, value: float) -> None:
        self._adaptive.limit = value

    # -- what callers read ------------------------------------------------------------
    def stats(self) -> PaceStats:
        with self._lock:
            return PaceStats(
                requests=self.requests,
                throttled=self.throttled,
                rate=self.rate,
                concurrency=self.concurrency if self.limits.concurrency and self.enabled else None,
            )

    def describe(self) -> str:
        """The current pace, for a progress line."""
        stats = self.stats()
        parts = []
        if stats.rate is not None:
            parts.append(f"{stats.rate:.0f}/s")
        if stats.concurrency is not None:
            parts.append(f"{stats.concurrency:.0f} in flight")
        return ", ".join(parts) or "unpaced"

    def lower(self, rate: RateLimit) -> None:
        """Another store on the account asks for a lower `rate_limit`."""
        wanted = rate.rate * _HEADROOM
        with self._lock:
            if self._user_ceiling is None or wanted < self._user_ceiling:
                self._user_ceiling = wanted
            if self.ceiling is None or wanted < self.ceiling:
                self.ceiling = wanted
                self._capacity = max(1.0, rate.requests * _BURST_SHARE)
                self._log_cap, self._log_span = int(rate.requests * _HEADROOM), rate.per
            self.rate = wanted if self.rate is None else min(self.rate, wanted)

    # -- admission --------------------------------------------------------------------
    def _counted(self, method: str) -> bool:
        methods = self.limits.methods
        return methods is None or method in methods

    def _reserve(self, counted: bool, budget: float) -> float | None:
        """Seconds until this request may go (its token taken), or None past `budget`."""
        now = self.clock()
        wait = max(0.0, self._paused_until - now)
        if counted and self.rate is not None:
            rate = self.rate
            self._tokens = min(self._capacity, self._tokens + (now - self._filled) * rate)
            self._filled = now
            debt = max(0.0, 1.0 - self._tokens) / rate
            wait = max(wait, debt)
            if wait > 0:
                wait += self._random.uniform(0, min(_JITTER * wait, 1.0 / rate))
            if wait >= budget:
                return None
            self._tokens -= 1.0
        elif wait > 0:
            wait += self._random.uniform(0, _JITTER * wait)
            if wait >= budget:
                return None
        return wait

    def _window_wait(self, permit: Permit) -> float:
        """Seconds until one more send fits the window log (0: it fits, and is logged)."""
        if not permit.counted or self._log_cap < 1 or not self.enabled:
            return 0.0
        with self._lock:
            now = self.clock()
            log, span = self._log, self._log_span
            while log and log[0] <= now - span:
                log.popleft()
            if len(log) < self._log_cap:
                log.append(now)
                return 0.0
            return log[0] + span - now + 1e-6

    def _no_log(self) -> bool:
        return self._log_cap < 1 or (self._real_waits and _testing())

    def _give_up(self, permit: Permit) -> None:
        if permit.waiter is None or self._abandon(permit):
            self.release(permit, None)

    def _admit_now(self, permit: Permit) -> None:
        self._in_flight += 1
        permit.in_flight = self._in_flight
        if permit.gated:
            permit.order = self._adaptive.admit()
        permit.started = self.clock()
        self.requests += 1
        if permit.counted:
            self._sent.append(permit.started)

    def _start(self, method: str, budget: float) -> tuple[Permit, float | None, bool]:
        """Under the lock: the permit, the wait before sending, and whether it must queue."""
        counted = self._counted(method)
        gated = self.limits.concurrency
        permit = Permit(counted=counted, gated=gated)
        if not self.enabled:
            self._admit_now(permit)
            return permit, 0.0, False
        if self._real_waits and _testing():
            budget = math.inf
        wait = self._reserve(counted, budget)
        if wait is None:
            return permit, None, False
        if gated:
            self._adaptive.wanted(self._in_flight + len(self._waiters) + 1)
        must_queue = gated and (self._waiters or self._in_flight >= self.concurrency)
        if not must_queue:
            self._admit_now(permit)
        return permit, wait, bool(must_queue)

    def admit(self, method: str, budget: float) -> Permit | None:
        """Wait (sleeping this thread) until a `method` request may go; None if not within `budget`."""
        started = self.clock()
        with self._lock:
            permit, wait, queue = self._start(method, budget)
            if wait is None:
                return None
            if queue:
                queued = _Waiter(permit)
                queued.event = threading.Event()
                permit.waiter = queued
                self._waiters.append(queued)
        try:
            if wait:
                self._sleep(wait)
            if not self._no_log():
                while (extra := self._window_wait(permit)) > 0:
                    if self.clock() - started + extra >= budget:
                        self._give_up(permit)
                        return None
                    self._sleep(extra)
        except BaseException:
            self._give_up(permit)
            raise
        waiter = permit.waiter
        if waiter is not None and waiter.event is not None:
            left = budget - (self.clock() - started)
            try:
                woken = left > 0 and waiter.event.wait(left if math.isfinite(left) else None)
            except BaseException:
                if self._abandon(permit):
                    self.release(permit, None)
                raise
            if not woken and not self._abandon(permit):
                return None
        return permit

    async def admit_async(self, method: str, budget: float) -> Permit | None:
        """`admit` for a task: waits without blocking the event loop."""
        import asyncio

        started = self.clock()
        with self._lock:
            permit, wait, queue = self._start(method, budget)
            if wait is None:
                return None
            if queue:
                queued = _Waiter(permit)
                queued.loop = asyncio.get_running_loop()
                queued.future = queued.loop.create_future()
                permit.waiter = queued
                self._waiters.append(queued)
        try:
            if wait:
                await self._async_sleep(wait)
            if not self._no_log():
                while (extra := self._window_wait(permit)) > 0:
                    if self.clock() - started + extra >= budget:
                        self._give_up(permit)
                        return None
                    await self._async_sleep(extra)
            waiter = permit.waiter
            if waiter is not None and waiter.future is not None:
                left = budget - (self.clock() - started)
                if left <= 0:
                    raise TimeoutError
                async with asyncio.timeout(left if math.isfinite(left) else None):
                    await waiter.future
        except TimeoutError:
            if not self._abandon(permit):
                return None
        except BaseException:
            if permit.waiter is None or self._abandon(permit):
                self.release(permit, None)
            raise
        return permit

    def _abandon(self, permit: Permit) -> bool:
        """A waiter gives up: leave the queue; True if a slot was granted meanwhile (it holds it)."""
        with self._lock:
            waiter = permit.waiter
            if waiter is None or waiter.granted:
                return True
            self._waiters.remove(waiter)
            return False

    def _wake(self) -> bool:
        woken = False
        while self._waiters and self._in_flight < self.concurrency:
            waiter = self._waiters.popleft()
            self._admit_now(waiter.permit)
            waiter.wake()
            woken = True
        return woken

    # -- after the answer -------------------------------------------------------------
    def release(self, permit: Permit, signal: RateSignal | None) -> bool:
        """The request is over; `signal` is what its answer said (None: no answer).

        True when its slot went to a waiting request: an async caller should then
        yield once, so that request is sent before the caller carries on.
        """
        with self._lock:
            binding = bool(self._waiters) or self._in_flight >= self.concurrency
            self._in_flight -= 1
            if signal is not None and self.enabled:
                self._observe(permit, signal, binding)
            elif signal is not None and signal.throttled:
                self.throttled += 1
            return self._wake()

    def _observe(self, permit: Permit, signal: RateSignal, binding: bool) -> None:
        now = self.clock()
        if signal.throttled:
            self.throttled += 1
            if signal.concurrency and permit.gated:
                self._adaptive.refused(permit.order, permit.in_flight)
            elif permit.counted:
                self._cut_rate(permit, now)
            pause = _sane(signal.retry_after, _MAX_PAUSE)
            if pause and pause >= _LONG_PAUSE:
                self._paused_until = max(self._paused_until, now + pause)
        else:
            if permit.gated:
                self._adaptive.answered(permit.order, binding=binding)
            if permit.counted:
                self._recover(now)
        if permit.counted:
            self._follow_headers(signal, now)

    def _observed_rate(self, now: float) -> float:
        recent = [t for t in self._sent if now - t <= 2.0]
        if len(recent) < 2:
            return 1.0
        span = max(now - recent[0], 0.05)
        return len(recent) / span

    def _cut_rate(self, permit: Permit, now: float) -> None:
        if permit.started < self._last_cut:  # sent before the last cut: already accounted for
            return
        current = self.rate if self.rate is not None else self._observed_rate(now)
        self.rate = max(_MIN_RATE, current * _STEP_DOWN)
        self._tokens = min(self._tokens, 0.0)
        self._filled = now
        self._last_cut = now

    def _recover(self, now: float) -> None:
        """Clean running: back towards the ceiling (or, with none known, gently above the pace)."""
        elapsed = min(now - self._recovered, 1.0)
        self._recovered = now
        if self.rate is None or now - self._last_cut < 1.0:
            return
        if self.ceiling is not None:
            if self.rate < self.ceiling:
                self.rate = min(self.ceiling, self.rate + self.ceiling * _RECOVER_PER_SECOND * elapsed)
        else:
            self.rate *= 1.0 + _PROBE_PER_SECOND * elapsed

    def _follow_headers(self, signal: RateSignal, now: float) -> None:
        """A vendor's limit/remaining/reset: the limit sets the ceiling (never above the caller's
        `rate_limit`); none remaining pauses until the reset."""
        limit = _sane(signal.limit, _MAX_HEADER_LIMIT)
        remaining = _sane(signal.remaining, _MAX_HEADER_LIMIT)
        reset = _sane(signal.reset, _MAX_RESET)
        if limit is None or limit < 1 or (remaining is not None and remaining > limit):
            return  # the three make no sense together: ignore them all
        if reset is not None and reset > 0:
            self._window = max(self._window, reset)
        if self._window <= 0:
            return
        ceiling = limit / self._window * _HEADROOM
        if self._user_ceiling is not None:
            ceiling = min(ceiling, self._user_ceiling)
        if ceiling != self.ceiling:
            self.ceiling = ceiling
            self._capacity = max(1.0, limit * _BURST_SHARE)
            if self._user_ceiling is None or ceiling < self._user_ceiling:
                self._log_cap, self._log_span = int(limit * _HEADROOM), self._window
        self.rate = ceiling if self.rate is None else min(self.rate, ceiling)
        if remaining == 0 and reset is not None and reset > 0 and not signal.throttled:
            self._paused_until = max(self._paused_until, now + reset)


# -- one pacer per account per process ---------------------------------------------------
_pacers: weakref.WeakValueDictionary[tuple[str, ...], Pacer] = weakref.WeakValueDictionary()
_pacers_lock = threading.Lock()


def account_key(provider: str, where: str, credentials: list[str]) -> tuple[str, ...]:
    """Who a pacer belongs to: provider, where (base URL), and the account's credentials,
    digested (never kept in the clear)."""
    digest = hashlib.sha256("\0".join(credentials).encode()).hexdigest()[:24]
    return (provider, where, digest)


def account_pacer(
    key: tuple[str, ...], limits: VendorLimits, rate: RateLimit | None, *, explicit: bool
) -> Pacer:
    """The account's pacer, made on first use and shared while any store holds it.

    A later store giving a lower `rate_limit` lowers the shared ceiling; never raises it.
    """
    with _pacers_lock:
        pacer = _pacers.get(key)
        if pacer is None:
            pacer = Pacer(limits, rate, explicit=explicit)
            _pacers[key] = pacer
        elif rate is not None and explicit:
            pacer.lower(rate)
        return pacer


def pacer_for(adapter: Adapter, rate_limit: object, credentials: list[str]) -> Pacer:
    """The pacer a store on `adapter` uses: its account's, or (`rate_limit=None`) its own
    that only counts. A bad `rate_limit` is a ValueError naming the setting."""
    setting = parse_rate_limit(rate_limit)
    limits = adapter.limits
    if setting is None:
        return Pacer(limits, None, enabled=False)
    explicit = isinstance(setting, RateLimit)
    rate = setting if isinstance(setting, RateLimit) else limits.rate
    key = account_key(adapter.provider, adapter.describe(), credentials)
    return account_pacer(key, limits, rate, explicit=explicit)
