"""What a migration is made of: steps, what cannot be carried, plans, reports.

Values only (frozen attrs); the stores a plan is bound to are kept beside the
values, out of equality, so a plan compares, prints and serialises the same
whether it is bound or not.
"""

from __future__ import annotations

import enum
import functools
import json
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, Literal, TypeAlias

import attrs

from phonefleet._errors import PhoneFleetError
from phonefleet._model import Routing
from phonefleet._porting import PortStatus

from ._codec import value_from_json, value_to_json

__all__ = ["Action", "Failure", "Plan", "Report", "Skipped", "SkippedStep", "Step", "StoreSide", "Waiting"]

StoreSide: TypeAlias = Literal["source", "target"]

_FORMAT_VERSION = 1


class Action(enum.Enum):
    """What a step does. Target steps run first, in this order; archive last.

    PORT_IN moves the number itself to the target (an order at the target
    vendor, days long); the number's other steps wait until it has arrived.
    """

    PORT_IN = "port_in"
    CREATE = "create"
    SET_NAME = "set_name"
    SET_FORWARDING = "set_forwarding"
    SET_ROUTING = "set_routing"
    LINK = "link"
    ARCHIVE = "archive"


@attrs.frozen
class Step:
    """One change to make: `action` on `number` in the `store` side.

    `before` is what the store held when the plan was made, `after` what the
    step sets (create: the name given; archive: `False` -> `True`). `id` is
    the number's provider id in that store when known (None for a number the
    plan creates).
    """

    number: str
    store: StoreSide
    action: Action
    before: Any = None
    after: Any = None
    id: str | None = None

    @functools.cached_property
    def key(self) -> str:
        """The step's identity in a journal: same change, same key, across reruns (computed once)."""
        value = json.dumps(value_to_json(self.action.value, self.after), sort_keys=True)
        return f"{self.store}|{self.action.value}|{self.number}|{value}"

    def describe(self) -> str:
        """One line for a person: `target set_forwarding +1... None -> +1...`."""
        if self.action is Action.ARCHIVE:
            return f"archive {self.number} on the {self.store}"
        if self.action is Action.CREATE:
            return f"create {self.number} on the {self.store} (name {self.after!r})"
        if self.action is Action.PORT_IN:
            return f"port {self.number} in to the {self.store}"
        return (
            f"{self.action.value} {self.number} on the {self.store}: "
            f"{format_value(self.before)} -> {format_value(self.after)}"
        )


@attrs.frozen
class Skipped:
    """Something the plan cannot carry, and why: never silently dropped."""

    number: str
    what: str
    reason: str


@attrs.frozen
class SkippedStep:
    """A planned step that this run did not send, and why."""

    step: Step
    reason: str


@attrs.frozen
class Failure:
    """A step that failed, with its typed error."""

    step: Step
    error: Exception

    @property
    def message(self) -> str:
        return str(self.error) or type(self.error).__name__


@attrs.frozen
class Waiting:
    """A step waiting for its number's port: the order, where it stands, its FOC date.

    `problems` are the vendor's words when the order needs something (an
    ACTION_REQUIRED order), else empty.
    """

    step: Step
    order_id: str | None
    status: PortStatus
    foc_date: date | datetime | None = None
    problems: tuple[str, ...] = ()


def format_value(value: Any) -> str:
    """A compact, credential-free rendering of a step value."""
    if value is None:
        return "-"
    if isinstance(value, Routing):
        sides = []
        for side in ("voice", "messaging"):
            handler = getattr(value, side)
            if handler is not None:
                where = handler.url or handler.target or ""
                sides.append(f"{side}: {handler.kind} {where}".rstrip())
        return "; ".join(sides) or "-"
    return str(value)


