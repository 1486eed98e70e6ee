"""The migration journal: one SQLite file (WAL) recording every step.

A step is written as `started` before its request is sent and as `done` or
`failed` after. On a rerun, `done` steps are skipped; a `started` or
`failed` step has an unknown outcome and is re-checked against the store
before anything is sent again.

A journal belongs to one source and one target: their identities
(provider, account, base URL; never a credential) are recorded by the
first run that claims it, and a run with another pair is refused
(`JournalMismatchError`).

A journal belongs to one run at a time. `claim()` writes an owner row (run
id, pid, host, start time, heartbeat) under `BEGIN IMMEDIATE`, so two runs
can never both hold it; a second run gets `JournalBusyError` naming the
owner. The owner refreshes its heartbeat from a background thread; an
owner whose heartbeat is stale (older than `STALE_SECONDS`) is taken over
automatically, any other only with `take_over=True`. A pid says nothing
across pid namespaces, so it is never trusted to decide. Every write checks,
in its own transaction, that this run still owns the journal: a run whose
journal was taken over records and sends nothing more
(`JournalTakenOverError`).

The file carries a schema version (`meta` row `schema`): a journal written
by an older phonefleet is upgraded in place, one written by a newer one is
refused.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

import attrs

from phonefleet._errors import PhoneFleetError
from phonefleet._identity import StoreIdentity

from ._model import Step

__all__ = [
    "DONE",
    "FAILED",
    "STARTED",
    "Journal",
    "JournalBusyError",
    "JournalCorruptError",
    "JournalMismatchError",
    "JournalTakenOverError",
    "PortRecord",
]

log: Final = logging.getLogger("phonefleet.migrate")
#: how often a running owner refreshes its heartbeat
HEARTBEAT_SECONDS: Final = 5.0
#: an owner silent this long is gone: its journal is taken over without asking
STALE_SECONDS: Final = 30.0
#: the journal's schema version; 1 had no identities and no version row
SCHEMA_VERSION: Final = 2

_OWNER_KEYS: Final = ("run", "pid", "host", "started", "heartbeat")
_MAX_PID: Final = 2**31 - 1
_MAX_TIME: Final = 253402300799.0  # 9999-12-31T23:59:59Z


class JournalBusyError(PhoneFleetError):
    """Another run owns this journal; `owner` says which (pid, host, started, heartbeat)."""

    def __init__(self, path: Path, owner: dict[str, Any]) -> None:
        self.path = path
        self.owner = owner
        super().__init__(
            f"the migration journal {path} is in use by another run (pid {owner['pid']} on "
            f"{owner['host']}, started {_when(owner['started'])}, last seen {_when(owner['heartbeat'])}); "
            "wait for it to finish: a run that is gone is taken over automatically once its heartbeat "
            f"is {STALE_SECONDS:.0f} s old, or at once with apply(..., take_over=True) if you know it is gone"
        )


class JournalMismatchError(PhoneFleetError):
    """The journal records another source or target than this run's stores."""

    def __init__(self, message: str, *, path: Path) -> None:
        self.path = path
        super().__init__(message)


