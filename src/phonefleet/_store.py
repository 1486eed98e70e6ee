"""Store and AsyncStore: the protocol over an adapter's flows.

Everything that needs no I/O (feature checks, validating the caller's input,
paging bookkeeping) lives in `_Operations`, once. The two stores are thin:
each method hands the prepared flow to its driver.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import attrs
import httpx

from . import _redact
from ._clients import OwnAsyncClient, OwnClient
from ._driver import AsyncDriver, Clock, SyncDriver
from ._errors import NotPortableError, PhoneFleetError, ResponseFormatError
from ._filter import ListFilter
from ._flow import Adapter, Flow, Page, PortPage, Ref, as_ref, check_cursor
from ._identity import StoreIdentity
from ._model import (
    ArchiveBlocker,
    Capability,
    Feature,
    NumberChanges,
    PhoneNumber,
    ProviderPhone,
    Routing,
    Unset,
)
from ._numbers import to_e164
from ._pacing import Pacer, PaceStats
from ._porting import Portability, PortAccount, PortDocuments, PortIn
from ._protocol import NumberRef
from ._ratelimit import VENDOR_DEFAULT
from ._retry import RetryPolicy

__all__ = ["AsyncStore", "Store"]

A = TypeVar("A", bound=Adapter)
T = TypeVar("T")

_DEFAULT_TIMEOUT = 30.0


def _user_agent() -> str:
    import phonefleet

    try:
        version = phonefleet.__version__  # read without importlib.metadata where it can be
    except ImportError:  # importlib.metadata's PackageNotFoundError: not installed  # pragma: no cover
        version = "0"
    return f"phonefleet/{version}"


class _Operations(Generic[A]):
    """Checks and prepares every operation before its flow starts."""

    def __init__(self, adapter: A) -> None:
        self.adapter = adapter

    @property
    def provider(self) -> str:
        return self.adapter.provider

    @property
    def features(self) -> frozenset[Feature]:
        return self.adapter.features

    def require(self, feature: Feature, detail: str | None = None) -> None:
        if feature not in self.adapter.features:
            raise self.adapter.unsupported(feature, detail)

    def ref(self, ref: NumberRef | Ref) -> Ref:
        return as_ref(ref, self.adapter.provider)

    def list_page(self, archived: bool | None, cursor: str | None) -> Flow[Page]:
        return self.adapter.list_page(archived, cursor)

    def get(self, ref: NumberRef) -> Flow[PhoneNumber]:
        self.require(Feature.GET)
        return self.adapter.get(self.ref(ref))

    def set_forwarding(self, ref: NumberRef, forward_to: str | None) -> Flow[PhoneNumber]:
        self.require(Feature.SET_FORWARDING)
        target = None if forward_to is None else to_e164(forward_to)
        return self.adapter.set_forwarding(self.ref(ref), target)

    def update(self, ref: NumberRef, changes: NumberChanges) -> Flow[PhoneNumber]:
        if not isinstance(changes, NumberChanges):
            msg = f"changes must be a NumberChanges, not {type(changes).__name__}"
            raise TypeError(msg)
        forwarding = changes.forwarding_number
        if not isinstance(changes.name, Unset):
            self.require(Feature.UPDATE_NAME)
        if not isinstance(forwarding, Unset):
            self.require(Feature.SET_FORWARDING)
            if forwarding is not None:
                forwarding = to_e164(forwarding)
        if not isinstance(changes.routing, Unset):
            self.require(Feature.UPDATE_ROUTING)
            _check_routing(changes.routing)
        if forwarding != changes.forwarding_number:
            changes = NumberChanges(name=changes.name, forwarding_number=forwarding, routing=changes.routing)
        return self.adapter.update(self.ref(ref), changes)

    def create(self, number: str, name: str | None, link: str | None) -> Flow[PhoneNumber]:
        self.require(Feature.CREATE)
        if link is not None:
            self.require(Feature.LINK, "cannot link while creating")
            _check_id(link, "link")
        return self.adapter.create(to_e164(number), name=name, link=link)

    def archive(self, ref: NumberRef) -> Flow[PhoneNumber]:
        self.require(Feature.ARCHIVE)
        return self.adapter.archive(self.ref(ref))

    def archive_blockers(self, ref: NumberRef) -> Flow[list[ArchiveBlocker]]:
        self.require(Feature.ARCHIVE_BLOCKERS)
        return self.adapter.archive_blockers(self.ref(ref))

    def link(self, ref: NumberRef, provider_phone: str | None) -> Flow[PhoneNumber]:
        self.require(Feature.LINK)
        if provider_phone is not None:
            _check_id(provider_phone, "provider_phone")
        return self.adapter.link(self.ref(ref), provider_phone)

    def linkable(self) -> Flow[list[ProviderPhone]]:
        self.require(Feature.LINK)
        return self.adapter.linkable()

    # -- porting ------------------------------------------------------------
    def check_portability(self, numbers: Iterable[str]) -> Flow[list[Portability]]:
        self.require(Feature.PORT_IN)
        return self._portability(port_numbers(numbers))

    def _portability(self, numbers: tuple[str, ...]) -> Flow[list[Portability]]:
        results = yield from self.adapter.check_portability(numbers)
        by_number = {result.number: result for result in results}
        missing = [n for n in numbers if n not in by_number]
        if missing or len(by_number) != len(results):
            msg = f"the portability answer does not cover each number asked once (missing: {missing[:5]})"
            raise ResponseFormatError(msg, provider=self.provider)
        now, me = dt.datetime.now(dt.UTC), self.adapter.identity()
        return [attrs.evolve(by_number[n], checked_at=now, checked_by=me) for n in numbers]

    def _trusted(self, numbers: tuple[str, ...], checked: Iterable[Portability]) -> dict[str, Portability]:
        """The answers in `checked` this store gave for `numbers` and that are still fresh."""
        if isinstance(checked, Portability):
            checked = [checked]
        answers = list(checked)
        wrong = next((item for item in answers if not isinstance(item, Portability)), None)
        if wrong is not None:
            msg = f"checked must hold Portability answers, not {type(wrong).__name__}"
            raise TypeError(msg)
        if not answers:
            return {}
        wanted, me, now = set(numbers), self.adapter.identity(), dt.datetime.now(dt.UTC)
        return {a.number: a for a in answers if a.number in wanted and a.fresh_for(me, now)}

    def port_in(
        self,
        numbers: Iterable[str],
        account: PortAccount,
        documents: PortDocuments,
        date: dt.date | None,
        checked: Iterable[Portability] = (),
    ) -> Flow[list[PortIn]]:
        self.require(Feature.PORT_IN)
        wanted = port_numbers(numbers)
        account = check_account(account)
        if not isinstance(documents, PortDocuments):
            msg = f"documents must be a PortDocuments, not {type(documents).__name__}"
            raise TypeError(msg)
        if date is not None and (not isinstance(date, dt.date) or isinstance(date, dt.datetime)):
            msg = f"date must be a datetime.date or None, got {date!r}"
            raise TypeError(msg)
        loaded = documents.read()
        trusted = self._trusted(wanted, checked)
        self.adapter.check_port_in(wanted, account=account, documents=loaded, date=date)
        return scrubbing(self._port_in(wanted, account, loaded, date, trusted), account.secrets())

    def _port_in(
        self,
        numbers: tuple[str, ...],
        account: PortAccount,
        documents: PortDocuments,
        date: dt.date | None,
        trusted: dict[str, Portability],
    ) -> Flow[list[PortIn]]:
        # a number without a fresh answer of this store's own is asked now: none is ordered unchecked
        unknown = tuple(n for n in numbers if n not in trusted)
        asked = (yield from self._portability(unknown)) if unknown else []
        found = {**trusted, **{result.number: result for result in asked}}
        refused = [found[n] for n in numbers if not found[n].portable]
        if refused:
            raise NotPortableError(refused)
        return (yield from self.adapter.port_in(numbers, account=account, documents=documents, date=date))

    def get_port_in(self, port_id: str) -> Flow[PortIn]:
        self.require(Feature.PORT_IN)
        _check_id(port_id, "port_id")
        return self.adapter.get_port_in(port_id.strip())

    def cancel_port_in(self, port_id: str) -> Flow[PortIn]:
        self.require(Feature.PORT_IN)
        _check_id(port_id, "port_id")
        return self.adapter.cancel_port_in(port_id.strip())


def port_numbers(numbers: Iterable[str]) -> tuple[str, ...]:
    """The caller's numbers as E.164, validated before any request: none missing, none repeated."""
    if isinstance(numbers, str):
        msg = "numbers must be a list of numbers, not one string"
        raise TypeError(msg)
    canonical = tuple(to_e164(number) for number in numbers)
    if not canonical:
        msg = "no numbers given: a port needs at least one"
        raise ValueError(msg)
    if len(set(canonical)) != len(canonical):
        from collections import Counter

        repeated = sorted(n for n, count in Counter(canonical).items() if count > 1)
        msg = f"numbers repeated: {', '.join(repeated)}"
        raise ValueError(msg)
    return canonical


