"""MemoryStore porting beyond the contract: its own network, the mismatch mode, the FOC date asked for."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import attrs
import pytest

from phonefleet import MemoryStore, PortAccount, PortAddress, PortStatus
from phonefleet.testing import Network, business_days_after


def test_import_phonefleet_does_not_load_the_testing_package() -> None:
    code = "import sys, phonefleet; phonefleet.MemoryStore(); print('phonefleet.testing' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_a_network_it_makes_its_own_where_other_numbers_are_portable() -> None:
    store = MemoryStore(["+12025550100"])
    results = store.check_portability(["+12025550100", "+12025550199"])
    assert [r.portable for r in results] == [False, True]
    net = store.adapter.network
    assert net.holder("+12025550100") == store.adapter.network_key
    [order] = store.port_in(["+12025550199"], account=_account("+12025550199"))
    assert order.status is PortStatus.SCHEDULED
    net.advance(days=7)
    assert store.get_port_in(order.id).status is PortStatus.COMPLETED
    assert "+12025550199" in {n.number for n in store.list()}


def _account(number: str) -> PortAccount:

    return PortAccount(
        name="Acme",
        authorized_name="Pat",
        authorized_email="pat@example.com",
        address=PortAddress("1 Main St", "Springfield", "IL", "62701", "US"),
    )


def test_mismatch_as_action_required_stays_open_with_problems() -> None:
    net = Network()
    MemoryStore(["+12025550100"], network=net, provider="losing")
    store = MemoryStore(network=net, port_mismatch="action_required")
    wrong = attrs.evolve(net.account("+12025550100"), pin="0000")
    [order] = store.port_in(["+12025550100"], account=wrong)
    assert order.status is PortStatus.ACTION_REQUIRED
    assert order.problems == ("+12025550100: pin does not match the losing carrier's records",)
    assert "0000" not in repr(order)
    net.advance(days=10)
    assert store.get_port_in(order.id).status is PortStatus.ACTION_REQUIRED
    assert [o.id for o in store.list_port_ins(open_only=True)] == [order.id]


def test_port_mismatch_is_checked() -> None:
    with pytest.raises(ValueError, match="port_mismatch"):
        MemoryStore(port_mismatch="maybe")


def test_orders_split_by_losing_carrier_and_keep_the_date_asked_for() -> None:
    net = Network()
    first = MemoryStore(["+12025550100"], network=net, provider="one")
    MemoryStore(["+12025550101"], network=net, provider="two")
    account = net.account("+12025550100")
    net.hold(first.adapter.network_key, "+12025550100", account)
    store = MemoryStore(network=net)
    # the second number's bill differs: hold it under the same account for the test
    net.hold("two", "+12025550101", account)
    later = (net.now() + dt.timedelta(days=20)).date()
    orders = store.port_in(["+12025550100", "+12025550101"], account=account, date=later)
    assert len(orders) == 2
    assert all(o.foc_date is not None and o.foc_date.date() == later for o in orders)
    net.advance(days=10)
    assert all(store.get_port_in(o.id).status is PortStatus.SCHEDULED for o in orders)
    net.advance(days=11)
    assert all(store.get_port_in(o.id).status is PortStatus.COMPLETED for o in orders)


def test_foc_is_three_business_days_on() -> None:
    net = Network()
    MemoryStore(["+12025550100"], network=net, provider="losing")
    store = MemoryStore(network=net)
    [order] = store.port_in(["+12025550100"], account=net.account("+12025550100"))
    assert order.foc_date == business_days_after(net.now(), 3)
    net.advance(days=2)
    assert store.get_port_in(order.id).status is PortStatus.SCHEDULED
    net.advance(days=1)
    assert store.get_port_in(order.id).status is PortStatus.COMPLETED
