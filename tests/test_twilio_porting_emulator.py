"""Porting into Twilio against its emulator on a `Network`: the lifecycle on the
shared clock, refusals before anything is sent, and one request per number
whatever fault hits the create."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import attrs
import pytest

from phonefleet import (
    InvalidNumberError,
    MemoryStore,
    NotPortableError,
    NumberChanges,
    PortAccount,
    PortAddress,
    PortDocuments,
    PortStatus,
    UnsupportedOperationError,
    migrate,
)
from phonefleet.testing import Emulator, Fault, FaultPlan, Network, business_days_after, emulate

BILL = b"%PDF-1.4 utility bill"
DOCS = PortDocuments(invoice=BILL)


def _creates(emulator: Emulator) -> int:
    """Creates the emulated server applied (faulted ones that never arrived aside)."""
    return sum(
        1 for r in emulator.transport.applied if r.method == "POST" and r.url.path == "/v1/Porting/PortIn"
    )


@pytest.fixture
def net() -> Network:
    return Network()


@pytest.fixture
def loser(net: Network) -> Emulator:
    """The losing carrier: SignalWire's Compatibility API, holding three numbers."""
    return emulate("twilio", numbers=3, dialect="signalwire", network=net)


@pytest.fixture
def winner(net: Network) -> Emulator:
    return emulate("twilio", numbers=2, offset=100, network=net)


def _held(emulator: Emulator) -> list[str]:
    return [payload["phone_number"] for payload in emulator.transport.numbers()]


def test_a_port_is_scheduled_then_completes_and_the_number_moves(
    net: Network, loser: Emulator, winner: Emulator
) -> None:
    number = _held(loser)[0]
    with winner.connect() as store:
        (port,) = store.port_in([number], account=net.account(number), documents=DOCS)
        assert port.status is PortStatus.SCHEDULED
        assert port.foc_date == business_days_after(net.now(), 3)
        assert store.get_port_in(port.id).status is PortStatus.SCHEDULED
        net.advance(days=2)
        assert store.get_port_in(port.id).status is PortStatus.SCHEDULED  # not yet its date
        net.advance(days=3)
        done = store.get_port_in(port.id)
        assert done.status is PortStatus.COMPLETED
        assert done.numbers[0].status is PortStatus.COMPLETED
        arrived = store.get(number)
        assert (arrived.forwarding_number, arrived.routing) == (None, None)
    assert number not in _held(loser)
    assert net.holder(number) == winner.transport.porting.key


def test_a_mismatched_account_is_rejected_saying_which_fields(
    net: Network, loser: Emulator, winner: Emulator
) -> None:
    number = _held(loser)[1]
    wrong = attrs.evolve(net.account(number), pin="0000", name="Someone Else")
    with winner.connect() as store:
        (port,) = store.port_in([number], account=wrong, documents=DOCS)
        assert port.status is PortStatus.REJECTED
        reason = port.numbers[0].reason or ""
        assert "INVALID_PIN" in reason
        assert "INVALID_END_USER_NAME" in reason
        assert "name" in port.problems[0]
        assert "0000" not in reason
        net.advance(days=10)
        assert store.get_port_in(port.id).status is PortStatus.REJECTED
    assert number in _held(loser)


def test_a_port_is_checked_first_and_a_number_that_cannot_port_creates_nothing(
    net: Network, loser: Emulator, winner: Emulator
) -> None:
    own = _held(winner)[0]
    refused = _held(loser)[2]
    net.not_portable(refused, "the losing carrier refuses this number")
    with winner.connect() as store:
        results = store.check_portability([own, refused, _held(loser)[0]])
        assert [(r.portable, r.reason) for r in results] == [
            (False, "ALREADY_IN_THE_TARGET_ACCOUNT"),
            (False, "the losing carrier refuses this number"),
            (True, None),
        ]
        with pytest.raises(NotPortableError) as caught:
            store.port_in([_held(loser)[0], refused], account=net.account(refused), documents=DOCS)
    assert [r.number for r in caught.value.results] == [refused]
    assert winner.transport.count("POST") == 0


