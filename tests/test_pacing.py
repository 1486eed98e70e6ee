"""The pacer: token bucket, adaptive concurrency, headers, 429s, deadlines (fake clock, no sleeps)."""

from __future__ import annotations

import asyncio
import math
import os

import httpx
import pytest

import phonefleet
from phonefleet import DeadlineExceededError, RateLimit, RetryPolicy
from phonefleet._pacing import Pacer
from phonefleet.adapter import VENDOR_DEFAULT, RateSignal, VendorLimits, parse_rate_limit
from phonefleet.testing import account_limit, emulate


class FakeTime:
    """A clock that moves only when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def pacer(limits: VendorLimits, rate: RateLimit | None = None, **options: object) -> tuple[Pacer, FakeTime]:
    fake = FakeTime()
    made = Pacer(
        limits,
        rate if rate is not None else limits.rate,
        clock=fake.clock,
        sleep=fake.sleep,
        async_sleep=fake.async_sleep,
        seed=1,
        **options,  # type: ignore[arg-type]
    )
    return made, fake


OK = RateSignal()
TOO_MANY = RateSignal(throttled=True)


# -- the setting ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "requests", "per"),
    [
        ("50/s", 50, 1),
        ("13800/10s", 13800, 10),
        ("600/min", 600, 60),
        ("3000/5m", 3000, 300),
        (" 2.5 / sec ", 2.5, 1),
        ("100/h", 100, 3600),
    ],
)
def test_rate_limit_forms(text: str, requests: float, per: float) -> None:
    parsed = parse_rate_limit(text)
    assert parsed == RateLimit(requests, per)


def test_rate_limit_off_and_vendor() -> None:
    assert parse_rate_limit(None) is None
    assert parse_rate_limit("off") is None
    assert parse_rate_limit("vendor") is VENDOR_DEFAULT
    assert str(RateLimit(13800, 10)) == "13800/10s"
    assert RateLimit(13800, 10).rate == 1380


@pytest.mark.parametrize("bad", ["fast", "0/s", "-5/s", "10/parsec", "10", "10/0s", 10, 2.5, "1e9/s", ""])
def test_a_bad_rate_limit_names_the_setting_and_the_forms(bad: object) -> None:
    with pytest.raises(ValueError, match=r"rate_limit must be .*'50/s'.*'13800/10s'") as caught:
        parse_rate_limit(bad)
    assert repr(bad) in str(caught.value)


def test_a_bad_rate_limit_is_refused_at_connect() -> None:
    emulator = emulate("linq", numbers=1)
    with pytest.raises(ValueError, match="rate_limit"):
        emulator.connect(rate_limit="lots")
    with pytest.raises(ValueError, match="rate_limit"):
        emulator.connect_async(rate_limit="0/s")


# -- the token bucket -------------------------------------------------------------------
def test_the_bucket_spaces_requests_at_the_documented_rate() -> None:
    paced, fake = pacer(VendorLimits(rate=RateLimit(100, 1)))
    start = fake.now
    for _ in range(200):
        permit = paced.admit("POST", 60)
        assert permit is not None
        paced.release(permit, OK)
    elapsed = fake.now - start
    # 95% of the limit, a burst of 2 ahead: never more than the limit in any second
    assert 200 / elapsed <= 100
    assert 200 / elapsed >= 90
    assert paced.stats().requests == 200


def test_uncounted_methods_pass_untouched() -> None:
    writes = VendorLimits(rate=RateLimit(1, 1), methods=frozenset({"POST", "PUT", "PATCH"}))
    paced, fake = pacer(writes)
    for _ in range(50):
        permit = paced.admit("GET", 1)
        assert permit is not None
        paced.release(permit, OK)
    assert fake.slept == []
    assert paced.stats().requests == 50


def test_a_wait_past_the_budget_is_refused_and_takes_no_token() -> None:
    paced, fake = pacer(VendorLimits(rate=RateLimit(1, 10)))
    first = paced.admit("POST", 5)
    assert first is not None
    assert paced.admit("POST", 5) is None  # the next token is ~10 s away
    assert fake.slept == []
    assert paced.admit("POST", 30) is not None  # and the refused one did not push it further
    assert fake.slept
    assert fake.slept[0] < 12


def test_a_429_slows_the_whole_account_and_clean_running_recovers() -> None:
    paced, fake = pacer(VendorLimits(rate=RateLimit(100, 1)))
    permit = paced.admit("POST", 60)
    assert permit is not None
    before = paced.rate
    assert before is not None
    fake.now += 0.01
    paced.release(permit, RateSignal(throttled=True, retry_after=2.0))
    assert paced.rate is not None
    assert paced.rate < before
    assert paced.stats().throttled == 1
    # every other request on the account waits out the Retry-After (with jitter)
    nxt = paced.admit("POST", 60)
    assert nxt is not None
    assert 2.0 <= fake.slept[-1] <= 2.3
    paced.release(nxt, OK)
    for _ in range(3000):
        p = paced.admit("POST", 60)
        assert p is not None
        paced.release(p, OK)
    assert paced.rate == pytest.approx(before)


def test_answers_sent_before_a_cut_do_not_cut_again() -> None:
    paced, fake = pacer(VendorLimits(rate=RateLimit(100, 1)))
    permits = [paced.admit("POST", 60) for _ in range(10)]
    fake.now += 0.5
    for permit in permits:
        assert permit is not None
        paced.release(permit, TOO_MANY)
    assert paced.rate == pytest.approx(95 * 0.9)  # one step for the burst, not ten
    assert paced.stats().throttled == 10


def test_a_short_retry_after_slows_the_account_without_stopping_it() -> None:
    paced, fake = pacer(VendorLimits(rate=RateLimit(100, 1)))
    permit = paced.admit("POST", 60)
    assert permit is not None
    fake.now += 0.5
    paced.release(permit, RateSignal(throttled=True, retry_after=1.0))  # a whole second at a window's end
    nxt = paced.admit("POST", 60)
    assert nxt is not None
    assert all(wait < 0.1 for wait in fake.slept)  # only the refused request waits its second


def test_the_window_log_spreads_sends_a_stall_bunched() -> None:
    paced, fake = pacer(VendorLimits(rate=RateLimit(10, 1)))
    sent = []
    for _ in range(30):
        permit = paced.admit("POST", 60)
        assert permit is not None
        sent.append(fake.now)
        paced.release(permit, OK)
        paced._tokens = paced._capacity  # as if a stalled loop woke every reservation at once
    for start in sent:
        assert sum(1 for t in sent if start <= t < start + 1) <= 9  # never more than 95% in any second


def test_with_nothing_documented_a_429_learns_the_pace() -> None:
    paced, fake = pacer(VendorLimits())
    permits = []
    for _ in range(40):
        permit = paced.admit("POST", 60)
        assert permit is not None
        permits.append(permit)
        fake.now += 0.01  # 100/s
    assert paced.rate is None
    paced.release(permits[-1], TOO_MANY)
    assert paced.rate is not None
    assert 50 < paced.rate < 100


def test_pacing_off_counts_but_never_waits() -> None:
    paced, fake = pacer(VendorLimits(rate=RateLimit(1, 10)), enabled=False)
    for _ in range(20):
        permit = paced.admit("POST", 1)
        assert permit is not None
        paced.release(permit, TOO_MANY)
    assert fake.slept == []
    assert paced.stats().throttled == 20


# -- rate headers -----------------------------------------------------------------------
def test_headers_set_the_pace_where_nothing_is_documented() -> None:
    paced, _fake = pacer(VendorLimits())
    permit = paced.admit("GET", 60)
    assert permit is not None
    paced.release(permit, RateSignal(limit=100, remaining=99, reset=1))
    assert paced.rate == pytest.approx(95)


def test_a_lower_limit_header_lowers_an_explicit_rate_never_raises_it() -> None:
    paced, _ = pacer(VendorLimits(), RateLimit(50, 1), explicit=True)
    permit = paced.admit("GET", 60)
    assert permit is not None
    paced.release(permit, RateSignal(limit=1000, remaining=999, reset=1))
    assert paced.rate == pytest.approx(47.5)
    permit = paced.admit("GET", 60)
    assert permit is not None
    paced.release(permit, RateSignal(limit=20, remaining=19, reset=1))
    assert paced.rate == pytest.approx(19)


def test_nothing_remaining_pauses_until_the_reset() -> None:
    paced, fake = pacer(VendorLimits())
    permit = paced.admit("GET", 60)
    assert permit is not None
    paced.release(permit, RateSignal(limit=100, remaining=0, reset=3))
    paced.admit("GET", 60)
    assert fake.slept[-1] >= 3


@pytest.mark.parametrize(
    "signal",
    [
        RateSignal(limit=-5, remaining=1, reset=1),
        RateSignal(limit=100, remaining=500, reset=1),  # remaining above limit
        RateSignal(limit=100, remaining=-1, reset=1),
        RateSignal(limit=1e12, remaining=0, reset=1),  # huge
        RateSignal(limit=100, remaining=0, reset=-30),  # reset in the past
        RateSignal(limit=100, remaining=0, reset=1.7e9),  # an epoch, not seconds
        RateSignal(limit=math.nan, remaining=0, reset=1),
        RateSignal(throttled=True, retry_after=1e9),
    ],
)
def test_nonsense_headers_never_make_it_wait(signal: RateSignal) -> None:
    paced, fake = pacer(VendorLimits())
    permit = paced.admit("GET", 60)
    assert permit is not None
    paced.release(permit, signal)
    assert paced.admit("GET", 5) is not None
    assert all(wait < 5 for wait in fake.slept)


# -- adaptive concurrency ---------------------------------------------------------------
def test_async_tasks_wait_for_a_slot_and_are_woken_in_order() -> None:
    paced, _ = pacer(VendorLimits(concurrency=True))
    paced.concurrency = 2
    paced._adaptive.slow_start = False  # a limit already found: too few answers here to probe
    most = 0

    async def one() -> None:
        nonlocal most
        permit = await paced.admit_async("POST", 60)
        assert permit is not None
        most = max(most, paced._in_flight)
        await asyncio.sleep(0)
        paced.release(permit, OK)

    async def main() -> None:
        await asyncio.gather(*(one() for _ in range(10)))

    asyncio.run(main())
    assert most == 2
    assert paced.stats().requests == 10
    assert paced._in_flight == 0


def test_sync_and_async_share_one_gate() -> None:
    import threading

    paced, _ = pacer(VendorLimits(concurrency=True))
    paced.concurrency = 1
    held = paced.admit("POST", 60)
    assert held is not None
    got: list[object] = []

    async def waiter() -> None:
        got.append(await paced.admit_async("POST", 60))

    def releaser() -> None:
        paced.release(held, OK)

    async def main() -> None:
        task = asyncio.ensure_future(waiter())
        await asyncio.sleep(0)
        assert got == []
        thread = threading.Thread(target=releaser)
        thread.start()
        await task
        thread.join()

    asyncio.run(main())
    assert got
    assert got[0] is not None


def test_a_queued_request_gives_up_at_its_budget() -> None:
    paced, _ = pacer(VendorLimits(concurrency=True))
    paced.concurrency = 1
    assert paced.admit("POST", 60) is not None
    assert paced.admit("POST", 0.001) is None
    assert not paced._waiters


# -- through the drivers ----------------------------------------------------------------
def _answers(statuses: list[int], headers: dict[str, str] | None = None) -> httpx.MockTransport:
    queue = list(statuses)

    def handler(request: httpx.Request) -> httpx.Response:
        status = queue.pop(0) if queue else 200
        body = {"errors": [{"code": "10011", "title": "Too many requests"}]} if status == 429 else {}
        return httpx.Response(status, json=body, headers=headers or {})

    return httpx.MockTransport(handler)


def test_stores_on_one_account_share_one_pacer() -> None:
    emulator = emulate("signalwire", numbers=1)
    one, two = emulator.connect(), emulator.connect_async()
    off = emulator.connect(rate_limit=None)
    assert one._driver.pacer is two._driver.pacer
    assert one._driver.pacer.limits.methods == frozenset({"POST", "PUT", "PATCH"})
    assert off._driver.pacer is not one._driver.pacer
    assert not off._driver.pacer.enabled
    one.close()
    off.close()


def test_a_429_is_counted_and_retried_through_the_pacer() -> None:
    from phonefleet.adapter import Store
    from phonefleet_telnyx import TelnyxAdapter

    fake = FakeTime()
    paced = Pacer(
        TelnyxAdapter.limits, None, clock=fake.clock, sleep=fake.sleep, async_sleep=fake.async_sleep
    )
    transport = _answers([429, 429], {"x-ratelimit-limit": "100", "x-ratelimit-remaining": "0"})
    store = Store(TelnyxAdapter(api_key="k" * 20), transport=transport, pacer=paced)
    with pytest.raises(phonefleet.PhoneFleetError):  # the 200 has no data: we only care it was sent
        store.get("id-1")
    assert store.pacing.throttled == 2
    assert store.pacing.requests == 3


def test_the_pacer_never_waits_past_the_deadline() -> None:
    from phonefleet.adapter import Store
    from phonefleet_telnyx import TelnyxAdapter

    fake = FakeTime()
    paced = Pacer(
        TelnyxAdapter.limits, None, clock=fake.clock, sleep=fake.sleep, async_sleep=fake.async_sleep
    )
    paced._paused_until = fake.now + 100  # the account is told to wait 100 s
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200, json={}))
    store = Store(
        TelnyxAdapter(api_key="k" * 20),
        transport=transport,
        pacer=paced,
        clock=fake.clock,
        retry=RetryPolicy(deadline=10),
    )
    with pytest.raises(DeadlineExceededError, match="rate limit"):
        store.get("id-1")
    assert sent == []
    assert fake.slept == []


# -- what a migration reports ------------------------------------------------------------
def test_a_migration_reports_its_429s_and_its_pace(tmp_path: object) -> None:
    from pathlib import Path

    from phonefleet import migrate

    frozen = FakeTime()  # the target's window never ends: every request past 3 is refused
    source_emu = emulate("linq", numbers=6, seed=41)
    target_emu = emulate("telnyx", numbers=6, seed=41, rate_limit="3/s", limit_clock=frozen.clock)
    with source_emu.connect() as source, target_emu.connect() as target:
        for number in source.list():
            source.set_forwarding(number, "+12025550199")
        target_emu.transport.limit = None
        plan = migrate.plan(source, target, carry=("forwarding",))
        assert plan.steps
        target_emu.transport.limit = account_limit("3/s", clock=frozen.clock)
        target_emu.transport.requests.clear()
        report = migrate.apply(plan, journal=Path(str(tmp_path)) / "j.sqlite", concurrency=2)
    refused = target_emu.transport.limit.refused
    assert refused > 0
    assert report.throttled == refused
    assert report.requests >= len(target_emu.transport.requests)
    assert report.seconds > 0
    assert report.requests_per_second is not None
    assert f"{refused} answered 429" in report.summary()
    assert report.to_dict()["throttled"] == refused


def test_the_cli_emulate_flags_reach_the_emulator() -> None:
    from click.testing import CliRunner

    from phonefleet.cli import app

    result = CliRunner().invoke(app, ["emulate", "linq", "--rate-limit", "sometimes", "--port", "0"])
    assert result.exit_code == 2
    assert "--rate-limit" in result.output


def test_a_queued_thread_waits_without_a_budget_in_test_mode() -> None:
    import threading

    paced = Pacer(VendorLimits(concurrency=True), None)  # real waits: test mode lifts the budget
    paced.concurrency = 1
    held = paced.admit("POST", 5)
    assert held is not None
    got: list[object] = []
    thread = threading.Thread(target=lambda: got.append(paced.admit("POST", 5)))
    thread.start()
    while not paced._waiters:  # the thread has queued (a yield, never a timed wait)
        os.sched_yield()
    paced.release(held, OK)
    thread.join(timeout=10)
    assert got
    assert got[0] is not None
