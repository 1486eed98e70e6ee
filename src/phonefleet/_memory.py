"""MemoryStore: the whole protocol in memory.

The embedded default and the fake applications test against. It is an
adapter like any other (its flows just never yield a request), so it runs
through the same stores, checks and drivers as a real vendor.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import attrs

from ._errors import ArchiveBlockedError, ConflictError, NotFoundError
from ._flow import Adapter, Flow, Page, Ref, done
from ._identity import StoreIdentity
from ._memoryport import MemoryPorting, PortMismatch
from ._model import (
    ArchiveBlocker,
    Feature,
    NumberChanges,
    PhoneNumber,
    ProviderPhone,
    Routing,
    Unset,
)
from ._numbers import to_e164
from ._registry import Registration
from ._store import AsyncStore, Store

if TYPE_CHECKING:
    from .testing._network import Network

__all__ = ["AsyncMemoryStore", "MemoryAdapter", "MemoryStore", "registration"]

ALL_FEATURES = frozenset(Feature)
_PAGE_SIZE = 100


def _now() -> datetime:
    return datetime.now(UTC)


class MemoryAdapter(MemoryPorting, Adapter):
    """In-memory state with the semantics of a careful vendor.

    Archive is one-way, archived numbers leave `list()` unless asked for,
    blockers stop an archive, a link must name a free linkable phone. Ports
    run on `network` (a `phonefleet.testing.Network`), see `_memoryport`.
    """

    def __init__(
        self,
        numbers: Iterable[PhoneNumber | str] = (),
        *,
        blockers: Mapping[str, Sequence[ArchiveBlocker]] | None = None,
        linkable: Iterable[ProviderPhone] = (),
        provider: str = "memory",
        features: Iterable[Feature] = ALL_FEATURES,
        page_size: int = _PAGE_SIZE,
        clock: Callable[[], datetime] = _now,
        network: Network | None = None,
        port_mismatch: PortMismatch = "rejected",
        name: str | None = None,
    ) -> None:
        self.provider = provider
        #: this store's own name, its account in `identity()`: a new store is a new account
        self.name = name if name is not None else f"memory-{uuid.uuid4().hex[:12]}"
        self.features = frozenset(features)
        self._page_size = page_size
        self._clock = clock
        self._lock = threading.RLock()
        # ids unique across stores, so a number from one store can never
        # address a different number in another
        self._ids = (f"mem-{uuid.uuid4().hex[:12]}" for _ in itertools.count())
        self._numbers: dict[str, PhoneNumber] = {}
        self._phones = {phone.id: phone for phone in linkable}
        for item in numbers:
            self._add(self._seed(item))
        self._blockers: dict[str, list[ArchiveBlocker]] = {}
        for ref, found in (blockers or {}).items():
            self._blockers[self._resolve(Ref(number=ref) if ref.startswith("+") else Ref(id=ref)).id] = list(
                found
            )
        self._init_porting(network, port_mismatch)

    def describe(self) -> str:
        return f"{self.provider} ({len(self._numbers)} numbers)"

    def identity(self) -> StoreIdentity:
        return StoreIdentity(self.provider, self.name)

    # -- state helpers ----------------------------------------------------
    def _seed(self, item: PhoneNumber | str) -> PhoneNumber:
        if isinstance(item, str):
            return PhoneNumber(provider=self.provider, id=next(self._ids), number=to_e164(item))
        if item.provider != self.provider or not item.id:
            return attrs.evolve(item, provider=self.provider, id=item.id or next(self._ids))
        return item

    def _add(self, number: PhoneNumber) -> PhoneNumber:
        if number.id in self._numbers:
            msg = f"duplicate id {number.id!r}"
            raise ValueError(msg)
        self._numbers[number.id] = number
        if number.link is not None and number.link in self._phones:
            self._phones[number.link] = attrs.evolve(self._phones[number.link], assigned=True)
        return number

    def _resolve(self, ref: Ref) -> PhoneNumber:
        if ref.id is not None:
            found = self._numbers.get(ref.id)
            if found is not None and (ref.number is None or found.number == ref.number):
                return found
        elif ref.number is not None:
            matches = [n for n in self._numbers.values() if n.number == ref.number]
            matches.sort(key=lambda n: n.archived)  # the active one first
            if matches:
                return matches[0]
        raise self.not_found(ref)

    def _store(self, number: PhoneNumber) -> PhoneNumber:
        number = attrs.evolve(number, updated_at=self._clock())
        self._numbers[number.id] = number
        return number

    def _active(self, ref: Ref, operation: str) -> PhoneNumber:
        number = self._resolve(ref)
        if number.archived:
            msg = f"{number.number} is archived and cannot be changed"
            raise ConflictError(msg, provider=self.provider, status=409, operation=operation)
        return number

    # -- flows ------------------------------------------------------------
    def list_page(self, archived: bool | None, cursor: str | None) -> Flow[Page]:
        with self._lock:
            start = int(cursor or 0)
            chosen = [n for n in self._numbers.values() if archived is None or n.archived == archived]
            end = start + self._page_size
            following = str(end) if end < len(chosen) else None
            return done(Page(items=chosen[start:end], next=following))

    def get(self, ref: Ref) -> Flow[PhoneNumber]:
        with self._lock:
            return done(self._resolve(ref))

    def update(self, ref: Ref, changes: NumberChanges) -> Flow[PhoneNumber]:
        with self._lock:
            number = self._active(ref, "update")
            given: dict[str, Any] = {}
            if not isinstance(changes.name, Unset):
                given["name"] = changes.name
            if not isinstance(changes.forwarding_number, Unset):
                given["forwarding_number"] = changes.forwarding_number
            if not isinstance(changes.routing, Unset):
                given["routing"] = _merge_routing(number.routing, changes.routing)
            return done(self._store(attrs.evolve(number, **given)))

    def create(self, number: str, *, name: str | None, link: str | None) -> Flow[PhoneNumber]:
        with self._lock:
            if any(n.number == number and not n.archived for n in self._numbers.values()):
                msg = f"{number} already exists"
                raise ConflictError(msg, provider=self.provider, status=409, operation="create")
            if link is not None:
                self._claim(link, None)
            now = self._clock()
            created = PhoneNumber(
                provider=self.provider,
                id=next(self._ids),
                number=number,
                name=name,
                link=link,
                created_at=now,
                updated_at=now,
            )
            self._hold_created(number)
            return done(self._add(created))

    def archive(self, ref: Ref) -> Flow[PhoneNumber]:
        with self._lock:
            number = self._resolve(ref)
            if number.archived:
                return done(number)
            blockers = self._blockers.get(number.id, [])
            if blockers:
                raise ArchiveBlockedError(
                    f"{number.number} cannot be archived",
                    blockers=blockers,
                    provider=self.provider,
                    status=409,
                    operation="archive",
                )
            if number.link is not None:
                self._release(number.link)
            archived = attrs.evolve(number, archived=True, archived_at=self._clock(), link=None)
            return done(self._store(archived))

    def archive_blockers(self, ref: Ref) -> Flow[list[ArchiveBlocker]]:
        with self._lock:
            return done(list(self._blockers.get(self._resolve(ref).id, [])))

    def link(self, ref: Ref, provider_phone: str | None) -> Flow[PhoneNumber]:
        with self._lock:
            number = self._active(ref, "link")
            if provider_phone == number.link:
                return done(number)
            if provider_phone is not None:
                self._claim(provider_phone, number.id)
            if number.link is not None:
                self._release(number.link)
            return done(self._store(attrs.evolve(number, link=provider_phone)))

    def linkable(self) -> Flow[list[ProviderPhone]]:
        with self._lock:
            return done(list(self._phones.values()))

    def _claim(self, phone_id: str, number_id: str | None) -> None:
        phone = self._phones.get(phone_id)
        if phone is None:
            msg = f"no linkable provider phone {phone_id!r}"
            raise NotFoundError(msg, provider=self.provider, status=404, operation="link")
        holder = next((n for n in self._numbers.values() if n.link == phone_id and not n.archived), None)
        if holder is not None and holder.id != number_id:
            msg = f"provider phone {phone_id!r} is already linked to {holder.number}"
            raise ConflictError(msg, provider=self.provider, status=409, operation="link")
        self._phones[phone_id] = attrs.evolve(phone, assigned=True)

    def _release(self, phone_id: str) -> None:
        phone = self._phones.get(phone_id)
        if phone is not None:
            self._phones[phone_id] = attrs.evolve(phone, assigned=False)


def _merge_routing(current: Routing | None, change: Routing | None) -> Routing | None:
    if change is None:
        return None
    base = current or Routing()
    return Routing(
        voice=change.voice if change.voice is not None else base.voice,
        messaging=change.messaging if change.messaging is not None else base.messaging,
    )


_ADAPTER_OPTIONS = frozenset(
    {"provider", "features", "page_size", "clock", "name", "network", "port_mismatch"}
)


def _split(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Adapter options (provider, features, page_size, clock, name) apart from store options."""
    adapter = {key: options.pop(key) for key in list(options) if key in _ADAPTER_OPTIONS}
    return adapter, options


