"""`phonefleet demo`: the whole story offline, on the vendors' emulators.

Each vendor's emulator is used when its adapter is installed; otherwise a
memory store shaped like the vendor stands in, and says so.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import click

import phonefleet
from phonefleet import (
    ArchiveBlocker,
    AsyncMemoryStore,
    Capability,
    Feature,
    NumberType,
    PhoneNumber,
    PortDocuments,
    ProviderPhone,
    Reputation,
    ReputationStatus,
)
from phonefleet.testing import Network, emulate, seeded_numbers

from ._app import apply_with_progress, print_plan, print_report
from ._group import command, exit_with
from ._output import BLOCKER_COLUMNS, NUMBER_COLUMNS, Column, Output, blockers_rows, errors, numbers_rows
from ._params import debug_flag
from ._stores import SEED, SEEDING

__all__ = ["demo_command", "run_demo"]

_NAMES = (
    "Main line",
    "Sales",
    "Support",
    "Billing",
    "After hours",
    "Dispatch",
    "Front desk",
    "Recruiting",
    "Partnerships",
    "Field team",
    "Clinic intake",
    "Pharmacy",
    "Escalations",
    "Returns",
    "Warehouse",
    "Marketing",
)


@attrs.frozen
class Fleet:
    """One vendor in the story: how many numbers, from which seeded offset."""

    provider: str
    count: int
    offset: int
    features: frozenset[Feature]
    extra: dict[str, Any] = attrs.field(factory=dict)


_BASE = frozenset({Feature.LIST, Feature.GET, Feature.UPDATE_NAME, Feature.ARCHIVE})
FLEETS = (
    Fleet("linq", 12, 0, frozenset({Feature.LIST, Feature.GET, Feature.SET_FORWARDING, Feature.REPUTATION})),
    Fleet("signalwire", 10, 6, _BASE | {Feature.UPDATE_ROUTING, Feature.SET_FORWARDING, Feature.CREATE}),
    Fleet(
        "gravityrail",
        10,
        3,
        _BASE | {Feature.SET_FORWARDING, Feature.CREATE, Feature.ARCHIVE_BLOCKERS, Feature.LINK},
        SEEDING["gravityrail"],
    ),
)


def stand_in(fleet: Fleet) -> AsyncMemoryStore:
    """A memory store shaped like `fleet`'s vendor, with a realistic fleet."""
    numbers = list(seeded_numbers(fleet.count, offset=fleet.offset))
    forwards = list(seeded_numbers(fleet.count, offset=fleet.offset + 5000))
    seeded = []
    for index, number in enumerate(numbers):
        position = fleet.offset + index
        forwarding = None
        if Feature.SET_FORWARDING in fleet.features and fleet.provider == "linq" and position % 3 != 2:
            forwarding = forwards[index]
        reputation = None
        if Feature.REPUTATION in fleet.features:
            status = ReputationStatus.AT_RISK if position % 5 == 4 else ReputationStatus.HEALTHY
            reputation = Reputation(status)
        name = _NAMES[position % len(_NAMES)] if fleet.provider != "gravityrail" or position % 2 else None
        seeded.append(
            PhoneNumber(
                provider=fleet.provider,
                id=f"{fleet.provider[:2]}-{position:04d}",
                number=number,
                name=name,
                forwarding_number=forwarding,
                capabilities=frozenset({Capability.VOICE, Capability.SMS}),
                number_type=NumberType.LOCAL,
                country="US",
                reputation=reputation,
            )
        )
    blocked = int(fleet.extra.get("blocked", 0))
    blockers = {
        number: [
            ArchiveBlocker(
                kind="workflow",
                id=f"wf-{index + 1}",
                name=("Inbound triage", "Appointment reminders")[index % 2],
                detail="an active workflow still uses this number",
            )
        ]
        for index, number in enumerate(numbers[:blocked])
    }
    linkable = (
        [ProviderPhone(id=f"pp-{i}", number=n) for i, n in enumerate(numbers)]
        if Feature.LINK in fleet.features
        else []
    )
    return AsyncMemoryStore(
        seeded, provider=fleet.provider, features=fleet.features, blockers=blockers, linkable=linkable
    )


def open_fleet(fleet: Fleet, *, stand_ins: bool) -> tuple[Any, str]:
    """The vendor's emulator when its adapter is installed, else a labelled stand-in."""
    if not stand_ins:
        try:
            emulator = emulate(
                fleet.provider, numbers=fleet.count, offset=fleet.offset, seed=SEED, **fleet.extra
            )
            return emulator.connect_async(fleet.provider), "emulator"
        except Exception as exc:  # any adapter problem: the story goes on, labelled
            reason = str(exc).splitlines()[0][:90] if str(exc) else type(exc).__name__
            return stand_in(fleet), f"memory stand-in ({reason})"
    return stand_in(fleet), "memory stand-in (requested)"


