"""Resume: crash the apply at random steps, rerun, end where an uninterrupted run ends.

A wrapper store crashes (a BaseException, like a killed process) either
before a request is sent or between the store's answer and the journal's
record. Over many seeds: the final state equals an uninterrupted run's, and
no archive ever reaches the store twice.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from phonefleet import ArchiveBlocker, AsyncMemoryStore, Feature, MemoryStore, PhoneNumber, migrate
from phonefleet.migrate import Plan

MUTATING = ("update", "set_forwarding", "create", "archive", "link")


class Crash(BaseException):
    """The process dies here."""


def _fleet(
    seed: int,
) -> tuple[list[PhoneNumber], list[PhoneNumber], dict[str, list[ArchiveBlocker]], frozenset[Feature]]:
    rng = random.Random(seed)
    numbers = [f"+1202555{i:04d}" for i in rng.sample(range(10000), 24)]
    forwards = [f"+1415555{i:04d}" for i in range(24)]
    source = [
        PhoneNumber(
            "linq",
            f"s{i}",
            n,
            name=rng.choice([None, "Sales", "Support", "Billing"]),
            forwarding_number=rng.choice([None, forwards[i]]),
        )
        for i, n in enumerate(numbers)
    ]
    target = [
        PhoneNumber("gr", f"t{i}", n, name=rng.choice([None, "Old"]))
        for i, n in enumerate(numbers)
        if rng.random() < 0.75
    ]
    blockers = {
        n: [ArchiveBlocker("workflow", f"wf-{i}")] for i, n in enumerate(numbers) if rng.random() < 0.1
    }
    features = frozenset(Feature) if rng.random() < 0.7 else frozenset(Feature) - {Feature.SET_FORWARDING}
    return source, target, blockers, features


def _stores(seed: int) -> tuple[MemoryStore, MemoryStore]:
    source, target, blockers, features = _fleet(seed)
    return (
        MemoryStore(source, provider="linq", blockers=blockers),
        MemoryStore(target, provider="gr", features=features),
    )


def _astores(seed: int) -> tuple[AsyncMemoryStore, AsyncMemoryStore]:
    source, target, blockers, features = _fleet(seed)
    return (
        AsyncMemoryStore(source, provider="linq", blockers=blockers),
        AsyncMemoryStore(target, provider="gr", features=features),
    )


class Crashing:
    """A store that passes calls through, counts effective archives, and crashes on cue."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.provider = inner.provider
        self.features = inner.features
        self.crash_at: int | None = None
        self.mode = "before"
        self.calls = 0
        self.archives: Counter[str] = Counter()

    def _hit(self) -> bool:
        self.calls += 1
        return self.crash_at is not None and self.calls == self.crash_at

    def get(self, ref: Any) -> Any:
        return self.inner.get(ref)

    def list(self, **kwargs: Any) -> Any:
        return self.inner.list(**kwargs)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if name not in MUTATING:
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            crash = self._hit()
            if crash and self.mode == "before":
                raise Crash
            result = method(*args, **kwargs)
            if name == "archive":
                self.archives[result.number] += 1
            if crash:
                raise Crash
            return result

        return call


class AsyncCrashing(Crashing):
    async def get(self, ref: Any) -> Any:  # type: ignore[override]
        return await self.inner.get(ref)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if name not in MUTATING:
            return method

        async def call(*args: Any, **kwargs: Any) -> Any:
            crash = self._hit()
            if crash and self.mode == "before":
                raise Crash
            result = await method(*args, **kwargs)
            if name == "archive":
                self.archives[result.number] += 1
            if crash:
                raise Crash
            return result

        return call


def _state(store: Any) -> list[tuple[str, str | None, str | None, bool]]:
    return sorted((n.number, n.name, n.forwarding_number, n.archived) for n in store.list(archived=None))


async def _astate(store: Any) -> list[tuple[str, str | None, str | None, bool]]:
    return sorted(
        [(n.number, n.name, n.forwarding_number, n.archived) async for n in store.list(archived=None)]
    )


