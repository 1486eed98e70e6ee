"""Adaptive concurrency (Twilio's 20429): the limit is found, held, left and re-found.

The runs go on a virtual clock: an event loop whose time jumps to its next
timer instead of waiting, so seconds of traffic against an account that
refuses past its limit take milliseconds and never sleep.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from phonefleet._concurrency import MAX_PROBE_WINDOWS, AdaptiveLimit
from phonefleet._pacing import Pacer
from phonefleet.adapter import RateSignal, VendorLimits
from phonefleet.testing import emulate

SERVICE = 0.02  # seconds the vendor takes to answer a request it accepts
REFUSAL = 0.002  # a refusal comes back at once
OK = RateSignal()
REFUSED = RateSignal(throttled=True, concurrency=True)


# -- a virtual clock -------------------------------------------------------------------
class _JumpingSelector(selectors.DefaultSelector):
    """Where the loop would wait for its next timer, time jumps there instead."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None:
            msg = "nothing scheduled and nothing ready: the simulation would hang"
            raise RuntimeError(msg)
        self.now += max(0.0, timeout)
        return super().select(0)


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._jumps = _JumpingSelector()
        super().__init__(self._jumps)

    def time(self) -> float:
        return self._jumps.now


def run_virtual(main: Callable[[], Any]) -> Any:
    loop = VirtualLoop()
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()


# -- an account that refuses past its limit, and a caller ------------------------------
@attrs.define
class Account:
    """The vendor's side: at most `room` requests in flight, the rest refused (20429)."""

    room: int
    in_flight: int = 0
    accepted: int = 0
    refused: int = 0
    applied: dict[int, int] = attrs.Factory(dict)

    async def call(self, job: int) -> RateSignal:
        if self.in_flight >= self.room:
            self.refused += 1
            await asyncio.sleep(REFUSAL)
            return REFUSED
        self.in_flight += 1
        try:
            await asyncio.sleep(SERVICE)
        finally:
            self.in_flight -= 1
        self.accepted += 1
        self.applied[job] = self.applied.get(job, 0) + 1
        return OK


@attrs.define
class Run:
    """What a run saw: when each job finished, the pacer's limit after each answer."""

    done: list[float] = attrs.Factory(list)
    limits: list[tuple[float, float]] = attrs.Factory(list)


def gated_pacer(loop_clock: Callable[[], float]) -> Pacer:
    return Pacer(
        VendorLimits(concurrency=True),
        None,
        clock=loop_clock,
        sleep=lambda _: None,
        async_sleep=asyncio.sleep,
        seed=3,
    )


async def drive(
    pacer: Pacer,
    account: Account,
    jobs: int,
    *,
    workers: int = 64,
    at: Callable[[int], None] | None = None,
) -> Run:
    """`workers` tasks send `jobs` writes through the pacer, each retried on a refusal as
    the drivers do (a 20429 means the vendor did not act on it), yielding after handing a
    slot over as the async driver does. `at(n)` is called as the n-th job finishes."""
    loop = asyncio.get_running_loop()
    run = Run()
    queue = iter(range(jobs))

    async def worker() -> None:
        for job in queue:
            for attempt in range(1, 30):
                permit = await pacer.admit_async("POST", 600)
                assert permit is not None, "no permit within the budget"
                signal = await account.call(job)
                handed_over = pacer.release(permit, signal)
                run.limits.append((loop.time(), pacer.concurrency))
                if handed_over:
                    await asyncio.sleep(0)
                if not signal.throttled:
                    break
                await asyncio.sleep(0.05 * attempt)
            else:
                pytest.fail(f"job {job} refused 30 times")
            run.done.append(loop.time())
            if at is not None:
                at(len(run.done))

    await asyncio.gather(*(worker() for _ in range(workers)))
    return run


def rate(run: Run, first: int, last: int) -> float:
    """Jobs per second between the `first`-th and the `last`-th to finish."""
    return (last - first) / (run.done[last - 1] - run.done[first - 1])


def limit_between(run: Run, start: float, end: float) -> list[float]:
    return [limit for when, limit in run.limits if start <= when <= end]


def whole(account: Account, jobs: int) -> None:
    assert sorted(account.applied) == list(range(jobs)), "a job was lost"
    assert set(account.applied.values()) == {1}, "a job was applied twice"