class JournalTakenOverError(PhoneFleetError):
    """Another run took this run's journal over: this run records and sends nothing more."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"the migration journal {path} was taken over by another run; this run stops and sends "
            "nothing more"
        )


@attrs.frozen
class PortRecord:
    """What the journal knows of one number's port.

    `state`: `intended` (an order is about to be sent, or was sent and its
    id not yet recorded: look it up before sending again), `ordered`
    (`order_id` holds it), `completed`, or `failed` (`detail` says why).
    `steps` is the number's steps as JSON, so they run once it arrives even
    if a fresh plan no longer lists the number.
    """

    number: str
    state: str
    order_id: str | None = None
    status: str | None = None
    foc: str | None = None
    detail: str | None = None
    steps: str | None = None


class JournalCorruptError(PhoneFleetError):
    """A record in the journal file is not one phonefleet writes."""


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def _owner(path: Path, row: tuple[Any, ...]) -> dict[str, Any]:
    """The owner row, checked: a corrupted one is a typed error, never a TypeError later."""
    found = dict(zip(_OWNER_KEYS, row, strict=True))
    run, pid, host = found["run"], found["pid"], found["host"]
    problems = []
    if not isinstance(run, str) or not run:
        problems.append("run")
    if isinstance(pid, bool) or not isinstance(pid, int) or not 0 < pid <= _MAX_PID:
        problems.append("pid")
    if not isinstance(host, str):
        problems.append("host")
    for key in ("started", "heartbeat"):
        value = found[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not 0 <= value <= _MAX_TIME
        ):
            problems.append(key)
    if problems:
        msg = (
            f"the owner record of the migration journal {path} is corrupted ({', '.join(problems)} not "
            "valid); if no run is using it, replace it with apply(..., take_over=True)"
        )
        raise JournalCorruptError(msg)
    return found


STARTED: Final = "started"
DONE: Final = "done"
FAILED: Final = "failed"


def error_text(error: BaseException) -> str:
    """How a step's failure is recorded."""
    return f"{type(error).__name__}: {error}"


