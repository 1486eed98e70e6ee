"""The porting part of the contract suite (`Feature.PORT_IN`).

Mixed into `StoreContract` and `AsyncStoreContract`, so every store runs
it. A store without `Feature.PORT_IN` checks that each porting operation is
refused before any request; a store with it needs one more fixture,
`port_network`: the `phonefleet.testing.Network` its emulator joined. The
checks then seed a losing carrier (a `MemoryStore` on the same network)
holding fresh numbers under one account, and port them in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest

from phonefleet import (
    Feature,
    InvalidNumberError,
    MemoryStore,
    NotFoundError,
    NotPortableError,
    PortAccount,
    PortAddress,
    PortDocuments,
    PortIn,
    PortStatus,
    UnsupportedOperationError,
)

from ._network import Network

__all__ = ["PORT_ACCOUNT", "PORT_DOCUMENTS", "Porting", "PortingContract"]

#: candidates for the losing carrier's numbers (those a store or network holds are passed over)
_CANDIDATES = tuple(f"+1312555{n:04d}" for n in range(140, 190))
#: the pin and account number: they must never show in a repr, a problem or an error
PIN = "8642"
ACCOUNT_NUMBER = "ACCT-55-2468"

PORT_ACCOUNT = PortAccount(
    name="Contract Holder LLC",
    authorized_name="Pat Example",
    authorized_email="pat@example.com",
    address=PortAddress("100 Main St", "Springfield", "IL", "62701", "US"),
    account_number=ACCOUNT_NUMBER,
    pin=PIN,
)
PORT_DOCUMENTS = PortDocuments(loa=b"%PDF-1.4\n% letter of authorization\n", invoice=b"%PDF-1.4\n% invoice\n")
_OPEN_AFTER_SUBMIT = {PortStatus.SUBMITTED, PortStatus.SCHEDULED}


@attrs.frozen
class Porting:
    """What a porting check works with: the network, the losing store, fresh numbers, their account."""

    network: Network
    losing: MemoryStore
    numbers: tuple[str, ...]
    account: PortAccount
    not_portable: str


def _clean(text: str) -> None:
    assert PIN not in text, "the pin leaked"
    assert ACCOUNT_NUMBER not in text, "the account number leaked"


class PortingContract:
    """Porting checks: portability, ordering, the lifecycle, bad input, secrets."""

    @pytest.fixture
    def port_network(self) -> Network | None:
        return None

    @pytest.fixture
    def porting(self, store: Any, port_network: Network | None) -> Iterator[Porting]:
        if Feature.PORT_IN not in store.features:
            pytest.skip(f"{store.provider} does not support {Feature.PORT_IN.value}")
        if port_network is None:
            pytest.skip("no port_network fixture: give the Network the store's emulator joined")
        mine = {n.number for n in store.list(archived=None)} if Feature.LIST in store.features else set()
        free = [n for n in _CANDIDATES if n not in mine and port_network.holder(n) is None]
        numbers, blocked = tuple(free[:3]), free[3]
        account = attrs.evolve(PORT_ACCOUNT, billing_number=numbers[0])
        losing = MemoryStore([*numbers, blocked], provider="losing", network=port_network)
        key = losing.adapter.network_key
        for number in numbers:
            port_network.hold(key, number, account)
        port_network.not_portable(blocked, "the losing carrier does not release this number")
        yield Porting(port_network, losing, numbers, account, blocked)
        losing.close()

    def _orders(self, store: Any, *, open_only: bool = False) -> dict[str, PortIn]:
        return {order.id: order for order in store.list_port_ins(open_only=open_only)}

    # -- portability -----------------------------------------------------------------
    def test_check_portability_answers_in_input_order_with_reasons(
        self, store: Any, porting: Porting
    ) -> None:
        held = next(iter(store.list())).number
        asked = [porting.numbers[1], porting.not_portable, held, porting.numbers[0]]
        results = store.check_portability(asked)
        assert [r.number for r in results] == asked
        assert [r.portable for r in results] == [True, False, False, True]
        for result in results:
            if result.portable:
                assert result.reason is None
            else:
                assert isinstance(result.reason, str)
                assert result.reason.strip()

    # -- creating ------------------------------------------------------------------------
    def test_port_in_creates_and_submits_then_completes_on_the_foc_date(
        self, store: Any, porting: Porting
    ) -> None:
        wanted = porting.numbers[:2]
        before = set(self._orders(store))
        orders = store.port_in(list(wanted), account=porting.account, documents=PORT_DOCUMENTS)
        assert orders
        assert all(order.provider == store.provider for order in orders)
        for number in wanted:  # each number in exactly one order
            assert sum(order.holds(number) for order in orders) == 1
        assert all(order.status in _OPEN_AFTER_SUBMIT for order in orders), [o.status for o in orders]
        ids = {order.id for order in orders}
        assert len(ids) == len(orders)
        assert not ids & before
        assert ids <= set(self._orders(store, open_only=True))
        for order in orders:
            again = store.get_port_in(order.id)
            assert again.id == order.id
            assert {n.number for n in again.numbers} == {n.number for n in order.numbers}

        porting.network.advance(days=10)

        for order in orders:
            finished = store.get_port_in(order.id)
            assert finished.status is PortStatus.COMPLETED
            assert finished.foc_date is not None
            assert all(n.status is PortStatus.COMPLETED for n in finished.numbers)
        arrived = {n.number: n for n in store.list()}
        for number in wanted:
            assert number in arrived
            assert arrived[number].forwarding_number is None  # a ported number carries no settings
            assert porting.network.holder(number) != porting.losing.adapter.network_key
        assert not set(wanted) & {n.number for n in porting.losing.list()}
        assert not ids & set(self._orders(store, open_only=True))
        assert ids <= set(self._orders(store))

    def test_a_number_in_an_open_order_is_not_portable_again(self, store: Any, porting: Porting) -> None:
        number = porting.numbers[0]
        store.port_in([number], account=porting.account, documents=PORT_DOCUMENTS)
        count = len(self._orders(store))
        with pytest.raises(NotPortableError):
            store.port_in([number], account=porting.account, documents=PORT_DOCUMENTS)
        assert len(self._orders(store)) == count

    def test_not_portable_creates_nothing(self, store: Any, porting: Porting) -> None:
        before = self._orders(store)
        with pytest.raises(NotPortableError) as caught:
            store.port_in(
                [porting.numbers[0], porting.not_portable], account=porting.account, documents=PORT_DOCUMENTS
            )
        assert [r.number for r in caught.value.results] == [porting.not_portable]
        assert caught.value.results[0].reason
        assert self._orders(store).keys() == before.keys()
        assert store.check_portability([porting.numbers[0]])[0].portable

    def test_a_number_the_store_holds_is_not_portable(self, store: Any, porting: Porting) -> None:
        held = next(iter(store.list())).number
        before = self._orders(store)
        with pytest.raises(NotPortableError) as caught:
            store.port_in([held], account=porting.account, documents=PORT_DOCUMENTS)
        assert caught.value.results[0].number == held
        assert self._orders(store).keys() == before.keys()

    def test_data_that_does_not_match_is_not_scheduled_and_says_which(
        self, store: Any, porting: Porting
    ) -> None:
        wrong = attrs.evolve(porting.account, name="Someone Else Inc")
        orders = store.port_in([porting.numbers[2]], account=wrong, documents=PORT_DOCUMENTS)
        [order] = [store.get_port_in(order.id) for order in orders]
        assert order.status in {PortStatus.ACTION_REQUIRED, PortStatus.REJECTED}
        assert any("name" in problem for problem in order.problems), order.problems
        porting.network.advance(days=10)
        assert store.get_port_in(order.id).status is not PortStatus.COMPLETED
        assert porting.numbers[2] in {n.number for n in porting.losing.list()}

    # -- bad input ---------------------------------------------------------------------
    def test_bad_input_is_refused_before_any_request(
        self,
        store: Any,
        porting: Porting,
        requests_sent: Callable[[], int],
        tmp_path: Any,
    ) -> None:
        number = porting.numbers[0]
        orders = self._orders(store)
        before = requests_sent()
        cases: list[tuple[type[Exception], Callable[[], object]]] = [
            (ValueError, lambda: store.port_in([], account=porting.account)),
            (InvalidNumberError, lambda: store.port_in(["+1 202 555"], account=porting.account)),
            (ValueError, lambda: store.port_in([number, number], account=porting.account)),
            (TypeError, lambda: store.port_in(number, account=porting.account)),
            (TypeError, lambda: store.port_in([number], account={"name": "x"})),
            (
                ValueError,
                lambda: store.port_in(
                    [number],
                    account=attrs.evolve(porting.account, authorized_email="nobody"),
                ),
            ),
            (
                ValueError,
                lambda: store.port_in(
                    [number], account=porting.account, documents=PortDocuments(loa=tmp_path / "missing.pdf")
                ),
            ),
            (TypeError, lambda: store.port_in([number], account=porting.account, date="2026-02-01")),
            (ValueError, lambda: store.check_portability([])),
            (InvalidNumberError, lambda: store.check_portability(["12"])),
            (ValueError, lambda: store.get_port_in("  ")),
            (ValueError, lambda: store.cancel_port_in("")),
        ]
        for kind, call in cases:
            with pytest.raises(kind) as caught:
                call()
            _clean(str(caught.value))
        assert requests_sent() == before
        assert self._orders(store).keys() == orders.keys()

    # -- reading and cancelling ------------------------------------------------------------
    def test_get_list_and_cancel(self, store: Any, porting: Porting) -> None:
        [first, *rest] = store.port_in(
            [porting.numbers[0]], account=porting.account, documents=PORT_DOCUMENTS
        )
        assert not rest
        everything = self._orders(store)
        assert first.id in everything
        assert first.id in self._orders(store, open_only=True)
        assert all(not order.status.done for order in self._orders(store, open_only=True).values())
        cancelled = store.cancel_port_in(first.id)
        assert cancelled.id == first.id
        assert cancelled.status is PortStatus.CANCELLED
        assert store.get_port_in(first.id).status is PortStatus.CANCELLED
        assert first.id not in self._orders(store, open_only=True)
        assert first.id in self._orders(store)
        porting.network.advance(days=10)
        assert store.get_port_in(first.id).status is PortStatus.CANCELLED
        assert porting.numbers[0] in {n.number for n in porting.losing.list()}
        assert store.check_portability([porting.numbers[0]])[0].portable

    def test_unknown_order_is_not_found(self, store: Any, porting: Porting) -> None:
        with pytest.raises(NotFoundError):
            store.get_port_in("PI00000000000000000000000000000000")

    # -- secrets -------------------------------------------------------------------------------
    def test_pin_and_account_number_never_shown(self, store: Any, porting: Porting) -> None:
        _clean(repr(porting.account))
        _clean(str(porting.account))
        wrong = attrs.evolve(porting.account, pin="1357")  # a wrong pin: the vendor says so, never which
        orders = store.port_in([porting.numbers[1]], account=wrong, documents=PORT_DOCUMENTS)
        for order in [*orders, *self._orders(store).values()]:
            _clean(repr(order))
            assert "1357" not in repr(order)
            for problem in order.problems:
                _clean(problem)
                assert "1357" not in problem
        with pytest.raises(NotPortableError) as caught:
            store.port_in([porting.not_portable], account=porting.account, documents=PORT_DOCUMENTS)
        _clean(str(caught.value))
        _clean(repr(caught.value))

    # -- without the feature -----------------------------------------------------------------
    def test_porting_is_refused_before_any_request_without_the_feature(
        self, store: Any, requests_sent: Callable[[], int]
    ) -> None:
        if Feature.PORT_IN in store.features:
            pytest.skip(f"{store.provider} supports {Feature.PORT_IN.value}")
        before = requests_sent()
        calls: list[Callable[[], object]] = [
            lambda: store.check_portability(["+13125550140"]),
            lambda: store.port_in(["+13125550140"], account=PORT_ACCOUNT, documents=PORT_DOCUMENTS),
            lambda: store.get_port_in("PI1"),
            lambda: list(store.list_port_ins()),
            lambda: store.cancel_port_in("PI1"),
        ]
        for call in calls:
            with pytest.raises(UnsupportedOperationError) as caught:
                call()
            assert caught.value.provider == store.provider
        assert requests_sent() == before
