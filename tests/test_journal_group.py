"""Group commit: an async run writes the journal records of one loop turn in one transaction.

What must not change with it: a step is on disk as `started` before its request
is sent; it is `done` in the journal, and reported done, only after the store
confirmed it; ownership is checked in the very transaction that writes, so a
journal taken over refuses the whole group and nothing more is sent; a run
killed with records still queued leaves those steps `started`, to be looked up.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from phonefleet import AsyncMemoryStore, MemoryStore, PhoneFleetError, PhoneNumber, migrate
from phonefleet.migrate import Journal, JournalTakenOverError, Step
from phonefleet.migrate._group import MAX_WAIT, GroupCommit
from phonefleet.migrate._journal import DONE, STARTED

NUMBERS = [f"+1202555{i:04d}" for i in range(40)]


def _steps() -> list[Step]:
    source = MemoryStore(
        [PhoneNumber("linq", f"s{i}", n, name="x") for i, n in enumerate(NUMBERS)], provider="linq"
    )
    target = MemoryStore([PhoneNumber("gr", f"t{i}", n) for i, n in enumerate(NUMBERS)], provider="gr")
    return list(migrate.plan(source, target).steps)


def _claimed(path: Path) -> Journal:
    journal = Journal(path, source="linq", target="gr")
    journal.claim()
    return journal


def _rows(path: Path) -> dict[str, str]:
    """What is on disk now, read through another connection: number -> state."""
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT number, state FROM steps").fetchall())


# -- the journal writes a group in one transaction, all or nothing -----------------------------------
def test_a_group_is_written_whole_with_its_states(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal, steps = _claimed(path), _steps()
    journal.write([(steps[0], STARTED, None), (steps[1], STARTED, None)])
    journal.write([(steps[0], DONE, None), (steps[2], STARTED, None)])
    assert _rows(path) == {steps[0].number: DONE, steps[1].number: STARTED, steps[2].number: STARTED}
    assert [journal.state(step) for step in steps[:4]] == [DONE, STARTED, STARTED, None]
    journal.close()


def test_a_group_that_fails_midway_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal, steps = _claimed(path), _steps()
    unbindable: Any = object()  # sqlite refuses it on the third row, after two were inserted
    with pytest.raises(PhoneFleetError, match="cannot write to the migration journal"):
        journal.write([(steps[0], DONE, None), (steps[1], STARTED, None), (steps[2], STARTED, unbindable)])
    assert _rows(path) == {}
    assert journal.state(steps[0]) is None  # not believed done: it was never written
    journal.write([(steps[3], STARTED, None)])  # the journal is usable again: the group was rolled back
    assert _rows(path) == {steps[3].number: STARTED}
    journal.close()


def test_a_group_after_a_take_over_is_refused_whole(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal, steps = _claimed(path), _steps()
    usurper = Journal(path, source="linq", target="gr")
    usurper.claim(take_over=True)
    with pytest.raises(JournalTakenOverError):
        journal.write([(steps[0], DONE, None), (steps[1], STARTED, None)])
    assert _rows(path) == {}
    assert journal.state(steps[0]) is None
    usurper.close()
    journal.close()


# -- the group commit of an async run -----------------------------------------------------------------
async def test_the_records_of_one_loop_turn_share_one_transaction(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal, steps = _claimed(path), _steps()
    groups: list[int] = []
    write = journal.write

    def counted(records: Any) -> None:
        groups.append(len(records))
        write(records)

    journal.write = counted  # type: ignore[method-assign]
    errors: list[BaseException] = []
    group = GroupCommit(journal, errors.append, clock=lambda: 0.0)
    on_disk_when_reported: list[dict[str, str]] = []
    first, second = group.started(steps[0]), group.started(steps[1])
    group.settled(steps[2], DONE, None, lambda: on_disk_when_reported.append(_rows(path)))
    assert _rows(path) == {}  # queued: nothing is written, nothing reported yet
    assert on_disk_when_reported == []
    assert not first.done()
    await asyncio.gather(first, second)
    assert groups == [3]  # one transaction, one ownership check, for the three records
    assert _rows(path) == {steps[0].number: STARTED, steps[1].number: STARTED, steps[2].number: DONE}
    # reported only once its record was on disk
    assert on_disk_when_reported == [_rows(path)]
    assert errors == []
    journal.close()


async def test_a_group_whose_first_task_waited_enough_is_written_at_once(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal, steps = _claimed(path), _steps()
    now = [10.0]
    group = GroupCommit(journal, [].append, clock=lambda: now[0])
    first = group.started(steps[0])
    assert not first.done()  # waits for others to join it, until the end of the loop's turn
    now[0] += MAX_WAIT
    second = group.started(steps[1])
    # not one task more waits for the group: both are on disk before the turn ends
    assert first.done()
    assert second.done()
    assert _rows(path) == {steps[0].number: STARTED, steps[1].number: STARTED}
    third = group.started(steps[2])  # a new group begins
    assert not third.done()
    await third
    assert _rows(path)[steps[2].number] == STARTED
    journal.close()


async def test_a_take_over_refuses_the_group_and_every_waiting_task_raises(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal, steps = _claimed(path), _steps()
    errors: list[BaseException] = []
    reported: list[Step] = []
    group = GroupCommit(journal, errors.append, clock=lambda: 0.0)
    waiting = [group.started(steps[0]), group.started(steps[1])]
    group.settled(steps[2], DONE, None, lambda: reported.append(steps[2]))
    usurper = Journal(path, source="linq", target="gr")
    usurper.claim(take_over=True)  # between the queueing and the write
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(result, JournalTakenOverError) for result in results)
    assert _rows(path) == {}  # nothing of the group was written
    assert [type(error) for error in errors] == [JournalTakenOverError]  # the run hears of it and stops
    assert reported == [steps[2]]  # the store confirmed it: reported done, as with one write per step
    assert journal.state(steps[2]) is None
    usurper.close()
    journal.close()


async def test_an_async_run_taken_over_mid_run_records_and_sends_nothing_more(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    source = AsyncMemoryStore(
        [PhoneNumber("linq", f"s{i}", n, name="x") for i, n in enumerate(NUMBERS)], provider="linq"
    )
    target = AsyncMemoryStore([PhoneNumber("gr", f"t{i}", n) for i, n in enumerate(NUMBERS)], provider="gr")
    inner, sent = target.update, []
    at_take_over: dict[str, str] = {}

    async def update(ref: Any, changes: Any) -> Any:
        sent.append(ref)
        if len(sent) == 9:
            usurper = Journal(path, source="linq", target="gr")
            usurper.claim(take_over=True)
            usurper.close()
            at_take_over.update(_rows(path))
        await asyncio.sleep(0)
        return await inner(ref, changes)

    target.update = update  # type: ignore[method-assign]
    plan = await migrate.plan_async(source, target)
    ids = {step.id: step.number for step in plan.steps}
    report = await migrate.apply_async(plan, journal=path, concurrency=4)
    assert report.interrupted
    assert "JournalTakenOverError" in (report.stopped_by or "")
    assert 9 <= len(sent) < len(NUMBERS)
    assert _rows(path) == at_take_over  # not one record more once the journal was taken over
    # every request sent was journaled (started) before it was sent
    assert {ids[ref] for ref in sent} <= set(at_take_over)
    # nothing is done in the journal that the store did not confirm
    confirmed = {n.number async for n in target.list() if n.name == "x"}
    assert {n for n, state in at_take_over.items() if state == DONE} <= confirmed
    assert {step.number for step in report.done} <= confirmed


_KILLED = """
import asyncio, os, signal, sys
from pathlib import Path
from phonefleet import AsyncMemoryStore, PhoneNumber, migrate