def check_account(account: PortAccount) -> PortAccount:
    """The account with its billing number canonical; a clear error before any request otherwise."""
    if not isinstance(account, PortAccount):
        msg = f"account must be a PortAccount, not {type(account).__name__}"
        raise TypeError(msg)
    if "@" not in account.authorized_email.strip().strip("@"):
        msg = f"authorized_email is not an email address: {account.authorized_email!r}"
        raise ValueError(msg)
    if account.billing_number is not None:
        billing = to_e164(account.billing_number)
        if billing != account.billing_number:
            account = attrs.evolve(account, billing_number=billing)
    return account


def scrubbing(flow: Flow[T], secrets: tuple[str, ...]) -> Flow[T]:
    """Run `flow`, blanking `secrets` (a pin, an account number) out of any error it raises."""
    forms = _redact.secret_forms(secrets)
    try:
        return (yield from flow)
    except PhoneFleetError as exc:
        _redact.scrub_error(exc, forms)
        raise


class _PortPager:
    """Walks the pages of a listing of port-in orders, refusing a cursor seen before."""

    def __init__(self, ops: _Operations[Any], open_only: bool) -> None:
        ops.require(Feature.PORT_IN)
        if not isinstance(open_only, bool):
            msg = f"open_only must be True or False, got {open_only!r}"
            raise TypeError(msg)
        self._ops = ops
        self._open_only = open_only
        self._cursor: str | None = None
        self._seen: set[str] = set()
        self._finished = False

    def next_flow(self) -> Flow[PortPage] | None:
        if self._finished:
            return None
        adapter: Adapter = self._ops.adapter
        return adapter.list_port_ins_page(self._open_only, self._cursor)

    def advance(self, page: PortPage) -> None:
        if page.next is None:
            self._finished = True
        else:
            self._cursor = check_cursor(page.next, self._seen, self._ops.provider)


