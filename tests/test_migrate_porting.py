"""Migration with porting, on MemoryStores joined to one Network.

plan -> PORT_IN steps (numbers that cannot port are skipped with the
vendor's reason); apply submits the orders and returns with the settings
waiting; reruns poll each open order once, carry the settings once the
number has arrived, and never create a second order, whatever the moment
of a crash.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
import pytest

from phonefleet import (
    AsyncMemoryStore,
    Feature,
    MemoryStore,
    NumberChanges,
    PortAccount,
    PortAddress,
    PortFailedError,
    PortStatus,
    migrate,
)
from phonefleet._porting import CHECK_FRESH_FOR
from phonefleet.migrate import Action, Journal, Porting
from phonefleet.testing import Network

NUMBERS = ["+12025550100", "+12025550101", "+12025550102", "+12025550103"]
BLOCKED = "+12025550109"


class Crash(BaseException):
    """Stands for the process dying (kill -9) at an injected moment."""


def counting(store: Any, *methods: str) -> Counter[str]:
    """Count calls to `methods` of `store` (the migration calls them by name)."""
    calls: Counter[str] = Counter()
    for name in methods:
        original = getattr(store, name)

        def wrapper(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            calls[_name] += 1
            return _original(*args, **kwargs)

        setattr(store, name, wrapper)
    return calls


@attrs.define
class World:
    net: Network
    source: MemoryStore
    target: MemoryStore
    account: PortAccount
    journal: Path

    def plan(self, **options: Any) -> migrate.Plan:
        options.setdefault("port", Porting(self.account))
        return migrate.plan(self.source, self.target, archive_source=True, **options)

    def orders_per_number(self) -> Counter[str]:
        orders = type(self.target).list_port_ins(self.target)  # past any counting wrapper
        return Counter(n.number for order in orders for n in order.numbers)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


def make_world(tmp_path: Path) -> World:
    """Five numbers on one bill at the source (one of them not portable), the target empty but one."""
    net = Network()
    source = MemoryStore([*NUMBERS, BLOCKED], network=net, provider="old")
    for number in [*NUMBERS, BLOCKED]:
        source.update(number, NumberChanges(name=f"Line {number[-2:]}", forwarding_number="+12025550199"))
    account = net.account(NUMBERS[0])
    for number in [*NUMBERS, BLOCKED]:
        net.hold(source.adapter.network_key, number, account)  # one bill for all
    net.not_portable(BLOCKED, "the losing carrier refuses: number under contract")
    target = MemoryStore(["+13125550100"], network=net, provider="new")
    return World(net, source, target, account, tmp_path / "journal.sqlite")


# -- planning ---------------------------------------------------------------------------------
def test_plan_ports_what_the_target_lacks_and_skips_what_cannot_port(world: World) -> None:
    plan = world.plan()
    ports = [s for s in plan.steps if s.action is Action.PORT_IN]
    assert [s.number for s in ports] == NUMBERS
    assert all(s.store == "target" for s in ports)
    for number in NUMBERS:  # the settings follow the port, the archive last
        actions = [s.action for s in plan.steps if s.number == number]
        assert actions == [Action.PORT_IN, Action.SET_NAME, Action.SET_FORWARDING, Action.ARCHIVE]
    assert BLOCKED not in {s.number for s in plan.steps}
    [port_skip] = [s for s in plan.skipped if s.what == "port"]
    assert port_skip.number == BLOCKED
    assert "number under contract" in port_skip.reason
    assert plan.options["port"] is True
    text = plan.to_json() + str(plan) + repr(plan)
    assert world.account.pin is not None
    assert world.account.pin not in text
    assert world.account.account_number is not None
    assert world.account.account_number not in text


def test_plan_checks_portability_in_batches_once_per_number(world: World) -> None:
    calls: list[list[str]] = []
    original = world.target.check_portability

    def check(numbers: list[str]) -> Any:
        calls.append(list(numbers))
        return original(numbers)

    world.target.check_portability = check  # type: ignore[method-assign]
    world.plan()
    asked = [n for batch in calls for n in batch]
    assert sorted(asked) == sorted([*NUMBERS, BLOCKED])  # each number once, held ones never


def test_plan_without_port_or_without_the_feature_does_not_port(world: World) -> None:
    plain = migrate.plan(world.source, world.target, archive_source=True)
    assert not any(s.action is Action.PORT_IN for s in plain.steps)
    assert "port" not in plain.options
    unable = MemoryStore(features=set(Feature) - {Feature.PORT_IN}, network=world.net)
    plan = migrate.plan(world.source, unable, port=Porting(world.account), create_missing=True)
    assert not any(s.action is Action.PORT_IN for s in plan.steps)
    assert {s.action for s in plan.steps} >= {Action.CREATE}


def test_porting_is_checked() -> None:
    with pytest.raises(TypeError):
        Porting({"name": "x"})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Porting(_account(), date="2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Porting"):
        migrate.plan(MemoryStore(), MemoryStore(), port=_account())  # type: ignore[arg-type]


def _account() -> PortAccount:
    return PortAccount(
        name="Acme",
        authorized_name="Pat",
        authorized_email="pat@example.com",
        address=PortAddress("1 Main St", "Springfield", "IL", "62701", "US"),
    )


# -- applying: the whole story ------------------------------------------------------------------
def test_apply_waits_then_carries_the_settings_once_ported(world: World) -> None:
    plan = world.plan()
    target_calls = counting(world.target, "port_in", "get_port_in", "list_port_ins")
    source_calls = counting(world.source, "archive")

    first = migrate.apply(plan, journal=world.journal)
    assert not first.ok
    assert not first.failed
    assert not first.done
    assert target_calls["port_in"] == 1  # every number in one call: as few orders as the vendor allows
    assert {w.step.number for w in first.waiting} == set(NUMBERS)
    assert len(first.waiting) == len(plan.steps)
    assert all(w.status is PortStatus.SCHEDULED and w.order_id for w in first.waiting)
    assert "16 waiting for 4 ports, next FOC date 2026-01-08" in first.summary()
    assert world.orders_per_number() == Counter(NUMBERS)
    assert first.to_dict()["waiting"][0]["foc_date"].startswith("2026-01-08")

    again = migrate.apply(plan, journal=world.journal)  # the daily job, before the FOC date
    assert len(again.waiting) == len(plan.steps)
    assert target_calls["port_in"] == 1
    assert target_calls["get_port_in"] == 1  # one order: one request, not one per number
    assert target_calls["list_port_ins"] == 0

    world.net.advance(days=5)
    landed = migrate.apply(plan, journal=world.journal)
    assert landed.ok, landed.summary()
    assert not landed.waiting
    assert set(landed.done) == set(plan.steps)
    assert target_calls["get_port_in"] == 2
    assert source_calls["archive"] == 0  # the source no longer holds them: nothing sent to it
    carried = {n.number: n for n in world.target.list()}
    for number in NUMBERS:
        assert carried[number].name == f"Line {number[-2:]}"
        assert carried[number].forwarding_number == "+12025550199"
    assert {n.number for n in world.source.list()} == {BLOCKED}

    last = migrate.apply(plan, journal=world.journal)
    assert last.ok
    assert not last.done
    assert set(last.already_done) == set(plan.steps)
    assert target_calls["get_port_in"] == 2  # nothing to poll
    assert world.orders_per_number() == Counter(NUMBERS)


def test_a_fresh_plan_each_day_still_carries_the_settings(world: World) -> None:
    """The CLI's daily job plans afresh: once ported, the source no longer lists the
    numbers, so their steps come from the journal."""
    migrate.apply(world.plan(), journal=world.journal)
    world.net.advance(days=5)
    fresh = world.plan()
    assert not any(s.number in NUMBERS for s in fresh.steps)
    report = migrate.apply(fresh, journal=world.journal)
    assert report.ok, report.summary()
    carried = {n.number: n for n in world.target.list()}
    assert all(carried[n].name == f"Line {n[-2:]}" for n in NUMBERS)
    assert migrate.apply(world.plan(), journal=world.journal).done == ()


def test_numbers_in_flight_are_planned_as_ports_without_asking_again(world: World) -> None:
    from phonefleet.migrate._porting import in_flight

    migrate.apply(world.plan(), journal=world.journal)
    asked = counting(world.target, "check_portability")
    unaware = world.plan()  # the vendor now says: an open order holds them
    assert {s.number for s in unaware.skipped if s.what == "port"} == {*NUMBERS, BLOCKED}
    with Journal(world.journal, source=world.source.identity, target=world.target.identity) as journal:
        flying = in_flight(journal)
    assert flying == set(NUMBERS)
    calls_before = asked["check_portability"]
    aware = world.plan(port=Porting(world.account, in_flight=flying))
    assert [s.number for s in aware.steps if s.action is Action.PORT_IN] == NUMBERS
    assert {s.number for s in aware.skipped if s.what == "port"} == {BLOCKED}
    assert asked["check_portability"] == calls_before + 1  # only BLOCKED was asked about
    report = migrate.apply(aware, journal=world.journal)
    assert len(report.waiting) == len(aware.steps)
    assert world.orders_per_number() == Counter(NUMBERS)


def test_rejected_port_fails_with_the_reason_and_is_never_resent(world: World) -> None:
    wrong = attrs.evolve(world.account, pin="0000")
    plan = world.plan(port=Porting(wrong))
    report = migrate.apply(plan, journal=world.journal)
    assert not report.ok
    failures = {f.step.number: f for f in report.failed}
    assert set(failures) == set(NUMBERS)
    assert all(isinstance(f.error, PortFailedError) for f in failures.values())
    assert all("pin does not match" in f.message for f in failures.values())
    assert "0000" not in json.dumps(report.to_dict())
    skipped = {s.step.action for s in report.skipped}
    assert skipped == {Action.SET_NAME, Action.SET_FORWARDING, Action.ARCHIVE}
    again = migrate.apply(plan, journal=world.journal)
    assert {f.step.number for f in again.failed} == set(NUMBERS)
    assert world.orders_per_number() == Counter(NUMBERS)


def test_action_required_waits_with_the_problems_shown(world: World) -> None:
    target = MemoryStore(network=world.net, provider="picky", port_mismatch="action_required")
    wrong = attrs.evolve(world.account, name="Someone Else")
    plan = migrate.plan(world.source, target, port=Porting(wrong))
    report = migrate.apply(plan, journal=world.journal)
    assert report.waiting
    assert all(w.status is PortStatus.ACTION_REQUIRED for w in report.waiting)
    assert all(any("name does not match" in p for p in w.problems) for w in report.waiting)
    world.net.advance(days=10)
    again = migrate.apply(plan, journal=world.journal)
    assert {w.status for w in again.waiting} == {PortStatus.ACTION_REQUIRED}


def test_a_cancelled_order_lands_in_failed(world: World) -> None:
    plan = world.plan()
    migrate.apply(plan, journal=world.journal)
    for order in world.target.list_port_ins(open_only=True):
        world.target.cancel_port_in(order.id)
    report = migrate.apply(plan, journal=world.journal)
    assert {f.step.number for f in report.failed} == set(NUMBERS)
    assert all("cancelled" in f.message for f in report.failed)


def test_dry_run_sends_nothing_and_writes_no_journal(world: World) -> None:
    calls = counting(world.target, "port_in", "get_port_in", "list_port_ins", "update")
    report = migrate.apply(world.plan(), journal=world.journal, dry_run=True)
    assert report.dry_run
    assert sum(calls.values()) == 0
    assert not world.journal.exists()
    assert all(s.reason.startswith("dry run") for s in report.skipped)


def test_a_number_refused_at_apply_time_fails_and_the_rest_are_ordered(world: World) -> None:
    plan = world.plan()
    # the plan's answers are older than `port_in` trusts: each number is asked again
    aged = [attrs.evolve(a, checked_at=a.checked_at - CHECK_FRESH_FOR * 2) for a in plan.port.checked]
    plan.port = attrs.evolve(plan.port, checked=aged)
    world.net.not_portable(NUMBERS[1], "ported elsewhere meanwhile")
    report = migrate.apply(plan, journal=world.journal)
    [failure] = [f for f in report.failed if f.step.action is Action.PORT_IN]
    assert failure.step.number == NUMBERS[1]
    assert "ported elsewhere meanwhile" in failure.message
    assert world.orders_per_number() == Counter(n for n in NUMBERS if n != NUMBERS[1])


# -- crashes: one order per number, whatever the moment ----------------------------------------------
class CrashingJournal(Journal):
    """Dies right after writing the records of the given state."""

    crash_after: str = ""

    def record_ports(self, records: list[Any]) -> None:
        super().record_ports(records)
        if records and records[0].state == self.crash_after:
            raise Crash(self.crash_after)


def _crash_on_port_in(store: MemoryStore) -> None:
    """The order is created at the vendor, and the process dies before hearing back."""
    original = store.port_in

    def port_in(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        raise Crash("after the order was created")

    store.port_in = port_in  # type: ignore[method-assign]


@pytest.mark.parametrize("moment", ["intended", "created", "ordered", "completed"])
def test_a_crash_at_any_moment_never_makes_a_second_order(world: World, moment: str) -> None:
    plan = world.plan()
    if moment in ("intended", "ordered"):
        journal: Journal = CrashingJournal(
            world.journal, source=world.source.identity, target=world.target.identity
        )
        journal.crash_after = moment  # type: ignore[attr-defined]
        assert migrate.apply(plan, journal=journal).stopped_by == f"Crash: {moment}"
        journal._run = None
    elif moment == "created":
        _crash_on_port_in(world.target)
        assert migrate.apply(plan, journal=world.journal).interrupted
        del world.target.port_in  # the next process has the plain store again
    else:
        migrate.apply(plan, journal=world.journal)
        world.net.advance(days=5)
        original = world.target.update
        world.target.update = lambda *a, **k: (_ for _ in ()).throw(Crash("mid-settings"))  # type: ignore[method-assign]
        assert migrate.apply(plan, journal=world.journal).interrupted
        world.target.update = original  # type: ignore[method-assign]

    sends = counting(world.target, "port_in")
    rerun = migrate.apply(plan, journal=world.journal, take_over=True)
    assert not rerun.failed, [f.message for f in rerun.failed]
    # only a crash before sending leaves the order to send: otherwise it is found, not re-sent
    assert sends["port_in"] == (1 if moment == "intended" else 0)
    world.net.advance(days=5)
    final = migrate.apply(plan, journal=world.journal, take_over=True)
    assert final.ok, final.summary()
    assert world.orders_per_number() == Counter(NUMBERS)  # one order per number
    carried = {n.number: n for n in world.target.list()}
    assert all(carried[n].forwarding_number == "+12025550199" for n in NUMBERS)


# -- async -------------------------------------------------------------------------------------------
def test_async_apply_runs_the_same_story(tmp_path: Path) -> None:
    async def story() -> tuple[migrate.Report, migrate.Report, list[str]]:
        net = Network()
        source = AsyncMemoryStore(NUMBERS, network=net, provider="old")
        account = net.account(NUMBERS[0])
        for number in NUMBERS:
            net.hold(source.adapter.network_key, number, account)
            await source.update(number, NumberChanges(name="Desk"))
        target = AsyncMemoryStore(network=net, provider="new")
        plan = await migrate.plan_async(source, target, archive_source=True, port=Porting(account))
        first = await migrate.apply_async(plan, journal=tmp_path / "j.sqlite")
        net.advance(days=5)
        second = await migrate.apply_async(plan, journal=tmp_path / "j.sqlite")
        names = [n.name or "" async for n in target.list()]
        return first, second, names

    first, second, names = asyncio.run(story())
    assert len(first.waiting) == len(NUMBERS) * 3
    assert second.ok, second.summary()
    assert names == ["Desk"] * len(NUMBERS)


@pytest.mark.parametrize(("count", "concurrency"), [(10_000, 16), (1_000, 16), (50, 16), (10_000, 1), (0, 4)])
def test_chunks_are_multiples_of_the_batch_unit_and_cover_each_number_once(
    count: int, concurrency: int
) -> None:
    from phonefleet.migrate._porting import BATCH_UNIT, chunks

    numbers = [f"+1202555{n:04d}" for n in range(count)]
    parts = chunks(numbers, concurrency)
    assert [n for part in parts for n in part] == numbers
    assert all(len(part) % BATCH_UNIT == 0 for part in parts[:-1])
    if count:
        assert len(parts) <= max(concurrency, 1) or len(parts[0]) == BATCH_UNIT
        # a vendor batching by 100 sends ceil(count / 100) requests over these chunks
        assert sum(math.ceil(len(part) / 100) for part in parts) == math.ceil(count / 100)


def test_an_order_that_cannot_be_read_stays_waiting_with_why(world: World) -> None:
    from phonefleet import ServerError

    plan = world.plan()
    migrate.apply(plan, journal=world.journal)

    def unreadable(port_id: str) -> Any:
        raise ServerError("upstream is down", provider="new", status=503)

    world.target.get_port_in = unreadable  # type: ignore[method-assign]
    report = migrate.apply(plan, journal=world.journal)
    assert not report.failed
    assert len(report.waiting) == len(plan.steps)
    assert all(w.status is PortStatus.SCHEDULED for w in report.waiting)  # as last seen
    assert all("could not read the order" in w.problems[0] for w in report.waiting)
    del world.target.get_port_in
    world.net.advance(days=5)
    assert migrate.apply(plan, journal=world.journal).ok