@pytest.mark.parametrize("mode", ["before", "after"])
@pytest.mark.parametrize("seed", range(50))
def test_sync_resume_after_crashes(seed: int, mode: str, tmp_path: Path) -> None:
    # the reference: an uninterrupted run
    ref_source, ref_target = _stores(seed)
    ref_plan = migrate.plan(ref_source, ref_target, archive_source=True, create_missing=True)
    reference = migrate.apply(ref_plan)
    expected = _state(ref_source), _state(ref_target)

    rng = random.Random(1000 + seed)
    raw_source, raw_target = _stores(seed)
    source, target = Crashing(raw_source), Crashing(raw_target)
    plan = migrate.plan(raw_source, raw_target, archive_source=True, create_missing=True)
    # the plan is saved and reloaded bound to the wrapped stores, as a script would after a crash
    plan = Plan.from_json(plan.to_json(), source=source, target=target)
    journal = tmp_path / "journal.sqlite"
    total = len(plan.steps)
    for _attempt in range(3):
        for store in (source, target):
            store.mode = mode
            store.calls = 0
            store.crash_at = None
        victim = rng.choice([source, target])
        victim.crash_at = rng.randint(1, max(1, total // 2))
        migrate.apply(plan, journal=journal, concurrency=rng.choice([1, 3, 8]))
    for store in (source, target):
        store.crash_at = None
    final = migrate.apply(plan, journal=journal, concurrency=4)

    assert (_state(raw_source), _state(raw_target)) == expected
    assert not final.pending
    assert not final.interrupted
    assert {f.step.key for f in final.failed} == {f.step.key for f in reference.failed}
    assert all(count == 1 for count in source.archives.values())
    assert set(source.archives) == {s.number for s in reference.done if s.action.value == "archive"}


@pytest.mark.parametrize("mode", ["before", "after"])
@pytest.mark.parametrize("seed", range(50))
def test_async_resume_after_crashes(seed: int, mode: str, tmp_path: Path) -> None:
    async def scenario() -> None:
        ref_source, ref_target = _astores(seed)
        ref_plan = await migrate.plan_async(ref_source, ref_target, archive_source=True, create_missing=True)
        reference = await migrate.apply_async(ref_plan)
        expected = await _astate(ref_source), await _astate(ref_target)

        rng = random.Random(2000 + seed)
        raw_source, raw_target = _astores(seed)
        source, target = AsyncCrashing(raw_source), AsyncCrashing(raw_target)
        plan = await migrate.plan_async(raw_source, raw_target, archive_source=True, create_missing=True)
        plan = Plan.from_json(plan.to_json(), source=source, target=target)
        journal = tmp_path / "journal.sqlite"
        for _attempt in range(3):
            for store in (source, target):
                store.mode = mode
                store.calls = 0
                store.crash_at = None
            rng.choice([source, target]).crash_at = rng.randint(1, max(1, len(plan.steps) // 2))
            report = await migrate.apply_async(plan, journal=journal, concurrency=rng.choice([1, 4, 16]))
            assert report.done or report.already_done or report.failed or report.pending
        for store in (source, target):
            store.crash_at = None
        final = await migrate.apply_async(plan, journal=journal)

        assert (await _astate(raw_source), await _astate(raw_target)) == expected
        assert not final.pending
        assert {f.step.key for f in final.failed} == {f.step.key for f in reference.failed}
        assert all(count == 1 for count in source.archives.values())

    asyncio.run(scenario())


def test_a_crash_between_send_and_record_is_rechecked_not_resent(tmp_path: Path) -> None:
    raw_source = MemoryStore([PhoneNumber("linq", "s1", "+12025550100", name="A")], provider="linq")
    raw_target = MemoryStore([PhoneNumber("gr", "t1", "+12025550100", name="A")], provider="gr")
    source, target = Crashing(raw_source), Crashing(raw_target)
    source.mode, source.crash_at = "after", 1
    plan = Plan.from_json(
        migrate.plan(raw_source, raw_target, archive_source=True).to_json(), source=source, target=target
    )
    first = migrate.apply(plan, journal=tmp_path / "j.sqlite")
    assert first.interrupted
    assert first.done == ()
    assert raw_source.get("+12025550100").archived  # it took effect, unrecorded
    source.crash_at = None
    second = migrate.apply(plan, journal=tmp_path / "j.sqlite")
    assert [s.action.value for s in second.done] == ["archive"]  # confirmed by a look-up
    assert source.archives == Counter({"+12025550100": 1})
