"""The journal never reports work it did not see.

A journal belongs to one source and one target (identities, no credential);
a step it calls done that a fresh plan still needs is re-checked in the
store; a live owner is never taken over on a pid check; a run that lost its
journal sends nothing more; a corrupted owner row is a typed error; a dry
run writes nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import phonefleet
from phonefleet import AsyncMemoryStore, MemoryStore, PhoneNumber, StoreIdentity, migrate
from phonefleet.cli import _stores, app
from phonefleet.migrate import (
    Journal,
    JournalBusyError,
    JournalCorruptError,
    JournalMismatchError,
    JournalTakenOverError,
    Plan,
)
from phonefleet.migrate import _journal as journal_module

NUMBERS = [f"+1202555{i:04d}" for i in range(6)]
SECRET = "tok_0123456789abcdef0123456789abcdef"


def _source(**options: Any) -> MemoryStore:
    return MemoryStore(
        [PhoneNumber("linq", f"s{i}", n, name=f"Line {i}") for i, n in enumerate(NUMBERS)],
        provider="linq",
        **options,
    )


def _target(**options: Any) -> MemoryStore:
    return MemoryStore(
        [PhoneNumber("gr", f"t{i}", n) for i, n in enumerate(NUMBERS)], provider="gr", **options
    )


class Counting:
    """A store that counts the calls it receives, by method."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if not callable(method) or name in ("list", "linkable"):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return method(*args, **kwargs)

        return call


def _names(store: MemoryStore) -> list[str | None]:
    return [number.name for number in store.list()]


# -- 1. a journal belongs to one source and one target --------------------------------------
def test_two_pairs_of_memory_stores_cannot_share_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    first = migrate.apply(migrate.plan(_source(), _target()), journal=path)
    assert len(first.done) == len(NUMBERS)
    source, target = _source(), Counting(_target())
    plan = migrate.plan(source, target)  # the same numbers, but other stores
    with pytest.raises(JournalMismatchError) as info:
        migrate.apply(plan, journal=path)
    assert isinstance(info.value, phonefleet.PhoneFleetError)
    assert "a journal serves one source and one target" in str(info.value)
    assert info.value.path == path
    assert target.calls == []  # refused before anything was sent
    assert _names(target.inner) == [None] * len(NUMBERS)
    journal = Journal(path, source="linq", target="gr")
    with pytest.raises(JournalMismatchError):  # a Journal object is checked the same way
        migrate.apply(plan, journal=journal)
    journal.close()


