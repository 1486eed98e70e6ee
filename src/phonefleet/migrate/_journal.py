"""The migration journal: one SQLite file (WAL) recording every step.

A step is written as `started` before its request is sent and as `done` or
`failed` after. On a rerun, `done` steps are skipped; a `started` or
`failed` step has an unknown outcome and is re-checked against the store
before anything is sent again.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Final, Self

from phonefleet._errors import PhoneFleetError

from ._model import Step

__all__ = ["DONE", "FAILED", "STARTED", "Journal"]

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
"""


class Journal:
    """The record of one migration (source provider -> target provider).

    Safe to share between threads; every write is its own transaction, so
    the file is consistent whenever the process stops.
    """

    def __init__(self, path: str | Path, *, source: str, target: str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
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
        with self._lock:
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
                    time.time(),
                ),
            )
            self._states[key] = state

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._db.execute("SELECT state, COUNT(*) FROM steps GROUP BY state").fetchall())

    def close(self) -> None:
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
