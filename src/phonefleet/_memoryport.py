"""Porting in memory: the reference implementation of `Feature.PORT_IN`.

`MemoryAdapter` inherits these flows. Orders run the lifecycle the
emulators run (see `phonefleet.testing.Network`): on submission the order
is checked against the losing holder's account; a match is SCHEDULED with
a FOC date three business days on and COMPLETED on the first tick at or
after it (the number moves here, with no settings); a mismatch is REJECTED
(or ACTION_REQUIRED, `port_mismatch="action_required"`) with problems
naming the fields, never their values.

A store joins the `Network` it is given; without one it makes its own the
first time porting is used (so `import phonefleet` never loads the testing
package), where every number it does not hold is portable.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

import attrs

from ._errors import ConflictError, NotFoundError
from ._flow import Flow, PortPage, done
from ._model import PhoneNumber
from ._porting import (
    Portability,
    PortAccount,
    PortDocuments,
    PortedNumber,
    PortIn,
    PortStatus,
    least_advanced,
)

if TYPE_CHECKING:
    from .testing._network import Network

__all__ = ["MemoryPorting", "PortMismatch"]

PortMismatch = Literal["rejected", "action_required"]
_MAX_PER_ORDER = 1000
_FOC_BUSINESS_DAYS = 3


@attrs.define
class _Order:
    """One order's mutable state; `snapshot()` is what callers see."""

    id: str
    numbers: dict[str, PortedNumber]
    created_at: dt.datetime
    updated_at: dt.datetime
    foc: dt.datetime | None = None
    problems: tuple[str, ...] = ()
    account_name: str = ""

    def status(self) -> PortStatus:
        return least_advanced(item.status for item in self.numbers.values())

    def set_all(self, status: PortStatus, now: dt.datetime, reason: str | None = None) -> None:
        for number, item in self.numbers.items():
            if not item.status.done:
                self.numbers[number] = PortedNumber(number, status, reason)
        self.updated_at = now


