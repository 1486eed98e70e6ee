"""Porting inside a migration: plan the orders, submit them once, wait across runs.

A number the source holds and the target lacks becomes a PORT_IN step when
`plan(..., port=Porting(...))` is given and the target has `Feature.PORT_IN`.
`apply` submits every such number in one `port_in` call (the vendor splits
it into as few orders as it allows) and returns; each rerun with the same
journal polls each open order once, and a number whose port completed runs
its remaining steps. The rules that keep an order from being created twice:

- the journal records "an order is intended for these numbers" (with their
  steps) BEFORE the order is sent, and the order ids right after;
- a number left `intended` (a crash between sending and recording) is
  looked up first, among the target's open orders (`list_port_ins(open_only=True)`)
  and then in the target's own list, and sent again only if neither has it.

Written once, as a generator of store `Call`s, for the sync and async runners.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Generator, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

import attrs

from phonefleet._errors import NotFoundError, NotPortableError, PortFailedError
from phonefleet._model import PhoneNumber
from phonefleet._porting import Portability, PortAccount, PortDocuments, PortIn, PortStatus

from ._journal import DONE, PortRecord
from ._model import Action, Step, Waiting, step_from_json, step_to_json
from ._steps import Call, Context, StepNotAppliedError

__all__ = [
    "PortRun",
    "Porting",
    "in_flight",
    "missing",
    "portability_async",
    "portability_sync",
    "refused",
    "to_check",
]

#: a multiple of every vendor's portability batch (Telnyx: 100; Twilio: one number a request),
#: so cutting the numbers into chunks to check them concurrently never adds a request
BATCH_UNIT: Final = 100

INTENDED: Final = "intended"
ORDERED: Final = "ordered"
COMPLETED: Final = "completed"
FAILED: Final = "failed"


def _check_date(_: object, __: object, value: object) -> None:
    if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
        msg = f"date must be a datetime.date or None, got {value!r}"
        raise TypeError(msg)


def _answers(value: Iterable[Portability]) -> tuple[Portability, ...]:
    return tuple(value)


@attrs.frozen
class Porting:
    """What a migration needs to port numbers: the holder's account at the
    losing carrier (as on its bill), the documents, and a date to ask for.

    Never serialised with a plan: the account holds secrets (pin, account
    number), so a plan read back from JSON is bound to one again
    (`Plan.from_json(..., port=...)`).
    """

    account: PortAccount = attrs.field(validator=attrs.validators.instance_of(PortAccount))
    documents: PortDocuments = attrs.field(
        default=PortDocuments(), validator=attrs.validators.instance_of(PortDocuments)
    )
    date: dt.date | None = attrs.field(default=None, validator=_check_date)  # type: ignore[assignment]
    #: numbers an earlier run already ordered (see `in_flight`): planned as PORT_IN without asking
    #: the vendor again, which would call them not portable while its own order holds them
    in_flight: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    #: the target's own portability answers (`plan` keeps those it got): `apply` hands them to
    #: `port_in`, which asks again only for a number without a fresh one (see `Store.port_in`)
    checked: tuple[Portability, ...] = attrs.field(default=(), converter=_answers, eq=False, repr=False)
    #: ask the target again at apply time even for numbers the plan just checked
    recheck: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))


def in_flight(journal: Any) -> frozenset[str]:
    """The numbers a journal has an order intended or open for (a `Journal`)."""
    return frozenset(n for n, r in journal.ports().items() if r.state in (INTENDED, ORDERED))


# -- planning ------------------------------------------------------------------------------
def to_check(source: Iterable[PhoneNumber], target: Iterable[PhoneNumber], port: Porting) -> list[str]:
    """The numbers whose portability the plan asks: those missing, less those in flight."""
    return [n for n in missing(source, target) if n not in port.in_flight]


def missing(source: Iterable[PhoneNumber], target: Iterable[PhoneNumber]) -> list[str]:
    """The active source numbers the target lacks (each once, sorted)."""
    held = {n.number for n in target if not n.archived}
    return sorted({n.number for n in source if not n.archived and n.number not in held})


def chunks(numbers: Sequence[str], concurrency: int) -> list[list[str]]:
    """`numbers` cut for `concurrency` workers, each chunk a multiple of BATCH_UNIT."""
    if not numbers:
        return []
    per_worker = -(-len(numbers) // concurrency)
    size = max(BATCH_UNIT, -(-per_worker // BATCH_UNIT) * BATCH_UNIT)
    return [list(numbers[start : start + size]) for start in range(0, len(numbers), size)]


def refused(results: Iterable[Portability]) -> dict[str, str]:
    """The numbers that cannot port, with the vendor's reason."""
    return {r.number: r.reason or "the vendor says it cannot be ported" for r in results if not r.portable}


