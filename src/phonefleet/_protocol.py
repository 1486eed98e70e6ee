"""The provider-neutral protocol every store speaks, sync and async."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterable, Iterator
from types import TracebackType
from typing import Protocol, TypeAlias, runtime_checkable

from ._model import ArchiveBlocker, Capability, Feature, NumberChanges, PhoneNumber, ProviderPhone

__all__ = ["AsyncPhoneNumberStore", "NumberRef", "PhoneNumberStore"]

#: a `PhoneNumber`, a provider id, or an E.164 string ("+1...")
NumberRef: TypeAlias = "PhoneNumber | str"


@runtime_checkable
class PhoneNumberStore(Protocol):
    """A vendor's phone numbers, seen through phonefleet's model."""

    @property
    def provider(self) -> str:
        """The adapter's registry name (`"linq"`, `"gravityrail"`...)."""

    @property
    def features(self) -> frozenset[Feature]:
        """What this store can do; an operation not listed is refused before any request."""

    def list(
        self,
        *,
        archived: bool | None = False,
        numbers: Iterable[str] | None = None,
        country: str | None = None,
        capability: Capability | str | None = None,
    ) -> Iterator[PhoneNumber]:
        """Every number, streamed page by page.

        `archived=False` (the default) yields active numbers, `True` only
        archived ones, `None` both. Pages are fetched as the iteration
        reaches them, so a large fleet is never held in memory at once.
        `numbers`, `country` (ISO code) and `capability` narrow it, through
        the vendor's own filters where it has them; each is checked first."""

    def get(self, ref: NumberRef) -> PhoneNumber:
        """One number, by `PhoneNumber`, provider id or E.164 string.

        Raises `NotFoundError` if the provider has no such number, and
        `InvalidNumberError` (before any request) for a string that starts
        with `+` but is not a valid E.164 number."""

    def set_forwarding(self, ref: NumberRef, forward_to: str | None) -> PhoneNumber:
        """Forward the number's calls to `forward_to` (E.164), or stop forwarding with `None`.

        Uses the vendor's own forwarding recipe and returns the number as
        the vendor reports it afterwards. Needs `Feature.SET_FORWARDING`.

        Where the recipe is the number's voice handler (Twilio: the Forward
        Twimlet as the voice URL; SignalWire: a `relay_script` call handler;
        `adapter.forwarding_replaces_voice`), forwarding replaces whatever
        answered calls before (a SIP trunk, a TwiML app, a webhook), and
        `None` does not bring it back: set `routing` again for that."""

    def update(self, ref: NumberRef, changes: NumberChanges) -> PhoneNumber:
        """Change what `changes` gives (name, forwarding, routing); fields left `UNSET` are not sent.

        `None` in a field clears it. Returns the number as the vendor
        reports it afterwards."""

    def create(self, number: str, *, name: str | None = None, link: str | None = None) -> PhoneNumber:
        """Add `number` (E.164) to the account or workspace, optionally named and linked.

        Needs `Feature.CREATE`; the number is validated before any request."""

    def archive(self, ref: NumberRef) -> PhoneNumber:
        """Release the number; the vendor keeps its history.

        One way: there is no unarchive. Raises `ArchiveBlockedError` (with
        `blockers`) when something still uses the number. Needs
        `Feature.ARCHIVE`."""

    def archive_blockers(self, ref: NumberRef) -> builtins.list[ArchiveBlocker]:
        """What stands in the way of archiving the number (empty: nothing).

        Needs `Feature.ARCHIVE_BLOCKERS`."""

    def link(self, ref: NumberRef, provider_phone: str | None) -> PhoneNumber:
        """Link the number to a provider line (`ProviderPhone.id`), or unlink it with `None`.

        Needs `Feature.LINK`."""

    def linkable(self) -> builtins.list[ProviderPhone]:
        """The provider lines a number can be linked to. Needs `Feature.LINK`."""

    def close(self) -> None:
        """Release the store's connections (a client the caller passed in is left open)."""

    def __enter__(self) -> PhoneNumberStore:
        """The store itself; leaving the block closes it."""

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the store."""


@runtime_checkable
class AsyncPhoneNumberStore(Protocol):
    """The async twin of `PhoneNumberStore`."""

    @property
    def provider(self) -> str:
        """The adapter's registry name (`"linq"`, `"gravityrail"`...)."""

    @property
    def features(self) -> frozenset[Feature]:
        """What this store can do; an operation not listed is refused before any request."""

    def list(
        self,
        *,
        archived: bool | None = False,
        numbers: Iterable[str] | None = None,
        country: str | None = None,
        capability: Capability | str | None = None,
    ) -> AsyncIterator[PhoneNumber]:
        """Every number, as an async iterator fetching page by page (`async for`).

        `archived` and the filters as in `PhoneNumberStore.list`."""

    async def get(self, ref: NumberRef) -> PhoneNumber:
        """One number, by `PhoneNumber`, provider id or E.164 string.

        Raises `NotFoundError` if the provider has no such number, and
        `InvalidNumberError` (before any request) for a string that starts
        with `+` but is not a valid E.164 number."""

    async def set_forwarding(self, ref: NumberRef, forward_to: str | None) -> PhoneNumber:
        """Forward the number's calls to `forward_to` (E.164), or stop forwarding with `None`.

        Uses the vendor's own forwarding recipe and returns the number as
        the vendor reports it afterwards. Needs `Feature.SET_FORWARDING`.

        Where the recipe is the number's voice handler (Twilio: the Forward
        Twimlet as the voice URL; SignalWire: a `relay_script` call handler;
        `adapter.forwarding_replaces_voice`), forwarding replaces whatever
        answered calls before (a SIP trunk, a TwiML app, a webhook), and
        `None` does not bring it back: set `routing` again for that."""

    async def update(self, ref: NumberRef, changes: NumberChanges) -> PhoneNumber:
        """Change what `changes` gives (name, forwarding, routing); fields left `UNSET` are not sent.

        `None` in a field clears it. Returns the number as the vendor
        reports it afterwards."""

    async def create(self, number: str, *, name: str | None = None, link: str | None = None) -> PhoneNumber:
        """Add `number` (E.164) to the account or workspace, optionally named and linked.

        Needs `Feature.CREATE`; the number is validated before any request."""

    async def archive(self, ref: NumberRef) -> PhoneNumber:
        """Release the number; the vendor keeps its history.

        One way: there is no unarchive. Raises `ArchiveBlockedError` (with
        `blockers`) when something still uses the number. Needs
        `Feature.ARCHIVE`."""

    async def archive_blockers(self, ref: NumberRef) -> builtins.list[ArchiveBlocker]:
        """What stands in the way of archiving the number (empty: nothing).

        Needs `Feature.ARCHIVE_BLOCKERS`."""

    async def link(self, ref: NumberRef, provider_phone: str | None) -> PhoneNumber:
        """Link the number to a provider line (`ProviderPhone.id`), or unlink it with `None`.

        Needs `Feature.LINK`."""

    async def linkable(self) -> builtins.list[ProviderPhone]:
        """The provider lines a number can be linked to. Needs `Feature.LINK`."""

    async def close(self) -> None:
        """Release the store's connections (a client the caller passed in is left open)."""

    async def __aenter__(self) -> AsyncPhoneNumberStore:
        """The store itself; leaving the block closes it."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the store."""