def test_a_number_being_ported_in_is_not_portable_again(
    net: Network, loser: Emulator, winner: Emulator
) -> None:
    number = _held(loser)[0]
    with winner.connect() as store:
        store.port_in([number], account=net.account(number), documents=DOCS)
        with pytest.raises(NotPortableError):
            store.port_in([number], account=net.account(number), documents=DOCS)
    assert _creates(winner) == 1


def test_bad_input_sends_nothing(net: Network, loser: Emulator, winner: Emulator) -> None:
    number = _held(loser)[0]
    account = net.account(number)
    with winner.connect() as store:
        with pytest.raises(ValueError, match="utility bill"):
            store.port_in([number], account=account, documents=PortDocuments())
        with pytest.raises(InvalidNumberError):
            store.port_in(["555-not-a-number"], account=account, documents=DOCS)
        with pytest.raises(ValueError, match="repeated"):
            store.port_in([number, number], account=account, documents=DOCS)
        with pytest.raises(ValueError, match="cannot read"):
            store.port_in([number], account=account, documents=PortDocuments(invoice="/nonexistent/bill.pdf"))
    assert winner.transport.requests == []


def test_the_signalwire_dialect_refuses_porting_before_any_request(net: Network, loser: Emulator) -> None:
    number = _held(loser)[0]
    with loser.connect() as store:
        with pytest.raises(UnsupportedOperationError):
            store.port_in([number], account=net.account(number), documents=DOCS)
        with pytest.raises(UnsupportedOperationError):
            store.check_portability([number])
    assert loser.transport.requests == []


@pytest.mark.parametrize("fault", [Fault.DROP_AFTER, Fault.SLOW, Fault.SERVER_ERROR])
def test_one_request_whatever_fault_hits_the_create(fault: Fault) -> None:
    net = Network()
    loser = emulate("twilio", numbers=2, dialect="signalwire", network=net)
    numbers = _held(loser)
    faults = FaultPlan(methods=frozenset({"POST"}), script=[None, fault])  # the upload, then the create
    winner = emulate("twilio", numbers=0, network=net, faults=faults)
    account = net.account(numbers[0])
    with winner.connect() as store:
        (port,) = store.port_in(numbers[:1], account=account, documents=DOCS)
        assert port.holds(numbers[0])
        assert [p.id for p in store.list_port_ins()] == [port.id]
    assert faults.injected[-1][2] is fault
    assert _creates(winner) == 1


def test_an_order_is_found_after_a_crash_by_its_numbers(
    net: Network, loser: Emulator, winner: Emulator
) -> None:
    number = _held(loser)[0]
    with winner.connect() as store:
        (port,) = store.port_in([number], account=net.account(number), documents=DOCS)
        open_ = [p for p in store.list_port_ins(open_only=True) if p.holds(number)]
        assert [p.id for p in open_] == [port.id]


def test_cancel_stops_the_port_and_the_number_stays(net: Network, loser: Emulator, winner: Emulator) -> None:
    number = _held(loser)[0]
    with winner.connect() as store:
        (port,) = store.port_in([number], account=net.account(number), documents=DOCS)
        cancelled = store.cancel_port_in(port.id)
        assert cancelled.status is PortStatus.CANCELLED
        assert cancelled.problems  # Twilio's order_cancellation_reason
        assert list(store.list_port_ins(open_only=True)) == []
        net.advance(days=10)
        assert store.get_port_in(port.id).status is PortStatus.CANCELLED
        assert store.check_portability([number])[0].portable  # free to port again
    assert number in _held(loser)