def portability_sync(target: Any, numbers: Sequence[str], concurrency: int) -> list[Portability]:
    """Ask a sync target whether each number can port, `concurrency` chunks at a time."""
    parts = chunks(numbers, concurrency)
    if len(parts) <= 1:
        return [answer for part in parts for answer in target.check_portability(part)]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(parts))) as pool:
        return [answer for results in pool.map(target.check_portability, parts) for answer in results]


async def portability_async(target: Any, numbers: Sequence[str], concurrency: int) -> list[Portability]:
    """Ask an async target whether each number can port, `concurrency` chunks at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def check(part: list[str]) -> Any:
        async with gate:
            return await target.check_portability(part)

    found = await asyncio.gather(*(check(part) for part in chunks(numbers, concurrency)))
    return [answer for results in found for answer in results]


# -- applying --------------------------------------------------------------------------------
def _steps_json(steps: Sequence[Step]) -> str:
    return json.dumps([step_to_json(step) for step in steps], sort_keys=True)


def _steps_back(text: str | None) -> list[Step] | None:
    if not text:
        return None
    try:
        return [step_from_json(item) for item in json.loads(text)]
    except (ValueError, KeyError, TypeError):
        return None


def _foc_text(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _foc_back(text: str | None) -> dt.date | dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    except ValueError:
        return None


@attrs.define
class PortRun:
    """One apply run's ports: which numbers wait for one, and the flow that moves them on.

    `groups` are the steps of every number with a port (the plan's, and the
    journal's for a number a fresh plan no longer lists: ported away, the
    source does not list it any more); `runnable()` afterwards gives the
    steps to run now, of the numbers that have arrived.
    """

    ctx: Context
    port: Any
    groups: dict[str, list[Step]]
    records: dict[str, PortRecord]
    arrived: set[str] = attrs.field(factory=set)
    settled: set[str] = attrs.field(factory=set)

    @classmethod
    def start(
        cls, groups: Mapping[str, list[Step]], port: Any, ctx: Context
    ) -> tuple[PortRun, list[list[Step]]]:
        """Split a run's groups into those waiting on a port (this object) and the rest."""
        records = ctx.journal.ports() if ctx.journal is not None else {}
        ported: dict[str, list[Step]] = {}
        others: list[list[Step]] = []
        for number, steps in groups.items():
            if any(step.action is Action.PORT_IN for step in steps):
                ported[number] = steps
            else:
                others.append(steps)
        for number, record in records.items():
            if record.state == COMPLETED:
                ctx.ported.add(number)  # the source no longer holds it: its archive is satisfied
            if number not in groups and record.state in (INTENDED, ORDERED, COMPLETED):
                recorded = _steps_back(record.steps)
                if recorded:
                    ported[number] = recorded
        return cls(ctx=ctx, port=port, groups=ported, records=records), others

    def runnable(self) -> list[list[Step]]:
        """The steps to run now: those of the numbers whose port completed, PORT_IN left out."""
        return [
            [step for step in self.groups[number] if step.action is not Action.PORT_IN]
            for number in sorted(self.arrived)
        ]

    # -- outcomes ------------------------------------------------------------------------------
    def _port_step(self, number: str) -> Step:
        return next(step for step in self.groups[number] if step.action is Action.PORT_IN)

    def _ready(self, number: str) -> None:
        self.settled.add(number)
        self.arrived.add(number)
        self.ctx.ported.add(number)
        step = self._port_step(number)
        if self.ctx.dry_run or (self.ctx.journal is not None and self.ctx.journal.state(step) == DONE):
            self.ctx.mark_already_done(step)
        else:
            self.ctx.mark_done(step)

    def _wait(
        self, number: str, order: str | None, status: PortStatus, foc: Any, problems: tuple[str, ...]
    ) -> None:
        self.settled.add(number)
        for step in self.groups[number]:
            self.ctx.mark_waiting(Waiting(step, order, status, foc, problems))

    def _fail(self, number: str, error: Exception) -> None:
        self.settled.add(number)
        for step in self.groups[number]:
            if step.action is Action.PORT_IN:
                self.ctx.mark_failed(step, error)
            else:
                self.ctx.mark_skipped(step, "not sent: the number's port did not go through")

    def _skip(self, number: str, reason: str) -> None:
        self.settled.add(number)
        for step in self.groups[number]:
            self.ctx.mark_skipped(step, reason)

    def _record(self, records: list[PortRecord]) -> None:
        if self.ctx.book is not None:
            self.ctx.book.record_ports(records)
        for record in records:
            self.records[record.number] = record

    def _settle(self, number: str, order: PortIn) -> PortRecord:
        """Where `number` stands in `order`, acted on; returns the record to write."""
        item = next((n for n in order.numbers if n.number == number), None)
        status = item.status if item is not None else order.status
        previous = self.records.get(number)
        steps = previous.steps if previous is not None else None
        if status is PortStatus.COMPLETED:
            self._ready(number)
            return PortRecord(
                number, COMPLETED, order.id, status.value, _foc_text(order.foc_date), None, steps
            )
        if status in (PortStatus.REJECTED, PortStatus.CANCELLED):
            reason = (
                (item.reason if item is not None else None) or "; ".join(order.problems) or "no reason given"
            )
            message = f"the port of {number} (order {order.id}) was {status.value}: {reason}"
            self._fail(number, PortFailedError(message, port=order))
            return PortRecord(number, FAILED, order.id, status.value, None, message, steps)
        self._wait(number, order.id, status, order.foc_date, order.problems)
        return PortRecord(number, ORDERED, order.id, status.value, _foc_text(order.foc_date), None, steps)

    # -- the flow --------------------------------------------------------------------------------
    def flow(self) -> Generator[Call, Any, None]:
        """Look up, submit, poll: every request this run's ports need, in that order."""
        ctx = self.ctx
        numbers = sorted(self.groups)
        if ctx.dry_run:
            self._preview(numbers)
            return
        unsent: list[str] = []
        unknown: list[str] = []
        polled: dict[str, list[str]] = {}
        for number in numbers:
            record = self.records.get(number)
            if record is None:
                unsent.append(number)
            elif record.state == INTENDED:
                unknown.append(number)
            elif record.state == ORDERED and record.order_id:
                polled.setdefault(record.order_id, []).append(number)
            elif record.state == COMPLETED:
                self._ready(number)
            else:
                self._failed_before(number, record)
        if unknown:
            unsent += yield from self._look_up(unknown)
        if ctx.stopping:
            return
        if unsent:
            yield from self._submit(sorted(unsent))
        for order_id, held in sorted(polled.items()):
            if ctx.stopping:
                return
            yield from self._poll(order_id, held)

    def _failed_before(self, number: str, record: PortRecord) -> None:
        """Failed in an earlier run: reported again, never re-sent (a new order is a decision to make)."""
        detail = record.detail or "the port failed"
        self._fail(number, PortFailedError(f"{detail} (recorded by an earlier run)"))

    def _preview(self, numbers: list[str]) -> None:
        """A dry run: each number's port as the journal last saw it; nothing sent, nothing written."""
        for number in numbers:
            record = self.records.get(number)
            if record is None:
                self._skip(number, f"dry run: would port {number} in, then carry its settings")
            elif record.state == ORDERED:
                self._wait(number, record.order_id, _status(record), _foc_back(record.foc), ())
            elif record.state == INTENDED:
                unsure = "an earlier run may have sent its order: the next run looks for it before sending"
                self._wait(number, record.order_id, _status(record), None, (unsure,))
            elif record.state == COMPLETED:
                self._ready(number)
            else:
                self._failed_before(number, record)

    def _look_up(self, numbers: list[str]) -> Generator[Call, Any, list[str]]:
        """Numbers whose order may have been sent: find it before sending again; returns those with none."""
        try:
            orders: list[PortIn] = yield Call(
                "target", "list_port_ins", (), {"open_only": True}, collect=True
            )
        except Exception as exc:  # nothing is sent without knowing
            for number in numbers:
                self._fail(number, exc)
            return []
        found: list[PortRecord] = []
        drafts: dict[str, list[str]] = {}
        for number in numbers:
            order = next((o for o in orders if o.holds(number)), None)
            if order is not None and order.status is PortStatus.DRAFT:
                drafts.setdefault(order.id, []).append(number)
            elif order is not None:
                found.append(self._settle(number, order))
        self._record(found)
        absent = []
        for order_id, held in sorted(drafts.items()):
            # created, never submitted (the run stopped between the vendor's steps): nothing reached
            # the losing carrier. Cancel it and submit the numbers anew, so no two live orders exist.
            try:
                yield Call("target", "cancel_port_in", (order_id,))
            except Exception as exc:
                for number in held:
                    self._fail(number, exc)
                continue
            absent.extend(held)
        redo = {number for held in drafts.values() for number in held}
        for number in numbers:
            if number in self.settled or number in redo:
                continue
            try:
                current = yield Call("target", "get", (number,))
            except NotFoundError:
                absent.append(number)
                continue
            except Exception as exc:
                self._fail(number, exc)
                continue
            if isinstance(current, PhoneNumber) and not current.archived:  # it arrived while we were away
                record = self.records[number]
                self._record([attrs.evolve(record, state=COMPLETED, status=PortStatus.COMPLETED.value)])
                self._ready(number)
            else:
                absent.append(number)
        return absent

    def _submit(self, numbers: list[str]) -> Generator[Call, Any, None]:
        """One `port_in` for every number not yet ordered: the vendor makes as few orders as it can."""
        self._record([PortRecord(n, INTENDED, steps=_steps_json(self.groups[n])) for n in numbers])
        port = self.port
        if port is None:
            unbound = ValueError("the plan has PORT_IN steps but no port=Porting(...) is bound to it")
            for number in numbers:
                self._fail(number, unbound)
            return
        left = list(numbers)
        for _ in range(2):  # a second time only for the numbers left once refused ones are taken out
            try:
                orders: list[PortIn] = yield Call(
                    "target",
                    "port_in",
                    (left,),
                    {
                        "account": port.account,
                        "documents": port.documents,
                        "date": port.date,
                        "checked": () if port.recheck else port.checked,
                    },
                )
            except NotPortableError as exc:  # no order was created
                refused = {result.number: result for result in exc.results}
                failed = []
                for number in left:
                    if number in refused:
                        error = NotPortableError([refused[number]])
                        failed.append(PortRecord(number, FAILED, detail=str(error)))
                        self._fail(number, error)
                self._record(failed)
                left = [number for number in left if number not in refused]
                if not left or not refused:
                    return
                continue
            except Exception as exc:  # unclear whether it took: the next run looks before sending
                for number in left:
                    self._fail(number, exc)
                return
            self._record([self._settle(n, o) for o in orders for n in left if o.holds(n)])
            for number in left:
                if number not in self.settled:
                    self._fail(number, StepNotAppliedError(f"no order the target made holds {number}"))
            return

    def _poll(self, order_id: str, numbers: list[str]) -> Generator[Call, Any, None]:
        """One request for one order, however many numbers it holds."""
        try:
            order: PortIn = yield Call("target", "get_port_in", (order_id,))
        except Exception as exc:
            for number in numbers:
                record = self.records[number]
                self._wait_unknown(number, record, exc)
            return
        self._record([self._settle(number, order) for number in numbers])

    def _wait_unknown(self, number: str, record: PortRecord, error: Exception) -> None:
        """The order could not be read this time: still waiting, as last seen, with why."""
        problem = f"could not read the order this run: {type(error).__name__}: {error}"
        self._wait(number, record.order_id, _status(record), _foc_back(record.foc), (problem,))


def _status(record: PortRecord) -> PortStatus:
    """The order's status as the journal last recorded it (UNKNOWN: none, or not one we know)."""
    try:
        return PortStatus(record.status) if record.status else PortStatus.UNKNOWN
    except ValueError:
        return PortStatus.UNKNOWN
