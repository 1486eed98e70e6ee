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


class _VirtualTime:
    """One clock for the pacer, the store's deadlines and the emulator's limit,
    moved only by the pacer's waits: a burst of seconds runs in milliseconds."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    async def async_sleep(self, seconds: float) -> None:
        target = self.now + max(0.0, seconds)  # fixed before other tasks move the clock
        await asyncio.sleep(0)
        self.now = max(self.now, target)


class PacedBurstContract:
    """A burst of writes against an emulator enforcing the vendor's kind of limit.

    Subclasses give the fixture `paced_provider` (the adapter's registered
    name). The emulator refuses beyond its limit as the vendor would; the
    store paces to it; virtual time, so nothing sleeps. Asserts the share of
    429s and that every write landed exactly once.
    """

    burst: int = 120
    rate: str = "20/s"
    concurrency_limit: int = 4
    #: at most this share of the burst's requests answered 429
    rate_share: float = 0.01
    #: the first overshoot of a concurrency limit is how it is found
    concurrency_share: float = 0.08

    @pytest.fixture
    def paced_provider(self) -> str:
        raise NotImplementedError  # pragma: no cover - subclasses give it

    @staticmethod
    def _adapter(emulator: Any) -> Any:
        from phonefleet._registry import registration

        return registration(emulator.provider).make_adapter(dict(emulator.settings))

    def _limited(self, provider: str, time_: _VirtualTime) -> tuple[Any, list[str]]:
        """A seeded emulator, its numbers, then its limit: the vendor's kind, on virtual time."""
        from phonefleet.testing import account_limit, emulate

        emulator = emulate(provider, numbers=self.burst)
        with emulator.connect() as store:
            numbers = sorted(n.number for n in store.list())
        concurrency = bool(self._adapter(emulator).limits.concurrency)
        transport = emulator.transport
        transport.limit = account_limit(
            None if concurrency else self.rate,
            self.concurrency_limit if concurrency else None,
            methods=transport.limited_methods,
            clock=time_.clock,
        )
        transport.requests.clear()
        return emulator, numbers

    def _store(self, emulator: Any, time_: _VirtualTime, *, use_async: bool) -> Any:
        """A store paced by a pacer on virtual time, told the account's rate as a user would."""
        from phonefleet._pacing import Pacer
        from phonefleet._ratelimit import RateLimit, parse_rate_limit
        from phonefleet._registry import registration

        adapter = self._adapter(emulator)
        rate = parse_rate_limit(self.rate)
        pacer = Pacer(
            adapter.limits,
            None if adapter.limits.concurrency or not isinstance(rate, RateLimit) else rate,
            explicit=True,
            clock=time_.clock,
            sleep=time_.sleep,
            async_sleep=time_.async_sleep,
            seed=7,
        )
        reg = registration(emulator.provider)
        make = reg.async_store if use_async else reg.store
        return make(adapter, transport=emulator.transport, pacer=pacer, clock=time_.clock)

    @staticmethod
    def _writes(emulator: Any) -> int:
        return sum(1 for r in emulator.transport.applied if r.method != "GET")

    def _baseline_writes(self, provider: str, target: str) -> int:
        """The writes the same burst takes with no limit: the count a paced run must match."""
        from phonefleet.testing import emulate

        baseline = emulate(provider, numbers=self.burst)
        with baseline.connect() as store:
            for number in sorted(n.number for n in store.list()):
                store.set_forwarding(number, target)
        return self._writes(baseline)

    def _check(self, limited: Any, target: str) -> None:
        limit = limited.transport.limit
        sent = len(limited.transport.requests)
        share = limit.refused / max(sent, 1)
        allowed = self.concurrency_share if limit.concurrency is not None else self.rate_share
        assert share < allowed, f"{limit.refused} of {sent} requests answered 429"
        assert self._writes(limited) == self._baseline_writes(limited.provider, target), (
            "a write was lost or sent twice"
        )
        limited.transport.limit = None
        with limited.connect() as store:
            forwarded = {n.number: n.forwarding_number for n in store.list()}
        assert set(forwarded.values()) == {target}, "a number was not forwarded"

    def test_a_paced_sync_burst_stays_under_the_limit(self, paced_provider: str) -> None:
        target = "+12025550199"
        time_ = _VirtualTime()
        limited, numbers = self._limited(paced_provider, time_)
        with self._store(limited, time_, use_async=False) as store:
            for number in numbers:
                store.set_forwarding(number, target)
        self._check(limited, target)

    def test_a_paced_async_burst_stays_under_the_limit(self, paced_provider: str) -> None:
        target = "+12025550199"
        time_ = _VirtualTime()
        limited, numbers = self._limited(paced_provider, time_)

        async def burst() -> None:
            store = self._store(limited, time_, use_async=True)
            gate = asyncio.Semaphore(16)

            async def one(number: str) -> None:
                async with gate:
                    await store.set_forwarding(number, target)

            try:
                await asyncio.gather(*(one(number) for number in numbers))
            finally:
                await store.close()

        asyncio.run(burst())
        self._check(limited, target)
