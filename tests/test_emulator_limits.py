"""Emulators enforce an account limit the way each vendor answers it (virtual clock, no sleeps)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from phonefleet import NumberChanges, RateLimitError, RetryPolicy
from phonefleet.testing import AccountLimit, LimitState, account_limit, emulate


class Clock:
    def __init__(self) -> None:
        self.now = 500.25

    def __call__(self) -> float:
        return self.now


def _recorded(emulator: Any) -> tuple[list[httpx.Response], httpx.MockTransport]:
    answers: list[httpx.Response] = []

    def handler(request: httpx.Request) -> httpx.Response:
        response = emulator.transport.handle_request(request)
        answers.append(response)
        return response

    return answers, httpx.MockTransport(handler)


def _store(emulator: Any, transport: httpx.BaseTransport) -> Any:
    settings = {**emulator.settings, "transport": transport}
    return emulator.connect(**settings, rate_limit=None, retry=RetryPolicy.never())


def test_the_limiter_counts_fixed_windows_on_its_clock() -> None:
    clock = Clock()
    limit = account_limit("3/s", clock=clock)
    assert isinstance(limit, AccountLimit)
    states = [limit.take("GET") for _ in range(4)]
    assert [s.remaining for s in states if s is not None] == [2, 1, 0, 0]
    last = states[-1]
    assert last is not None
    assert last.refused
    assert last.reset == pytest.approx(0.75)
    assert last.retry_after == 1
    clock.now += 0.75
    again = limit.take("GET")
    assert again is not None
    assert not again.refused
    assert limit.refused == 1


def test_no_limit_unless_asked_and_bad_ones_are_refused() -> None:
    assert account_limit(None, None) is None
    assert emulate("linq", numbers=1).transport.limit is None
    with pytest.raises(ValueError, match="rate_limit"):
        emulate("linq", numbers=1, rate_limit="often")
    with pytest.raises(ValueError, match="concurrency_limit"):
        emulate("twilio", numbers=1, concurrency_limit=0)


def test_telnyx_counts_every_request_and_sends_its_three_headers() -> None:
    clock = Clock()
    emulator = emulate("telnyx", numbers=3, rate_limit="5/s", limit_clock=clock)
    answers, transport = _recorded(emulator)
    store = _store(emulator, transport)
    listed = list(store.list())  # reads are counted too
    assert listed
    for sent, answer in enumerate(answers, start=1):
        assert answer.headers["x-ratelimit-limit"] == "5"
        assert answer.headers["x-ratelimit-remaining"] == str(5 - sent)
        assert answer.headers["x-ratelimit-reset"] == "1"
    refusal: RateLimitError | None = None
    for _ in range(6):
        try:
            store.get(listed[0].id)
        except RateLimitError as exc:
            refusal = exc
            break
    assert refusal is not None
    refused = answers[-1]
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["code"] == "10011"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-limit"] == "5"
    assert refusal.code == "10011"
    assert refusal.retry_after == 1
    clock.now += 1
    assert store.get(listed[0].id).id == listed[0].id


def test_signalwire_limits_writes_only() -> None:
    clock = Clock()
    emulator = emulate("signalwire", numbers=3, rate_limit="1/s", limit_clock=clock)
    answers, transport = _recorded(emulator)
    store = _store(emulator, transport)
    numbers = list(store.list())
    for _ in range(5):
        store.get(numbers[0].id)  # reads: effectively unlimited
    store.update(numbers[0].id, NumberChanges(name="a"))
    with pytest.raises(RateLimitError):
        store.update(numbers[1].id, NumberChanges(name="b"))
    assert answers[-1].status_code == 429
    assert emulator.transport.limit.refused == 1
    assert all(a.status_code == 200 for a in answers if a.request.method == "GET")


def test_twilio_refuses_beyond_its_concurrency_with_20429() -> None:
    emulator = emulate("twilio", numbers=3, concurrency_limit=2)
    limit = emulator.transport.limit
    assert limit is not None
    answers, transport = _recorded(emulator)
    store = _store(emulator, transport)
    store.list()
    limit.in_flight = 2  # two requests still at the server
    with pytest.raises(RateLimitError) as caught:
        store.get("+12022000000")
    refused = answers[-1]
    assert refused.status_code == 429
    assert refused.json()["code"] == 20429
    assert "Retry-After" not in refused.headers
    assert caught.value.code == 20429
    limit.in_flight = 0
    assert limit.refused == 1


def test_twilio_concurrency_is_counted_across_tasks() -> None:
    emulator = emulate("twilio", numbers=12, concurrency_limit=3)

    async def burst() -> list[object]:
        store = emulator.connect_async(rate_limit=None, retry=RetryPolicy.never())
        numbers = [n async for n in store.list()]
        results = await asyncio.gather(*(store.get(n.id) for n in numbers), return_exceptions=True)
        await store.close()
        return results

    results = asyncio.run(burst())
    refused = [r for r in results if isinstance(r, RateLimitError)]
    assert len(refused) == 12 - 3
    assert emulator.transport.limit.most_in_flight == 3
    assert emulator.transport.limit.in_flight == 0


@pytest.mark.parametrize(("provider", "code"), [("linq", 1007), ("gravityrail", None)])
def test_retry_after_vendors_answer_with_it(provider: str, code: int | None) -> None:
    clock = Clock()
    clock.now = 480.0  # the start of a minute window
    emulator = emulate(provider, numbers=2, rate_limit="1/min", limit_clock=clock)
    answers, transport = _recorded(emulator)
    store = _store(emulator, transport)
    list(store.list())
    with pytest.raises(RateLimitError) as caught:
        list(store.list())
    refused = answers[-1]
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert caught.value.retry_after == 60
    if code is not None:
        assert caught.value.code in (code, str(code))


def test_state_retry_after_is_whole_seconds() -> None:
    assert LimitState(10, 0, 0.01).retry_after == 1
    assert LimitState(10, 0, 2.5).retry_after == 3
