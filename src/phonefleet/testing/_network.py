"""A telephone network in miniature: emulators that share a clock and a register.

A port crosses vendors: the winning vendor's order is checked against the
losing carrier's account data, confirmed for a date (FOC) days later, and
on that date the number leaves one vendor and appears at the other. So
emulators that take part in porting join one `Network`: it keeps the one
clock their orders run on, which member holds each number, and what each
holder would read on its bill.

    net = Network()
    tw = emulate("twilio", numbers=10, network=net)
    tx = emulate("telnyx", numbers=0, network=net)
    account = net.account("+12025550100")  # what the holder's bill says
    ...  # port_in on the Telnyx store
    net.advance(days=5)  # the order is confirmed, then completes

An emulator without a network makes one of its own: every number it does not
hold is portable, and its orders complete on its own clock.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from phonefleet._porting import PortAccount, PortAddress

__all__ = ["Network", "NetworkMember", "business_days_after"]

#: a Monday morning, so three business days on is the same week
_EPOCH = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)

#: what a losing carrier checks, by the `PortAccount` field it reads
CHECKED_FIELDS = ("name", "account_number", "pin", "billing_number", "postal_code")


@runtime_checkable
class NetworkMember(Protocol):
    """What an emulator does for the network it joined."""

    def network_release(self, number: str) -> None:
        """`number` ported away: drop it from this vendor's list."""

    def network_tick(self, now: datetime) -> None:
        """The clock moved to `now`: advance this vendor's open orders."""


def business_days_after(moment: datetime, days: int) -> datetime:
    """`moment` moved on by `days` business days (Saturday and Sunday skipped)."""
    result = moment
    left = days
    while left > 0:
        result += timedelta(days=1)
        if result.weekday() < 5:
            left -= 1
    return result


class Network:
    """One clock and one register of who holds each number, shared by emulators."""

    def __init__(self, *, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            msg = "start must be timezone-aware (UTC)"
            raise ValueError(msg)
        self._now = start or _EPOCH
        self._lock = threading.RLock()
        self._members: dict[str, NetworkMember] = {}
        self._holders: dict[str, str] = {}
        #: bills given to `hold`; a holder's default bill is derived when first read
        self._accounts: dict[str, PortAccount] = {}
        self._not_portable: dict[str, str] = {}

    def __repr__(self) -> str:
        members = sorted(self._members)
        return f"<Network {self._now.isoformat()} members={members} numbers={len(self._holders)}>"

    # -- the clock -----------------------------------------------------------
    def now(self) -> datetime:
        """The network's current time (UTC)."""
        return self._now

    def advance(self, days: float = 0, hours: float = 0) -> datetime:
        """Move the shared clock on, and let every member advance its orders."""
        if days < 0 or hours < 0:
            msg = "the clock only moves forward"
            raise ValueError(msg)
        with self._lock:
            self._now += timedelta(days=days, hours=hours)
            now = self._now
            members = list(self._members.values())
        for member in members:
            member.network_tick(now)
        return now

    # -- membership ----------------------------------------------------------
    def join(self, member: NetworkMember, name: str) -> str:
        """Register an emulator under `name` (made unique); returns the key it holds numbers by."""
        with self._lock:
            key = name
            counter = 2
            while key in self._members and self._members[key] is not member:
                key = f"{name}-{counter}"
                counter += 1
            self._members[key] = member
            return key

    def hold(self, key: str, number: str, account: PortAccount | None = None) -> None:
        """Record that member `key` holds `number`, with the account on its bill."""
        with self._lock:
            if key not in self._members:
                msg = f"{key!r} has not joined this network"
                raise ValueError(msg)
            self._holders[number] = key
            if account is not None:
                self._accounts[number] = account
            else:  # derived on first read: seeding 10,000 numbers stays cheap
                self._accounts.pop(number, None)

    def holder(self, number: str) -> str | None:
        """The key of the member holding `number`, or None for a number no member holds."""
        return self._holders.get(number)

    def account(self, number: str) -> PortAccount:
        """What the holder of `number` would read on its bill, pin included."""
        held = self._bill(number)
        if held is None:
            msg = f"no member of this network holds {number}"
            raise KeyError(msg)
        return held

    def _bill(self, number: str) -> PortAccount | None:
        with self._lock:
            held = self._accounts.get(number)
            if held is None and (key := self._holders.get(number)) is not None:
                held = self._accounts[number] = _account_for(number, key)
            return held

    def not_portable(self, number: str, reason: str) -> None:
        """Mark `number` as one no vendor can port (a carrier refusing, say)."""
        with self._lock:
            self._not_portable[number] = reason

    # -- what porting members ask ---------------------------------------------
    def portability(self, number: str, winner: str) -> tuple[bool, str | None]:
        """Whether `winner` can port `number` in, and the reason when not."""
        with self._lock:
            reason = self._not_portable.get(number)
            if reason is not None:
                return False, reason
            if self._holders.get(number) == winner:
                return False, "the number is already on this account"
            return True, None

    def mismatches(self, number: str, account: PortAccount) -> list[str]:
        """The fields of `account` that do not match the holder's bill (empty: it matches).

        A number no member holds has no bill to check against: it matches.
        """
        held = self._bill(number)
        if held is None:
            return []
        wrong = []
        if _norm(held.name) != _norm(account.name):
            wrong.append("name")
        if held.account_number is not None and held.account_number != account.account_number:
            wrong.append("account_number")
        if held.pin is not None and held.pin != account.pin:
            wrong.append("pin")
        if held.billing_number is not None and held.billing_number != account.billing_number:
            wrong.append("billing_number")
        if _norm(held.address.postal_code) != _norm(account.address.postal_code):
            wrong.append("postal_code")
        return wrong

    def transfer(self, number: str, winner: str) -> None:
        """Complete a port: `number` leaves its holder's list and belongs to `winner`."""
        with self._lock:
            loser_key = self._holders.get(number)
            loser = self._members.get(loser_key) if loser_key is not None else None
            self._holders[number] = winner
            self._accounts.pop(number, None)  # the winner's bill, derived when read
        if loser is not None and loser_key != winner:
            loser.network_release(number)


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _account_for(number: str, key: str) -> PortAccount:
    """A holder's account, the same for the same number and vendor."""
    digest = hashlib.sha256(f"{key}:{number}".encode()).hexdigest()
    suffix = number[-4:]
    return PortAccount(
        name=f"Customer {suffix}",
        authorized_name="Pat Example",
        authorized_email=f"owner{suffix}@example.com",
        address=PortAddress(
            street=f"{int(digest[:3], 16) % 900 + 100} Main St",
            city="Springfield",
            region="IL",
            postal_code=f"{62700 + int(digest[3:5], 16) % 100}",
            country="US",
        ),
        account_number=f"{int(digest[5:13], 16) % 10**9:09d}",
        pin=f"{int(digest[13:17], 16) % 10**4:04d}",
        billing_number=number,
    )
