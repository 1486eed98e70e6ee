"""The contract every store must pass, as plain pytest classes.

Subclass `StoreContract` (sync) or `AsyncStoreContract` (async) in a test
module named `test_*`, give the fixtures below, and the whole suite runs
against your store. Tests for features your store lacks check instead that
the operation is refused before any request is sent.

Fixtures a subclass provides:

- `store` (sync) or `async_store` (async): a fresh store holding at least
  two active numbers.
- `requests_sent` (optional): a callable returning how many requests reached
  the vendor so far; default: none can be counted (0).
- `creatable_number` (optional): an E.164 number `create` accepts.
- `routing_example` (optional): a `Routing` the store accepts.
- `blocked_ref` (optional): a ref whose archive is blocked.
- `archive_keeps_number` (optional, default True): whether an archived
  number stays visible with `list(archived=True)` (False for vendors that
  release it for good).
- `port_network` (needed to run the porting checks of a store with
  `Feature.PORT_IN`; they skip without it): the `phonefleet.testing.Network`
  the store's emulator joined. Opting in is one fixture in your fixtures class,
  with the emulator built on a network (`emulate(..., network=Network())`):

      @pytest.fixture
      def port_network(self, emu: Emulator) -> Network:
          return emu.network  # or the Network you built the emulator with

  The porting checks then seed a losing carrier (a `MemoryStore` on that
  network) with fresh numbers and port them into your store: portability in
  input order with reasons, create-and-submit, the FOC date and completion
  (`network.advance`), `NotPortableError` creating nothing, bad input refused
  with no request sent, get / list / list(open_only) / cancel, and the pin and
  account number never shown. A store without `Feature.PORT_IN` is checked to
  refuse each porting operation before any request instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest

from phonefleet import (
    ArchiveBlockedError,
    AsyncPhoneNumberStore,
    Feature,
    Handler,
    InvalidNumberError,
    NotFoundError,
    NumberChanges,
    PhoneNumber,
    PhoneNumberStore,
    Routing,
    UnsupportedOperationError,
    is_e164,
)
from phonefleet.testing._contract_porting import PortingContract

__all__ = ["AsyncStoreContract", "StoreContract", "SyncFacade"]

T = TypeVar("T")

#: a valid number no test store is seeded with
ABSENT_NUMBER = "+14155550123"
BAD_NUMBERS = ("not a number", "+1", "12", "+1 202 555 01234567", "+999 1234567")


def _unsupported_calls(store: PhoneNumberStore, sample: PhoneNumber) -> dict[Feature, Callable[[], Any]]:
    return {
        Feature.LIST: store.list,
        Feature.GET: lambda: store.get(sample.id),
        Feature.SET_FORWARDING: lambda: store.set_forwarding(sample.id, "+12025550199"),
        Feature.UPDATE_NAME: lambda: store.update(sample.id, NumberChanges(name="x")),
        Feature.UPDATE_ROUTING: lambda: store.update(
            sample.id, NumberChanges(routing=Routing(voice=Handler(kind="x")))
        ),
        Feature.CREATE: lambda: store.create(ABSENT_NUMBER),
        Feature.ARCHIVE: lambda: store.archive(sample.id),
        Feature.ARCHIVE_BLOCKERS: lambda: store.archive_blockers(sample.id),
        Feature.LINK: lambda: store.link(sample.id, "pp-1"),
    }


class StoreContract(PortingContract):
    """The contract for a sync `PhoneNumberStore` (the porting checks included)."""

    @pytest.fixture
    def requests_sent(self) -> Callable[[], int]:
        return lambda: 0

    @pytest.fixture
    def archive_keeps_number(self) -> bool:
        return True

    @pytest.fixture
    def sample(self, store: PhoneNumberStore) -> PhoneNumber:
        if Feature.LIST not in store.features:
            pytest.skip("needs LIST to find a sample number")
        return next(iter(store.list()))

    def _need(self, store: PhoneNumberStore, feature: Feature) -> None:
        if feature not in store.features:
            pytest.skip(f"{store.provider} does not support {feature.value}")

    # -- shape ---------------------------------------------------------------
    def test_is_a_phone_number_store(self, store: PhoneNumberStore) -> None:
        assert isinstance(store, PhoneNumberStore)
        assert isinstance(store.provider, str)
        assert store.provider
        assert all(isinstance(f, Feature) for f in store.features)

    def test_repr_names_the_provider(self, store: PhoneNumberStore) -> None:
        assert store.provider in repr(store)

    # -- list / get ----------------------------------------------------------
    def test_list_yields_canonical_numbers_of_this_provider(self, store: PhoneNumberStore) -> None:
        self._need(store, Feature.LIST)
        numbers = list(store.list())
        assert len(numbers) >= 2
        assert all(isinstance(n, PhoneNumber) for n in numbers)
        assert {n.provider for n in numbers} == {store.provider}
        assert all(is_e164(n.number) for n in numbers)
        assert all(not n.archived for n in numbers)
        assert len({n.id for n in numbers}) == len(numbers)

    def test_list_none_includes_every_active_number_once(self, store: PhoneNumberStore) -> None:
        self._need(store, Feature.LIST)
        active = {n.id for n in store.list()}
        everything = [n.id for n in store.list(archived=None)]
        assert active <= set(everything)
        assert len(everything) == len(set(everything))

    def test_list_archived_yields_only_archived(self, store: PhoneNumberStore) -> None:
        self._need(store, Feature.LIST)
        assert all(n.archived for n in store.list(archived=True))

    def test_get_by_id_and_by_number(self, store: PhoneNumberStore, sample: PhoneNumber) -> None:
        self._need(store, Feature.GET)
        assert store.get(sample.id) == sample
        assert store.get(sample.number) == sample
        assert store.get(sample) == sample

    def test_get_unknown_number_is_not_found(self, store: PhoneNumberStore) -> None:
        self._need(store, Feature.GET)
        with pytest.raises(NotFoundError):
            store.get(ABSENT_NUMBER)

    @pytest.mark.parametrize("bad", BAD_NUMBERS)
    def test_bad_number_ref_is_refused_before_any_request(
        self, store: PhoneNumberStore, requests_sent: Callable[[], int], bad: str
    ) -> None:
        self._need(store, Feature.GET)
        before = requests_sent()
        ref = bad if bad.startswith("+") else "+" + bad
        with pytest.raises(InvalidNumberError):
            store.get(ref)
        assert requests_sent() == before

    # -- forwarding / update ------------------------------------------------------
    def test_set_and_clear_forwarding(self, store: PhoneNumberStore, sample: PhoneNumber) -> None:
        self._need(store, Feature.SET_FORWARDING)
        changed = store.set_forwarding(sample.id, "+1 (202) 555-0199")
        assert changed.forwarding_number == "+12025550199"
        assert changed.number == sample.number
        assert store.get(sample.id).forwarding_number == "+12025550199"
        cleared = store.set_forwarding(sample.id, None)
        assert cleared.forwarding_number is None
        assert store.get(sample.id).forwarding_number is None

    @pytest.mark.parametrize("bad", BAD_NUMBERS)
    def test_bad_forwarding_number_is_refused_before_any_request(
        self,
        store: PhoneNumberStore,
        sample: PhoneNumber,
        requests_sent: Callable[[], int],
        bad: str,
    ) -> None:
        self._need(store, Feature.SET_FORWARDING)
        before = requests_sent()
        with pytest.raises(InvalidNumberError):
            store.set_forwarding(sample.id, bad)
        with pytest.raises(InvalidNumberError):
            store.update(sample.id, NumberChanges(forwarding_number=bad))
        assert requests_sent() == before
        assert store.get(sample.id).forwarding_number == sample.forwarding_number

    def test_update_name_changes_only_the_name(self, store: PhoneNumberStore, sample: PhoneNumber) -> None:
        self._need(store, Feature.UPDATE_NAME)
        changed = store.update(sample.id, NumberChanges(name="Front desk"))
        assert changed.name == "Front desk"
        assert changed.forwarding_number == sample.forwarding_number
        assert changed.routing == sample.routing
        assert store.get(sample.id).name == "Front desk"

    def test_update_routing(
        self, store: PhoneNumberStore, sample: PhoneNumber, request: pytest.FixtureRequest
    ) -> None:
        self._need(store, Feature.UPDATE_ROUTING)
        try:
            routing: Routing = request.getfixturevalue("routing_example")
        except pytest.FixtureLookupError:
            pytest.skip("no routing_example fixture")
        changed = store.update(sample.id, NumberChanges(routing=routing))
        assert changed.routing is not None
        if routing.voice is not None:
            assert changed.routing.voice == routing.voice
        if routing.messaging is not None:
            assert changed.routing.messaging == routing.messaging
        assert store.get(sample.id).routing == changed.routing

    def test_empty_changes_are_refused(self) -> None:
        with pytest.raises(ValueError, match="at least one"):
            NumberChanges()

    # -- create ----------------------------------------------------------------------
    def test_create(self, store: PhoneNumberStore, request: pytest.FixtureRequest) -> None:
        self._need(store, Feature.CREATE)
        number: str = request.getfixturevalue("creatable_number")
        created = store.create(number, name="New line")
        assert created.number == number
        assert created.provider == store.provider
        if Feature.LIST in store.features:
            assert number in {n.number for n in store.list()}

    def test_create_bad_number_is_refused_before_any_request(
        self, store: PhoneNumberStore, requests_sent: Callable[[], int]
    ) -> None:
        self._need(store, Feature.CREATE)
        before = requests_sent()
        with pytest.raises(InvalidNumberError):
            store.create("+1 202 555")
        assert requests_sent() == before

    # -- archive -----------------------------------------------------------------
    def test_archive_is_one_way(
        self, store: PhoneNumberStore, sample: PhoneNumber, archive_keeps_number: bool
    ) -> None:
        self._need(store, Feature.ARCHIVE)
        archived = store.archive(sample.id)
        assert archived.number == sample.number
        assert archived.archived
        assert sample.id not in {n.id for n in store.list()}
        if archive_keeps_number:
            assert sample.id in {n.id for n in store.list(archived=True)}
            again = store.archive(sample.id)
            assert again.archived
            assert again.archived_at == archived.archived_at

    def test_archive_blockers_is_a_list(self, store: PhoneNumberStore, sample: PhoneNumber) -> None:
        self._need(store, Feature.ARCHIVE_BLOCKERS)
        assert isinstance(store.archive_blockers(sample.id), list)

    def test_blocked_archive_raises_with_blockers(
        self, store: PhoneNumberStore, request: pytest.FixtureRequest
    ) -> None:
        self._need(store, Feature.ARCHIVE)
        try:
            blocked = request.getfixturevalue("blocked_ref")
        except pytest.FixtureLookupError:
            pytest.skip("no blocked_ref fixture")
        with pytest.raises(ArchiveBlockedError) as caught:
            store.archive(blocked)
        assert caught.value.blockers
        assert not store.get(blocked).archived

    # -- link --------------------------------------------------------------------
    def test_link_and_unlink(self, store: PhoneNumberStore, sample: PhoneNumber) -> None:
        self._need(store, Feature.LINK)
        free = [p for p in store.linkable() if not p.assigned]
        if not free:
            pytest.skip("no free provider phone to link")
        linked = store.link(sample.id, free[0].id)
        assert linked.link == free[0].id
        assert store.get(sample.id).link == free[0].id
        unlinked = store.link(sample.id, None)
        assert unlinked.link is None

    def test_link_to_unknown_provider_phone_fails(self, store: PhoneNumberStore, sample: PhoneNumber) -> None:
        self._need(store, Feature.LINK)
        with pytest.raises(NotFoundError):
            store.link(sample.id, "00000000-0000-4000-8000-00000000dead")

    # -- unsupported ----------------------------------------------------------------
    def test_unsupported_operations_are_refused_before_any_request(
        self, store: PhoneNumberStore, sample: PhoneNumber, requests_sent: Callable[[], int]
    ) -> None:
        missing = {
            f: call for f, call in _unsupported_calls(store, sample).items() if f not in store.features
        }
        if not missing:
            pytest.skip(f"{store.provider} supports every operation")
        before = requests_sent()
        for call in missing.values():
            with pytest.raises(UnsupportedOperationError) as caught:
                call()
            assert caught.value.provider == store.provider
            assert isinstance(caught.value, NotImplementedError)
        assert requests_sent() == before


class SyncFacade:
    """Runs an async store's coroutines on a private loop, so the one
    contract above also checks the async store."""

    def __init__(self, store: AsyncPhoneNumberStore) -> None:
        self.inner = store
        self._loop = asyncio.new_event_loop()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._loop.run_until_complete(coro)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if name in {"provider", "features"}:
            return attr
        if name in {"list", "list_port_ins"}:
            return lambda **kw: iter(self._run(_collect(attr(**kw))))
        return lambda *a, **kw: self._run(attr(*a, **kw))

    def __repr__(self) -> str:
        return repr(self.inner)

    def __enter__(self) -> SyncFacade:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._run(self.inner.close())
        self._loop.close()


async def _collect(items: AsyncIterator[T]) -> list[T]:
    return [item async for item in items]


class AsyncStoreContract(StoreContract):
    """The same contract for an `AsyncPhoneNumberStore` (fixture `async_store`)."""

    @pytest.fixture
    def store(self, async_store: AsyncPhoneNumberStore) -> Iterator[Any]:
        facade = SyncFacade(async_store)
        yield facade
        facade.close()

    def test_is_a_phone_number_store(self, store: Any) -> None:
        assert isinstance(store.inner, AsyncPhoneNumberStore)
        assert store.inner.provider in repr(store.inner)
