"""The SignalWire stores: the core's Store / AsyncStore plus the vendor extra."""

from __future__ import annotations

from typing import TypedDict, Unpack

from phonefleet import NumberType
from phonefleet.adapter import AsyncStore, Store

from ._adapter import SignalWireAdapter, search_params
from ._forwarding import ForwardingScript
from ._wire import AvailableNumber

__all__ = ["AsyncSignalWireStore", "SearchCriteria", "SignalWireStore"]


class SearchCriteria(TypedDict, total=False):
    """What `ex_search_available` takes; `search_params` checks it before sending."""

    areacode: str | int | None
    number_type: str | NumberType | None
    starts_with: str | int | None
    contains: str | int | None
    ends_with: str | int | None
    max_results: int | None
    region: str | None
    city: str | None


class SignalWireStore(Store[SignalWireAdapter]):
    """A PhoneNumberStore over SignalWire, with `ex_search_available`."""

    def ex_search_available(self, **criteria: Unpack[SearchCriteria]) -> list[AvailableNumber]:
        """Numbers for sale that match (parameters checked before sending)."""
        return self.run(self.adapter.ex_search_available_flow(search_params(**criteria)))

    def ex_prune_forwarding_scripts(self, *, dry_run: bool = True) -> list[ForwardingScript]:
        """The forwarding scripts phonefleet made that no number uses.

        A dry run (the default) only lists them; `dry_run=False` deletes
        them. Scripts made by hand are never touched. Run it while no
        forwarding is being set: a number bound meanwhile would lose its script.
        """
        return self.run(self.adapter.ex_prune_forwarding_scripts_flow(dry_run=dry_run))


class AsyncSignalWireStore(AsyncStore[SignalWireAdapter]):
    """The async twin of `SignalWireStore`."""

    async def ex_search_available(self, **criteria: Unpack[SearchCriteria]) -> list[AvailableNumber]:
        """Numbers for sale that match (parameters checked before sending)."""
        return await self.run(self.adapter.ex_search_available_flow(search_params(**criteria)))

    async def ex_prune_forwarding_scripts(self, *, dry_run: bool = True) -> list[ForwardingScript]:
        """The forwarding scripts phonefleet made that no number uses (deleted unless `dry_run`)."""
        return await self.run(self.adapter.ex_prune_forwarding_scripts_flow(dry_run=dry_run))