# -- through a whole run ---------------------------------------------------------------
def test_it_converges_near_the_accounts_limit_and_stays_there() -> None:
    account = Account(room=8)

    async def main() -> tuple[Pacer, Run]:
        pacer = gated_pacer(asyncio.get_running_loop().time)
        return pacer, await drive(pacer, account, 6000)

    pacer, run = run_virtual(main)
    whole(account, 6000)
    best = account.room / SERVICE
    assert rate(run, 1, 6000) >= 0.95 * best  # slow start and the probes cost under 5%
    assert rate(run, 1000, 6000) >= 0.97 * best
    share = account.refused / (account.accepted + account.refused)
    assert share < 0.005, f"{account.refused} refusals"
    settled = limit_between(run, run.done[999], run.done[-1])
    assert min(settled) == 8
    assert max(settled) == 9  # it still probes, rarely
    assert sum(1 for limit in settled if limit > 8) / len(settled) < 0.05
    assert pacer.stats().throttled == account.refused


def run_with_change(room: int, jobs: int, *, after: int, new_room: int) -> tuple[Account, Run, float]:
    """A run against an account whose room becomes `new_room` as the `after`-th job finishes."""
    account = Account(room=room)

    def change(done: int) -> None:
        if done == after:
            account.room = new_room

    async def main() -> Run:
        pacer = gated_pacer(asyncio.get_running_loop().time)
        return await drive(pacer, account, jobs, at=change)

    run = run_virtual(main)
    whole(account, jobs)
    return account, run, run.done[after - 1]


def test_it_backs_off_when_the_accounts_room_shrinks() -> None:
    # another client now holds 8 of the account's 12
    account, run, shrunk = run_with_change(12, 4000, after=1500, new_room=4)
    assert max(limit_between(run, shrunk + 1.0, run.done[-1])) <= 5  # within a second
    assert min(limit_between(run, shrunk, run.done[-1])) >= 3  # a tenth at a time, no halving
    assert rate(run, 2500, 4000) >= 0.9 * 4 / SERVICE
    assert account.refused < 60


def test_it_probes_up_again_after_the_accounts_limit_rises() -> None:
    _, run, raised = run_with_change(4, 9000, after=2000, new_room=12)
    assert max(limit_between(run, 1.0, raised)) <= 5  # after slow start's overshoot
    # the first probe comes within the longest interval, then each comes twice as soon
    reached = next(when for when, limit in run.limits if when > raised and limit >= 12)
    longest = MAX_PROBE_WINDOWS * 4 * SERVICE / 4  # windows of 4 answers, 4 answered per SERVICE
    assert reached - raised < 3 * longest
    assert rate(run, 7000, 9000) >= 0.9 * 12 / SERVICE


def test_the_limit_never_passes_what_the_caller_sends_at_once() -> None:
    account = Account(room=50)

    async def main() -> tuple[Pacer, Run]:
        pacer = gated_pacer(asyncio.get_running_loop().time)
        return pacer, await drive(pacer, account, 2000, workers=10)

    pacer, run = run_virtual(main)
    whole(account, 2000)
    assert account.refused == 0
    assert max(limit for _, limit in run.limits) == 10
    assert pacer.concurrency == 10


# -- one decision at a time --------------------------------------------------------------
def test_slow_start_adds_one_per_clean_answer_while_requests_wait() -> None:
    limit = AdaptiveLimit()
    limit.wanted(64)
    start = limit.limit
    for _ in range(3):
        limit.answered(limit.admit(), binding=True)
    assert limit.limit == start + 3
    limit.answered(limit.admit(), binding=False)  # nobody waited: the limit held nothing back
    assert limit.limit == start + 3


def test_the_first_refusal_ends_slow_start_just_under_what_was_in_flight() -> None:
    limit = AdaptiveLimit(limit=20)
    orders = [limit.admit() for _ in range(20)]
    limit.refused(orders[9], in_flight=10)
    assert limit.limit == 9
    assert not limit.slow_start
    limit.refused(orders[15], in_flight=16)  # sent before the cut: no news
    assert limit.limit == 9
    limit.refused(orders[5], in_flight=6)  # sent before the cut, but with fewer in flight: a bound
    assert limit.limit == 5


