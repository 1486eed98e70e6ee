"""A dry run reads the journal of earlier runs (never writes it): the port orders they filed
are reported as waiting, not planned again, and the journal's files keep every byte."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from phonefleet import AsyncMemoryStore, MemoryStore, PortStatus, migrate
from phonefleet.migrate import Action, Journal, JournalMismatchError, Porting
from phonefleet.migrate._journal import PortRecord
from phonefleet.testing import Network
from test_migrate_porting import NUMBERS, World, make_world


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


#: what each ported number carries: its port, name, forwarding and the source's archive
STEPS = 4


def _plan(world: World) -> migrate.Plan:
    """Today's plan, knowing from the journal (read, never written) which numbers have an order."""
    in_flight: frozenset[str] = frozenset()
    if world.journal.exists():
        identities = {"source": world.source.identity, "target": world.target.identity}
        with Journal(world.journal, **identities, read_only=True) as book:
            in_flight = migrate._porting.in_flight(book)
    return world.plan(port=Porting(world.account, in_flight=in_flight))


def _files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {item.name: (item.read_bytes(), item.stat().st_mtime_ns) for item in sorted(folder.iterdir())}


class Sent:
    """Every store call the dry run makes (there must be none)."""

    def __init__(self, *stores: Any) -> None:
        self.calls: list[str] = []
        for store in stores:
            for name in ("port_in", "get_port_in", "list_port_ins", "cancel_port_in", "update", "archive"):
                original = getattr(store, name)

                def wrapper(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
                    self.calls.append(_name)
                    return _original(*args, **kwargs)

                setattr(store, name, wrapper)


def test_orders_filed_on_an_earlier_day_are_waiting_not_planned_again(world: World) -> None:
    first = migrate.apply(_plan(world), journal=world.journal)
    orders = {w.step.number: w.order_id for w in first.waiting if w.step.action is Action.PORT_IN}
    assert set(orders) == set(NUMBERS)
    before = _files(world.journal.parent)
    sent = Sent(world.source, world.target)

    preview = migrate.apply(_plan(world), journal=world.journal, dry_run=True)  # the next day

    assert sent.calls == []
    assert _files(world.journal.parent) == before  # same files, same bytes, same mtimes
    assert preview.dry_run
    assert not [s for s in preview.skipped if "would port" in s.reason]
    ports = {w.step.number: w for w in preview.waiting if w.step.action is Action.PORT_IN}
    assert {n: w.order_id for n, w in ports.items()} == orders
    assert {w.status for w in ports.values()} == {PortStatus.SCHEDULED}
    assert all(w.foc_date is not None for w in ports.values())
    assert len(preview.waiting) == STEPS * len(NUMBERS)


def test_without_the_journal_a_dry_run_would_order_them_again(world: World) -> None:
    """What the journal changes: the same dry run on a fresh path plans new orders."""
    migrate.apply(_plan(world), journal=world.journal)
    preview = migrate.apply(_plan(world), journal=world.journal.with_name("other.sqlite"), dry_run=True)
    assert {s.step.number for s in preview.skipped if "would port" in s.reason} == set(NUMBERS)
    assert not world.journal.with_name("other.sqlite").exists()


def test_once_ported_a_dry_run_says_the_port_is_done_and_what_would_follow(world: World) -> None:
    migrate.apply(_plan(world), journal=world.journal)
    world.net.advance(days=5)
    migrate.apply(_plan(world), journal=world.journal, dry_run=True)  # reads: still ordered, as last seen
    # a run that polls: the numbers arrive; a dry run afterwards reports it from the journal
    done = migrate.apply(_plan(world), journal=world.journal)
    assert done.ok, done.summary()
    before = _files(world.journal.parent)
    preview = migrate.apply(_plan(world), journal=world.journal, dry_run=True)
    assert _files(world.journal.parent) == before
    assert not preview.waiting
    assert not preview.failed
    assert {s.action for s in preview.already_done} == {Action.PORT_IN, Action.ARCHIVE}
    assert {s.number for s in preview.already_done} == set(NUMBERS)
    # done before this plan was made: a real run looks in the store first, so the dry run says it would
    assert {s.step.action for s in preview.skipped} == {Action.SET_NAME, Action.SET_FORWARDING}
    assert not [s for s in preview.skipped if "would port" in s.reason]


def test_a_journal_left_mid_run_is_read_through_its_wal_without_a_write(world: World) -> None:
    plan = _plan(world)
    book = Journal(world.journal, source=world.source.identity, target=world.target.identity)
    book.claim()  # a run still going (or killed): its owner row is there, its WAL not folded in
    book.record_ports([PortRecord(NUMBERS[0], "ordered", "PI123", "submitted", "2026-01-08", None, None)])
    try:
        assert world.journal.with_name("journal.sqlite-wal").exists()
        before = _files(world.journal.parent)
        preview = migrate.apply(plan, journal=world.journal, dry_run=True)
        after = _files(world.journal.parent)
    finally:
        book.close()
    assert after["journal.sqlite"] == before["journal.sqlite"]
    assert after["journal.sqlite-wal"] == before["journal.sqlite-wal"]
    assert set(after) == set(before)
    [waiting] = [w for w in preview.waiting if w.step.action is Action.PORT_IN]
    found = (waiting.step.number, waiting.order_id, waiting.status)
    assert found == (NUMBERS[0], "PI123", PortStatus.SUBMITTED)
    assert {s.step.number for s in preview.skipped if "would port" in s.reason} == set(NUMBERS[1:])


def test_a_dry_run_refuses_another_pairs_journal_as_apply_would(world: World) -> None:
    migrate.apply(_plan(world), journal=world.journal)
    before = _files(world.journal.parent)
    stranger = MemoryStore(network=world.net, provider="new", name="someone-else")
    plan = migrate.plan(world.source, stranger, port=Porting(world.account))
    with pytest.raises(JournalMismatchError):
        migrate.apply(plan, journal=world.journal, dry_run=True)
    assert _files(world.journal.parent) == before


def test_a_read_only_journal_refuses_every_write(world: World) -> None:
    migrate.apply(_plan(world), journal=world.journal)
    before = _files(world.journal.parent)
    with Journal(world.journal, source="old", target="new", read_only=True) as book:
        assert set(book.ports()) == set(NUMBERS)
        with pytest.raises(Exception, match="read-only"):
            book.claim()
        with pytest.raises(Exception, match="read-only"):
            book.record_ports([PortRecord(NUMBERS[0], "failed")])
    assert _files(world.journal.parent) == before


@pytest.fixture
def async_world(tmp_path: Path) -> tuple[Network, AsyncMemoryStore, AsyncMemoryStore, Path]:
    net = Network()
    source = AsyncMemoryStore(NUMBERS, network=net, provider="old")
    account = net.account(NUMBERS[0])
    for number in NUMBERS:
        net.hold(source.adapter.network_key, number, account)
    return net, source, AsyncMemoryStore(network=net, provider="new"), tmp_path / "j.sqlite"


async def test_an_async_dry_run_reads_the_journal_too(
    async_world: tuple[Network, AsyncMemoryStore, AsyncMemoryStore, Path],
) -> None:
    net, source, target, path = async_world
    port = Porting(net.account(NUMBERS[0]))
    await migrate.apply_async(await migrate.plan_async(source, target, port=port), journal=path)
    before = _files(path.parent)
    preview = await migrate.apply_async(
        await migrate.plan_async(source, target, port=port), journal=path, dry_run=True
    )
    assert _files(path.parent) == before
    assert {w.step.number for w in preview.waiting} == set(NUMBERS)
    assert all(w.order_id for w in preview.waiting)
    assert os.path.getsize(path) > 0
