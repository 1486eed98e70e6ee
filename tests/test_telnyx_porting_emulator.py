"""Telnyx porting end to end on the emulator: the lifecycle on a Network (order,
check, FOC date, the number moving between emulators), mismatches, bad input
sending nothing, and a create never applied twice under injected faults."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import httpx
import pytest

from phonefleet import (
    InvalidNumberError,
    NotPortableError,
    PortAccount,
    PortDocuments,
    PortStatus,
)
from phonefleet.testing import Emulator, Fault, FaultPlan, Network, business_days_after, emulate
from phonefleet_telnyx.emulator import TelnyxEmulator

DOCUMENTS = PortDocuments(loa=b"%PDF-1.4 signed letter", invoice=b"%PDF-1.4 latest bill")


@pytest.fixture
def network() -> Network:
    return Network()


@pytest.fixture
def losing(network: Network) -> Emulator:
    return emulate("telnyx", numbers=4, offset=900, seed=7, network=network)


@pytest.fixture
def winning(network: Network) -> Emulator:
    return emulate("telnyx", numbers=2, seed=1, network=network)


def numbers_of(emu: Emulator) -> list[str]:
    transport = emu.transport
    assert isinstance(transport, TelnyxEmulator)
    return sorted(r["phone_number"] for r in transport.records.values())


def telnyx(emu: Emulator) -> TelnyxEmulator:
    assert isinstance(emu.transport, TelnyxEmulator)
    return emu.transport


@pytest.fixture
def store(winning: Emulator) -> Iterator[Any]:
    with winning.connect() as opened:
        yield opened


def test_an_order_is_confirmed_for_three_business_days_on_then_the_number_moves(
    network: Network, losing: Emulator, winning: Emulator, store: Any
) -> None:
    number = numbers_of(losing)[0]
    account = network.account(number)
    [submitted] = store.port_in([number], account=account, documents=DOCUMENTS)
    assert submitted.status is PortStatus.SUBMITTED
    assert submitted.numbers[0].number == number
    scheduled = store.get_port_in(submitted.id)
    assert scheduled.status is PortStatus.SCHEDULED
    assert scheduled.foc_date == business_days_after(network.now(), 3)
    assert scheduled.problems == ()

    network.advance(days=1)
    assert store.get_port_in(submitted.id).status is PortStatus.SCHEDULED
    assert number in numbers_of(losing)

    network.advance(days=3)  # past the FOC date (a Monday start: Thursday)
    ported = store.get_port_in(submitted.id)
    assert ported.status is PortStatus.COMPLETED
    assert [n.status for n in ported.numbers] == [PortStatus.COMPLETED]
    assert number not in numbers_of(losing)
    assert number in numbers_of(winning)
    assert network.holder(number) == telnyx(winning).porting.key
    arrived = store.get(number)
    assert arrived.forwarding_number is None
    assert arrived.name is None
    assert arrived.raw["source_type"] == "port_request"
    # the number is the winner's now: porting it again is refused, nothing created
    assert not store.check_portability([number])[0].portable


def test_numbers_held_by_two_carriers_become_two_orders(network: Network, store: Any) -> None:
    first = emulate("telnyx", numbers=1, offset=300, network=network)
    second = emulate("telnyx", numbers=1, offset=400, network=network)
    a, b = numbers_of(first)[0], numbers_of(second)[0]
    shared = attrs.evolve(network.account(a), billing_number=None)
    for key, number in ((telnyx(first).porting.key, a), (telnyx(second).porting.key, b)):
        network.hold(key, number, shared)
    orders = store.port_in([a, b], account=shared, documents=DOCUMENTS)
    assert len(orders) == 2
    assert sorted(n.number for o in orders for n in o.numbers) == sorted([a, b])
    carriers = {o.raw["old_service_provider_ocn"] for o in orders}
    assert len(carriers) == 2
    network.advance(days=7)
    assert {store.get_port_in(o.id).status for o in orders} == {PortStatus.COMPLETED}
    assert numbers_of(first) == []
    assert numbers_of(second) == []


def test_data_that_does_not_match_is_an_exception_naming_the_fields(
    network: Network, losing: Emulator, store: Any
) -> None:
    number = numbers_of(losing)[1]
    account = network.account(number)
    wrong = attrs.evolve(account, name="Someone Else", pin="0000" if account.pin != "0000" else "1111")
    [order] = store.port_in([number], account=wrong, documents=DOCUMENTS)
    checked = store.get_port_in(order.id)
    assert checked.status is PortStatus.ACTION_REQUIRED
    assert checked.problems == (
        "ENTITY_NAME_MISMATCH: Entity name does not match that on the CSR",
        "PASSCODE_PIN_INVALID: Passcode/PIN does not match that on the CSR",
    )
    assert checked.raw["status"]["value"] == "exception"
    assert account.pin is not None
    assert account.pin not in repr(checked) + str(dict(checked.raw))
    network.advance(days=10)
    assert store.get_port_in(order.id).status is PortStatus.ACTION_REQUIRED
    assert number in numbers_of(losing)


def test_list_get_and_cancel(network: Network, losing: Emulator, store: Any) -> None:
    number = numbers_of(losing)[2]
    [order] = store.port_in([number], account=network.account(number), documents=DOCUMENTS)
    assert [o.id for o in store.list_port_ins(open_only=True)] == [order.id]
    cancelled = store.cancel_port_in(order.id)
    assert cancelled.status is PortStatus.CANCELLED
    assert cancelled.raw["status"]["value"] == "cancel-pending"
    assert list(store.list_port_ins(open_only=True)) == []
    assert [o.id for o in store.list_port_ins()] == [order.id]
    network.advance(days=10)
    assert store.get_port_in(order.id).raw["status"]["value"] == "cancelled"
    assert number in numbers_of(losing)
    assert store.check_portability([number])[0].portable


def test_listing_pages_through_every_order(network: Network, losing: Emulator, winning: Emulator) -> None:
    with winning.connect(page_size=1) as store:
        for number in numbers_of(losing)[:3]:
            store.port_in([number], account=network.account(number), documents=DOCUMENTS)
        before = telnyx(winning).count("GET", "/porting_orders")
        assert len(list(store.list_port_ins())) == 3
        assert telnyx(winning).count("GET", "/porting_orders") - before == 3


def test_a_number_in_an_open_order_is_not_portable_again(
    network: Network, losing: Emulator, winning: Emulator, store: Any
) -> None:
    number = numbers_of(losing)[0]
    [order] = store.port_in([number], account=network.account(number), documents=DOCUMENTS)
    with pytest.raises(NotPortableError) as caught:
        store.port_in([number], account=network.account(number), documents=DOCUMENTS)
    assert order.id in str(caught.value.results[0].reason)
    assert len(telnyx(winning).porting.orders) == 1


def test_without_a_network_every_number_it_does_not_hold_ports_on_its_own_clock() -> None:
    emu = emulate("telnyx", numbers=1)
    transport = telnyx(emu)
    with emu.connect() as store:
        held = numbers_of(emu)[0]
        free = "+13125550177"
        assert [r.portable for r in store.check_portability([free, held])] == [True, False]
        # no member holds the number: no bill to check against, any account matches
        [order] = store.port_in([free], account=_holder_account(), documents=DOCUMENTS)
        transport.porting.network.advance(days=7)
        assert store.get_port_in(order.id).status is PortStatus.COMPLETED
        assert free in numbers_of(emu)


def _holder_account() -> PortAccount:
    network = Network()
    member = emulate("telnyx", numbers=1, offset=5000, network=network)
    return network.account(numbers_of(member)[0])


# -- bad input: a clear error, nothing sent ---------------------------------------------------------


def test_bad_input_sends_nothing(network: Network, losing: Emulator, winning: Emulator, store: Any) -> None:
    number = numbers_of(losing)[0]
    account = network.account(number)
    before = telnyx(winning).count()
    cases: list[tuple[type[Exception], Any]] = [
        (ValueError, lambda: store.port_in([number], account=account, documents=PortDocuments())),
        (ValueError, lambda: store.port_in([number], account=account, documents=PortDocuments(loa=b"%PDF"))),
        (ValueError, lambda: store.port_in([number], account=account, documents=PortDocuments(invoice=b"x"))),
        (ValueError, lambda: store.port_in([], account=account, documents=DOCUMENTS)),
        (ValueError, lambda: store.port_in([number, number], account=account, documents=DOCUMENTS)),
        (InvalidNumberError, lambda: store.port_in(["555-0100"], account=account, documents=DOCUMENTS)),
        (InvalidNumberError, lambda: store.check_portability(["12"])),
        (ValueError, lambda: store.get_port_in(" ")),
    ]
    for kind, call in cases:
        with pytest.raises(kind) as caught:
            call()
        assert account.pin is not None
        assert account.pin not in str(caught.value)
    assert telnyx(winning).count() == before
    with pytest.raises(ValueError, match="invoice"):
        store.port_in([number], account=account, documents=PortDocuments(loa=b"%PDF"))


# -- never twice ---------------------------------------------------------------------------------------


def _create_faulted(fault: Fault) -> FaultPlan:
    # POSTs in order: the portability check, two uploads, then the create
    return FaultPlan(methods=frozenset({"POST"}), script=[None, None, None, fault])


@pytest.mark.parametrize("fault", [Fault.DROP_AFTER, Fault.SLOW, Fault.SERVER_ERROR, Fault.DROP_BEFORE])
def test_an_unclear_create_never_makes_a_second_order(fault: Fault) -> None:
    network = Network()
    losing = emulate("telnyx", numbers=2, offset=900, network=network)
    winning = emulate("telnyx", numbers=1, network=network, faults=_create_faulted(fault))
    wanted = numbers_of(losing)
    account = attrs.evolve(network.account(wanted[0]), billing_number=None)
    for number in wanted:  # one holder's account for both
        network.hold(telnyx(losing).porting.key, number, account)
    with winning.connect() as store:
        orders = store.port_in(wanted, account=account, documents=DOCUMENTS)
    transport = telnyx(winning)
    assert transport.faults.injected[0][1:] == ("/v2/porting_orders", fault)
    assert len(transport.porting.orders) == 1
    assert [o.id for o in orders] == list(transport.porting.orders)
    assert sorted(n.number for n in orders[0].numbers) == wanted
    confirmed = [r for r in transport.applied if r.url.path.endswith("/actions/confirm")]
    assert len(confirmed) == 1
    network.advance(days=7)
    with winning.connect() as store:
        assert store.get_port_in(orders[0].id).status is PortStatus.COMPLETED


async def test_the_async_store_ports_from_the_same_flows(network: Network, losing: Emulator) -> None:
    winning = emulate("telnyx", numbers=1, network=network)
    number = numbers_of(losing)[3]
    async with winning.connect_async() as store:
        [order] = await store.port_in([number], account=network.account(number), documents=DOCUMENTS)
        assert (await store.get_port_in(order.id)).status is PortStatus.SCHEDULED
        assert [o.id async for o in store.list_port_ins(open_only=True)] == [order.id]


def test_the_emulator_speaks_the_spec_error_envelope(winning: Emulator) -> None:
    transport = telnyx(winning)
    headers = {"Authorization": f"Bearer {winning.settings['api_key']}"}
    with httpx.Client(transport=transport, base_url=winning.settings["base_url"]) as client:
        missing = client.get("/porting_orders/nope", headers=headers)
        assert missing.status_code == 404
        assert missing.json()["errors"][0]["code"] == "10005"
        bad = client.post("/porting_orders", json={"phone_numbers": ["555"]}, headers=headers)
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["source"] == {"pointer": "/phone_numbers/0"}
        [draft] = client.post(
            "/porting_orders", json={"phone_numbers": ["+13125550188"]}, headers=headers
        ).json()["data"]
        assert draft["status"] == {"details": [], "value": "draft"}
        refused = client.post(f"/porting_orders/{draft['id']}/actions/confirm", headers=headers)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["source"] == {"pointer": "/documents/loa"}
        requirements = client.get(f"/porting_orders/{draft['id']}/requirements", headers=headers).json()
        assert {r["requirement_status"] for r in requirements["data"]} == {"requirement-info-pending"}
        assert client.delete(f"/porting_orders/{draft['id']}", headers=headers).status_code == 204
        assert client.get("/porting_orders", headers=headers).json()["meta"]["total_results"] == 0