async def run_demo(out: Output, *, stand_ins: bool = False, concurrency: int = 8) -> int:
    started = time.perf_counter()
    opened = [(fleet, *open_fleet(fleet, stand_ins=stand_ins)) for fleet in FLEETS]
    stores = {fleet.provider: store for fleet, store, _ in opened}
    try:
        return await _story(out, opened, stores, concurrency, started)
    finally:
        for store in stores.values():
            await store.close()


async def _story(
    out: Output,
    opened: Sequence[tuple[Fleet, Any, str]],
    stores: dict[str, Any],
    concurrency: int,
    started: float,
) -> int:
    out.line(
        "[bold]phonefleet demo[/bold]: three vendors' numbers behind one store, offline, no credentials",
        markup=True,
    )
    listings = await _fleets(out, opened)
    _diff(out, listings["linq"], listings["gravityrail"])
    results = await _migrate(out, stores, concurrency)
    blocked_number, blockers = await _blocked(out, stores["gravityrail"])
    ported = await _port(out, stand_ins=all(label.startswith("memory") for _, _, label in opened))

    out.line("[bold]9. Summary[/bold]", markup=True)
    summary = [
        ("fleets", ", ".join(f"{f.provider}: {len(listings[f.provider])}" for f, _, _ in opened)),
        ("backends", ", ".join(f"{f.provider} = {label}" for f, _, label in opened)),
        ("migration linq -> gravityrail", results["report"]),
        ("rerun with the journal", results["rerun"]),
        ("cannot carry to signalwire", results["signalwire"]),
        ("blocked archive", f"{blocked_number}: {_count(len(blockers), 'blocker')}"),
        ("port twilio -> telnyx", ported),
        ("elapsed", f"{time.perf_counter() - started:.2f} s"),
    ]
    out.record(summary)
    return 0


async def _fleets(out: Output, opened: Sequence[tuple[Fleet, Any, str]]) -> dict[str, list[PhoneNumber]]:
    sources = []
    listings: dict[str, list[PhoneNumber]] = {}
    for fleet, store, label in opened:
        listings[fleet.provider] = [number async for number in store.list()]
        features = ", ".join(sorted(f.value for f in store.features))
        sources.append(
            [fleet.provider, label, f"{len(listings[fleet.provider])} (from {fleet.offset})", features]
        )
    columns = (
        Column("provider", whole=True),
        Column("backend"),
        Column("numbers (seeded offset)"),
        Column("features", drop=1),
    )
    out.table(columns, sources, title="1. The fleets", plain_title=True)
    every = sorted(
        (n for numbers in listings.values() for n in numbers), key=lambda n: (n.number, n.provider)
    )
    title = f"2. Every number, one normalised table ({len(every)} rows)"
    out.table(NUMBER_COLUMNS, numbers_rows(every), title=title, plain_title=True)
    return listings


def _diff(out: Output, left: list[PhoneNumber], right: list[PhoneNumber]) -> None:
    from phonefleet import migrate

    differences = migrate.compare(left, right)
    counts: dict[str, int] = {}
    for d in differences:
        counts[d.status] = counts.get(d.status, 0) + 1
    out.line(
        f"[bold]3. Diff linq vs gravityrail[/bold]: {counts.get('only_left', 0)} only on linq, "
        f"{counts.get('only_right', 0)} only on gravityrail, {counts.get('differs', 0)} differ, "
        f"{counts.get('same', 0)} same",
        markup=True,
    )
    statuses = {"only_left": "only on linq", "only_right": "only on gravityrail"}
    rows = [
        [d.number, statuses.get(d.status, d.status), ", ".join(d.fields) or None]
        for d in differences
        if d.status != "same"
    ]
    columns = (Column("number", whole=True), Column("status"), Column("fields that differ"))
    out.table(columns, rows, empty="no differences")


async def _migrate(out: Output, stores: dict[str, Any], concurrency: int) -> dict[str, str]:
    from phonefleet import migrate

    source = stores["linq"]
    to_signalwire = await migrate.plan_async(source, stores["signalwire"], create_missing=True)
    out.line(
        "[bold]4. Plan linq -> signalwire[/bold] (not applied): what it cannot carry is said, not dropped",
        markup=True,
    )
    print_plan(out, to_signalwire, plain_title=True)
    cannot = sorted({item.what for item in to_signalwire.skipped})
    archive = Feature.ARCHIVE in source.features
    plan = await migrate.plan_async(
        source,
        stores["gravityrail"],
        carry=("name", "forwarding"),
        archive_source=archive,
        create_missing=True,
    )
    then = "linq lines archived once ready" if archive else "linq cannot archive, so its lines stay"
    carried = (
        "forwarding carried (linq reports no names)"
        if not any(n.name for n in await _listing(source))
        else "names and forwarding carried"
    )
    out.line(f"[bold]5. Plan linq -> gravityrail[/bold]: {carried}; {then}", markup=True)
    print_plan(out, plan, plain_title=True)
    with tempfile.TemporaryDirectory(prefix="phonefleet-demo-") as folder:
        journal = Path(folder) / "linq-to-gravityrail.sqlite"
        out.line(
            f"[bold]6. Applying[/bold] (async, concurrency {concurrency}, journal in a temp dir)", markup=True
        )
        report = await apply_with_progress(out, plan, journal=journal, concurrency=concurrency)
        print_report(out, report)
        rerun = await migrate.apply_async(plan, journal=journal, concurrency=concurrency)
        out.line(f"Rerun with the same journal: {rerun.summary()} (nothing sent twice)")
    after = await migrate.plan_async(source, stores["gravityrail"], carry=("name", "forwarding"))
    out.line(f"Plan again after the migration: {len(after.steps)} steps left")
    return {
        "report": report.summary(),
        "rerun": rerun.summary(),
        "signalwire": f"{_count(len(to_signalwire.skipped), 'item')} ({', '.join(cannot) or 'none'})",
    }


