"""Plans and applies on the vendors' emulators (found by name, never imported)."""

from __future__ import annotations

from pathlib import Path

import phonefleet
from phonefleet import migrate
from phonefleet.testing import emulate


def test_linq_to_gravityrail_on_emulators(tmp_path: Path) -> None:
    linq = emulate("linq", numbers=12, offset=0, seed=3).connect("linq")
    gravityrail = emulate("gravityrail", numbers=10, offset=4, seed=3).connect("gravityrail")
    with linq, gravityrail:
        plan = migrate.plan(linq, gravityrail, carry=("name", "forwarding"), create_missing=True)
        assert {s.store for s in plan.steps} <= {"target"}
        source = {n.number: n for n in linq.list()}
        # the four linq numbers below gravityrail's range are created there
        created = {s.number for s in plan.steps if s.action is migrate.Action.CREATE}
        assert created == set(sorted(source)[:4])
        report = migrate.apply(plan, journal=tmp_path / "j.sqlite", concurrency=4)
        assert report.ok, [f.message for f in report.failed]
        target = {n.number: n for n in gravityrail.list()}
        for number, item in source.items():
            if item.forwarding_number is not None:
                assert target[number].forwarding_number == item.forwarding_number
        again = migrate.plan(linq, gravityrail, carry=("name", "forwarding"), create_missing=True)
        assert again.steps == ()


def test_gravityrail_blocked_archive_is_a_typed_failure(tmp_path: Path) -> None:
    emulator = emulate("gravityrail", numbers=6, offset=0, seed=1, blocked=2)
    source = emulator.connect("gravityrail")
    target = phonefleet.MemoryStore(list(source.list()), provider="memory")
    with source:
        plan = migrate.plan(source, target, archive_source=True)
        assert [s.action for s in plan.steps] == [migrate.Action.ARCHIVE] * 6
        report = migrate.apply(plan, journal=tmp_path / "j.sqlite")
        assert len(report.done) == 4
        assert len(report.failed) == 2
        for failure in report.failed:
            assert isinstance(failure.error, phonefleet.ArchiveBlockedError)
            assert failure.error.blockers
        rerun = migrate.apply(plan, journal=tmp_path / "j.sqlite")
        assert len(rerun.already_done) == 4
        assert len(rerun.failed) == 2