journal, effects, reported = (Path(arg) for arg in sys.argv[1:4])
kill_at = int(sys.argv[4])
NUMBERS = [f"+1202555{i:04d}" for i in range(40)]


def _append(path, line):
    with path.open("a") as f:
        f.write(line + "\\n")
        f.flush()
        os.fsync(f.fileno())


class Target(AsyncMemoryStore):
    calls = 0

    async def update(self, ref, changes):
        await asyncio.sleep(0)
        result = await super().update(ref, changes)
        _append(effects, result.number)  # the store has it
        Target.calls += 1
        if Target.calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)  # kill -9, with records still queued
        return result


async def main():
    source = AsyncMemoryStore(
        [PhoneNumber("linq", f"s{i}", n, name="x") for i, n in enumerate(NUMBERS)], provider="linq"
    )
    target = Target([PhoneNumber("gr", f"t{i}", n) for i, n in enumerate(NUMBERS)], provider="gr")
    plan = await migrate.plan_async(source, target)
    done = lambda step, outcome: outcome == "done" and _append(reported, step.number)
    await migrate.apply_async(plan, journal=journal, concurrency=8, progress=done)


asyncio.run(main())
"""


@pytest.mark.parametrize("kill_at", [1, 13, 30])
def test_a_run_killed_with_records_queued_reports_and_journals_only_what_the_store_has(
    tmp_path: Path, kill_at: int
) -> None:
    journal, effects, reported = tmp_path / "j.sqlite", tmp_path / "effects", tmp_path / "reported"
    effects.touch()
    reported.touch()
    run = subprocess.run(
        [sys.executable, "-c", _KILLED, str(journal), str(effects), str(reported), str(kill_at)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == -9, run.stderr
    confirmed = effects.read_text().split()
    rows = _rows(journal)
    assert len(confirmed) == kill_at
    # every request that reached the store was journaled before it was sent
    assert set(confirmed) <= set(rows)
    # done in the journal only what the store confirmed, reported done only what the journal has done
    journaled_done = {number for number, state in rows.items() if state == DONE}
    assert journaled_done <= set(confirmed)
    assert set(reported.read_text().split()) <= journaled_done
    # the step the store confirmed as the process died is not believed done: it is looked up on resume
    assert rows[confirmed[-1]] == STARTED


def _async_stores() -> tuple[AsyncMemoryStore, AsyncMemoryStore]:
    source = AsyncMemoryStore(
        [PhoneNumber("linq", f"s{i}", n, name="x") for i, n in enumerate(NUMBERS)], provider="linq"
    )
    target = AsyncMemoryStore([PhoneNumber("gr", f"t{i}", n) for i, n in enumerate(NUMBERS)], provider="gr")
    return source, target


async def test_an_async_run_reports_each_step_once_and_done_only_once_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    source, target = _async_stores()
    plan = await migrate.plan_async(source, target)
    heard: list[tuple[str, str, str | None]] = []

    def progress(step: Step, outcome: str) -> None:
        heard.append((step.number, outcome, _rows(path).get(step.number)))

    report = await migrate.apply_async(plan, journal=path, concurrency=8, progress=progress)
    assert report.ok
    assert sorted(number for number, _, _ in heard) == sorted(NUMBERS)  # each step once
    assert {(outcome, state) for _, outcome, state in heard} == {("done", DONE)}  # on disk when reported
    assert set(_rows(path).values()) == {DONE}


async def test_a_progress_callback_that_fails_stops_an_async_run_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    source, target = _async_stores()
    plan = await migrate.plan_async(source, target)
    heard: list[str] = []

    def progress(step: Step, outcome: str) -> None:
        heard.append(step.number)
        if len(heard) == 5:
            msg = "the progress bar broke"
            raise RuntimeError(msg)

    report = await migrate.apply_async(plan, journal=path, concurrency=4, progress=progress)
    assert report.interrupted
    assert "the progress bar broke" in (report.stopped_by or "")
    assert len(report.done) < len(NUMBERS)  # nothing new started once it failed
    rows = _rows(path)
    assert {step.number for step in report.done} <= {n for n, state in rows.items() if state == DONE}
    journal = Journal(path, source="linq", target="gr")
    assert journal.owner() is None  # released
    assert journal.runs()[-1]["outcome"].startswith("interrupted: RuntimeError")
    journal.close()
