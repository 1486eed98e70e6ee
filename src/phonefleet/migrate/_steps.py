"""What each step means, written once for both runners.

`call_for` says which store method a step sends, `satisfied` whether a
number's current state already has the step's effect (for a re-check after
an unknown outcome, and to verify what the store answered). `run_number`
is the whole per-number procedure as a generator that yields `Call`s and is
sent their results (or has their exceptions thrown in): the sync and async
runners only execute the calls.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Sequence
from typing import Any, TypeAlias

import attrs

from phonefleet._errors import NotFoundError, PhoneFleetError
from phonefleet._model import NumberChanges, PhoneNumber, Routing

from ._group import GroupCommit
from ._handlers import same_handler
from ._journal import DONE, FAILED, STARTED, Journal, error_text
from ._model import Action, Failure, SkippedStep, Step, StoreSide, Waiting

__all__ = ["Call", "Context", "NumberFlow", "Started", "call_for", "run_number", "satisfied"]


@attrs.frozen
class Call:
    """One store method to call: `getattr(stores[store], method)(*args, **kwargs)`."""

    store: StoreSide
    method: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = attrs.field(factory=dict)
    #: the method returns an iterator (sync or async): the runner hands back its items as a list
    collect: bool = False


@attrs.frozen
class Started:
    """A step's `started` record, queued in the async runner's group commit: the
    runner waits until it is on disk (or refused) before the flow goes on."""

    written: Awaitable[None]


NumberFlow: TypeAlias = Generator[Call | Started, Any, None]

#: a step the journal calls done, to be confirmed in the store before it is believed
RECHECK = "recheck"


class StepNotAppliedError(PhoneFleetError):
    """The store answered without error, but the step's effect is not there."""


def call_for(step: Step, ref: str) -> Call:
    """The store call that performs `step` on the number `ref` points at."""
    action = step.action
    if action is Action.CREATE:
        return Call(step.store, "create", (step.number,), {"name": step.after})
    if action is Action.SET_NAME:
        return Call(step.store, "update", (ref, NumberChanges(name=step.after)))
    if action is Action.SET_FORWARDING:
        return Call(step.store, "set_forwarding", (ref, step.after))
    if action is Action.SET_ROUTING:
        return Call(step.store, "update", (ref, NumberChanges(routing=step.after)))
    if action is Action.LINK:
        return Call(step.store, "link", (ref, step.after))
    return Call(step.store, "archive", (ref,))


def satisfied(step: Step, current: PhoneNumber | None) -> bool:
    """Whether `current` (None: not found) already shows the step's effect."""
    action = step.action
    if action is Action.ARCHIVE:
        # A number the source no longer knows is gone: archiving it again could only fail.
        return current is None or current.archived
    if current is None or current.archived:
        return False
    after: object = step.after
    if action is Action.CREATE:
        return True
    if action is Action.SET_NAME:
        return current.name == after
    if action is Action.SET_FORWARDING:
        return current.forwarding_number == after
    if action is Action.SET_ROUTING:
        routing = current.routing
        wanted = after
        if routing is None or not isinstance(wanted, Routing):
            return routing is None and wanted is None
        return all(
            getattr(wanted, side) is None or same_handler(getattr(wanted, side), getattr(routing, side))
            for side in ("voice", "messaging")
        )
    return current.link == after


@attrs.define
class Context:
    """What one apply run shares between its workers: journal, outcomes, stop flag."""

    journal: Journal | None
    dry_run: bool
    progress: Callable[[Step, str], None] | None = None
    #: when the plan read its stores (None: unknown), to tell a fresh plan from a stale one
    plan_made: float | None = None
    stopping: bool = False
    stopped_by: str | None = None
    done: list[Step] = attrs.field(factory=list)
    already_done: list[Step] = attrs.field(factory=list)
    waiting: list[Waiting] = attrs.field(factory=list)
    #: numbers whose port to the target completed: the source no longer holds them
    ported: set[str] = attrs.field(factory=set)
    skipped: list[SkippedStep] = attrs.field(factory=list)
    failed: list[Failure] = attrs.field(factory=list)
    reached: set[Step] = attrs.field(factory=set)
    #: the async runner's group commit: outcomes are journaled with others, then reported
    group: GroupCommit | None = None

    def stop(self, reason: BaseException | str) -> None:
        """Start nothing new; the first reason given is kept for the report."""
        self.stopping = True
        if self.stopped_by is None:
            if isinstance(reason, BaseException):
                text = f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
            else:
                text = reason
            self.stopped_by = text

    def _report(self, step: Step, outcome: str) -> None:
        self.reached.add(step)
        if self.progress is not None:
            self.progress(step, outcome)

    @property
    def book(self) -> Journal | None:
        """The journal to write to: None in a dry run, which reads its journal and writes nothing."""
        return None if self.dry_run else self.journal

    def mark_done(self, step: Step) -> None:
        self._settle(step, DONE, None, lambda: self._done(step))

    def mark_failed(self, step: Step, error: Exception) -> None:
        self._settle(step, FAILED, error_text(error), lambda: self._failed(step, error))

    def _settle(self, step: Step, state: str, error: str | None, report: Callable[[], None]) -> None:
        """Journal a step's outcome, then report it; reported even if the journal refused
        the record (taken over meanwhile): the store has it either way."""
        if self.book is None:
            report()
        elif self.group is not None:  # written with the others of this turn, reported after
            self.group.settled(step, state, error, report)
        else:
            try:
                self.book.write([(step, state, error)])
            finally:
                report()

    def _done(self, step: Step) -> None:
        self.done.append(step)
        self._report(step, "done")

    def _failed(self, step: Step, error: Exception) -> None:
        self.failed.append(Failure(step, error))
        self._report(step, "failed")

    def state(self, step: Step) -> str | None:
        """The journal's word on a step; `done` becomes RECHECK when the plan
        is newer than that record: a plan made after the step was done still
        needing it means the store may not show it, so the store is asked."""
        record = self.journal.record(step) if self.journal is not None else None
        if record is None:
            return None
        state, when = record
        if state == DONE and (self.plan_made is None or self.plan_made >= when):
            return RECHECK
        return state

    def mark_skipped(self, step: Step, reason: str) -> None:
        self.skipped.append(SkippedStep(step, reason))
        self._report(step, "skipped")

    def mark_waiting(self, waiting: Waiting) -> None:
        self.waiting.append(waiting)
        self._report(waiting.step, "waiting")

    def mark_already_done(self, step: Step) -> None:
        self.already_done.append(step)
        self._report(step, "already_done")


