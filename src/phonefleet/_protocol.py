"""The provider-neutral protocol every store speaks, sync and async."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Protocol, TypeAlias, runtime_checkable

from ._model import ArchiveBlocker, Feature, NumberChanges, PhoneNumber, ProviderPhone

__all__ = ["AsyncPhoneNumberStore", "NumberRef", "PhoneNumberStore"]

#: a `PhoneNumber`, a provider id, or an E.164 string ("+1...")
NumberRef: TypeAlias = "PhoneNumber | str"


@runtime_checkable
class PhoneNumberStore(Protocol):
    """A vendor's phone numbers, seen through phonefleet's model."""

    @property
    def provider(self) -> str: ...

    @property
    def features(self) -> frozenset[Feature]: ...

    def list(self, *, archived: bool | None = False) -> Iterator[PhoneNumber]: ...

    def get(self, ref: NumberRef) -> PhoneNumber: ...

    def set_forwarding(self, ref: NumberRef, forward_to: str | None) -> PhoneNumber: ...

    def update(self, ref: NumberRef, changes: NumberChanges) -> PhoneNumber: ...

    def create(self, number: str, *, name: str | None = None, link: str | None = None) -> PhoneNumber: ...

    def archive(self, ref: NumberRef) -> PhoneNumber: ...

    def archive_blockers(self, ref: NumberRef) -> builtins.list[ArchiveBlocker]: ...

    def link(self, ref: NumberRef, provider_phone: str | None) -> PhoneNumber: ...

    def linkable(self) -> builtins.list[ProviderPhone]: ...

    def close(self) -> None: ...

    def __enter__(self) -> PhoneNumberStore: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@runtime_checkable
class AsyncPhoneNumberStore(Protocol):
    """The async twin of `PhoneNumberStore`."""

    @property
    def provider(self) -> str: ...

    @property
    def features(self) -> frozenset[Feature]: ...

    def list(self, *, archived: bool | None = False) -> AsyncIterator[PhoneNumber]: ...

    async def get(self, ref: NumberRef) -> PhoneNumber: ...

    async def set_forwarding(self, ref: NumberRef, forward_to: str | None) -> PhoneNumber: ...

    async def update(self, ref: NumberRef, changes: NumberChanges) -> PhoneNumber: ...

    async def create(
        self, number: str, *, name: str | None = None, link: str | None = None
    ) -> PhoneNumber: ...

    async def archive(self, ref: NumberRef) -> PhoneNumber: ...

    async def archive_blockers(self, ref: NumberRef) -> builtins.list[ArchiveBlocker]: ...

    async def link(self, ref: NumberRef, provider_phone: str | None) -> PhoneNumber: ...

    async def linkable(self) -> builtins.list[ProviderPhone]: ...

    async def close(self) -> None: ...

    async def __aenter__(self) -> AsyncPhoneNumberStore: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