async def _blocked(out: Output, target: Any) -> tuple[str, list[ArchiveBlocker]]:
    blocked_number = next(iter(seeded_numbers(1, offset=FLEETS[2].offset)))
    blockers: list[ArchiveBlocker] = []
    out.line(f"[bold]7. Archiving {blocked_number} on gravityrail[/bold]", markup=True)
    try:
        if Feature.ARCHIVE_BLOCKERS in target.features:
            blockers = list(await target.archive_blockers(blocked_number))
        if not blockers:
            await target.archive(blocked_number)
    except phonefleet.ArchiveBlockedError as exc:
        blockers = exc.blockers
    except phonefleet.PhoneFleetError as exc:
        out.line(f"archive failed: {exc}")
    if blockers:
        title = f"{blocked_number} cannot be archived: blocked by"
        out.table(BLOCKER_COLUMNS, blockers_rows(blockers), title=title, plain_title=True)
    else:
        out.line(f"{blocked_number} archived (nothing blocked it)")
    return blocked_number, blockers


#: stand-ins for the signed letter of authorization and a recent bill
_LOA = b"%PDF-1.4 demo letter of authorization"
_BILL = b"%PDF-1.4 demo bill"


def _porting_pair(stand_ins: bool) -> tuple[Network, Any, Any, str]:
    """A Twilio fleet and an empty Telnyx account on one Network, or memory stand-ins."""
    network = Network()
    if not stand_ins:
        try:
            losing = emulate("twilio", numbers=3, offset=40, network=network).connect_async()
            winning = emulate("telnyx", numbers=0, network=network).connect_async()
        except phonefleet.PhoneFleetError:
            pass  # an adapter is missing: memory stands in
        else:
            return network, losing, winning, "emulators"
    numbers = list(seeded_numbers(3, offset=40))
    memory_losing = AsyncMemoryStore(numbers, network=network, name="twilio")
    memory_winning = AsyncMemoryStore([], network=network, name="telnyx")
    return network, memory_losing, memory_winning, "memory stand-ins"


async def _port(out: Output, *, stand_ins: bool) -> str:
    """Porting: an order, the losing carrier's check, a FOC date, and the number moving."""
    out.line("[bold]8. Porting a number from twilio to telnyx[/bold]", markup=True)
    network, losing, winning, label = _porting_pair(stand_ins)
    try:
        numbers = [n.number for n in await _listing(losing)]
        checks = await winning.check_portability(numbers)
        out.record([(c.number, "portable" if c.portable else f"not portable: {c.reason}") for c in checks])
        number = numbers[0]
        account = network.account(number)  # what the holder reads on the losing carrier's bill
        documents = PortDocuments(loa=_LOA, invoice=_BILL)
        orders = await winning.port_in([number], account=account, documents=documents)
        order = orders[0]
        out.line(f"order {order.id} for {number}: {order.status.value}, FOC {order.foc_date or 'not yet'}")
        network.advance(days=5)  # the shared clock: the FOC date passes
        order = await winning.get_port_in(order.id)
        moved = number in {n.number for n in await _listing(winning)}
        left = number not in {n.number for n in await _listing(losing)}
        out.line(
            f"five days on ({label}): {order.status.value}; telnyx lists it: {_yes(moved)}; "
            f"twilio no longer does: {_yes(left)}"
        )
        return f"{number}: {order.status.value}"
    except phonefleet.PhoneFleetError as exc:
        out.line(f"porting failed: {exc}")
        return f"failed: {exc}"
    finally:
        await losing.close()
        await winning.close()


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


async def _listing(store: Any) -> list[Any]:
    return [n async for n in store.list()]


@command("demo")
@click.option("--stand-ins", is_flag=True, help="use memory stand-ins even where an emulator is installed")
@click.option("--concurrency", type=click.IntRange(1, 64), default=8)
@debug_flag
def demo_command(*, stand_ins: bool, concurrency: int, debug: bool) -> None:
    """The whole story offline: fleets, one table, diff, plan, apply, a blocked archive."""
    import asyncio

    from ._stores import quiet_retries

    quiet_retries()

    out = Output()
    with errors(debug):
        code = asyncio.run(run_demo(out, stand_ins=stand_ins, concurrency=concurrency))
        if code:
            exit_with(code)