def test_listing_pages_through_many_requests(net: Network) -> None:
    loser = emulate("twilio", numbers=130, dialect="signalwire", network=net)
    winner = emulate("twilio", numbers=0, network=net)
    numbers = _held(loser)
    with winner.connect() as store:
        for number in numbers[:105]:
            store.port_in([number], account=net.account(number), documents=DOCS)
        listed = list(store.list_port_ins())
    assert len(listed) == 105
    pages = [r for r in winner.transport.requests if r.url.path.endswith("/PortInRequests")]
    assert len(pages) == 2


def test_a_target_date_is_checked_by_the_emulator_and_honoured(
    net: Network, loser: Emulator, winner: Emulator
) -> None:
    number = _held(loser)[0]
    later = (net.now() + dt.timedelta(days=20)).date()
    with winner.connect() as store:
        (port,) = store.port_in([number], account=net.account(number), documents=DOCS, date=later)
    assert port.foc_date is not None
    assert port.foc_date.date() == later  # type: ignore[union-attr]


def test_without_a_network_the_emulator_ports_on_its_own_clock() -> None:
    winner = emulate("twilio", numbers=1)
    number = "+13125550188"  # nobody holds it: portable, no bill to check
    holder = PortAccount("Anyone", "Pat", "pat@example.com", PortAddress("1 St", "City", "IL", "60601", "US"))
    with winner.connect() as store:
        (port,) = store.port_in([number], account=holder, documents=DOCS)
        assert port.status is PortStatus.SCHEDULED
        winner.transport.porting.network.advance(days=7)
        assert store.get_port_in(port.id).status is PortStatus.COMPLETED
        assert store.get(number).number == number


def test_async_store_runs_the_same_flows(net: Network, loser: Emulator, winner: Emulator) -> None:
    number = _held(loser)[0]

    async def main() -> PortStatus:
        async with winner.connect_async() as store:
            (port,) = await store.port_in([number], account=net.account(number), documents=DOCS)
            net.advance(days=7)
            return (await store.get_port_in(port.id)).status

    assert asyncio.run(main()) is PortStatus.COMPLETED


def test_pin_and_account_number_never_in_errors_reprs_or_logs(
    net: Network, loser: Emulator, winner: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    number = _held(loser)[0]
    account = net.account(number)
    assert account.pin
    assert account.account_number
    caplog.set_level(logging.DEBUG)
    with winner.connect() as store:
        (port,) = store.port_in([number], account=account, documents=DOCS)
        texts = [repr(account), repr(port), str(dict(port.raw)), repr(store.get_port_in(port.id))]
        texts.append(str(dict(store.get_port_in(port.id).raw)))
    texts += [record.getMessage() for record in caplog.records]
    for text in texts:
        assert account.pin not in text
        assert account.account_number not in text


def test_a_migration_ports_into_twilio_then_carries_the_settings(tmp_path: Path) -> None:
    """`migrate` with `port=` into Twilio: orders submitted and settings waiting, then carried."""
    net = Network()
    old = MemoryStore(["+12025550100", "+12025550101"], network=net, provider="old")
    old.update("+12025550100", NumberChanges(name="Front desk", forwarding_number="+12025550199"))
    account = net.account("+12025550100")
    net.hold(old.adapter.network_key, "+12025550101", account)  # both on one bill
    winner = emulate("twilio", numbers=1, network=net)
    journal = tmp_path / "old-to-twilio.sqlite"
    with winner.connect() as new:
        plan = migrate.plan(old, new, archive_source=True, port=migrate.Porting(account, documents=DOCS))
        first = migrate.apply(plan, journal=journal)
        assert not first.ok
        assert {w.step.number for w in first.waiting} == {"+12025550100", "+12025550101"}
        assert _creates(winner) == 1  # one request for both numbers
        net.advance(days=5)
        second = migrate.apply(plan, journal=journal)
        assert second.ok
        assert new.get("+12025550100").forwarding_number == "+12025550199"
        assert list(old.list()) == []
        third = migrate.apply(plan, journal=journal)
        assert third.ok
    assert _creates(winner) == 1