def test_a_probe_that_overshoots_steps_back_one_and_waits_longer() -> None:
    limit = AdaptiveLimit(limit=30, slow_start=False, probe_windows=1, demand=64)
    for _ in range(30):
        limit.answered(limit.admit(), binding=True)
    assert limit.limit == 31  # one window of 30 clean answers
    assert limit.probe_windows == 1  # already the fastest
    limit.refused(limit.admit(), in_flight=31)
    assert limit.limit == 30
    assert limit.probe_windows == 2
    limit.refused(limit.admit(), in_flight=30)  # refusals go on after the cut: the room shrank
    assert limit.limit == 27  # a tenth, not a halving
    assert limit.probe_windows == 4
    for _ in range(40):
        limit.refused(limit.admit(), in_flight=int(limit.limit))
    assert limit.limit == 1  # the floor
    assert limit.probe_windows == MAX_PROBE_WINDOWS


def test_probes_come_sooner_after_each_clean_stretch() -> None:
    limit = AdaptiveLimit(limit=10, slow_start=False, probe_windows=8, demand=64)
    answers = []
    for _ in range(3):
        before, count = limit.limit, 0
        while limit.limit == before:
            limit.answered(limit.admit(), binding=True)
            count += 1
        answers.append(count)
    assert answers == [8 * 10, 4 * 11, 2 * 12]


def test_probes_that_keep_overshooting_come_ever_more_rarely() -> None:
    limit = AdaptiveLimit(limit=8, slow_start=False, probe_windows=16, demand=64)
    answers = []
    for _ in range(4):
        count = 0
        while limit.limit == 8:
            limit.answered(limit.admit(), binding=True)
            count += 1
        answers.append(count)
        limit.refused(limit.admit(), in_flight=9)  # the account's room is 8
        assert limit.limit == 8
    assert answers == [16 * 8, 32 * 8, 64 * 8, 64 * 8]


# -- sync and async stores on one account ------------------------------------------------
def test_sync_and_async_stores_on_one_twilio_account_share_one_gate() -> None:
    """A 20429 answered to a sync store narrows the gate its async twin waits at."""
    from phonefleet.testing import Fault, FaultPlan, account_limit

    emulator = emulate("twilio", numbers=6)
    sync_store, async_store = emulator.connect(), emulator.connect_async()
    pacer = sync_store._driver.pacer
    assert async_store._driver.pacer is pacer
    numbers = sorted(n.number for n in sync_store.list())
    emulator.transport.faults = FaultPlan(script=[Fault.RATE_LIMIT], methods=frozenset({"POST"}))
    sync_store.set_forwarding(numbers[0], "+12025550199")  # refused once (20429), then retried
    assert pacer.stats().throttled == 1
    assert pacer.concurrency == 1  # refused with one in flight: the room is one
    emulator.transport.limit = account_limit(concurrency_limit=1)

    async def burst() -> None:
        try:
            await asyncio.gather(*(async_store.set_forwarding(n, "+12025550199") for n in numbers[1:]))
        finally:
            await async_store.close()

    asyncio.run(burst())
    sync_store.close()
    limit = emulator.transport.limit
    assert limit.refused == 0  # the async writes queued at the shared gate, one at a time
    assert limit.most_in_flight == 1
    emulator.transport.limit = None
    with emulator.connect() as check:
        assert {n.forwarding_number for n in check.list()} == {"+12025550199"}


def test_a_freed_slot_is_used_before_its_releaser_carries_on() -> None:
    """The async driver yields once after handing its slot to a waiter: the woken request is
    sent before the releasing task goes on to its next request (else every hand-off waits
    behind the releaser's own post-processing, and the vendor's slots idle meanwhile)."""
    from phonefleet.testing import account_limit

    emulator = emulate("twilio", numbers=2)
    store = emulator.connect_async()
    events: list[str] = []
    handle = emulator.transport.handle_async_request

    async def recording(request: Any) -> Any:
        events.append("sent")
        return await handle(request)

    async def main() -> None:
        numbers = sorted([n.number async for n in store.list()])
        pacer = store._driver.pacer
        pacer.concurrency = 1
        pacer._adaptive.slow_start = False
        admit = pacer.admit_async

        async def asking(method: str, budget: float) -> Any:
            events.append("ask")
            return await admit(method, budget)

        pacer.admit_async = asking  # type: ignore[method-assign]
        emulator.transport.handle_async_request = recording  # type: ignore[method-assign]
        emulator.transport.limit = account_limit(concurrency_limit=1)  # its answers take a turn
        try:
            await asyncio.gather(*(store.set_forwarding(n, "+12025550199") for n in numbers))
        finally:
            await store.close()

    asyncio.run(main())
    # A asks and sends; B asks and waits; A's answer hands B the slot: B sends, then A asks again
    assert events[:5] == ["ask", "sent", "ask", "sent", "ask"], events
    assert emulator.transport.limit.refused == 0
