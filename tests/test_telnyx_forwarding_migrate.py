"""Forwarding carried between Telnyx and the other forwarding vendors (SignalWire's
SWML scripts, Twilio's Forward Twimlet), both ways, on the emulators: every
forward arrives, an on-failure forward is not carried, and a second plan is empty."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from phonefleet import Feature, migrate
from phonefleet.testing import emulate

PAIRS = [
    ("signalwire", "telnyx"),
    ("telnyx", "signalwire"),
    ("twilio", "telnyx"),
    ("telnyx", "twilio"),
]


def _forwarding(store: object) -> dict[str, str]:
    return {n.number: n.forwarding_number for n in store.list() if n.forwarding_number}  # type: ignore[attr-defined]


@pytest.mark.parametrize(("source_name", "target_name"), PAIRS)
def test_forwarding_is_carried_and_a_second_plan_is_empty(
    source_name: str, target_name: str, tmp_path: Path
) -> None:
    source_emulator = emulate(source_name, numbers=30, offset=0, seed=5)
    target_emulator = emulate(target_name, numbers=30, offset=0, seed=11)
    with source_emulator.connect(source_name) as source, target_emulator.connect(target_name) as target:
        assert Feature.SET_FORWARDING in source.features
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
    if target_name == "telnyx":
        for number, forward_to in wanted.items():
            transport: Any = target_emulator.transport
            voice = transport.voice_settings(number)["call_forwarding"]
            assert voice == {
                "call_forwarding_enabled": True,
                "forwards_to": forward_to,
                "forwarding_type": "always",
            }


def test_an_on_failure_forward_is_not_carried_to_signalwire_or_twilio(tmp_path: Path) -> None:
    telnyx_emulator = emulate("telnyx", numbers=30, offset=0, seed=5)
    emu: Any = telnyx_emulator.transport
    conditional = [
        record["phone_number"]
        for record in emu.records.values()
        if emu.voice[record["id"]]["call_forwarding"]["forwarding_type"] == "on-failure"
        and emu.voice[record["id"]]["call_forwarding"]["forwards_to"]
    ]
    assert conditional, "the emulator seeds some on-failure forwards"
    for target_name in ("signalwire", "twilio"):
        with (
            telnyx_emulator.connect("telnyx") as telnyx,
            emulate(target_name, numbers=30, offset=0, seed=5).connect(target_name) as target,
        ):
            plan = migrate.plan(telnyx, target, carry=("forwarding",))
            planned = {s.number for s in plan.steps if s.action is migrate.Action.SET_FORWARDING}
            assert not planned & set(conditional)


@pytest.mark.parametrize(("source_name", "target_name"), PAIRS)
def test_async_forwarding_round(source_name: str, target_name: str, tmp_path: Path) -> None:
    async def scenario() -> None:
        source = emulate(source_name, numbers=16, offset=0, seed=9).connect_async(source_name)
        target = emulate(target_name, numbers=16, offset=0, seed=3).connect_async(target_name)
        async with source, target:
            wanted = {n.number: n.forwarding_number async for n in source.list() if n.forwarding_number}
            assert wanted
            plan = await migrate.plan_async(source, target, carry=("forwarding",))
            report = await migrate.apply_async(plan, journal=tmp_path / "j.sqlite", concurrency=4)
            assert report.ok, [f.message for f in report.failed]
            got = {n.number: n.forwarding_number async for n in target.list() if n.forwarding_number}
            assert {n: got[n] for n in wanted} == wanted
            assert (await migrate.plan_async(source, target, carry=("forwarding",))).steps == ()

    asyncio.run(scenario())