def test_a_journal_records_the_identities_and_no_credential(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    source, target = _source(name="crm"), _target(name="desk")
    migrate.apply(migrate.plan(source, target), journal=path)
    journal = Journal(path, source="linq", target="gr")
    assert journal.identities() == {"source": source.identity, "target": target.identity}
    assert source.identity == StoreIdentity("linq", "crm")
    journal.close()
    with sqlite3.connect(path) as db:
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    assert meta["schema"] == "2"
    assert json.loads(meta["source_identity"]) == {"provider": "linq", "account": "crm", "base_url": None}


def test_a_done_step_a_fresh_plan_still_needs_is_sent_again(tmp_path: Path) -> None:
    """Fresh stores with the same identity (a restarted emulator, a re-seeded account)."""
    path = tmp_path / "j.sqlite"
    migrate.apply(migrate.plan(_source(name="a"), _target(name="b")), journal=path)
    source, target = _source(name="a"), Counting(_target(name="b"))
    plan = migrate.plan(source, target)
    assert len(plan.steps) == len(NUMBERS)  # the fresh target does not have the names
    report = migrate.apply(plan, journal=path)
    assert report.already_done == ()
    assert len(report.done) == len(NUMBERS)
    assert _names(target.inner) == [f"Line {i}" for i in range(len(NUMBERS))]
    assert target.calls.count("get") == len(NUMBERS)  # each looked up before it was sent
    assert target.calls.count("update") == len(NUMBERS)


def test_a_done_step_is_already_done_only_when_the_store_shows_it(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    source, target = _source(), Counting(_target())
    plan = migrate.plan(source, target)
    migrate.apply(plan, journal=path)
    target.calls.clear()
    target.inner.update(NUMBERS[0], phonefleet.NumberChanges(name="Changed since"))
    # a plan whose age is unknown (read back without made_at): every done step is re-checked
    document = json.loads(plan.to_json())
    del document["made_at"]
    unknown = Plan.from_json(json.dumps(document), source=source, target=target)
    assert unknown.made_at is None
    report = migrate.apply(unknown, journal=path)
    assert [step.number for step in report.done] == [NUMBERS[0]]  # sent again: the store lacked it
    assert len(report.already_done) == len(NUMBERS) - 1  # confirmed in the store
    assert target.calls.count("get") == len(NUMBERS)
    assert target.calls.count("update") == 1


def test_the_plan_a_journal_has_seen_done_is_not_looked_up_again(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    source, target = _source(), Counting(_target())
    plan = migrate.plan(source, target)
    assert plan.made_at is not None
    assert Plan.from_json(plan.to_json()).made_at == plan.made_at
    migrate.apply(plan, journal=path)
    target.calls.clear()
    again = migrate.apply(plan, journal=path)  # a resume with the plan the journal ran
    assert len(again.already_done) == len(NUMBERS)
    assert target.calls == []


def _fresh_stores(monkeypatch: pytest.MonkeyPatch, *, name: str | None = None) -> list[AsyncMemoryStore]:
    """Each command opens fresh memory stores holding the same numbers."""
    opened: list[AsyncMemoryStore] = []

    def connect_async(provider: str, options: Any = None) -> Any:
        _stores.parse_options(provider, options)
        if provider == "linq":
            numbers = [PhoneNumber("linq", f"s{i}", n, name=f"Line {i}") for i, n in enumerate(NUMBERS)]
        else:
            numbers = [PhoneNumber(provider, f"t{i}", n) for i, n in enumerate(NUMBERS)]
        store = AsyncMemoryStore(numbers, provider=provider, name=name and f"{name}-{provider}")
        opened.append(store)
        return store

    monkeypatch.setattr(_stores, "connect_async", connect_async)
    return opened


def test_the_cli_default_journal_is_one_per_pair_of_accounts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _fresh_stores(monkeypatch)
    args = ["migrate", "--from", "linq", "--to", "gravityrail", "--apply", "--json"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(app, args)  # same folder, fresh stores: never a silent no-op
    assert second.exit_code == 0, second.output
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert len(two["report"]["done"]) == len(NUMBERS)
    assert two["report"]["already_done"] == []
    assert one["journal"] != two["journal"]
    assert one["journal"].startswith("phonefleet-linq-to-gravityrail-")
    assert sorted(path.name for path in tmp_path.glob("*.journal.sqlite")) == sorted(
        [one["journal"], two["journal"]]
    )


def test_the_cli_refuses_a_journal_of_another_pair_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fresh_stores(monkeypatch)
    args = ["migrate", "--from", "linq", "--to", "gravityrail", "--apply", "--journal", str(tmp_path / "j")]
    assert CliRunner().invoke(app, args).exit_code == 0
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 1
    assert "a journal serves one source and one target" in again.stderr
    assert "Traceback" not in again.output


def test_the_cli_sends_again_to_fresh_emulators_with_the_same_journal(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    args = ["migrate", "--from", "emulator:linq", "--to", "emulator:gravityrail", "--apply", "--json"]
    args += ["--create-missing", "--journal", str(journal)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    done = json.loads(first.stdout)["report"]["done"]
    assert done
    second = CliRunner().invoke(app, args)  # each run starts fresh emulators: the work is needed again
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout)["report"]
    assert len(report["done"]) == len(done)
    assert report["already_done"] == []


def test_store_identities_carry_no_credential() -> None:
    twilio = phonefleet.connect("twilio", account_sid="AC0123456789abcdef0123456789abcdef", auth_token=SECRET)
    identity = twilio.identity
    twilio.close()
    assert identity == StoreIdentity("twilio", "AC0123456789abcdef0123456789abcdef", "https://api.twilio.com")
    assert SECRET not in identity.to_json() + repr(identity) + identity.describe()
    telnyx = phonefleet.connect("telnyx", api_key=SECRET, base_url="https://api.telnyx.com/v2/")
    assert telnyx.identity == StoreIdentity("telnyx", None, "https://api.telnyx.com/v2")
    telnyx.close()
    assert StoreIdentity("x", None, "https://u:p@Example.com:8443/a/?token=1#f").base_url == (
        "https://example.com:8443/a"
    )
    assert MemoryStore().identity != MemoryStore().identity  # two stores, two accounts
    assert MemoryStore(name="n").identity == MemoryStore(name="n").identity


def test_an_old_journal_is_upgraded_and_a_newer_one_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # schema 1: no version row, no identities
        db.executescript(journal_module._SCHEMA)
        db.execute("INSERT INTO meta VALUES ('source', 'linq'), ('target', 'gr'), ('created', '0')")
    source, target = _source(), _target()
    report = migrate.apply(migrate.plan(source, target), journal=path)
    assert report.ok
    journal = Journal(path, source="linq", target="gr")
    assert journal.identities() == {"source": source.identity, "target": target.identity}
    journal.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '3' WHERE key = 'schema'")
    with pytest.raises(JournalCorruptError, match="newer phonefleet"):
        migrate.apply(migrate.plan(source, target), journal=path)


# -- 2. take over only a silent owner ------------------------------------------------------------
def _seize(path: Path, *, pid: Any, heartbeat: Any, started: Any = None, host: str | None = None) -> None:
    """An owner row as another run (or a corruption) left it."""
    Journal(path, source="linq", target="gr").close()
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT OR REPLACE INTO owner (id, run, pid, host, started, heartbeat)"
            " VALUES (1, 'other', ?, ?, ?, ?)",
            (pid, host or socket.gethostname(), heartbeat if started is None else started, heartbeat),
        )
        db.execute("INSERT OR REPLACE INTO runs (run, pid, host, started) VALUES ('other', 1, 'h', 0)")


def test_a_live_owner_in_another_pid_namespace_is_never_taken_over(tmp_path: Path) -> None:
    """Same host name, a pid this namespace does not know, a fresh heartbeat: alive elsewhere."""
    path = tmp_path / "j.sqlite"
    _seize(path, pid=4_194_999, heartbeat=time.time())  # past pid_max: no such process here
    source, target = _source(), Counting(_target())
    with pytest.raises(JournalBusyError, match="4194999"):
        migrate.apply(migrate.plan(source, target), journal=path)
    assert target.calls == []


def test_a_silent_owner_is_taken_over_and_the_log_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "j.sqlite"
    now = time.time()
    _seize(path, pid=4_194_999, heartbeat=now - journal_module.STALE_SECONDS - 5)
    caplog.set_level(logging.WARNING, "phonefleet.migrate")
    report = migrate.apply(migrate.plan(_source(), _target()), journal=path)
    assert report.ok
    assert "heartbeat is stale: last seen" in caplog.text
    journal = Journal(path, source="linq", target="gr")
    assert journal.runs()[0]["outcome"].startswith("taken over (its heartbeat is stale")
    journal.close()


def test_the_heartbeat_keeps_a_running_owner_fresh(tmp_path: Path) -> None:
    now = [100.0]
    journal = Journal(tmp_path / "j.sqlite", source="linq", target="gr", clock=lambda: now[0])
    run = journal.claim()
    now[0] = 200.0

    class Once(threading.Event):
        """Lets the loop beat once, then stops it."""

        def __init__(self) -> None:
            super().__init__()
            self.beats = 0

        def wait(self, timeout: float | None = None) -> bool:
            self.beats += 1
            return self.beats > 1

    journal._heartbeat(run, Once())
    assert journal.owner()["heartbeat"] == 200.0  # type: ignore[index]
    journal.close()


# -- 3. ownership is checked with every step's record --------------------------------------------
def test_a_journal_taken_over_records_nothing_more(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    plan = migrate.plan(_source(), _target())
    journal = Journal(path, source="linq", target="gr")
    journal.claim()
    usurper = Journal(path, source="linq", target="gr")
    usurper.claim(take_over=True)
    with pytest.raises(JournalTakenOverError):
        journal.started(plan.steps[0])
    assert journal.counts() == {}
    usurper.close()
    journal.close()


async def test_an_async_run_that_lost_its_journal_sends_nothing_more(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    source = AsyncMemoryStore(
        [PhoneNumber("linq", f"s{i}", n, name="x") for i, n in enumerate(NUMBERS)], provider="linq"
    )
    target = AsyncMemoryStore([PhoneNumber("gr", f"t{i}", n) for i, n in enumerate(NUMBERS)], provider="gr")
    inner, calls = target.update, [0]

    async def update(ref: Any, changes: Any) -> Any:
        calls[0] += 1
        if calls[0] == 2:
            usurper = Journal(path, source="linq", target="gr")
            usurper.claim(take_over=True)
            usurper.close()
        await asyncio.sleep(0)
        return await inner(ref, changes)

    target.update = update  # type: ignore[method-assign]
    plan = await migrate.plan_async(source, target)
    report = await migrate.apply_async(plan, journal=path, concurrency=1)
    assert calls[0] == 2
    assert report.interrupted
    assert "JournalTakenOverError" in (report.stopped_by or "")


# -- 4. a corrupted owner row is a typed error ----------------------------------------------------
@pytest.mark.parametrize(
    ("pid", "heartbeat"),
    [("abc", None), (1.5, None), (9999999999999, None), (-1, None), (7, "soon"), (7, 1e300)],
)
def test_a_corrupted_owner_row_is_a_phonefleet_error(tmp_path: Path, pid: Any, heartbeat: Any) -> None:
    path = tmp_path / "j.sqlite"
    _seize(path, pid=pid, heartbeat=time.time() if heartbeat is None else heartbeat)
    plan = migrate.plan(_source(), _target())
    with pytest.raises(JournalCorruptError, match=r"owner record .* is corrupted") as info:
        migrate.apply(plan, journal=path)
    assert isinstance(info.value, phonefleet.PhoneFleetError)
    assert migrate.apply(plan, journal=path, take_over=True).ok  # replaced when asked


def test_a_corrupted_step_record_is_looked_up_never_a_type_error(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    source, target = Counting(_source()), _target()
    plan = migrate.plan(source, target, archive_source=True)
    migrate.apply(plan, journal=path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE steps SET updated = 'yesterday' WHERE action = 'archive'")
        db.execute("UPDATE steps SET state = 'bogus' WHERE action = 'set_name'")
    source.calls.clear()
    again = migrate.apply(plan, journal=path)
    assert again.ok
    assert "archive" not in source.calls  # looked up, found archived, never sent twice
    assert source.calls.count("get") == len(NUMBERS)


# -- 5. a dry run writes nothing ------------------------------------------------------------------
def test_a_dry_run_creates_no_journal(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    report = migrate.apply(migrate.plan(_source(), _target()), journal=path, dry_run=True)
    assert report.dry_run
    assert len(report.skipped) == len(NUMBERS)
    assert list(tmp_path.iterdir()) == []


def test_a_dry_run_leaves_an_existing_journal_untouched(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    source, target = _source(), _target()
    migrate.apply(migrate.plan(source, target, create_missing=True), journal=path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = {item.name: item.read_bytes() for item in tmp_path.iterdir()}
    journal = Journal(path, source="linq", target="gr")
    migrate.apply(migrate.plan(source, MemoryStore(provider="gr")), journal=journal, dry_run=True)
    assert journal.runs()[-1]["outcome"] == "finished"  # not claimed by the dry run
    assert len(journal.runs()) == 1
    journal.close()
    after = {item.name: item.read_bytes() for item in tmp_path.iterdir()}
    assert after["j.sqlite"] == before["j.sqlite"]


async def test_an_async_dry_run_creates_no_journal(tmp_path: Path) -> None:
    source = AsyncMemoryStore([PhoneNumber("linq", "s1", NUMBERS[0], name="x")], provider="linq")
    target = AsyncMemoryStore([PhoneNumber("gr", "t1", NUMBERS[0])], provider="gr")
    plan = await migrate.plan_async(source, target)
    report = await migrate.apply_async(plan, journal=tmp_path / "j.sqlite", dry_run=True)
    assert report.dry_run
    assert list(tmp_path.iterdir()) == []
