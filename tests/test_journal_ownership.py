"""A migration journal serves one run at a time, and records how each run ended.

Two runs on one journal would send every write twice; the second is refused
before anything is sent. A crashed (killed) owner does not block a resume once its heartbeat is stale.
A cancelled `apply_async` records the interruption and re-raises.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from phonefleet import AsyncMemoryStore, MemoryStore, PhoneNumber, migrate
from phonefleet.migrate import Journal, JournalBusyError, Plan
from phonefleet.migrate._journal import STALE_SECONDS

NUMBERS = [f"+1202555{i:04d}" for i in range(30)]


def _plan() -> tuple[Plan, MemoryStore, MemoryStore]:
    source = MemoryStore(
        [PhoneNumber("linq", f"s{i}", n, name="x") for i, n in enumerate(NUMBERS)], provider="linq"
    )
    target = MemoryStore([PhoneNumber("gr", f"t{i}", n) for i, n in enumerate(NUMBERS)], provider="gr")
    return migrate.plan(source, target), source, target


def _journal(path: Path) -> Journal:
    return Journal(path, source="linq", target="gr")


def test_a_second_claim_is_refused_naming_the_journal_and_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    first, second = _journal(path), _journal(path)
    first.claim()
    with pytest.raises(JournalBusyError) as info:
        second.claim()
    text = str(info.value)
    assert str(path) in text
    assert f"pid {os.getpid()}" in text
    assert socket.gethostname() in text
    assert "take_over=True" in text
    assert info.value.owner["pid"] == os.getpid()
    first.release("finished")
    second.claim()  # free again once the first run ended
    second.close()
    first.close()


def test_apply_on_a_journal_another_run_holds_sends_nothing(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    plan, _, target = _plan()
    holder = _journal(path)
    holder.claim()
    sent: list[Any] = []
    original = target.update

    def update(*args: Any, **kwargs: Any) -> Any:
        sent.append(args)
        return original(*args, **kwargs)

    target.update = update  # type: ignore[method-assign]
    with pytest.raises(JournalBusyError):
        migrate.apply(plan, journal=path)
    with pytest.raises(JournalBusyError):
        migrate.apply(plan, journal=_journal(path))
    assert sent == []
    holder.close()  # closing releases
    report = migrate.apply(plan, journal=path)
    assert report.ok
    assert len(sent) == len(NUMBERS)


def test_one_journal_object_serves_one_run_at_a_time(tmp_path: Path) -> None:
    journal = _journal(tmp_path / "j.sqlite")
    plan, _, target = _plan()
    entered, release = threading.Event(), threading.Event()
    original = target.update

    def update(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(timeout=30)
        return original(*args, **kwargs)

    target.update = update  # type: ignore[method-assign]
    reports: list[Any] = []
    runner = threading.Thread(
        target=lambda: reports.append(migrate.apply(plan, journal=journal, concurrency=1))
    )
    runner.start()
    assert entered.wait(timeout=30)
    try:
        with pytest.raises(JournalBusyError):
            migrate.apply(plan, journal=journal)
    finally:
        release.set()
        runner.join(timeout=30)
    assert reports[0].ok
    assert journal.owner() is None
    assert [run["outcome"] for run in journal.runs()] == ["finished"]
    journal.close()


_OWNER = """
import sys
from phonefleet.migrate import Journal
journal = Journal(sys.argv[1], source="linq", target="gr")
journal.claim()
print("ready", flush=True)
sys.stdin.read()
"""


def test_a_killed_owner_is_taken_over_once_its_heartbeat_is_stale(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    owner = subprocess.Popen(
        [sys.executable, "-c", _OWNER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        assert owner.stdout.readline().strip() == "ready"
        journal = _journal(path)
        with pytest.raises(JournalBusyError) as info:
            journal.claim()  # alive: refused
        assert info.value.owner["pid"] == owner.pid
        owner.send_signal(signal.SIGKILL)  # kill -9: no chance to release
        owner.wait(timeout=30)
        with pytest.raises(JournalBusyError):
            journal.claim()  # its pid is gone, but a pid proves nothing: its heartbeat is still fresh
        journal.close()
        later = Journal(path, source="linq", target="gr", clock=lambda: time.time() + STALE_SECONDS + 1)
        later.claim()  # silent for longer than STALE_SECONDS: taken over without asking
        runs = later.runs()
        assert runs[0]["pid"] == owner.pid
        assert runs[0]["outcome"].startswith("taken over (its heartbeat is stale")
        assert runs[1]["pid"] == os.getpid()
        later.close()
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait(timeout=30)


def test_an_owner_on_another_host_is_taken_over_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    _journal(path).close()
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO owner (id, run, pid, host, started, heartbeat)"
            " VALUES (1, 'r1', 4242, 'elsewhere', ?, ?)",
            (time.time(), time.time()),
        )
    plan, _, _ = _plan()
    with pytest.raises(JournalBusyError, match="pid 4242 on elsewhere"):
        migrate.apply(plan, journal=path)
    report = migrate.apply(plan, journal=path, take_over=True)
    assert report.ok
    journal = _journal(path)
    assert journal.owner() is None
    journal.close()


def test_a_run_whose_journal_was_taken_over_stops_at_once(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    plan, _, target = _plan()
    original = target.update
    calls = [0]

    def update(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == 3:
            usurper = _journal(path)
            usurper.claim(take_over=True)
            usurper.close()
        return original(*args, **kwargs)

    target.update = update  # type: ignore[method-assign]
    report = migrate.apply(plan, journal=path, concurrency=1)
    assert report.interrupted
    assert "taken over" in (report.stopped_by or "")
    assert "JournalTakenOverError" in (report.stopped_by or "")
    assert calls[0] == 3  # not one more request once the journal was lost
    assert len(report.done) == 3  # the third took effect: reported, though no longer journaled


async def test_apply_async_reraises_a_timeout_and_journals_the_interruption(tmp_path: Path) -> None:
    source = AsyncMemoryStore(
        [PhoneNumber("linq", f"s{i}", n, name="x") for i, n in enumerate(NUMBERS)], provider="linq"
    )
    target = AsyncMemoryStore([PhoneNumber("gr", f"t{i}", n) for i, n in enumerate(NUMBERS)], provider="gr")
    inner = target.update

    async def update(ref: Any, changes: Any) -> Any:
        await asyncio.sleep(0)  # yields to the loop; no waiting
        return await inner(ref, changes)

    target.update = update  # type: ignore[method-assign]
    plan = await migrate.plan_async(source, target)
    path = tmp_path / "j.sqlite"
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0):
            await migrate.apply_async(plan, journal=path, concurrency=2)
    journal = _journal(path)
    runs = journal.runs()
    assert runs[-1]["outcome"] == "interrupted: cancelled"
    assert journal.owner() is None  # released: a resume needs no take-over
    done = journal.counts().get("done", 0)
    assert done < len(NUMBERS)
    journal.close()
    resumed = await migrate.apply_async(plan, journal=path)
    assert len(resumed.done) + len(resumed.already_done) == len(NUMBERS)
    assert len(resumed.already_done) == done


async def test_a_cancelled_apply_async_carries_its_report(tmp_path: Path) -> None:
    source = AsyncMemoryStore(
        [PhoneNumber("linq", f"s{i}", n, name="x") for i, n in enumerate(NUMBERS)], provider="linq"
    )
    target = AsyncMemoryStore([PhoneNumber("gr", f"t{i}", n) for i, n in enumerate(NUMBERS)], provider="gr")
    inner = target.update
    gate, calls = asyncio.Event(), [0]

    async def update(ref: Any, changes: Any) -> Any:
        calls[0] += 1
        if calls[0] > 2:
            await gate.wait()
        return await inner(ref, changes)

    target.update = update  # type: ignore[method-assign]
    plan = await migrate.plan_async(source, target)
    task = asyncio.create_task(migrate.apply_async(plan, journal=tmp_path / "j.sqlite", concurrency=2))
    while calls[0] < 4:
        await asyncio.sleep(0)
    task.cancel()
    await asyncio.sleep(0)
    gate.set()
    with pytest.raises(asyncio.CancelledError) as info:
        await task
    report = info.value.report  # type: ignore[attr-defined]
    assert report.interrupted
    assert report.stopped_by == "cancelled"
    assert len(report.done) == 4
    assert len(report.pending) == len(NUMBERS) - 4