class MemoryPorting:
    """Port-in orders in memory; a mixin of `MemoryAdapter` (which owns the numbers and the lock)."""

    provider: str
    _lock: threading.RLock
    _numbers: dict[str, PhoneNumber]
    _ids: Iterator[str]
    _page_size: int

    def _init_porting(self, network: Network | None, port_mismatch: PortMismatch) -> None:
        if port_mismatch not in ("rejected", "action_required"):
            msg = f"port_mismatch must be 'rejected' or 'action_required', got {port_mismatch!r}"
            raise ValueError(msg)
        self._port_mismatch = port_mismatch
        self._orders: dict[str, _Order] = {}
        self._order_ids = (f"PI{uuid.uuid4().hex[:16]}" for _ in itertools.count())
        self._network: Network | None = None
        self._network_key = ""
        if network is not None:
            self._join(network)

    # -- the network ---------------------------------------------------------
    def _join(self, network: Network) -> None:
        self._network = network
        self._network_key = network.join(self, self.provider)
        for number in self._numbers.values():
            if not number.archived:
                network.hold(self._network_key, number.number)

    @property
    def network(self) -> Network:
        """The `Network` this store's ports run on (its own, made now, if it joined none)."""
        with self._lock:
            if self._network is None:
                from .testing._network import Network  # lazily: the core never loads testing on import

                self._join(Network())
            assert self._network is not None
            return self._network

    @property
    def network_key(self) -> str:
        """The key this store holds numbers under on its network."""
        self.network  # noqa: B018 - joins one if needed
        return self._network_key

    def _held(self, number: str) -> bool:
        return any(n.number == number and not n.archived for n in self._numbers.values())

    def _hold_created(self, number: str) -> None:
        """A number bought here is held here on the network (if one is joined)."""
        if self._network is not None:
            self._network.hold(self._network_key, number)

    def network_release(self, number: str) -> None:
        """`number` ported away: it leaves this store, as a released number does."""
        with self._lock:
            for key in [key for key, item in self._numbers.items() if item.number == number]:
                del self._numbers[key]

    def network_tick(self, now: dt.datetime) -> None:
        """The clock moved: scheduled orders whose FOC has come complete."""
        with self._lock:
            arriving: list[tuple[_Order, str]] = []
            for order in self._orders.values():
                if order.foc is None or order.foc > now:
                    continue
                arriving.extend(
                    (order, number)
                    for number, item in order.numbers.items()
                    if item.status is PortStatus.SCHEDULED
                )
        network = self._network
        if network is None:
            return
        for _, number in arriving:  # outside our lock: the loser takes its own
            network.transfer(number, self._network_key)
        with self._lock:
            for order, number in arriving:
                order.numbers[number] = PortedNumber(number, PortStatus.COMPLETED)
                order.updated_at = now
                if not self._held(number):
                    arrived = PhoneNumber(
                        provider=self.provider,
                        id=next(self._ids),
                        number=number,
                        created_at=now,
                        updated_at=now,
                    )
                    self._numbers[arrived.id] = arrived

    # -- flows -----------------------------------------------------------------
    def check_portability(self, numbers: tuple[str, ...]) -> Flow[list[Portability]]:
        network = self.network
        with self._lock:
            return done([self._portability(number, network) for number in numbers])

    def _portability(self, number: str, network: Network) -> Portability:
        if self._held(number):
            return Portability(number, False, "the number is already on this account")
        if any(o.numbers.get(number) and not o.numbers[number].status.done for o in self._orders.values()):
            return Portability(number, False, "an open port order already holds the number")
        portable, reason = network.portability(number, self._network_key)
        return Portability(number, portable, None if portable else reason)

    def port_in(
        self,
        numbers: tuple[str, ...],
        *,
        account: PortAccount,
        documents: PortDocuments,
        date: dt.date | None,
    ) -> Flow[list[PortIn]]:
        network = self.network
        with self._lock:
            # Never twice: a number an open order holds is refused, whoever asks.
            taken = [n for n in numbers if not self._portability(n, network).portable]
            if taken:
                msg = f"{', '.join(taken)} cannot be ported here now (held here, or in an open order)"
                raise ConflictError(msg, provider=self.provider, status=409, operation="port_in")
            now = network.now()
            by_holder: dict[str | None, list[str]] = {}
            for number in numbers:
                by_holder.setdefault(network.holder(number), []).append(number)
            orders = []
            for group in by_holder.values():  # one order per losing carrier, as Telnyx splits
                for start in range(0, len(group), _MAX_PER_ORDER):
                    chunk = group[start : start + _MAX_PER_ORDER]
                    orders.append(self._submit(chunk, account, date, now, network))
            return done([self._snapshot(order) for order in orders])

    def _submit(
        self,
        numbers: list[str],
        account: PortAccount,
        date: dt.date | None,
        now: dt.datetime,
        network: Network,
    ) -> _Order:
        order = _Order(
            id=next(self._order_ids),
            numbers={n: PortedNumber(n, PortStatus.SUBMITTED) for n in numbers},
            created_at=now,
            updated_at=now,
            account_name=account.name,
        )
        problems = []
        for number in numbers:
            wrong = network.mismatches(number, account)
            if wrong:
                verb = "does" if len(wrong) == 1 else "do"
                reason = f"{', '.join(wrong)} {verb} not match the losing carrier's records"
                problems.append(f"{number}: {reason}")
                order.numbers[number] = PortedNumber(number, self._mismatch_status(), reason)
        if problems:
            order.problems = tuple(problems)
            if self._port_mismatch == "rejected":  # the whole request is turned down
                order.set_all(PortStatus.REJECTED, now, "rejected with the rest of the order")
        else:
            order.foc = _foc(now, date)
            order.set_all(PortStatus.SCHEDULED, now)
        self._orders[order.id] = order
        return order

    def _mismatch_status(self) -> PortStatus:
        return PortStatus.REJECTED if self._port_mismatch == "rejected" else PortStatus.ACTION_REQUIRED

    def _snapshot(self, order: _Order) -> PortIn:
        return PortIn(
            provider=self.provider,
            id=order.id,
            status=order.status(),
            numbers=tuple(order.numbers.values()),
            foc_date=order.foc,
            problems=order.problems,
            created_at=order.created_at,
            updated_at=order.updated_at,
            raw={"id": order.id, "customer_name": order.account_name},
        )

    def _order(self, port_id: str, operation: str) -> _Order:
        order = self._orders.get(port_id)
        if order is None:
            msg = f"no port-in order {port_id!r}"
            raise NotFoundError(msg, provider=self.provider, status=404, operation=operation)
        return order

    def get_port_in(self, port_id: str) -> Flow[PortIn]:
        with self._lock:
            return done(self._snapshot(self._order(port_id, "get_port_in")))

    def list_port_ins_page(self, open_only: bool, cursor: str | None) -> Flow[PortPage]:
        with self._lock:
            chosen = [o for o in self._orders.values() if not (open_only and o.status().done)]
            start = int(cursor or 0)
            end = start + self._page_size
            following = str(end) if end < len(chosen) else None
            return done(PortPage(items=[self._snapshot(o) for o in chosen[start:end]], next=following))

    def cancel_port_in(self, port_id: str) -> Flow[PortIn]:
        with self._lock:
            order = self._order(port_id, "cancel_port_in")
            status = order.status()
            if status is PortStatus.COMPLETED:
                msg = f"port-in order {port_id} has completed and cannot be cancelled"
                raise ConflictError(msg, provider=self.provider, status=409, operation="cancel_port_in")
            if not status.done:
                order.set_all(PortStatus.CANCELLED, self.network.now())
                order.foc = None
            return done(self._snapshot(order))


def _foc(now: dt.datetime, wanted: dt.date | None) -> dt.datetime:
    """Three business days on, or the date asked for if later."""
    from .testing._network import business_days_after

    earliest = business_days_after(now, _FOC_BUSINESS_DAYS)
    if wanted is not None:
        asked = dt.datetime.combine(wanted, earliest.timetz())
        if asked > earliest:
            return asked
    return earliest
