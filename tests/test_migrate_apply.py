"""Applying a plan: bounded, journaled, dry-runnable, never raising halfway."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

import phonefleet
from phonefleet import (
    ArchiveBlocker,
    AsyncMemoryStore,
    Feature,
    MemoryStore,
    PhoneNumber,
    migrate,
)
from phonefleet.migrate import Action, Journal, Plan

A, B, C = "+12025550100", "+12025550101", "+12025550102"
FWD = "+14155550199"
BLOCKER = ArchiveBlocker(kind="workflow", id="wf-1", name="Inbound triage")


def fleet(provider: str, items: list[tuple[str, str | None, str | None]], **options: Any) -> MemoryStore:
    return MemoryStore(
        [
            PhoneNumber(provider, f"{provider}-{i}", n, name=name, forwarding_number=fwd)
            for i, (n, name, fwd) in enumerate(items)
        ],
        provider=provider,
        **options,
    )


def pair(**source_options: Any) -> tuple[MemoryStore, MemoryStore]:
    source = fleet("linq", [(A, "Sales", FWD), (B, "Support", None), (C, "Billing", FWD)], **source_options)
    target = fleet("gr", [(A, None, None), (B, "Old", None)])
    return source, target


def state(store: Any) -> list[tuple[str, str | None, str | None, bool]]:
    return sorted((n.number, n.name, n.forwarding_number, n.archived) for n in store.list(archived=None))


def test_apply_makes_the_target_carry_and_archives_the_source_after(tmp_path: Path) -> None:
    source, target = pair()
    plan = migrate.plan(source, target, archive_source=True, create_missing=True)
    seen: list[tuple[str, str]] = []
    report = migrate.apply(plan, journal=tmp_path / "j.sqlite", progress=lambda s, o: seen.append((s.key, o)))
    assert report.ok, report.summary()
    assert len(report.done) == len(plan.steps) == len(seen)
    assert state(target) == [
        (A, "Sales", FWD, False),
        (B, "Support", None, False),
        (C, "Billing", FWD, False),
    ]
    assert all(n.archived for n in source.list(archived=None))
    assert migrate.plan(source, target).steps == ()


def test_rerun_with_the_journal_sends_nothing(tmp_path: Path) -> None:
    source, target = pair()
    plan = migrate.plan(source, target, archive_source=True, create_missing=True)
    journal = tmp_path / "j.sqlite"
    migrate.apply(plan, journal=journal)
    before = state(source), state(target)
    again = migrate.apply(plan, journal=str(journal))
    assert again.done == ()
    assert len(again.already_done) == len(plan.steps)
    assert again.ok
    assert (state(source), state(target)) == before
    with sqlite3.connect(journal) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = db.execute("SELECT state, attempts FROM steps").fetchall()
    assert rows
    assert all(row == ("done", 1) for row in rows)


def test_dry_run_changes_nothing_and_says_what_would_change(tmp_path: Path) -> None:
    source, target = pair()
    plan = migrate.plan(source, target, archive_source=True, create_missing=True)
    before = state(source), state(target)
    report = migrate.apply(plan, journal=tmp_path / "j.sqlite", dry_run=True)
    assert (state(source), state(target)) == before
    assert report.dry_run
    assert report.done == ()
    assert len(report.skipped) == len(plan.steps)
    assert all(item.reason.startswith("dry run: would ") for item in report.skipped)
    assert any("archive +12025550100 on the source" in item.reason for item in report.skipped)
    assert Journal(tmp_path / "j.sqlite", source="linq", target="gr").counts() == {}


def test_a_failed_target_step_keeps_the_source_number(tmp_path: Path) -> None:
    source, target = pair()
    plan = migrate.plan(source, target, archive_source=True)
    # the target's number B disappears (archived) after planning: its step fails
    target.archive(B)
    report = migrate.apply(plan, journal=tmp_path / "j.sqlite")
    assert not report.ok
    (failure,) = report.failed
    assert failure.step.number == B
    assert isinstance(failure.error, phonefleet.ConflictError)
    assert [s.reason for s in report.skipped if s.step.number == B] == [
        "not archived: a target step for this number did not succeed"
    ]
    assert not source.get(B).archived
    assert source.get(A).archived


def test_a_blocked_archive_fails_typed_with_its_blockers(tmp_path: Path) -> None:
    source, target = pair(blockers={A: [BLOCKER]})
    plan = migrate.plan(source, target, archive_source=True)
    report = migrate.apply(plan, journal=tmp_path / "j.sqlite")
    (failure,) = report.failed
    assert failure.step.action is Action.ARCHIVE
    assert isinstance(failure.error, phonefleet.ArchiveBlockedError)
    assert failure.error.blockers == [BLOCKER]
    assert "blocked by workflow Inbound triage" in failure.message
    assert report.to_dict()["failed"][0]["error"] == "ArchiveBlockedError"


def test_a_failed_create_skips_the_numbers_other_steps() -> None:
    source = fleet("linq", [(A, "Sales", FWD)])
    target = fleet("gr", [])
    plan = migrate.plan(source, target, create_missing=True, archive_source=True)
    target.create(A)  # someone else created it meanwhile: create conflicts
    report = migrate.apply(plan)
    assert [f.step.action for f in report.failed] == [Action.CREATE]
    assert {s.step.action for s in report.skipped} == {Action.SET_FORWARDING, Action.ARCHIVE}
    assert not source.get(A).archived


def test_apply_checks_its_arguments(tmp_path: Path) -> None:
    source, target = pair()
    plan = migrate.plan(source, target)
    with pytest.raises(ValueError, match="concurrency"):
        migrate.apply(plan, concurrency=0)
    unbound = Plan.from_json(plan.to_json())
    with pytest.raises(ValueError, match="not bound to a target store"):
        migrate.apply(unbound)
    with pytest.raises(TypeError, match="use apply_async"):
        migrate.apply(
            Plan.from_json(
                plan.to_json(),
                source=AsyncMemoryStore(provider="linq"),
                target=AsyncMemoryStore(provider="gr"),
            )
        )
    with pytest.raises(TypeError, match="use apply\\(\\)"):
        asyncio.run(migrate.apply_async(plan))


def test_a_journal_belongs_to_one_migration(tmp_path: Path) -> None:
    source, target = pair()
    migrate.apply(migrate.plan(source, target), journal=tmp_path / "j.sqlite")
    other = MemoryStore([], provider="signalwire")
    plan = migrate.plan(source, other, create_missing=True)
    with pytest.raises(phonefleet.PhoneFleetError, match="journal of a migration from linq to gr"):
        migrate.apply(plan, journal=tmp_path / "j.sqlite")
    (tmp_path / "bad.sqlite").write_text("this is not a database" * 100)
    with pytest.raises(phonefleet.PhoneFleetError, match="cannot use"):
        migrate.apply(plan, journal=tmp_path / "bad.sqlite")


def test_sync_apply_bounds_concurrency() -> None:
    numbers = [f"+1202555{i:04d}" for i in range(40)]
    source = fleet("linq", [(n, f"n{i}", None) for i, n in enumerate(numbers)])
    target = fleet("gr", [(n, None, None) for n in numbers])
    inner_update = target.update
    lock = threading.Lock()
    active = [0, 0]
    barrier_hits: list[int] = []

    def update(ref: Any, changes: Any) -> Any:
        with lock:
            active[0] += 1
            active[1] = max(active[1], active[0])
        try:
            barrier_hits.append(1)
            threading.Event().wait(0.002)
            return inner_update(ref, changes)
        finally:
            with lock:
                active[0] -= 1

    target.update = update  # type: ignore[method-assign]
    report = migrate.apply(migrate.plan(source, target), concurrency=4)
    assert report.ok
    assert len(report.done) == 40
    assert 1 <= active[1] <= 4


async def test_apply_async_bounds_concurrency_and_reports(tmp_path: Path) -> None:
    numbers = [f"+1202555{i:04d}" for i in range(60)]
    source = AsyncMemoryStore(
        [PhoneNumber("linq", f"s{i}", n, forwarding_number=FWD) for i, n in enumerate(numbers)],
        provider="linq",
    )
    target = AsyncMemoryStore([PhoneNumber("gr", f"t{i}", n) for i, n in enumerate(numbers)], provider="gr")
    inner = target.set_forwarding
    active = [0, 0]

    async def set_forwarding(ref: Any, forward_to: Any) -> Any:
        active[0] += 1
        active[1] = max(active[1], active[0])
        try:
            await asyncio.sleep(0)
            return await inner(ref, forward_to)
        finally:
            active[0] -= 1

    target.set_forwarding = set_forwarding  # type: ignore[method-assign]
    plan = await migrate.plan_async(source, target, archive_source=True)
    report = await migrate.apply_async(plan, journal=tmp_path / "j.sqlite", concurrency=8)
    assert report.ok
    assert len(report.done) == 120
    assert active[1] == 8
    assert all([n.archived async for n in source.list(archived=None)])
    again = await migrate.apply_async(plan, journal=tmp_path / "j.sqlite", concurrency=8)
    assert len(again.already_done) == 120
    assert again.done == ()


async def test_cancelling_apply_async_stops_cleanly(tmp_path: Path) -> None:
    numbers = [f"+1202555{i:04d}" for i in range(50)]
    source = AsyncMemoryStore(
        [PhoneNumber("linq", f"s{i}", n, name="x") for i, n in enumerate(numbers)], provider="linq"
    )
    target = AsyncMemoryStore([PhoneNumber("gr", f"t{i}", n) for i, n in enumerate(numbers)], provider="gr")
    inner = target.update
    gate = asyncio.Event()
    calls = [0]

    async def update(ref: Any, changes: Any) -> Any:
        calls[0] += 1
        if calls[0] > 5:
            await gate.wait()
        return await inner(ref, changes)

    target.update = update  # type: ignore[method-assign]
    plan = await migrate.plan_async(source, target)
    task = asyncio.create_task(migrate.apply_async(plan, journal=tmp_path / "j.sqlite", concurrency=3))
    while calls[0] < 8:
        await asyncio.sleep(0)
    task.cancel()  # what asyncio.run does on Ctrl-C
    await asyncio.sleep(0)
    gate.set()  # the steps in flight settle
    with pytest.raises(asyncio.CancelledError) as cancelled:  # asyncio's rule: cancellation is re-raised
        await task
    report = cancelled.value.report  # type: ignore[attr-defined]
    assert report.interrupted
    assert report.stopped_by == "cancelled"
    assert not report.ok
    assert len(report.done) == 8
    assert len(report.pending) == 42
    counts = Journal(tmp_path / "j.sqlite", source="linq", target="gr").counts()
    assert counts == {"done": 8}
    resumed = await migrate.apply_async(plan, journal=tmp_path / "j.sqlite")
    assert len(resumed.done) == 42
    assert len(resumed.already_done) == 8


def test_keyboard_interrupt_in_sync_apply_returns_a_consistent_report(tmp_path: Path) -> None:
    numbers = [f"+1202555{i:04d}" for i in range(20)]
    source = fleet("linq", [(n, "x", None) for n in numbers])
    target = fleet("gr", [(n, None, None) for n in numbers])
    inner = target.update
    calls = [0]

    def update(ref: Any, changes: Any) -> Any:
        calls[0] += 1
        if calls[0] == 6:
            raise KeyboardInterrupt
        return inner(ref, changes)

    target.update = update  # type: ignore[method-assign]
    plan = migrate.plan(source, target)
    report = migrate.apply(plan, journal=tmp_path / "j.sqlite", concurrency=1)
    assert report.interrupted
    assert report.stopped_by == "KeyboardInterrupt"
    assert report.summary().endswith("(interrupted: KeyboardInterrupt)")
    assert len(report.done) == 5
    assert len(report.pending) == 15
    counts = Journal(tmp_path / "j.sqlite", source="linq", target="gr").counts()
    assert counts == {"done": 5, "started": 1}
    target.update = inner  # type: ignore[method-assign]
    resumed = migrate.apply(plan, journal=tmp_path / "j.sqlite")
    assert resumed.ok
    assert len(resumed.done) == 15


def test_report_summary_and_dict() -> None:
    source, target = pair()
    report = migrate.apply(migrate.plan(source, target), dry_run=True)
    assert report.summary().startswith("dry run: 0 done")
    data = report.to_dict()
    assert data["dry_run"] is True
    assert data["ok"] is True
    assert {item["action"] for item in data["skipped"]} == {"set_name", "set_forwarding"}


def test_a_store_answer_without_the_change_is_a_failure() -> None:
    source = fleet("linq", [(A, "Sales", None)])
    target = fleet("gr", [(A, None, None)])
    plan = migrate.plan(source, target)
    target.update = lambda ref, changes: target.get(ref)  # type: ignore[method-assign]
    report = migrate.apply(plan)
    (failure,) = report.failed
    assert isinstance(failure.error, migrate.StepNotAppliedError)


def test_only_features_the_store_has_matter() -> None:
    source = fleet("linq", [(A, "Sales", FWD)])
    target = fleet("gr", [(A, None, None)], features=frozenset(Feature) - {Feature.UPDATE_NAME})
    plan = migrate.plan(source, target)
    assert [s.action for s in plan.steps] == [Action.SET_FORWARDING]
    assert migrate.apply(plan).ok
