"""Migrations to and from Telnyx on the emulators: forwarding is carried both
ways, names where both sides have them, and a second plan after apply is empty."""

from __future__ import annotations

import asyncio
from pathlib import Path

from phonefleet import Feature, NumberChanges, migrate
from phonefleet.testing import emulate


def _forwarding(store: object) -> dict[str, str | None]:
    return {n.number: n.forwarding_number for n in store.list()}  # type: ignore[attr-defined]


def test_linq_to_telnyx_carries_forwarding_and_orders_missing_numbers(tmp_path: Path) -> None:
    linq = emulate("linq", numbers=14, offset=0, seed=3).connect("linq")
    telnyx = emulate("telnyx", numbers=10, offset=4, seed=3).connect("telnyx")
    with linq, telnyx:
        source = _forwarding(linq)
        assert any(source.values())
        plan = migrate.plan(linq, telnyx, carry=("forwarding",), create_missing=True)
        created = {s.number for s in plan.steps if s.action is migrate.Action.CREATE}
        assert created == set(sorted(source)[:4])
        report = migrate.apply(plan, journal=tmp_path / "j.sqlite", concurrency=4)
        assert report.ok, [f.message for f in report.failed]
        target = _forwarding(telnyx)
        for number, forward in source.items():
            if forward is not None:
                assert target[number] == forward
        assert migrate.plan(linq, telnyx, carry=("forwarding",), create_missing=True).steps == ()


def test_telnyx_to_linq_carries_forwarding(tmp_path: Path) -> None:
    telnyx = emulate("telnyx", numbers=20, seed=6).connect("telnyx")
    linq = emulate("linq", numbers=20, seed=1).connect("linq")
    with telnyx, linq:
        source = _forwarding(telnyx)
        # on-failure forwards are conditional: not carried as forwarding
        conditional = [
            n.number
            for n in telnyx.list()
            if n.raw["voice"]["call_forwarding"]["forwarding_type"] == "on-failure"
        ]
        assert all(source[number] is None for number in conditional)
        plan = migrate.plan(telnyx, linq, carry=("forwarding",))
        assert {s.action for s in plan.steps} == {migrate.Action.SET_FORWARDING}
        report = migrate.apply(plan, journal=tmp_path / "j.sqlite")
        assert report.ok, [f.message for f in report.failed]
        target = _forwarding(linq)
        for number, forward in source.items():
            if forward is not None:
                assert target[number] == forward
        assert migrate.plan(telnyx, linq, carry=("forwarding",)).steps == ()


def test_gravityrail_to_telnyx_carries_names_and_forwarding(tmp_path: Path) -> None:
    gravityrail = emulate("gravityrail", numbers=12, seed=2).connect("gravityrail")
    telnyx = emulate("telnyx", numbers=12, seed=2).connect("telnyx")
    with gravityrail, telnyx:
        plan = migrate.plan(gravityrail, telnyx, carry=("name", "forwarding"))
        assert plan.steps
        report = migrate.apply(plan, journal=tmp_path / "j.sqlite", concurrency=3)
        assert report.ok, [f.message for f in report.failed]
        source = {n.number: n for n in gravityrail.list()}
        target = {n.number: n for n in telnyx.list()}
        for number, item in source.items():
            if item.forwarding_number is not None:
                assert target[number].forwarding_number == item.forwarding_number
            if item.name is not None:
                assert target[number].name == item.name
                assert target[number].raw["customer_reference"] == item.name
        assert migrate.plan(gravityrail, telnyx, carry=("name", "forwarding")).steps == ()