def _check_routing(routing: Routing | None) -> None:
    if routing is not None and routing.voice is None and routing.messaging is None:
        msg = "Routing() with neither voice nor messaging changes nothing; pass None to clear"
        raise ValueError(msg)


def _check_id(value: object, what: str) -> None:
    if not isinstance(value, str) or not value.strip():
        msg = f"{what} must be a non-empty string, got {value!r}"
        raise ValueError(msg)


class _Pager:
    """Walks a listing's cursors, refusing a cursor seen before."""

    def __init__(self, ops: _Operations[Any], archived: bool | None, only: ListFilter | None = None) -> None:
        ops.require(Feature.LIST)
        if archived not in (True, False, None):
            msg = f"archived must be True, False or None, got {archived!r}"
            raise TypeError(msg)
        self._ops = ops
        self._archived = archived
        self.only = None if only is None or only.empty else only
        self._cursor: str | None = None
        self._seen: set[str] = set()
        self._finished = False

    def next_flow(self) -> Flow[Page] | None:
        if self._finished:
            return None
        if self.only is not None:  # the vendor's own filters where it has them; `keep` checks either way
            flow: Flow[Page] = self._ops.adapter.list_page_filtered(self._archived, self._cursor, self.only)
            return flow
        return self._ops.list_page(self._archived, self._cursor)

    def keep(self, items: Sequence[PhoneNumber]) -> Sequence[PhoneNumber]:
        return items if self.only is None else self.only.keep(items)

    def advance(self, page: Page) -> None:
        if page.next is None:
            self._finished = True
        else:
            self._cursor = check_cursor(page.next, self._seen, self._ops.provider)


