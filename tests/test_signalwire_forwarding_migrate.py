"""Forwarding carried to and from SignalWire by migration, on the emulators."""

from __future__ import annotations

import asyncio
from pathlib import Path

from phonefleet import Feature, migrate
from phonefleet.testing import emulate


def _forwarding(store: object) -> dict[str, str]:
    return {n.number: n.forwarding_number for n in store.list() if n.forwarding_number}  # type: ignore[attr-defined]


def _carry_forwarding(source_name: str, target_name: str, tmp_path: Path) -> None:
    source_emulator = emulate(source_name, numbers=30, offset=0, seed=5)
    target_emulator = emulate(target_name, numbers=30, offset=0, seed=5)
    with source_emulator.connect(source_name) as source, target_emulator.connect(target_name) as target:
        assert Feature.SET_FORWARDING in target.features
        wanted = _forwarding(source)
        assert wanted, "the source emulator seeds some forwarding"
        before = _forwarding(target)
        plan = migrate.plan(source, target, carry=("forwarding",))
        steps = {s.number: s.after for s in plan.steps if s.action is migrate.Action.SET_FORWARDING}
        assert steps == {n: f for n, f in wanted.items() if before.get(n) != f}
        assert steps, "the plan shows forwarding steps"
        assert not [s for s in plan.skipped if s.what == "forwarding"]
        report = migrate.apply(plan, journal=tmp_path / "j.sqlite", concurrency=4)
        assert report.ok, [f.message for f in report.failed]
        after = _forwarding(target)
        for number, forward_to in wanted.items():
            assert after[number] == forward_to
        assert migrate.plan(source, target, carry=("forwarding",)).steps == ()
    if target_name == "signalwire":
        scripts = [
            s for s in target_emulator.transport.scripts.values() if s.display_name.startswith("phonefleet")
        ]
        made = {s.script["contents"]["sections"]["main"][0]["connect"]["to"] for s in scripts}
        assert len(scripts) == len(made), "one script per target"
        assert made <= set(steps.values())


def test_linq_to_signalwire_carries_forwarding(tmp_path: Path) -> None:
    _carry_forwarding("linq", "signalwire", tmp_path)


def test_gravityrail_to_signalwire_carries_forwarding(tmp_path: Path) -> None:
    _carry_forwarding("gravityrail", "signalwire", tmp_path)


def test_signalwire_to_linq_carries_forwarding_back(tmp_path: Path) -> None:
    _carry_forwarding("signalwire", "linq", tmp_path)


def test_async_plan_and_apply_to_signalwire(tmp_path: Path) -> None:
    async def scenario() -> None:
        linq = emulate("linq", numbers=20, offset=0, seed=9).connect_async("linq")
        signalwire = emulate("signalwire", numbers=20, offset=0, seed=9).connect_async("signalwire")
        async with linq, signalwire:
            wanted = {n.number: n.forwarding_number async for n in linq.list() if n.forwarding_number}
            plan = await migrate.plan_async(linq, signalwire, carry=("forwarding",))
            report = await migrate.apply_async(plan, journal=tmp_path / "j.sqlite", concurrency=4)
            assert report.ok, [f.message for f in report.failed]
            got = {n.number: n.forwarding_number async for n in signalwire.list() if n.forwarding_number}
            assert {n: got[n] for n in wanted} == wanted
            assert (await migrate.plan_async(linq, signalwire, carry=("forwarding",))).steps == ()

    asyncio.run(scenario())
