"""Group commit: an async run's journal records, one transaction per turn of the event loop.

A step's `started` record must be on disk before its request is sent, its
`done` or `failed` only once the store has answered. At concurrency 32 many
tasks reach one of those points in the same turn of the loop; their records
are written together, in one transaction whose ownership check covers them
all, instead of one transaction (and one ownership check) each. A journal
taken over refuses the whole group: every task waiting to send gets
`JournalTakenOverError` and sends nothing. An outcome is reported
(`Report.done`, `progress`) only after its record's transaction, never
before: a run killed before that leaves the step `started` in the journal,
and the next run looks it up before believing or resending it.

A group is written at the end of the loop's turn, or at once when its first
task has waited `MAX_WAIT`: tasks woken together would otherwise all wait
for the slowest of them, and move in lockstep from then on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Final

from ._journal import STARTED, Journal
from ._model import Step

__all__ = ["MAX_WAIT", "GroupCommit"]

#: how long (seconds) the first task of a group waits for others to join it, at most
MAX_WAIT: Final = 0.0005


class GroupCommit:
    """Records queued by the tasks of one `apply_async` run, written together.

    `on_error` hears of a group the journal refused (the run stops); the
    tasks waiting on `started` get the error as well.
    """

    def __init__(
        self,
        journal: Journal,
        on_error: Callable[[BaseException], None],
        *,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._journal = journal
        self._on_error = on_error
        self._clock = clock
        self._first = 0.0
        self._records: list[tuple[Step, str, str | None]] = []
        self._then: list[Callable[[], None]] = []
        self._waiting: list[asyncio.Future[None]] = []
        self._scheduled = False

    def started(self, step: Step) -> asyncio.Future[None]:
        """Queue `step` as started; the future is resolved once that is on disk."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        now = self._clock()
        if not self._waiting:
            self._first = now
        self._records.append((step, STARTED, None))
        self._waiting.append(future)
        if now - self._first >= MAX_WAIT:  # the group's first task has waited enough: write it now
            self.flush()
        else:
            self._schedule()
        return future

    def settled(self, step: Step, state: str, error: str | None, then: Callable[[], None]) -> None:
        """Queue the step's outcome (the store answered); `then` reports it once written."""
        self._records.append((step, state, error))
        self._then.append(then)
        self._schedule()

    def _schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Write what is queued, in one transaction; then report and wake the waiting tasks."""
        self._scheduled = False
        if not self._records:
            return
        records, self._records = self._records, []
        then, self._then = self._then, []
        waiting, self._waiting = self._waiting, []
        failure: BaseException | None = None
        try:
            self._journal.write(records)
        except BaseException as exc:  # taken over, or the file failed: nothing of the group is written
            failure = exc
        for report in then:  # the store has these, journaled or not (as with one write per step)
            try:
                report()
            except Exception as exc:  # a progress callback that failed stops the run
                self._on_error(exc)
        for future in waiting:
            if future.done():  # its task was cancelled meanwhile: it sends nothing
                continue
            if failure is None:
                future.set_result(None)
            else:
                future.set_exception(failure)
        if failure is not None:
            self._on_error(failure)
            if not isinstance(failure, Exception):
                raise failure
