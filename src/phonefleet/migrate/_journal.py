"""The migration journal: one SQLite file (WAL) recording every step.

A step is written as `started` before its request is sent and as `done` or
`failed` after. On a rerun, `done` steps are skipped; a `started` or
`failed` step has an unknown outcome and is re-checked against the store
before anything is sent again.

A journal belongs to one run at a time. `claim()` writes an owner row (run
id, pid, host, start time, heartbeat) under `BEGIN IMMEDIATE`, so two runs
can never both hold it; a second run gets `JournalBusyError` naming the
owner. A crashed owner does not block a resume: when its pid is gone on
this same host it is taken over at once; a run on another host (or a pid
reused since) is taken over only with `take_over=True`.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

from phonefleet._errors import PhoneFleetError

from ._model import Step

__all__ = ["DONE", "FAILED", "STARTED", "Journal", "JournalBusyError"]

log: Final = logging.getLogger("phonefleet.migrate")
#: how often a running owner refreshes its heartbeat (and checks it still owns the journal)
HEARTBEAT_SECONDS: Final = 5.0


class JournalBusyError(PhoneFleetError):
    """Another run owns this journal; `owner` says which (pid, host, started, heartbeat)."""

    def __init__(self, path: Path, owner: dict[str, Any]) -> None:
        self.path = path
        self.owner = owner
        super().__init__(
            f"the migration journal {path} is in use by another run (pid {owner['pid']} on "
            f"{owner['host']}, started {_when(owner['started'])}, last seen {_when(owner['heartbeat'])}); "
            "wait for it to finish, or, if that run is gone, take the journal over "
            "(apply(..., take_over=True))"
        )


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists under another user, or we cannot tell: assume alive
    return True


STARTED: Final = "started"
DONE: Final = "done"
FAILED: Final = "failed"

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


class Journal:
    """The record of one migration (source provider -> target provider).

    Safe to share between threads; every write is its own transaction, so
    the file is consistent whenever the process stops. Opening one only
    reads it; `apply` claims it for its run (see `claim`).
    """

    def __init__(self, path: str | Path, *, source: str, target: str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._run: str | None = None
        self._claimed = 0.0
        self._beat = 0.0
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._check_owner(source, target)
            self._states: dict[str, str] = dict(self._db.execute("SELECT key, state FROM steps").fetchall())
        except sqlite3.Error as exc:
            msg = f"cannot use {self.path} as a migration journal: {exc}"
            raise PhoneFleetError(msg) from exc

    def _check_owner(self, source: str, target: str) -> None:
        found = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if not found:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('source', ?), ('target', ?), ('created', ?)",
                (source, target, str(time.time())),
            )
        elif (found.get("source"), found.get("target")) != (source, target):
            msg = (
                f"{self.path} is the journal of a migration from {found.get('source')} "
                f"to {found.get('target')}, not {source} to {target}"
            )
            raise PhoneFleetError(msg)

    # -- ownership -------------------------------------------------------------
    def owner(self) -> dict[str, Any] | None:
        """The run that owns the journal now (`run`, `pid`, `host`, `started`, `heartbeat`), if any."""
        with self._lock:
            row = self._db.execute(
                "SELECT run, pid, host, started, heartbeat FROM owner WHERE id = 1"
            ).fetchone()
        return (
            None
            if row is None
            else dict(zip(("run", "pid", "host", "started", "heartbeat"), row, strict=True))
        )

    def runs(self) -> list[dict[str, Any]]:
        """Every run that claimed this journal, oldest first, with how it ended
        (`outcome` None while running, or if it crashed)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT run, pid, host, started, ended, outcome FROM runs ORDER BY started, rowid"
            ).fetchall()
        keys = ("run", "pid", "host", "started", "ended", "outcome")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def claim(self, *, take_over: bool = False) -> str:
        """Own the journal for one run, or raise `JournalBusyError`.

        An owner whose pid is gone on this host (a crashed or killed run) is
        taken over; any other owner only with `take_over=True`.
        """
        run, pid, host, now = uuid.uuid4().hex, os.getpid(), socket.gethostname(), time.time()
        with self._lock:
            if self._run is not None:  # this very object is in use by a run already
                mine = {
                    "run": self._run,
                    "pid": pid,
                    "host": host,
                    "started": self._claimed,
                    "heartbeat": self._beat,
                }
                raise JournalBusyError(self.path, mine)
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    row = self._db.execute(
                        "SELECT run, pid, host, started, heartbeat FROM owner WHERE id = 1"
                    ).fetchone()
                    if row is not None:
                        found = dict(zip(("run", "pid", "host", "started", "heartbeat"), row, strict=True))
                        crashed = found["host"] == host and not _pid_alive(found["pid"])
                        if not (crashed or take_over):
                            raise JournalBusyError(self.path, found)
                        log.warning(
                            "taking over the migration journal %s from pid %s on %s (%s)",
                            self.path,
                            found["pid"],
                            found["host"],
                            "its process is gone" if crashed else "take_over=True",
                        )
                        self._db.execute(
                            "UPDATE runs SET outcome = ? WHERE run = ? AND outcome IS NULL",
                            ("taken over: the run stopped without finishing", found["run"]),
                        )
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
        return run

    def release(self, outcome: str) -> None:
        """End this run's ownership, recording how it ended ("finished", "interrupted: ...")."""
        with self._lock:
            run, self._run = self._run, None
            if run is None:
                return
            self._db.execute("DELETE FROM owner WHERE id = 1 AND run = ?", (run,))
            self._db.execute(
                "UPDATE runs SET ended = ?, outcome = ? WHERE run = ?", (time.time(), outcome, run)
            )

    def _heartbeat(self, now: float) -> None:
        """Refresh the owner row now and then; a run whose journal was taken over stops."""
        if self._run is None or now - self._beat < HEARTBEAT_SECONDS:
            return
        updated = self._db.execute(
            "UPDATE owner SET heartbeat = ? WHERE id = 1 AND run = ?", (now, self._run)
        )
        if updated.rowcount == 0:
            msg = f"the migration journal {self.path} was taken over by another run; this run stops"
            raise PhoneFleetError(msg)
        self._beat = now

    # -- steps -------------------------------------------------------------------
    def state(self, step: Step) -> str | None:
        """`started`, `done`, `failed`, or None when never run."""
        return self._states.get(step.key)

    def started(self, step: Step) -> None:
        self._write(step, STARTED, None)

    def done(self, step: Step) -> None:
        self._write(step, DONE, None)

    def failed(self, step: Step, error: BaseException) -> None:
        self._write(step, FAILED, f"{type(error).__name__}: {error}")

    def _write(self, step: Step, state: str, error: str | None) -> None:
        key = step.key
        now = time.time()
        with self._lock:
            self._heartbeat(now)
            self._db.execute(
                "INSERT INTO steps (key, number, store, action, state, attempts, error, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET state = excluded.state,"
                " attempts = steps.attempts + excluded.attempts, error = excluded.error,"
                " updated = excluded.updated",
                (
                    key,
                    step.number,
                    step.store,
                    step.action.value,
                    state,
                    1 if state == STARTED else 0,
                    error,
                    now,
                ),
            )
            self._states[key] = state

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
