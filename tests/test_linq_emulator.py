"""The Linq emulator, the drivers' retries over it, and the reputation-audit extras."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

import phonefleet
from phonefleet import (
    AuthenticationError,
    DeadlineExceededError,
    NotFoundError,
    ProviderError,
    RateLimitError,
    ResponseFormatError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from phonefleet.testing import Fault, FaultPlan, emulate
from phonefleet_linq import AsyncLinqStore, AuditWait, LinqStore, ReputationAudit
from phonefleet_linq.emulator import BASE_URL, LinqEmulatorTransport


def store_for(emu: Any, **options: Any) -> LinqStore:
    store = emu.connect("linq", **options)
    assert isinstance(store, LinqStore)
    return store


def raw_client(emu: Any, key: str | None = None) -> httpx.Client:
    token = key if key is not None else emu.settings["api_key"]
    return httpx.Client(transport=emu.transport, headers={"Authorization": f"Bearer {token}"})


# -- the emulator itself ------------------------------------------------------------------
def test_registration_names_the_emulator() -> None:
    emu = emulate("linq", numbers=3)
    assert isinstance(emu.transport, LinqEmulatorTransport)
    assert emu.settings["base_url"] == BASE_URL
    assert ".invalid" in BASE_URL


def test_seeding_is_deterministic_and_realistic() -> None:
    first = list(store_for(emulate("linq", numbers=200, seed=5)).list())
    again = list(store_for(emulate("linq", numbers=200, seed=5)).list())
    other = list(store_for(emulate("linq", numbers=200, seed=6)).list())
    assert first == again
    assert [n.id for n in first] != [n.id for n in other]
    assert any(n.forwarding_number for n in first)
    assert any(n.forwarding_number is None for n in first)
    assert len({n.reputation.status for n in first if n.reputation}) == 3
    assert [n.number for n in first] == list(phonefleet.testing.seeded_numbers(200))


def test_explicit_numbers_and_offset() -> None:
    emu = emulate("linq", numbers=["+12025550100", "+12025550101"])
    assert [n.number for n in store_for(emu).list()] == ["+12025550100", "+12025550101"]
    shifted = emulate("linq", numbers=2, offset=10)
    assert [n.number for n in store_for(shifted).list()] == list(
        phonefleet.testing.seeded_numbers(2, offset=10)
    )


def test_holds_and_lists_ten_thousand_numbers() -> None:
    emu = emulate("linq", numbers=10_000)
    numbers = list(store_for(emu).list())
    assert len(numbers) == 10_000
    assert len({n.id for n in numbers}) == 10_000
    assert emu.transport.count("GET") == 1


def test_wrong_token_is_401_2004() -> None:
    emu = emulate("linq", numbers=2)
    response = raw_client(emu, key="wrong").get(f"{BASE_URL}/v3/phone_numbers")
    assert response.status_code == 401
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == 2004
    assert body["trace_id"]
    with pytest.raises(AuthenticationError) as caught:
        list(store_for(emu, api_key="wrong").list())
    assert caught.value.code == 2004
    assert caught.value.request_id is not None
    assert len(caught.value.request_id) == len(body["trace_id"]) == 32


def test_missing_token_is_401() -> None:
    emu = emulate("linq", numbers=2)
    response = httpx.Client(transport=emu.transport).get(f"{BASE_URL}/v3/phone_numbers")
    assert response.status_code == 401


def test_bad_forwarding_number_is_400_1002() -> None:
    emu = emulate("linq", numbers=2)
    ident = next(iter(store_for(emu).list())).id
    client = raw_client(emu)
    response = client.put(f"{BASE_URL}/v3/phone_numbers/{ident}", json={"forwarding_number": "555-0100"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 1002
    assert client.put(f"{BASE_URL}/v3/phone_numbers/{ident}", json={}).json()["error"]["code"] == 1001
    cleared = client.put(f"{BASE_URL}/v3/phone_numbers/{ident}", json={"forwarding_number": ""})
    assert cleared.json()["forwarding_number"] is None


def test_unknown_id_is_404_2019() -> None:
    emu = emulate("linq", numbers=2)
    store = store_for(emu)
    with pytest.raises(NotFoundError) as caught:
        store.set_forwarding("00000000-0000-4000-8000-000000000000", None)
    assert caught.value.status == 404
    assert caught.value.code == 2019


def test_set_forwarding_shows_in_the_next_listing() -> None:
    emu = emulate("linq", numbers=3)
    store = store_for(emu)
    target = next(iter(store.list()))
    store.set_forwarding(target.number, "+1 415 555 0100")
    assert store.get(target.id).forwarding_number == "+14155550100"
    assert store.get(target.id).reputation == target.reputation  # get() reports it again


# -- faults and the drivers' retries -----------------------------------------------------------
def test_list_is_retried_on_429_and_waits_per_retry_after() -> None:
    faults = FaultPlan(script=[Fault.RATE_LIMIT], retry_after=4)
    emu = emulate("linq", numbers=3, faults=faults)
    store = store_for(emu)
    waits: list[float | None] = []
    adapter = store.adapter
    original = adapter.retry_after

    def spy(response: httpx.Response) -> float | None:
        waits.append(original(response))
        return waits[-1]

    adapter.retry_after = spy  # type: ignore[method-assign]
    assert len(list(store.list())) == 3
    assert emu.transport.count("GET") == 2
    assert waits == [4.0]


def test_retry_after_over_the_cap_is_not_waited_for() -> None:
    emu = emulate("linq", numbers=3, faults=FaultPlan(script=[Fault.RATE_LIMIT], retry_after=600))
    with pytest.raises(RateLimitError) as caught:
        list(store_for(emu, retry=RetryPolicy(max_retry_after=30)).list())
    assert caught.value.retry_after == 600
    assert caught.value.code == 1007
    assert emu.transport.count() == 1


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.DROP_BEFORE, Fault.DROP_AFTER, Fault.SLOW])
def test_list_survives_a_transient_fault(fault: Fault) -> None:
    emu = emulate("linq", numbers=4, faults=FaultPlan(script=[fault]))
    assert len(list(store_for(emu).list())) == 4
    assert emu.transport.count("GET") == 2


@pytest.mark.parametrize("fault", [Fault.RATE_LIMIT, Fault.SERVER_ERROR, Fault.DROP_AFTER])
def test_put_is_retried(fault: Fault) -> None:
    emu = emulate("linq", numbers=2)
    store = store_for(emu)
    target = next(iter(store.list()))
    emu.transport.faults.script = [fault]
    changed = store.set_forwarding(target.id, "+14155550100")
    assert changed.forwarding_number == "+14155550100"
    assert emu.transport.count("PUT") == 2


def test_server_errors_until_retries_are_spent() -> None:
    emu = emulate("linq", numbers=2, faults=FaultPlan(rate=1.0, kinds=(Fault.SERVER_ERROR,)))
    with pytest.raises(ServerError) as caught:
        list(store_for(emu).list())
    assert caught.value.code in {3001, 3004, 3005, 3006}
    assert emu.transport.count() == 5


def test_dropped_connections_until_retries_are_spent() -> None:
    emu = emulate("linq", numbers=2, faults=FaultPlan(rate=1.0, kinds=(Fault.DROP_BEFORE,)))
    with pytest.raises(TransportError):
        list(store_for(emu).list())


def test_malformed_body_is_a_response_format_error() -> None:
    emu = emulate("linq", numbers=2, faults=FaultPlan(script=[Fault.MALFORMED]))
    with pytest.raises(ResponseFormatError):
        list(store_for(emu).list())


async def test_async_store_over_the_same_emulator() -> None:
    emu = emulate("linq", numbers=5, faults=FaultPlan(script=[Fault.RATE_LIMIT]))
    store = emu.connect_async("linq")
    assert isinstance(store, AsyncLinqStore)
    async with store:
        numbers = [n async for n in store.list()]
        assert len(numbers) == 5
        changed = await store.set_forwarding(numbers[0], "+14155550100")
        assert changed.forwarding_number == "+14155550100"
    assert emu.transport.count("GET") == 2


# -- reputation audits ---------------------------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def test_audit_start_poll_and_wait() -> None:
    emu = emulate("linq", numbers=3, audit_polls=2)
    store = store_for(emu)
    line = next(iter(store.list()))
    started = store.ex_start_reputation_audit(line)
    assert started.status == "pending"
    assert store.ex_get_reputation_audit(line.number, started.audit_id).status == "pending"
    clock = FakeClock()
    audit = store.ex_wait_for_reputation_audit(
        line.id, started.audit_id, interval=5, clock=clock, sleep=clock.sleep
    )
    assert isinstance(audit, ReputationAudit)
    assert audit.status == "complete"
    assert audit.phone == line.number
    assert audit.report is not None
    assert line.reputation is not None
    assert audit.report.severity == line.reputation.status.value
    assert clock.sleeps == [5]
    posts = [r for r in emu.transport.requests if r.method == "POST"]
    expected = f"/api/partner/v3/phone_numbers/%2B{line.number[1:]}/reputation_audit"
    assert posts[0].url.raw_path.decode() == expected


def test_audit_started_while_one_runs_answers_202_with_the_running_id() -> None:
    emu = emulate("linq", numbers=2, audit_polls=3)
    store = store_for(emu)
    line = next(iter(store.list()))
    first = store.ex_start_reputation_audit(line.number)
    again = store.ex_start_reputation_audit(line.number)
    assert again.audit_id == first.audit_id
    assert again.status == "pending"
    assert len(emu.transport.audits) == 1
    assert emu.transport.count("POST") == 2


def test_audit_cooldown_is_429_with_retry_after_and_not_retried() -> None:
    emu = emulate("linq", numbers=2, audit_polls=0, audit_cooldown=900)
    store = store_for(emu)
    line = next(iter(store.list()))
    started = store.ex_start_reputation_audit(line.number)
    assert store.ex_get_reputation_audit(line.number, started.audit_id).finished
    with pytest.raises(RateLimitError) as caught:
        store.ex_start_reputation_audit(line.number)
    assert caught.value.retry_after == 900
    assert emu.transport.count("POST") == 2


def test_audit_short_cooldown_is_waited_out_then_reported() -> None:
    emu = emulate("linq", numbers=2, audit_polls=0, audit_cooldown=5)
    store = store_for(emu)
    line = next(iter(store.list()))
    started = store.ex_start_reputation_audit(line.number)
    store.ex_get_reputation_audit(line.number, started.audit_id)
    with pytest.raises(RateLimitError) as caught:
        store.ex_start_reputation_audit(line.number)  # the emulator's cooldown never ends
    assert caught.value.retry_after == 5
    assert emu.transport.count("POST") == 1 + 5  # the first start, then 5 attempts (test mode)


def test_audit_start_is_not_repeated_after_a_dropped_answer() -> None:
    emu = emulate("linq", numbers=2)
    store = store_for(emu)
    line = next(iter(store.list()))
    emu.transport.faults.script = [Fault.DROP_AFTER]
    with pytest.raises(TransportError):
        store.ex_start_reputation_audit(line.number)
    assert emu.transport.count("POST") == 1


def test_audit_of_unknown_line_or_id_is_not_found() -> None:
    emu = emulate("linq", numbers=2)
    store = store_for(emu)
    with pytest.raises(NotFoundError):
        store.ex_start_reputation_audit("+14155550123")
    line = next(iter(store.list()))
    with pytest.raises(NotFoundError):
        store.ex_get_reputation_audit(line.number, "no-such-audit")


def test_audit_bad_inputs_are_refused_before_any_request() -> None:
    emu = emulate("linq", numbers=2)
    store = store_for(emu)
    with pytest.raises(phonefleet.InvalidNumberError):
        store.ex_start_reputation_audit("+1 202")
    with pytest.raises(ValueError, match="audit_id"):
        store.ex_get_reputation_audit("+12025550100", " ")
    assert emu.transport.count() == 0


def test_wait_gives_up_at_the_deadline() -> None:
    emu = emulate("linq", numbers=2, audit_polls=1000)
    store = store_for(emu)
    line = next(iter(store.list()))
    started = store.ex_start_reputation_audit(line.number)
    clock = FakeClock()
    with pytest.raises(DeadlineExceededError, match="pending"):
        store.ex_wait_for_reputation_audit(
            line.number, started.audit_id, timeout=10, interval=3, clock=clock, sleep=clock.sleep
        )
    assert clock.sleeps == [3, 3, 3, 1]
    assert clock.now == 10


async def test_async_audit_wait() -> None:
    emu = emulate("linq", numbers=2, audit_polls=3)
    async with emu.connect_async("linq") as store:
        line = await anext(aiter(store.list()))
        started = await store.ex_start_reputation_audit(line)
        clock = FakeClock()
        audit = await store.ex_wait_for_reputation_audit(
            line, started.audit_id, interval=2, clock=clock, sleep=clock.asleep
        )
        assert audit.status == "complete"
        assert clock.sleeps == [2, 2, 2]
        assert (await store.ex_get_reputation_audit(line, started.audit_id)).finished


def test_audit_wait_rules() -> None:
    clock = FakeClock()
    wait = AuditWait(timeout=5, interval=2, clock=clock)
    pending = ReputationAudit(audit_id="a", status="pending")
    assert wait.next_delay(ReputationAudit(audit_id="a", status="error", error="boom")) is None
    assert wait.next_delay(pending) == 2
    clock.now = 4
    assert wait.next_delay(pending) == 1
    clock.now = 5
    with pytest.raises(DeadlineExceededError):
        wait.next_delay(pending)
    with pytest.raises(ValueError, match="> 0"):
        AuditWait(timeout=0, interval=1, clock=clock)


def test_audit_errors_keep_the_envelope() -> None:
    emu = emulate("linq", numbers=2)
    store = store_for(emu, api_key="wrong")
    with pytest.raises(ProviderError) as caught:
        store.ex_start_reputation_audit("+12022000000")
    assert caught.value.code == 2004


def test_emulator_runs_on_an_event_loop_too() -> None:
    emu = emulate("linq", numbers=3)

    async def main() -> int:
        async with httpx.AsyncClient(transport=emu.transport) as client:
            response = await client.get(
                f"{BASE_URL}/v3/phone_numbers", headers={"Authorization": f"Bearer {emu.settings['api_key']}"}
            )
            return len(response.json()["phone_numbers"])

    assert asyncio.run(main()) == 3