class MemoryStore(Store[MemoryAdapter]):
    """A complete `PhoneNumberStore` in memory, seedable.

    `MemoryStore(["+12025550100"], blockers={"+12025550100": [...]},
    linkable=[ProviderPhone("pp-1", "+12025550100")])`; `provider=`,
    `features=` and `page_size=` shape it like the vendor it stands in for.
    `network=` joins a `phonefleet.testing.Network`, so numbers port in and
    out of it like an emulator's (`port_mismatch=` says what a port whose
    account data does not match becomes: "rejected" or "action_required").
    `name=` is its account in `identity` (default: a new unique name), so two
    stores are two accounts unless given the same name.
    """

    def __init__(
        self,
        numbers: Iterable[PhoneNumber | str] = (),
        *,
        blockers: Mapping[str, Sequence[ArchiveBlocker]] | None = None,
        linkable: Iterable[ProviderPhone] = (),
        **options: Any,
    ) -> None:
        adapter_options, common = _split(options)
        super().__init__(
            MemoryAdapter(numbers, blockers=blockers, linkable=linkable, **adapter_options), **common
        )


class AsyncMemoryStore(AsyncStore[MemoryAdapter]):
    """The async twin of `MemoryStore`; it takes the same arguments."""

    def __init__(
        self,
        numbers: Iterable[PhoneNumber | str] = (),
        *,
        blockers: Mapping[str, Sequence[ArchiveBlocker]] | None = None,
        linkable: Iterable[ProviderPhone] = (),
        **options: Any,
    ) -> None:
        adapter_options, common = _split(options)
        super().__init__(
            MemoryAdapter(numbers, blockers=blockers, linkable=linkable, **adapter_options), **common
        )


registration = Registration(
    name="memory",
    adapter=MemoryAdapter,
    description="In-memory store: the embedded default and the fake for tests.",
)
