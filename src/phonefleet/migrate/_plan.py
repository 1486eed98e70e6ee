"""Planning: compare two stores by E.164 number and list what the target needs.

The comparison is one pure function (`build_plan`) over the two listings;
`plan` and `plan_async` only gather what it needs from the stores.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from phonefleet._model import Feature, Handler, PhoneNumber, ProviderPhone, Routing
from phonefleet._protocol import AsyncPhoneNumberStore, PhoneNumberStore

from ._handlers import carry, same_handler
from ._model import Action, Plan, Skipped, Step
from ._porting import Porting, portability_async, portability_sync, refused, to_check

__all__ = ["CARRYABLE", "Difference", "build_plan", "compare", "plan", "plan_async"]

#: what `carry=` may name
CARRYABLE = ("name", "forwarding", "routing", "link")
_DEFAULT_CARRY = ("name", "forwarding", "routing")

_FEATURE_FOR = {
    "name": (Feature.UPDATE_NAME, "names"),
    "forwarding": (Feature.SET_FORWARDING, "call forwarding"),
    "routing": (Feature.UPDATE_ROUTING, "routing"),
    "link": (Feature.LINK, "links"),
}


def _check_port(port: Porting | None, concurrency: int) -> None:
    if port is not None and not isinstance(port, Porting):
        msg = f"port must be a migrate.Porting, not {type(port).__name__}"
        raise TypeError(msg)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        msg = f"concurrency must be a positive integer, got {concurrency!r}"
        raise ValueError(msg)


def _check_carry(carry: Iterable[str]) -> tuple[str, ...]:
    if isinstance(carry, str):
        carry = [part.strip() for part in carry.split(",") if part.strip()]
    chosen = tuple(dict.fromkeys(carry))
    unknown = [item for item in chosen if item not in CARRYABLE]
    if unknown:
        msg = f"cannot carry {', '.join(map(repr, unknown))}; choose from {', '.join(CARRYABLE)}"
        raise ValueError(msg)
    return chosen


def _routing_change(
    source: Routing | None, target: Routing | None, source_provider: str, target_provider: str
) -> tuple[Routing | None, list[str]]:
    """The sides of `source` that `target` lacks (None when nothing differs),
    and the source handlers the target has no equivalent for.

    Stores replace the sides a change gives and keep the others, so only the
    differing sides are sent. Across vendors a handler is translated to the
    target's kind for the same thing (see `_handlers`), or not carried.
    """
    if source is None:
        return None, []
    current = target or Routing()
    if source_provider == target_provider:  # one vocabulary: compared as they are
        voice = source.voice if source.voice is not None and source.voice != current.voice else None
        messaging = source.messaging if source.messaging not in (None, current.messaging) else None
        return (Routing(voice=voice, messaging=messaging) if voice or messaging else None), []
    sides: dict[str, Handler] = {}
    uncarried: list[str] = []
    for side in ("voice", "messaging"):
        handler: Handler | None = getattr(source, side)
        if handler is None:
            continue
        carried = carry(handler, source_provider, target_provider)
        if carried is None:
            uncarried.append(f"{side} handler {handler.kind!r}")
        elif not same_handler(carried, getattr(current, side)):
            sides[side] = carried
    return (Routing(**sides) if sides else None), uncarried


@attrs.define
class _Builder:
    """The per-number comparison, with the options of one plan."""

    source_provider: str
    target_provider: str
    source_features: frozenset[Feature]
    target_features: frozenset[Feature]
    carry: tuple[str, ...]
    archive_source: bool
    create_missing: bool
    phones: dict[str, ProviderPhone]
    #: porting asked for and the target can: None when not; else the numbers that cannot port, with why
    not_portable: dict[str, str] | None = None
    steps: list[Step] = attrs.field(factory=list)
    skipped: list[Skipped] = attrs.field(factory=list)

    def skip(self, number: str, what: str, reason: str) -> None:
        self.skipped.append(Skipped(number, what, reason))

    def missing(self, source: PhoneNumber) -> PhoneNumber | None:
        """The target as it will be once created, or None when it will not be."""
        number, where = source.number, self.target_provider
        if self.not_portable is not None:
            reason = self.not_portable.get(number)
            if reason is None:
                self.steps.append(Step(number, "target", Action.PORT_IN))
                return PhoneNumber(provider=where, id="", number=number)
            self.skip(number, "port", f"cannot port to {where}: {reason}")
            if self.archive_source:
                self.skip(number, "archive", f"not archived: not on {where}")
            return None
        if not self.create_missing:
            self.skip(number, "create", f"not on {where}; pass create_missing=True to create it")
        elif Feature.CREATE not in self.target_features:
            self.skip(number, "create", f"not on {where}, which cannot create numbers")
        else:
            name = source.name if "name" in self.carry else None
            self.steps.append(Step(number, "target", Action.CREATE, before=None, after=name))
            return PhoneNumber(provider=where, id="", number=number, name=name)
        if self.archive_source:
            self.skip(number, "archive", f"not archived: not on {where}")
        return None

    def add(self, source: PhoneNumber, target: PhoneNumber | None) -> None:
        if target is None:
            target = self.missing(source)
            if target is None:
                return
        number, target_id = source.number, target.id or None
        lost: list[str] = []
        wanted: list[tuple[str, Action, Any, Any]] = []
        if "name" in self.carry and source.name is not None and source.name != target.name:
            wanted.append(("name", Action.SET_NAME, target.name, source.name))
        forwarding = source.forwarding_number
        if "forwarding" in self.carry and forwarding is not None and forwarding != target.forwarding_number:
            wanted.append(("forwarding", Action.SET_FORWARDING, target.forwarding_number, forwarding))
        change: Routing | None = None
        if "routing" in self.carry:
            if Feature.UPDATE_ROUTING in self.target_features:
                change, uncarried = _routing_change(
                    source.routing, target.routing, self.source_provider, self.target_provider
                )
            else:  # nothing is carried: the skip below says so once, for what differs
                change, uncarried = _routing_change(source.routing, target.routing, "", "")[0], []
            for what in uncarried:
                reason = f"{self.target_provider} has no equivalent of the {self.source_provider} {what}"
                self.skip(number, "routing", reason)
            if uncarried:
                lost.append("routing")
        if change is not None:
            wanted.append(("routing", Action.SET_ROUTING, target.routing, change))
        for field, action, before, after in wanted:
            feature, label = _FEATURE_FOR[field]
            if feature in self.target_features:
                self.steps.append(Step(number, "target", action, before=before, after=after, id=target_id))
            else:
                self.skip(number, field, f"{self.target_provider} cannot set {label}")
                lost.append(field)
        if "link" in self.carry:
            self.link(target, target_id)
        if self.archive_source:
            if Feature.ARCHIVE not in self.source_features:
                self.skip(number, "archive", f"{self.source_provider} cannot archive numbers")
            elif lost:
                self.skip(number, "archive", f"not archived: {', '.join(lost)} cannot be carried")
            else:
                self.steps.append(
                    Step(number, "source", Action.ARCHIVE, before=False, after=True, id=source.id)
                )

    def link(self, target: PhoneNumber, target_id: str | None) -> None:
        number = target.number
        phone = self.phones.get(number)
        if Feature.LINK not in self.target_features:
            self.skip(number, "link", f"{self.target_provider} cannot link numbers")
        elif phone is None:
            self.skip(number, "link", f"{self.target_provider} has no provider line for it")
        elif phone.id == target.link:
            return
        elif phone.assigned:
            self.skip(number, "link", f"provider line {phone.id} is linked to another number")
        else:
            step = Step(number, "target", Action.LINK, before=target.link, after=phone.id, id=target_id)
            self.steps.append(step)


def build_plan(
    source_numbers: Iterable[PhoneNumber],
    target_numbers: Iterable[PhoneNumber],
    *,
    source_provider: str,
    target_provider: str,
    source_features: frozenset[Feature],
    target_features: frozenset[Feature],
    linkable: Sequence[ProviderPhone] = (),
    carry: Iterable[str] = _DEFAULT_CARRY,
    archive_source: bool = False,
    create_missing: bool = False,
    not_portable: Mapping[str, str] | None = None,
    numbers: Iterable[str] | None = None,
) -> Plan:
    """The plan that makes the target carry the source's numbers (pure: no I/O).

    A value the source does not have (None) is never carried: a migration
    sets, it does not erase. `not_portable` (the numbers that cannot port,
    with the vendor's reason; given only when porting, to a target with
    `Feature.PORT_IN`) makes every other number the target lacks a PORT_IN
    step. `numbers` limits it to those E.164 numbers (each checked first);
    one the source does not hold is skipped, saying so.
    """
    chosen = _check_carry(carry)
    subset = _subset(numbers)
    targets: dict[str, PhoneNumber] = {}
    for item in target_numbers:
        if not item.archived:
            targets.setdefault(item.number, item)
    builder = _Builder(
        source_provider=source_provider,
        target_provider=target_provider,
        source_features=frozenset(source_features),
        target_features=frozenset(target_features),
        carry=chosen,
        archive_source=archive_source,
        create_missing=create_missing,
        phones={phone.number: phone for phone in linkable if phone.number},
        not_portable=None if not_portable is None else dict(not_portable),
    )
    seen: set[str] = set()
    for source in sorted(source_numbers, key=lambda n: n.number):
        if source.archived or (subset is not None and source.number not in subset):
            continue
        if source.number in seen:
            builder.skip(source.number, "number", f"listed twice by {source_provider}; first one used")
            continue
        seen.add(source.number)
        builder.add(source, targets.get(source.number))
    for number in sorted((subset or set()) - seen):
        builder.skip(number, "number", f"not an active number on {source_provider}")
    options: dict[str, Any] = {
        "carry": list(chosen),
        "archive_source": archive_source,
        "create_missing": create_missing,
    }
    if not_portable is not None:
        options["port"] = True
    if subset is not None:
        options["numbers"] = sorted(subset)
    return Plan(
        source_provider=source_provider,
        target_provider=target_provider,
        steps=tuple(builder.steps),
        skipped=tuple(builder.skipped),
        options=options,
    )


def _subset(numbers: Iterable[str] | None) -> set[str] | None:
    """The numbers a plan is limited to, each canonical E.164 (None: all of them)."""
    if numbers is None:
        return None
    if isinstance(numbers, str):
        numbers = [numbers]
    from phonefleet._numbers import to_e164

    return {to_e164(number) for number in numbers}


def _only(numbers: list[PhoneNumber], subset: set[str] | None) -> list[PhoneNumber]:
    return numbers if subset is None else [n for n in numbers if n.number in subset]


def plan(
    source: PhoneNumberStore,
    target: PhoneNumberStore,
    *,
    carry: Iterable[str] = _DEFAULT_CARRY,
    archive_source: bool = False,
    create_missing: bool = False,
    port: Porting | None = None,
    concurrency: int = 16,
    numbers: Iterable[str] | None = None,
) -> Plan:
    """Compare two sync stores by E.164 number; the `Plan` comes back bound to them.

    With `port` (a `migrate.Porting`) and a target that has `Feature.PORT_IN`,
    a number the target lacks becomes a PORT_IN step, once the target says
    it can port (asked in batches, `concurrency` at a time); one that cannot
    is listed in `skipped` with the vendor's reason. `numbers` limits the
    plan to those numbers (a subset of the fleet).
    """
    chosen = _check_carry(carry)
    _check_port(port, concurrency)
    subset = _subset(numbers)  # a bad number is refused before either store is read
    made = time.time()  # before reading: whatever is done after this, the plan may not have seen
    linkable = target.linkable() if "link" in chosen and Feature.LINK in target.features else []
    source_numbers, target_numbers = list(source.list()), list(target.list())
    source_numbers = _only(source_numbers, subset)  # nothing outside the subset is checked for porting
    not_portable = None
    if port is not None and Feature.PORT_IN in target.features:
        answers = portability_sync(target, to_check(source_numbers, target_numbers, port), concurrency)
        not_portable, port = refused(answers), attrs.evolve(port, checked=answers)
    return _bound(
        made,
        source,
        target,
        source_numbers,
        target_numbers,
        linkable,
        chosen,
        archive_source,
        create_missing,
        port,
        not_portable,
        numbers,
    )


async def plan_async(
    source: AsyncPhoneNumberStore,
    target: AsyncPhoneNumberStore,
    *,
    carry: Iterable[str] = _DEFAULT_CARRY,
    archive_source: bool = False,
    create_missing: bool = False,
    port: Porting | None = None,
    concurrency: int = 16,
    numbers: Iterable[str] | None = None,
) -> Plan:
    """`plan` for async stores (both listings are read concurrently)."""
    import asyncio

    chosen = _check_carry(carry)
    _check_port(port, concurrency)
    subset = _subset(numbers)
    made = time.time()

    async def collect(store: AsyncPhoneNumberStore) -> list[PhoneNumber]:
        return [number async for number in store.list()]

    async def phones() -> list[ProviderPhone]:
        if "link" in chosen and Feature.LINK in target.features:
            return await target.linkable()
        return []

    source_numbers, target_numbers, linkable = await asyncio.gather(
        collect(source), collect(target), phones()
    )
    source_numbers = _only(source_numbers, subset)
    not_portable = None
    if port is not None and Feature.PORT_IN in target.features:
        answers = await portability_async(target, to_check(source_numbers, target_numbers, port), concurrency)
        not_portable, port = refused(answers), attrs.evolve(port, checked=answers)
    return _bound(
        made,
        source,
        target,
        source_numbers,
        target_numbers,
        linkable,
        chosen,
        archive_source,
        create_missing,
        port,
        not_portable,
        numbers,
    )


def _bound(  # noqa: PLR0917 - private, positional by design
    made: float,
    source: Any,
    target: Any,
    source_numbers: list[PhoneNumber],
    target_numbers: list[PhoneNumber],
    linkable: list[ProviderPhone],
    carry: tuple[str, ...],
    archive_source: bool,
    create_missing: bool,
    port: Porting | None = None,
    not_portable: dict[str, str] | None = None,
    numbers: Iterable[str] | None = None,
) -> Plan:
    """The plan for two listings, bound to the stores they came from (sync or async)."""
    result = build_plan(
        source_numbers,
        target_numbers,
        source_provider=source.provider,
        target_provider=target.provider,
        source_features=source.features,
        target_features=target.features,
        linkable=linkable,
        carry=carry,
        archive_source=archive_source,
        create_missing=create_missing,
        not_portable=not_portable,
        numbers=numbers,
    )
    result.source, result.target, result.made_at, result.port = source, target, made, port
    return result


@attrs.frozen
class Difference:
    """How one number differs between two listings (`left`/`right` None: absent)."""

    number: str
    left: PhoneNumber | None
    right: PhoneNumber | None
    fields: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        if self.left is None:
            return "only_right"
        if self.right is None:
            return "only_left"
        return "differs" if self.fields else "same"


_COMPARED = ("name", "forwarding_number", "routing", "archived")


def _same_routing(a: PhoneNumber, b: PhoneNumber) -> bool:
    """Equal routing, across vendors by the equivalence table (a Twilio voice
    URL and a SignalWire `laml_webhooks` handler may be the same webhook)."""
    if a.provider == b.provider or a.routing is None or b.routing is None:
        return a.routing == b.routing
    for side in ("voice", "messaging"):
        mine, theirs = getattr(a.routing, side), getattr(b.routing, side)
        if mine is None or theirs is None:
            if mine is not theirs:
                return False
            continue
        carried = carry(mine, a.provider, b.provider)
        if carried is None or not same_handler(carried, theirs):
            return False
    return True


def compare(left: Iterable[PhoneNumber], right: Iterable[PhoneNumber]) -> list[Difference]:
    """Every number of either listing, by E.164, with the fields that differ."""
    lefts = {number.number: number for number in left}
    rights = {number.number: number for number in right}
    result = []
    for number in sorted(lefts.keys() | rights.keys()):
        a, b = lefts.get(number), rights.get(number)
        fields: tuple[str, ...] = ()
        if a is not None and b is not None:
            fields = tuple(
                name
                for name in _COMPARED
                if (not _same_routing(a, b) if name == "routing" else getattr(a, name) != getattr(b, name))
            )
        result.append(Difference(number, a, b, fields))
    return result
