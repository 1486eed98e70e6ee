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
from rich.panel import Panel
from rich.table import Table

import phonefleet
from phonefleet import (
    ArchiveBlocker,
    AsyncMemoryStore,
    Capability,
    Feature,
    NumberType,
    PhoneNumber,
    ProviderPhone,
    Reputation,
    ReputationStatus,
)
from phonefleet.testing import emulate, seeded_numbers

from ._app import apply_with_progress, print_report
from ._output import Output, blockers_table, numbers_table

__all__ = ["run_demo"]

SEED = 7
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
        {"blocked": 2},
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
    out.print(
        Panel.fit(
            "[bold]phonefleet demo[/bold]: three vendors' numbers behind one store, offline, no credentials"
        )
    )
    listings = await _fleets(out, opened)
    _diff(out, listings["linq"], listings["gravityrail"])
    results = await _migrate(out, stores, concurrency)
    blocked_number, blockers = await _blocked(out, stores["gravityrail"])

    summary = Table(title="8. Summary", title_justify="left", show_header=False)
    summary.add_column("what", style="bold")
    summary.add_column("value")
    summary.add_row("fleets", ", ".join(f"{f.provider}: {len(listings[f.provider])}" for f, _, _ in opened))
    summary.add_row("backends", ", ".join(f"{f.provider} = {label}" for f, _, label in opened))
    summary.add_row("migration linq -> gravityrail", results["report"])
    summary.add_row("rerun with the journal", results["rerun"])
    summary.add_row("cannot carry to signalwire", results["signalwire"])
    summary.add_row("blocked archive", f"{blocked_number}: {_count(len(blockers), 'blocker')}")
    summary.add_row("elapsed", f"{time.perf_counter() - started:.2f} s")
    out.print(summary)
    return 0


async def _fleets(out: Output, opened: Sequence[tuple[Fleet, Any, str]]) -> dict[str, list[PhoneNumber]]:
    sources = Table(title="1. The fleets", title_justify="left")
    for column in ("provider", "backend", "numbers (seeded offset)", "features"):
        sources.add_column(column)
    listings: dict[str, list[PhoneNumber]] = {}
    for fleet, store, label in opened:
        listings[fleet.provider] = [number async for number in store.list()]
        features = ", ".join(sorted(f.value for f in store.features))
        sources.add_row(
            fleet.provider, label, f"{len(listings[fleet.provider])} (from {fleet.offset})", features
        )
    out.print(sources)
    every = sorted(
        (n for numbers in listings.values() for n in numbers), key=lambda n: (n.number, n.provider)
    )
    out.print(numbers_table(every, title=f"2. Every number, one normalised table ({len(every)} rows)"))
    return listings


def _diff(out: Output, left: list[PhoneNumber], right: list[PhoneNumber]) -> None:
    from phonefleet import migrate

    differences = migrate.compare(left, right)
    counts: dict[str, int] = {}
    for d in differences:
        counts[d.status] = counts.get(d.status, 0) + 1
    out.print(
        f"[bold]3. Diff linq vs gravityrail[/bold]: {counts.get('only_left', 0)} only on linq, "
        f"{counts.get('only_right', 0)} only on gravityrail, {counts.get('differs', 0)} differ, "
        f"{counts.get('same', 0)} same"
    )
    diff = Table()
    for column in ("number", "status", "fields that differ"):
        diff.add_column(column, no_wrap=column == "number")
    statuses = {"only_left": "only on linq", "only_right": "only on gravityrail"}
    for d in differences:
        if d.status != "same":
            diff.add_row(d.number, statuses.get(d.status, d.status), ", ".join(d.fields) or "-")
    out.print(diff)


async def _migrate(out: Output, stores: dict[str, Any], concurrency: int) -> dict[str, str]:
    from phonefleet import migrate

    source = stores["linq"]
    to_signalwire = await migrate.plan_async(source, stores["signalwire"], create_missing=True)
    out.print(
        "[bold]4. Plan linq -> signalwire[/bold] (not applied): what it cannot carry is said, not dropped"
    )
    out.print(to_signalwire)
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
    out.print(f"[bold]5. Plan linq -> gravityrail[/bold]: {carried}; {then}")
    out.print(plan)
    with tempfile.TemporaryDirectory(prefix="phonefleet-demo-") as folder:
        journal = Path(folder) / "linq-to-gravityrail.sqlite"
        out.print(f"[bold]6. Applying[/bold] (async, concurrency {concurrency}, journal in a temp dir)")
        report = await apply_with_progress(out, plan, journal=journal, concurrency=concurrency)
        print_report(out, report)
        rerun = await migrate.apply_async(plan, journal=journal, concurrency=concurrency)
        out.print(f"Rerun with the same journal: {rerun.summary()} (nothing sent twice)")
    after = await migrate.plan_async(source, stores["gravityrail"], carry=("name", "forwarding"))
    out.print(f"Plan again after the migration: {len(after.steps)} steps left")
    return {
        "report": report.summary(),
        "rerun": rerun.summary(),
        "signalwire": f"{_count(len(to_signalwire.skipped), 'item')} ({', '.join(cannot) or 'none'})",
    }


async def _blocked(out: Output, target: Any) -> tuple[str, list[ArchiveBlocker]]:
    blocked_number = next(iter(seeded_numbers(1, offset=FLEETS[2].offset)))
    blockers: list[ArchiveBlocker] = []
    out.print(f"[bold]7. Archiving {blocked_number} on gravityrail[/bold]")
    try:
        if Feature.ARCHIVE_BLOCKERS in target.features:
            blockers = list(await target.archive_blockers(blocked_number))
        if not blockers:
            await target.archive(blocked_number)
    except phonefleet.ArchiveBlockedError as exc:
        blockers = exc.blockers
    except phonefleet.PhoneFleetError as exc:
        out.print(f"archive failed: {exc}")
    if blockers:
        out.print(blockers_table(blockers, title=f"{blocked_number} cannot be archived: blocked by"))
    else:
        out.print(f"{blocked_number} archived (nothing blocked it)")
    return blocked_number, blockers


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


async def _listing(store: Any) -> list[Any]:
    return [n async for n in store.list()]