def run_number(steps: Sequence[Step], ctx: Context) -> NumberFlow:
    """Every step of one number, in order: the target's first, the source's archive last.

    The archive is sent only when every target step for the number is in
    effect. A step the journal left `started` or `failed`, or calls `done`
    although a fresh plan still needs it, is looked up first and sent only
    if its effect is missing, so nothing (an archive above all) is sent
    twice and nothing is reported done that the store does not show. The
    archive of a number that ported to the target is satisfied as it is.
    """
    unit = _Unit()
    for step in steps:
        if ctx.stopping:
            return
        state = ctx.state(step)
        if state == DONE:
            ctx.mark_already_done(step)
        elif step.action is Action.ARCHIVE and step.store == "source" and step.number in ctx.ported:
            # ported away: the source no longer holds it, nothing to send
            (ctx.mark_already_done if state == RECHECK or ctx.dry_run else ctx.mark_done)(step)
        elif step.store == "source" and not unit.target_ready:
            ctx.mark_skipped(step, "not archived: a target step for this number did not succeed")
        elif step.store == "target" and unit.create_failed:
            ctx.mark_skipped(step, "not sent: the number could not be created on the target")
        elif ctx.dry_run:
            ctx.mark_skipped(step, f"dry run: would {step.describe()}")
        else:
            yield from _run_step(step, state, unit, ctx)


@attrs.define
class _Unit:
    """What the steps of one number learn from each other."""

    target_ref: str | None = None
    target_ready: bool = True
    create_failed: bool = False

    def ref(self, step: Step) -> str:
        if step.store == "target" and self.target_ref is not None:
            return self.target_ref
        return step.id or step.number

    def succeeded(self, step: Step, number: PhoneNumber | None, ctx: Context) -> None:
        if step.action is Action.CREATE and number is not None:
            self.target_ref = number.id
        ctx.mark_done(step)

    def confirmed(self, step: Step, number: PhoneNumber | None, ctx: Context) -> None:
        """Done by an earlier run, and the store shows it."""
        if step.action is Action.CREATE and number is not None:
            self.target_ref = number.id
        ctx.mark_already_done(step)

    def failed(self, step: Step, error: Exception, ctx: Context) -> None:
        if step.action is Action.CREATE:
            self.create_failed = True
        if step.store == "target":
            self.target_ready = False
        ctx.mark_failed(step, error)


def _run_step(step: Step, state: str | None, unit: _Unit, ctx: Context) -> NumberFlow:
    ref = unit.ref(step)
    if state in (STARTED, FAILED, RECHECK):
        # The outcome of an earlier attempt is unknown (or its record may be
        # another store's): look before sending again.
        lookup = step.number if step.action is Action.CREATE else ref
        try:
            current = yield Call(step.store, "get", (lookup,))
        except NotFoundError:
            current = None
        except Exception as exc:  # every failure is reported, typed
            unit.failed(step, exc, ctx)
            return
        if satisfied(step, current):
            if state == RECHECK:  # the journal had it right: nothing to record again
                unit.confirmed(step, current, ctx)
            else:
                unit.succeeded(step, current, ctx)
            return
    if ctx.group is not None:  # one transaction with the records of the other tasks
        yield Started(ctx.group.started(step))
    elif ctx.book is not None:
        ctx.book.started(step)
    try:
        result = yield call_for(step, ref)
    except Exception as exc:  # every failure is reported, typed
        unit.failed(step, exc, ctx)
        return
    if not isinstance(result, PhoneNumber) or not satisfied(step, result):
        error = StepNotAppliedError(f"{step.describe()}: the store answered, but the change is not there")
        unit.failed(step, error, ctx)
        return
    unit.succeeded(step, result, ctx)
