"""A migration Twilio -> Telnyx that ports the numbers, end to end, on one Network of emulators.

plan -> apply (orders submitted, settings waiting) -> the FOC date passes ->
apply again (settings carried, the source no longer lists the numbers) ->
apply again (nothing to do). Then the same with the migration process
killed (kill -9) at each moment of the first run: one order per number.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

import phonefleet
from _loopback import loopback_only  # noqa: F401 - the emulators are served on loopback
from phonefleet import NumberChanges, PortDocuments, PortStatus, migrate
from phonefleet.migrate import Action, Porting
from phonefleet.testing import Network, emulate

DOCUMENTS = PortDocuments(loa=b"%PDF-1.4 signed letter of authorization", invoice=b"%PDF-1.4 bill")
FORWARD = "+12025550199"


#: the vendor the numbers leave in the kill -9 test (served too)
SOURCE = "twilio"


@attrs.define
class Switch:
    net: Network
    old: Any
    telnyx: Any
    source: Any
    target: Any
    numbers: list[str]
    port: Porting

    def plan(self) -> migrate.Plan:
        carry = ("name", "forwarding")  # a seeded Twilio routing has no Telnyx equivalent
        return migrate.plan(self.source, self.target, carry=carry, archive_source=True, port=self.port)

    def orders_per_number(self) -> Counter[str]:
        """How many live orders (not cancelled) hold each number."""
        return Counter(
            n.number
            for order in self.target.list_port_ins()
            if order.status is not PortStatus.CANCELLED
            for n in order.numbers
        )

    def cancelled_drafts(self) -> int:
        return sum(1 for order in self.target.list_port_ins() if order.status is PortStatus.CANCELLED)


def _switch(source_provider: str = SOURCE, count: int = 3) -> Switch:
    net = Network()
    old = emulate(source_provider, numbers=count, network=net)
    telnyx = emulate("telnyx", numbers=0, network=net)
    source, target = old.connect(source_provider), telnyx.connect("telnyx")
    numbers = sorted(n.number for n in source.list())
    account = attrs.evolve(net.account(numbers[0]), billing_number=numbers[0])
    key = net.holder(numbers[0])
    assert key is not None
    for number in numbers:  # one bill for the whole fleet, as a business has
        net.hold(key, number, account)
        source.update(number, NumberChanges(name=f"Desk {number[-2:]}", forwarding_number=FORWARD))
    return Switch(net, old, telnyx, source, target, numbers, Porting(account, documents=DOCUMENTS))


@pytest.fixture
def switch() -> Any:
    made = _switch(SOURCE)
    yield made
    made.source.close()
    made.target.close()


@pytest.fixture(params=["twilio", "telnyx"])
def any_switch(request: pytest.FixtureRequest) -> Any:
    made = _switch(request.param)
    yield made
    made.source.close()
    made.target.close()


def test_a_port_waits_then_carries_the_settings(any_switch: Switch, tmp_path: Path) -> None:
    switch = any_switch
    journal = tmp_path / "journal.sqlite"
    plan = switch.plan()
    assert [s.number for s in plan.steps if s.action is Action.PORT_IN] == switch.numbers
    assert not plan.skipped

    first = migrate.apply(plan, journal=journal)
    assert not first.ok
    assert not first.failed, [f.message for f in first.failed]
    assert {w.step.number for w in first.waiting} == set(switch.numbers)
    assert {w.status for w in first.waiting} <= {PortStatus.SUBMITTED, PortStatus.SCHEDULED}
    assert "waiting for 3 ports" in first.summary()
    assert switch.orders_per_number() == Counter(switch.numbers)
    assert not any(n.number in switch.numbers for n in switch.target.list())

    switch.net.advance(days=7)
    polls = switch.telnyx.transport.count("GET", "/porting_orders/")
    second = migrate.apply(plan, journal=journal)
    assert second.ok, second.summary()
    orders = {w.order_id for w in first.waiting}
    assert switch.telnyx.transport.count("GET", "/porting_orders/") - polls == len(orders)
    carried = {n.number: n for n in switch.target.list()}
    for number in switch.numbers:
        assert carried[number].name == f"Desk {number[-2:]}"
        assert carried[number].forwarding_number == FORWARD
    assert not {n.number for n in switch.source.list()} & set(switch.numbers)
    archives = [s for s in second.done if s.action is Action.ARCHIVE]
    assert len(archives) == len(switch.numbers)  # satisfied: the numbers left the source by porting

    third = migrate.apply(plan, journal=journal)
    assert third.ok
    assert not third.done
    assert len(third.already_done) == len(plan.steps)
    assert switch.orders_per_number() == Counter(switch.numbers)


# -- kill -9 -------------------------------------------------------------------------------------------
_CHILD = textwrap.dedent(
    """
    import json, sys
    import phonefleet
    from phonefleet import PortAccount, PortAddress, PortDocuments
    from phonefleet import migrate

    args = json.loads(sys.argv[1])
    source = phonefleet.connect(args["source_provider"], **args["source"])
    target = phonefleet.connect("telnyx", **args["telnyx"])
    fields = args["account"]
    account = PortAccount(address=PortAddress(**fields.pop("address")), **fields)
    port = migrate.Porting(account, documents=PortDocuments(loa=b"%PDF loa", invoice=b"%PDF bill"))
    plan = migrate.plan(source, target, carry=("name", "forwarding"), archive_source=True, port=port)
    report = migrate.apply(plan, journal=args["journal"])
    print(json.dumps(report.to_dict()))
    """
)


def _account_json(port: Porting) -> dict[str, Any]:
    return attrs.asdict(port.account)


@pytest.mark.parametrize("write", range(7))
def test_kill_9_at_any_moment_never_makes_a_second_order(switch: Switch, tmp_path: Path, write: int) -> None:
    """The migration process is killed (SIGKILL) as the target applies its `write`-th
    write (0: as the first arrives, before it is applied): the vendor did it, the
    process never heard. A rerun finds the order and never makes a second one (a
    draft the killed run created but never submitted is cancelled, then the
    numbers are ordered once)."""
    from phonefleet.migrate import Journal
    from phonefleet.migrate._porting import in_flight
    from phonefleet.testing import serve

    journal = tmp_path / "journal.sqlite"
    transport = switch.telnyx.transport
    real_handle = transport.handle
    child: dict[str, subprocess.Popen[str]] = {}
    writes = [0]

    def kill() -> None:
        process = child.pop("child")
        os.kill(process.pid, signal.SIGKILL)
        process.wait()  # dead before the vendor's answer could reach it

    def handle(request: Any) -> Any:
        if request.method == "GET" or "child" not in child:
            return real_handle(request)
        writes[0] += 1
        if write == 0:  # dies as its first write arrives: the vendor never applies it
            kill()
            return httpx.Response(503)
        response = real_handle(request)
        if writes[0] == write:  # the vendor applied it; the process never hears back
            kill()
        return response

    transport.handle = handle
    with serve(switch.old) as old_server, serve(switch.telnyx) as tx:
        args = {
            "source_provider": SOURCE,
            "source": old_server.settings,
            "telnyx": tx.settings,
            "account": _account_json(switch.port),
            "journal": str(journal),
        }
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD, json.dumps(args, default=str)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        child["child"] = process
        _out, err = process.communicate(timeout=120)
        child.pop("child", None)
        transport.handle = real_handle
        killed = process.returncode == -signal.SIGKILL
        assert killed, err  # every write of the run is a moment it dies at (range covers them)
        assert switch.orders_per_number() <= Counter(switch.numbers)  # never two orders for one number

        # the next run (the daily job), through the same servers: the journal is theirs
        with (
            phonefleet.connect(SOURCE, **old_server.settings) as source,
            phonefleet.connect("telnyx", **tx.settings) as target,
        ):
            with Journal(journal, source=source.identity, target=target.identity) as book:
                port = attrs.evolve(switch.port, in_flight=in_flight(book))
            carry = ("name", "forwarding")
            plan = migrate.plan(source, target, carry=carry, archive_source=True, port=port)
            rerun = migrate.apply(plan, journal=journal, take_over=True)
            assert not rerun.failed, [f.message for f in rerun.failed]
            assert switch.orders_per_number() == Counter(switch.numbers)
            switch.net.advance(days=7)
            final = migrate.apply(plan, journal=journal, take_over=True)
            assert final.ok, final.summary()
    assert switch.orders_per_number() == Counter(switch.numbers)  # one order per number, whatever the moment
    # at most the one draft a run killed between creating and submitting left: cancelled, never submitted
    assert switch.cancelled_drafts() <= 1
    carried = {n.number: n for n in switch.target.list()}
    assert all(carried[n].forwarding_number == FORWARD for n in switch.numbers)