class _StoreBase(Generic[A]):
    def __init__(self, adapter: A) -> None:
        self._ops = _Operations(adapter)

    @property
    def adapter(self) -> A:
        """The sans-I/O adapter, for `ex_` methods of a subclass."""
        return self._ops.adapter

    @property
    def provider(self) -> str:
        return self._ops.provider

    @property
    def features(self) -> frozenset[Feature]:
        return self._ops.features

    @property
    def identity(self) -> StoreIdentity:
        """Which account this store speaks to: provider, account, base URL; never a credential."""
        return self._ops.adapter.identity()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.adapter.describe()}>"

    @property
    def pacing(self) -> PaceStats:
        """The account's pace: requests sent, answers that were 429, the current rate and concurrency."""
        return self._pacer.stats()

    @property
    def _pacer(self) -> Pacer:
        return self._driver.pacer  # type: ignore[attr-defined, no-any-return]


def _client_options(timeout: float | None, transport: object | None) -> dict[str, Any]:
    options: dict[str, Any] = {
        "timeout": timeout or _DEFAULT_TIMEOUT,
        "follow_redirects": False,
        "headers": {"User-Agent": _user_agent()},
    }
    if transport is not None:
        options["transport"] = transport
    return options


class Store(_StoreBase[A]):
    """A `PhoneNumberStore` over any adapter, driven by an httpx.Client.

    `http_client` is the caller's and is never closed here; without one the
    store opens its own on first use (over `transport`, if given).
    `retry.deadline` bounds each operation, retries, waits and bodies
    included; `max_response_bytes` caps one decoded response body
    (default 32 MiB), `max_listing_bytes` one that is a whole listing in one
    body, which grows with the fleet (default 256 MiB).
    """

    def __init__(
        self,
        adapter: A,
        *,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        max_response_bytes: int | None = None,
        rate_limit: object = VENDOR_DEFAULT,
        pacer: Pacer | None = None,
        max_listing_bytes: int | None = None,
    ) -> None:
        super().__init__(adapter)
        if http_client is not None and not isinstance(http_client, httpx.Client):
            msg = "http_client must be an httpx.Client (use connect_async for an AsyncClient)"
            raise TypeError(msg)
        self._driver = SyncDriver(
            adapter,
            http_client,
            lambda: OwnClient(**_client_options(timeout, transport)),
            retry=retry,
            timeout=timeout,
            clock=clock,
            max_response_bytes=max_response_bytes,
            rate_limit=rate_limit,
            pacer=pacer,
            max_listing_bytes=max_listing_bytes,
        )

    def run(self, flow: Flow[T]) -> T:
        """Run one flow to completion (for an adapter's `ex_` methods)."""
        return self._driver.run(flow)

    def list(
        self,
        *,
        archived: bool | None = False,
        numbers: Iterable[str] | None = None,
        country: str | None = None,
        capability: Capability | str | None = None,
    ) -> Iterator[PhoneNumber]:
        only = ListFilter.of(numbers=numbers, country=country, capability=capability)
        pager = _Pager(self._ops, archived, only)
        return self._stream(pager)

    def _stream(self, pager: _Pager) -> Iterator[PhoneNumber]:
        while (flow := pager.next_flow()) is not None:
            page = self._driver.run(flow)
            yield from pager.keep(page.items)
            self._driver.guarded(pager.advance, page)
            del page  # one page in memory at a time, not two

    def get(self, ref: NumberRef) -> PhoneNumber:
        return self._driver.run(self._ops.get(ref))

    def set_forwarding(self, ref: NumberRef, forward_to: str | None) -> PhoneNumber:
        return self._driver.run(self._ops.set_forwarding(ref, forward_to))

    def update(self, ref: NumberRef, changes: NumberChanges) -> PhoneNumber:
        return self._driver.run(self._ops.update(ref, changes))

    def create(self, number: str, *, name: str | None = None, link: str | None = None) -> PhoneNumber:
        return self._driver.run(self._ops.create(number, name, link))

    def archive(self, ref: NumberRef) -> PhoneNumber:
        return self._driver.run(self._ops.archive(ref))

    def archive_blockers(self, ref: NumberRef) -> builtins.list[ArchiveBlocker]:
        return self._driver.run(self._ops.archive_blockers(ref))

    def link(self, ref: NumberRef, provider_phone: str | None) -> PhoneNumber:
        return self._driver.run(self._ops.link(ref, provider_phone))

    def unlink(self, ref: NumberRef) -> PhoneNumber:
        """Unlink the number from its provider line: `link(ref, None)`. Needs `Feature.LINK`."""
        return self.link(ref, None)

    def linkable(self) -> builtins.list[ProviderPhone]:
        return self._driver.run(self._ops.linkable())

    def check_portability(self, numbers: Iterable[str]) -> builtins.list[Portability]:
        """Whether each number (E.164) can be ported here, in input order. Needs `Feature.PORT_IN`."""
        return self._driver.run(self._ops.check_portability(numbers))

    def port_in(
        self,
        numbers: Iterable[str],
        *,
        account: PortAccount,
        documents: PortDocuments = PortDocuments(),  # noqa: B008 - frozen, immutable
        date: dt.date | None = None,
        checked: Iterable[Portability] = (),
    ) -> builtins.list[PortIn]:
        """Create and submit port-in orders for `numbers`, after checking each can port.

        Raises `NotPortableError` (no order created) if any number cannot
        port. `checked` (what `check_portability` returned) spares asking
        again for a number this store answered less than `CHECK_FRESH_FOR`
        ago; any other number is checked first. A vendor may split one
        request into several orders (by losing carrier, or by size): hence
        a list. Needs `Feature.PORT_IN`.
        """
        return self._driver.run(self._ops.port_in(numbers, account, documents, date, checked))

    def get_port_in(self, port_id: str) -> PortIn:
        """One port-in order, as the vendor reports it now."""
        return self._driver.run(self._ops.get_port_in(port_id))

    def list_port_ins(self, *, open_only: bool = False) -> Iterator[PortIn]:
        """Every port-in order (only those not done, with `open_only`), page by page."""
        pager = _PortPager(self._ops, open_only)
        return self._stream_ports(pager)

    def _stream_ports(self, pager: _PortPager) -> Iterator[PortIn]:
        while (flow := pager.next_flow()) is not None:
            page = self._driver.run(flow)
            yield from page.items
            self._driver.guarded(pager.advance, page)

    def cancel_port_in(self, port_id: str) -> PortIn:
        """Cancel a port-in order; returns it as the vendor reports it afterwards."""
        return self._driver.run(self._ops.cancel_port_in(port_id))

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncStore(_StoreBase[A]):
    """An `AsyncPhoneNumberStore` over the same adapter flows, driven by httpx.AsyncClient.

    Opens its client lazily, on the first request, and belongs to that
    request's event loop: used under another loop (a second `asyncio.run`)
    it opens a new client if the first loop is closed, and refuses with a
    `PhoneFleetError` otherwise.
    """

    def __init__(
        self,
        adapter: A,
        *,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        max_response_bytes: int | None = None,
        rate_limit: object = VENDOR_DEFAULT,
        pacer: Pacer | None = None,
        max_listing_bytes: int | None = None,
    ) -> None:
        super().__init__(adapter)
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            msg = "http_client must be an httpx.AsyncClient (use connect for a Client)"
            raise TypeError(msg)
        self._driver = AsyncDriver(
            adapter,
            http_client,
            lambda: OwnAsyncClient(**_client_options(timeout, transport)),
            retry=retry,
            timeout=timeout,
            clock=clock,
            max_response_bytes=max_response_bytes,
            rate_limit=rate_limit,
            pacer=pacer,
            max_listing_bytes=max_listing_bytes,
        )

    async def run(self, flow: Flow[T]) -> T:
        """Run one flow to completion (for an adapter's `ex_` methods)."""
        return await self._driver.run(flow)

    def list(
        self,
        *,
        archived: bool | None = False,
        numbers: Iterable[str] | None = None,
        country: str | None = None,
        capability: Capability | str | None = None,
    ) -> AsyncIterator[PhoneNumber]:
        only = ListFilter.of(numbers=numbers, country=country, capability=capability)
        pager = _Pager(self._ops, archived, only)
        return self._stream(pager)

    async def _stream(self, pager: _Pager) -> AsyncIterator[PhoneNumber]:
        while (flow := pager.next_flow()) is not None:
            page = await self._driver.run(flow)
            for item in pager.keep(page.items):
                yield item
            self._driver.guarded(pager.advance, page)
            del page  # one page in memory at a time, not two

    async def get(self, ref: NumberRef) -> PhoneNumber:
        return await self._driver.run(self._ops.get(ref))

    async def set_forwarding(self, ref: NumberRef, forward_to: str | None) -> PhoneNumber:
        return await self._driver.run(self._ops.set_forwarding(ref, forward_to))

    async def update(self, ref: NumberRef, changes: NumberChanges) -> PhoneNumber:
        return await self._driver.run(self._ops.update(ref, changes))

    async def create(self, number: str, *, name: str | None = None, link: str | None = None) -> PhoneNumber:
        return await self._driver.run(self._ops.create(number, name, link))

    async def archive(self, ref: NumberRef) -> PhoneNumber:
        return await self._driver.run(self._ops.archive(ref))

    async def archive_blockers(self, ref: NumberRef) -> builtins.list[ArchiveBlocker]:
        return await self._driver.run(self._ops.archive_blockers(ref))

    async def link(self, ref: NumberRef, provider_phone: str | None) -> PhoneNumber:
        return await self._driver.run(self._ops.link(ref, provider_phone))

    async def unlink(self, ref: NumberRef) -> PhoneNumber:
        """Unlink the number from its provider line: `link(ref, None)`. Needs `Feature.LINK`."""
        return await self.link(ref, None)

    async def linkable(self) -> builtins.list[ProviderPhone]:
        return await self._driver.run(self._ops.linkable())

    async def check_portability(self, numbers: Iterable[str]) -> builtins.list[Portability]:
        """Whether each number (E.164) can be ported here, in input order. Needs `Feature.PORT_IN`."""
        return await self._driver.run(self._ops.check_portability(numbers))

    async def port_in(
        self,
        numbers: Iterable[str],
        *,
        account: PortAccount,
        documents: PortDocuments = PortDocuments(),  # noqa: B008 - frozen, immutable
        date: dt.date | None = None,
        checked: Iterable[Portability] = (),
    ) -> builtins.list[PortIn]:
        """Create and submit port-in orders for `numbers`; see `Store.port_in`."""
        return await self._driver.run(self._ops.port_in(numbers, account, documents, date, checked))

    async def get_port_in(self, port_id: str) -> PortIn:
        """One port-in order, as the vendor reports it now."""
        return await self._driver.run(self._ops.get_port_in(port_id))

    def list_port_ins(self, *, open_only: bool = False) -> AsyncIterator[PortIn]:
        """Every port-in order (only those not done, with `open_only`), page by page."""
        pager = _PortPager(self._ops, open_only)
        return self._stream_ports(pager)

    async def _stream_ports(self, pager: _PortPager) -> AsyncIterator[PortIn]:
        while (flow := pager.next_flow()) is not None:
            page = await self._driver.run(flow)
            for item in page.items:
                yield item
            self._driver.guarded(pager.advance, page)

    async def cancel_port_in(self, port_id: str) -> PortIn:
        """Cancel a port-in order; returns it as the vendor reports it afterwards."""
        return await self._driver.run(self._ops.cancel_port_in(port_id))

    async def close(self) -> None:
        await self._driver.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