@attrs.define(eq=False)
class Plan:
    """An ordered list of steps and what could not be carried.

    `steps` is empty when there is nothing to do. Bound to its stores
    (`source`, `target`) when made by `plan()` or `Plan.from_json(..., source=, target=)`.
    """

    source_provider: str
    target_provider: str
    steps: tuple[Step, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    options: dict[str, Any] = attrs.field(factory=dict)
    #: when the stores were read (seconds since the epoch; None: not known): a
    #: journal's `done` newer than this is believed, an older one is re-checked
    made_at: float | None = attrs.field(default=None, repr=False)
    source: Any = attrs.field(default=None, repr=False)
    target: Any = attrs.field(default=None, repr=False)
    #: the `migrate.Porting` (holder's account, documents) for PORT_IN steps: bound, never serialised
    port: Any = attrs.field(default=None, repr=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Plan):
            return NotImplemented
        return (
            self.source_provider,
            self.target_provider,
            self.steps,
            self.skipped,
            self.options,
        ) == (other.source_provider, other.target_provider, other.steps, other.skipped, other.options)

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        return bool(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def counts(self) -> dict[str, int]:
        """How many steps per action, and how many skipped."""
        counts: dict[str, int] = {}
        for step in self.steps:
            counts[step.action.value] = counts.get(step.action.value, 0) + 1
        counts["skipped"] = len(self.skipped)
        return counts

    # -- serialisation ------------------------------------------------------
    def to_json(self) -> str:
        document = {
            "format": "phonefleet.plan",
            "version": _FORMAT_VERSION,
            "source": self.source_provider,
            "target": self.target_provider,
            "options": self.options,
            "made_at": self.made_at,
            "steps": [step_to_json(step) for step in self.steps],
            "skipped": [attrs.asdict(item) for item in self.skipped],
        }
        return json.dumps(document, indent=2)

    @classmethod
    def from_json(
        cls, text: str | bytes, *, source: Any = None, target: Any = None, port: Any = None
    ) -> Plan:
        """A plan back from `to_json()`, bound to open stores of the same providers
        (and to `port`, a `migrate.Porting`, for a plan with PORT_IN steps)."""
        try:
            from phonefleet._wire import decode_json  # httpx loads only with a store

            document = decode_json(text)
            if document.get("format") != "phonefleet.plan" or document.get("version") != _FORMAT_VERSION:
                msg = "not a phonefleet plan (version 1)"
                raise PhoneFleetError(msg)
            steps = tuple(step_from_json(item) for item in document["steps"])
            skipped = tuple(
                Skipped(number=item["number"], what=item["what"], reason=item["reason"])
                for item in document.get("skipped", [])
            )
            plan = cls(
                source_provider=str(document["source"]),
                target_provider=str(document["target"]),
                steps=steps,
                skipped=skipped,
                options=dict(document.get("options") or {}),
                made_at=_made_at(document.get("made_at")),
            )
        except PhoneFleetError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            msg = f"not a valid phonefleet plan: {exc!r}"
            raise PhoneFleetError(msg) from exc
        for side, store, expected in (
            ("source", source, plan.source_provider),
            ("target", target, plan.target_provider),
        ):
            if store is not None and getattr(store, "provider", None) != expected:
                msg = f"the plan's {side} is {expected!r}, but the {side} store given is {store.provider!r}"
                raise PhoneFleetError(msg)
        plan.source, plan.target, plan.port = source, target, port
        return plan

    # -- printing -----------------------------------------------------------
    def _rows(self) -> list[tuple[str, str, str, str, str]]:
        return [
            (str(index), step.number, step.store, step.action.value, _change(step))
            for index, step in enumerate(self.steps, 1)
        ]

    def __str__(self) -> str:
        title = f"Plan {self.source_provider} -> {self.target_provider}: {len(self.steps)} steps"
        lines = [title]
        if not self.steps:
            lines[0] = f"Plan {self.source_provider} -> {self.target_provider}: nothing to do"
        header = ("#", "number", "store", "action", "change")
        rows = [header, *self._rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows if self.steps else ():
            cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
            lines.append("  ".join([*cells, row[4]]).rstrip())
        if self.skipped:
            lines.append(f"Skipped ({len(self.skipped)}):")
            lines.extend(f"  {item.number}  {item.what}: {item.reason}" for item in self.skipped)
        return "\n".join(lines)

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        head = f"Plan {self.source_provider} -> {self.target_provider}"
        table: Any = Text(f"{head}: nothing to do")
        if self.steps:
            table = Table(title=f"{head}: {len(self.steps)} steps", title_justify="left")
            table.add_column("#", justify="right")
            table.add_column("number", no_wrap=True)
            table.add_column("store")
            table.add_column("action")
            table.add_column("change")
            for row in self._rows():
                table.add_row(*row)
        if not self.skipped:
            return table
        skipped = Table(title=f"Cannot carry ({len(self.skipped)})", title_justify="left")
        skipped.add_column("number", no_wrap=True)
        skipped.add_column("what")
        skipped.add_column("reason")
        for item in self.skipped:
            skipped.add_row(item.number, item.what, item.reason)
        return Group(table, skipped)


def _change(step: Step) -> str:
    if step.action is Action.ARCHIVE:
        return "active -> archived (once the target is ready)"
    if step.action is Action.CREATE:
        return f"create, name {format_value(step.after)}"
    if step.action is Action.PORT_IN:
        return "port in (an order at the target; the other steps wait for it)"
    return f"{format_value(step.before)} -> {format_value(step.after)}"


def _made_at(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def step_to_json(step: Step) -> dict[str, Any]:
    """A step as JSON data (plans, and the journal's record of a port's steps)."""
    return {
        "number": step.number,
        "store": step.store,
        "action": step.action.value,
        "id": step.id,
        "before": value_to_json(step.action.value, step.before),
        "after": value_to_json(step.action.value, step.after),
    }


def step_from_json(item: dict[str, Any]) -> Step:
    """A step back from `step_to_json`."""
    return Step(
        number=item["number"],
        store=_side(item["store"]),
        action=Action(item["action"]),
        id=item.get("id"),
        before=value_from_json(item["action"], item.get("before")),
        after=value_from_json(item["action"], item.get("after")),
    )


def _side(value: object) -> StoreSide:
    if value == "source":
        return "source"
    if value == "target":
        return "target"
    msg = f"store must be 'source' or 'target', not {value!r}"
    raise ValueError(msg)


@attrs.frozen
class Report:
    """What `apply` did: never raised halfway, so everything is accounted for.

    `done`: steps that took effect (or were found already in effect on a
    re-check); `already_done`: steps the journal says an earlier run did;
    `skipped`: steps not sent, with why (dry run, a failed dependency);
    `failed`: steps that failed, with typed errors; `pending`: steps not
    reached because the run was interrupted; `stopped_by`: what interrupted
    it (e.g. "KeyboardInterrupt"), if anything; `waiting`: steps waiting for
    their number's port to complete (rerun `apply` with the same journal
    to poll the orders and carry on). `requests`, `throttled` (answers that
    were 429) and `seconds` say how the run went against the vendors' limits.
    """

    done: tuple[Step, ...] = ()
    already_done: tuple[Step, ...] = ()
    skipped: tuple[SkippedStep, ...] = ()
    failed: tuple[Failure, ...] = ()
    pending: tuple[Step, ...] = ()
    dry_run: bool = False
    interrupted: bool = False
    stopped_by: str | None = None
    waiting: tuple[Waiting, ...] = ()
    requests: int = 0
    throttled: int = 0
    seconds: float = 0.0

    @property
    def requests_per_second(self) -> float | None:
        """The pace the run achieved (requests sent to both stores per second)."""
        return self.requests / self.seconds if self.seconds > 0 and self.requests else None

    @property
    def ok(self) -> bool:
        """Everything planned is in effect (or, on a dry run, nothing failed); nothing waits."""
        return not self.failed and not self.pending and not self.interrupted and not self.waiting

    def next_foc_date(self) -> date | datetime | None:
        """The earliest FOC date among the ports waited for (None if none is confirmed yet)."""
        dates = [item.foc_date for item in self.waiting if item.foc_date is not None]
        return min(dates, key=_as_datetime) if dates else None

    def summary(self) -> str:
        parts = [
            f"{len(self.done)} done",
            f"{len(self.already_done)} already done",
            f"{len(self.skipped)} skipped",
            f"{len(self.failed)} failed",
        ]
        if self.pending:
            parts.append(f"{len(self.pending)} not run")
        if self.waiting:
            numbers = len({item.step.number for item in self.waiting})
            foc = self.next_foc_date()
            when = f", next FOC date {_as_datetime(foc).date().isoformat()}" if foc is not None else ""
            parts.append(f"{len(self.waiting)} waiting for {numbers} port{'s' if numbers != 1 else ''}{when}")
        if self.throttled:
            parts.append(f"{self.throttled} answered 429")
        text = ", ".join(parts)
        if self.dry_run:
            text = f"dry run: {text}"
        if self.interrupted:
            text = f"{text} (interrupted{': ' + self.stopped_by if self.stopped_by else ''})"
        return text

    def to_dict(self) -> dict[str, Any]:
        def step(item: Step) -> dict[str, Any]:
            return {"number": item.number, "store": item.store, "action": item.action.value}

        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "interrupted": self.interrupted,
            "stopped_by": self.stopped_by,
            "done": [step(item) for item in self.done],
            "already_done": [step(item) for item in self.already_done],
            "skipped": [{**step(item.step), "reason": item.reason} for item in self.skipped],
            "failed": [
                {**step(item.step), "error": type(item.error).__name__, "message": item.message}
                for item in self.failed
            ],
            "pending": [step(item) for item in self.pending],
            "waiting": [
                {
                    **step(item.step),
                    "order_id": item.order_id,
                    "status": item.status.value,
                    "foc_date": None if item.foc_date is None else item.foc_date.isoformat(),
                    "problems": list(item.problems),
                }
                for item in self.waiting
            ],
            "requests": self.requests,
            "throttled": self.throttled,
            "seconds": round(self.seconds, 3),
            "requests_per_second": self.requests_per_second,
        }


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def order_key(step: Step) -> tuple[str, int]:
    return (step.number, list(Action).index(step.action))


def by_number(steps: Sequence[Step]) -> dict[str, list[Step]]:
    """Steps grouped per number, each group in execution order."""
    groups: dict[str, list[Step]] = {}
    for step in steps:
        groups.setdefault(step.number, []).append(step)
    for group in groups.values():
        group.sort(key=lambda item: list(Action).index(item.action))
    return groups