def test_telnyx_to_gravityrail_carries_forwarding_and_says_routing_is_lost(tmp_path: Path) -> None:
    async def scenario() -> None:
        telnyx = emulate("telnyx", numbers=12, seed=8).connect_async("telnyx")
        gravityrail = emulate("gravityrail", numbers=12, seed=8).connect_async("gravityrail")
        async with telnyx, gravityrail:
            plan = await migrate.plan_async(telnyx, gravityrail)
            assert {s.reason for s in plan.skipped if s.what == "routing"} == {
                "gravityrail cannot set routing"
            }
            report = await migrate.apply_async(plan, journal=tmp_path / "j.sqlite")
            assert report.ok, [f.message for f in report.failed]
            source = {n.number: n async for n in telnyx.list()}
            target = {n.number: n async for n in gravityrail.list()}
            for number, item in source.items():
                if item.forwarding_number is not None:
                    assert target[number].forwarding_number == item.forwarding_number
            again = await migrate.plan_async(telnyx, gravityrail)
            assert again.steps == ()

    asyncio.run(scenario())


def test_signalwire_names_to_telnyx_and_back(tmp_path: Path) -> None:
    signalwire = emulate("signalwire", numbers=8, seed=4).connect("signalwire")
    telnyx = emulate("telnyx", numbers=8, seed=4).connect("telnyx")
    with signalwire, telnyx:
        assert Feature.UPDATE_NAME in signalwire.features
        plan = migrate.plan(signalwire, telnyx, carry=("name",))
        assert plan.steps
        report = migrate.apply(plan, journal=tmp_path / "a.sqlite")
        assert report.ok, [f.message for f in report.failed]
        names = {n.number: n.name for n in signalwire.list() if n.name is not None}
        assert {n.number: n.name for n in telnyx.list() if n.number in names} == names
        assert migrate.plan(signalwire, telnyx, carry=("name",)).steps == ()
        telnyx.update(next(iter(names)), NumberChanges(name="Reception"))
        back = migrate.plan(telnyx, signalwire, carry=("name",))
        assert [s.after for s in back.steps] == ["Reception"]
        assert migrate.apply(back, journal=tmp_path / "b.sqlite").ok
        assert migrate.plan(telnyx, signalwire, carry=("name",)).steps == ()


def test_telnyx_routing_moves_between_telnyx_accounts(tmp_path: Path) -> None:
    first = emulate("telnyx", numbers=10, seed=1).connect("telnyx")
    second = emulate("telnyx", numbers=10, seed=2).connect("telnyx")
    with first, second:
        plan = migrate.plan(first, second)
        report = migrate.apply(plan, journal=tmp_path / "j.sqlite")
        assert report.ok, [f.message for f in report.failed]
        source = {n.number: n for n in first.list()}
        target = {n.number: n for n in second.list()}
        for number, item in source.items():
            if item.routing is not None:
                assert target[number].routing is not None
                for side in ("voice", "messaging"):
                    if getattr(item.routing, side) is not None:
                        assert getattr(target[number].routing, side) == getattr(item.routing, side)
        assert migrate.plan(first, second).steps == ()


def test_twilio_and_telnyx_carry_names_and_forwarding_both_ways(tmp_path: Path) -> None:
    twilio = emulate("twilio", numbers=12, seed=4).connect("twilio")
    telnyx = emulate("telnyx", numbers=12, seed=4).connect("telnyx")
    with twilio, telnyx:
        for source, target in ((twilio, telnyx), (telnyx, twilio)):
            plan = migrate.plan(source, target, carry=("name", "forwarding", "routing"))
            assert {s.action for s in plan.steps} <= {migrate.Action.SET_NAME, migrate.Action.SET_FORWARDING}
            routed = {n.number for n in source.list() if n.routing is not None}
            assert routed <= {s.number for s in plan.skipped if s.what == "routing"}
            report = migrate.apply(plan, journal=tmp_path / f"{source.provider}.sqlite")
            assert report.ok, [f.message for f in report.failed]
            after = {n.number: n for n in target.list()}
            for number in source.list():
                if number.forwarding_number is not None:
                    assert after[number.number].forwarding_number == number.forwarding_number
                if number.name is not None:
                    assert after[number.number].name == number.name
            assert migrate.plan(source, target, carry=("name", "forwarding", "routing")).steps == ()