def _record(state: object, updated: object) -> tuple[str, float]:
    """A step's record as read back; a corrupted one is an unknown outcome, looked up before
    anything is sent (a state we never write counts as `started`, an unreadable time as
    older than any plan)."""
    if state not in (STARTED, DONE, FAILED):
        state = STARTED
    if isinstance(updated, bool) or not isinstance(updated, int | float) or not math.isfinite(updated):
        updated = -math.inf
    return str(state), float(updated)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS steps (
    key TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    store TEXT NOT NULL,
    action TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS ports (
    number TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    order_id TEXT,
    status TEXT,
    foc TEXT,
    detail TEXT,
    steps TEXT,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS owner (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    run TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started REAL NOT NULL,
    heartbeat REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started REAL NOT NULL,
    ended REAL,
    outcome TEXT
);
"""

_SIDES: Final = ("source", "target")

_RECORD_STEP: Final = (
    "INSERT INTO steps (key, number, store, action, state, attempts, error, updated)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(key) DO UPDATE SET state = excluded.state,"
    " attempts = steps.attempts + excluded.attempts, error = excluded.error,"
    " updated = excluded.updated"
)


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    """The journal's database; read-only without writing a byte: no WAL or lock file is made,
    and a journal left with its WAL (a run going on, or killed) is read through it."""
    if not read_only:
        return sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    wal, shm = (path.with_name(f"{path.name}-{end}") for end in ("wal", "shm"))
    mode = "ro" if wal.exists() and shm.exists() else "ro&immutable=1"
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=10.0)


def _identity(value: str | StoreIdentity) -> StoreIdentity | None:
    """A store's identity, or None when only a provider name was given."""
    return value if isinstance(value, StoreIdentity) else None


class Journal:
    """The record of one migration (one source store -> one target store).

    `source` and `target` are the stores' identities (`store.identity`), or
    provider names alone: then the identities are recorded and checked by
    the first run that claims the journal. Safe to share between threads;
    every write is its own transaction, so the file is consistent whenever
    the process stops. Opening one only reads it (a new file gets its
    header); `apply` claims it for its run (see `claim`). `clock` is the
    wall clock of heartbeats and records (injected by tests). With
    `read_only=True` (a dry run) an existing journal is read and nothing
    is ever written to it: every write raises.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        source: str | StoreIdentity,
        target: str | StoreIdentity,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._clock = clock
        self._lock = threading.Lock()
        self._run: str | None = None
        self._claimed = 0.0
        self._beat = 0.0
        self._beating: tuple[threading.Thread, threading.Event] | None = None
        self._identities = {"source": _identity(source), "target": _identity(target)}
        providers = {
            "source": source.provider if isinstance(source, StoreIdentity) else source,
            "target": target.provider if isinstance(target, StoreIdentity) else target,
        }
        try:
            self._db = _connect(self.path, read_only=read_only)
        except sqlite3.Error as exc:
            msg = f"cannot use {self.path} as a migration journal: {exc}"
            raise PhoneFleetError(msg) from exc
        try:
            if not read_only:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(_SCHEMA)
            self._check_header(providers["source"], providers["target"])
            self._check_identities(self._identities)
            self._states: dict[str, tuple[str, float]] = {
                str(key): _record(state, updated)
                for key, state, updated in self._db.execute("SELECT key, state, updated FROM steps")
            }
        except sqlite3.Error as exc:
            self._db.close()
            msg = f"cannot use {self.path} as a migration journal: {exc}"
            raise PhoneFleetError(msg) from exc
        except BaseException:
            self._db.close()
            raise

    def _meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def _check_header(self, source: str, target: str) -> None:
        """A new file gets its header; an older schema is upgraded, a newer one refused."""
        found = self._meta()
        if not found and not self.read_only:
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('source', ?), ('target', ?), ('created', ?),"
                " ('schema', ?)",
                (source, target, str(self._clock()), str(SCHEMA_VERSION)),
            )
            found = self._meta()
        version_text = found.get("schema", "1")
        if not version_text.isdigit():
            msg = f"{self.path} is not a migration journal phonefleet can read (schema {version_text!r})"
            raise JournalCorruptError(msg)
        version = int(version_text)
        if version > SCHEMA_VERSION:
            msg = (
                f"{self.path} was written by a newer phonefleet (journal schema {version}; this one reads "
                f"up to {SCHEMA_VERSION}): resume it with that version"
            )
            raise JournalCorruptError(msg)
        if version < SCHEMA_VERSION and not self.read_only:  # 1 -> 2: identities are recorded by the next run
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
            )
            log.info(
                "upgraded the migration journal %s to schema %s; its stores' identities are recorded by "
                "the next run, and every step it calls done is re-checked by a fresh plan",
                self.path,
                SCHEMA_VERSION,
            )
        if (found.get("source"), found.get("target")) != (source, target):
            msg = (
                f"{self.path} is the journal of a migration from {found.get('source')} "
                f"to {found.get('target')}, not {source} to {target}"
            )
            raise JournalMismatchError(msg, path=self.path)

    def identities(self) -> dict[str, StoreIdentity | None]:
        """The `source` and `target` identities this journal is bound to (None: not yet recorded)."""
        with self._lock:
            return self._recorded()

    def _recorded(self) -> dict[str, StoreIdentity | None]:
        found = self._meta()
        result: dict[str, StoreIdentity | None] = {}
        for side in _SIDES:
            text = found.get(f"{side}_identity")
            try:
                result[side] = None if text is None else StoreIdentity.from_json(text)
            except ValueError as exc:
                msg = f"the {side} identity recorded in the migration journal {self.path} is corrupted"
                raise JournalCorruptError(msg) from exc
        return result

    def _check_identities(self, wanted: dict[str, StoreIdentity | None], *, bind: bool = False) -> None:
        """Refuse another pair of stores; record the identities not yet recorded when binding."""
        recorded = self._recorded()
        for side in _SIDES:
            mine, theirs = wanted[side], recorded[side]
            if mine is None:
                continue
            if theirs is None:
                if bind:
                    self._db.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        (f"{side}_identity", mine.to_json()),
                    )
                continue
            if mine != theirs:
                msg = (
                    f"{self.path} is the journal of a migration with the {side} {theirs.describe()}, "
                    f"not {mine.describe()}: a journal serves one source and one target; "
                    "use another journal file for this pair"
                )
                raise JournalMismatchError(msg, path=self.path)

    # -- ownership -------------------------------------------------------------
    def owner(self) -> dict[str, Any] | None:
        """The run that owns the journal now (`run`, `pid`, `host`, `started`, `heartbeat`), if any."""
        with self._lock:
            row = self._db.execute(
                "SELECT run, pid, host, started, heartbeat FROM owner WHERE id = 1"
            ).fetchone()
        return None if row is None else dict(zip(_OWNER_KEYS, row, strict=True))

    def runs(self) -> list[dict[str, Any]]:
        """Every run that claimed this journal, oldest first, with how it ended
        (`outcome` None while running, or if it crashed)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT run, pid, host, started, ended, outcome FROM runs ORDER BY started, rowid"
            ).fetchall()
        keys = ("run", "pid", "host", "started", "ended", "outcome")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def claim(
        self,
        *,
        take_over: bool = False,
        source: StoreIdentity | None = None,
        target: StoreIdentity | None = None,
    ) -> str:
        """Own the journal for one run, or raise `JournalBusyError`.

        An owner whose heartbeat is stale (older than `STALE_SECONDS`) is
        taken over; any other owner only with `take_over=True`. `source` and
        `target` (else those the journal was opened with) are checked against
        the identities recorded, and recorded if none are yet.
        """
        self._writable()
        run, pid, host, now = uuid.uuid4().hex, os.getpid(), socket.gethostname(), self._clock()
        wanted = {
            "source": source if source is not None else self._identities["source"],
            "target": target if target is not None else self._identities["target"],
        }
        with self._lock:
            if self._run is not None:  # this very object is in use by a run already
                mine = {"run": self._run, "pid": pid, "host": host, "started": self._claimed}
                raise JournalBusyError(self.path, {**mine, "heartbeat": self._beat})
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._check_identities(wanted, bind=True)
                    self._take(now, take_over=take_over)
                    self._db.execute(
                        "INSERT OR REPLACE INTO owner (id, run, pid, host, started, heartbeat)"
                        " VALUES (1, ?, ?, ?, ?, ?)",
                        (run, pid, host, now, now),
                    )
                    self._db.execute(
                        "INSERT INTO runs (run, pid, host, started) VALUES (?, ?, ?, ?)",
                        (run, pid, host, now),
                    )
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                msg = f"cannot claim the migration journal {self.path}: {exc}"
                raise PhoneFleetError(msg) from exc
            self._run, self._claimed, self._beat = run, now, now
            self._start_heartbeat(run)
        return run

    def _take(self, now: float, *, take_over: bool) -> None:
        """Inside the claim's transaction: refuse a live owner, or end a gone one's run."""
        row = self._db.execute("SELECT run, pid, host, started, heartbeat FROM owner WHERE id = 1").fetchone()
        if row is None:
            return
        try:
            found = _owner(self.path, row)
        except JournalCorruptError:
            if not take_over:
                raise
            log.warning(
                "replacing the corrupted owner record of the migration journal %s (take_over=True)", self.path
            )
            return
        silent = now - found["heartbeat"]
        stale = silent > STALE_SECONDS
        if not (stale or take_over):
            raise JournalBusyError(self.path, found)
        reason = f"its heartbeat is stale: last seen {silent:.0f} s ago" if stale else "take_over=True"
        log.warning(
            "taking over the migration journal %s from pid %s on %s (%s)",
            self.path,
            found["pid"],
            found["host"],
            reason,
        )
        self._db.execute(
            "UPDATE runs SET outcome = ? WHERE run = ? AND outcome IS NULL",
            (f"taken over ({reason}): the run stopped without finishing", found["run"]),
        )

    def _start_heartbeat(self, run: str) -> None:
        stop = threading.Event()
        thread = threading.Thread(
            target=self._heartbeat, args=(run, stop), name="phonefleet-journal-heartbeat", daemon=True
        )
        self._beating = (thread, stop)
        thread.start()

    def _heartbeat(self, run: str, stop: threading.Event) -> None:
        """Refresh the owner row while the run lasts, so it is never mistaken for a gone one."""
        while not stop.wait(max(HEARTBEAT_SECONDS, 0.05)):
            with self._lock:
                if self._run != run:
                    return
                now = self._clock()
                try:
                    updated = self._db.execute(
                        "UPDATE owner SET heartbeat = ? WHERE id = 1 AND run = ?", (now, run)
                    )
                except sqlite3.Error as exc:  # busy or gone: the next beat tries again
                    log.debug("journal heartbeat failed: %s", exc)
                    continue
                if updated.rowcount == 0:  # taken over: the next write says so
                    return
                self._beat = now

    def release(self, outcome: str) -> None:
        """End this run's ownership, recording how it ended ("finished", "interrupted: ...")."""
        with self._lock:
            run, self._run = self._run, None
            beating, self._beating = self._beating, None
            if run is not None:
                self._db.execute("DELETE FROM owner WHERE id = 1 AND run = ?", (run,))
                self._db.execute(
                    "UPDATE runs SET ended = ?, outcome = ? WHERE run = ?", (self._clock(), outcome, run)
                )
        if beating is not None:
            thread, stop = beating
            stop.set()
            thread.join()

    # -- steps -------------------------------------------------------------------
    def state(self, step: Step) -> str | None:
        """`started`, `done`, `failed`, or None when never run."""
        found = self._states.get(step.key)
        return None if found is None else found[0]

    def record(self, step: Step) -> tuple[str, float] | None:
        """The step's state and when it was recorded (seconds since the epoch), or None."""
        return self._states.get(step.key)

    def started(self, step: Step) -> None:
        """Record that the step is about to be sent; raises `JournalTakenOverError`
        (and records nothing) if this run no longer owns the journal."""
        self._write(step, STARTED, None)

    def done(self, step: Step) -> None:
        self._write(step, DONE, None)

    def failed(self, step: Step, error: BaseException) -> None:
        self._write(step, FAILED, error_text(error))

    # -- ports: one row per number being ported (see `_porting`) -----------------------
    def ports(self) -> dict[str, PortRecord]:
        """Every number this migration has ported or is porting, by number."""
        with self._lock:
            rows = self._db.execute(
                "SELECT number, state, order_id, status, foc, detail, steps FROM ports"
            ).fetchall()
        return {row[0]: PortRecord(*row) for row in rows}

    def record_ports(self, records: list[PortRecord]) -> None:
        """Write port records, all in one transaction (an intent is on disk before its order is sent)."""
        if not records:
            return
        self._owned(
            lambda now: self._db.executemany(
                "INSERT INTO ports (number, state, order_id, status, foc, detail, steps, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(number) DO UPDATE SET state = excluded.state, order_id = excluded.order_id,"
                " status = excluded.status, foc = excluded.foc, detail = excluded.detail,"
                " steps = COALESCE(excluded.steps, ports.steps), updated = excluded.updated",
                [(*attrs.astuple(record), now) for record in records],
            )
        )

    def _owned(self, write: Callable[[float], object]) -> float:
        """Run `write(now)` in one transaction, after checking this run still owns the journal."""
        self._writable()
        with self._lock:
            now = self._clock()
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    row = self._db.execute("SELECT run FROM owner WHERE id = 1").fetchone()
                    if (None if row is None else row[0]) != self._run:
                        raise JournalTakenOverError(self.path)
                    write(now)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                msg = f"cannot write to the migration journal {self.path}: {exc}"
                raise PhoneFleetError(msg) from exc
            return now

    def _writable(self) -> None:
        if self.read_only:
            msg = f"the migration journal {self.path} was opened read-only (a dry run): nothing is written"
            raise PhoneFleetError(msg)

    def _write(self, step: Step, state: str, error: str | None) -> None:
        self.write([(step, state, error)])

    def write(self, records: Sequence[tuple[Step, str, str | None]]) -> None:
        """Record several steps (`step`, `started`/`done`/`failed`, error text) in one
        transaction, in order: this run's ownership is checked once, in that same
        transaction, and either every record is written or none (`JournalTakenOverError`)."""
        if not records:
            return
        rows = [
            (step.key, step.number, step.store, step.action.value, state, 1 if state == STARTED else 0, error)
            for step, state, error in records
        ]
        now = self._owned(lambda now: self._db.executemany(_RECORD_STEP, [(*row, now) for row in rows]))
        for row in rows:
            self._states[row[0]] = (row[4], now)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._db.execute("SELECT state, COUNT(*) FROM steps GROUP BY state").fetchall())

    def close(self) -> None:
        if self._run is not None:
            self.release("closed")
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
