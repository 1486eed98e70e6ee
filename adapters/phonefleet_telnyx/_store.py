"""The Telnyx stores: the core's Store / AsyncStore plus the vendor extra."""

from __future__ import annotations

from typing import Unpack

from phonefleet.adapter import AsyncStore, AvailableNumber, Store

from ._adapter import TelnyxAdapter
from ._search import SearchCriteria, search_params

__all__ = ["AsyncTelnyxStore", "TelnyxStore"]


class TelnyxStore(Store[TelnyxAdapter]):
    """A PhoneNumberStore over Telnyx, with `ex_search_available`."""

    def ex_search_available(self, **criteria: Unpack[SearchCriteria]) -> list[AvailableNumber]:
        """Numbers for sale that match (criteria checked before sending)."""
        return self.run(self.adapter.ex_search_available_flow(search_params(**criteria)))


class AsyncTelnyxStore(AsyncStore[TelnyxAdapter]):
    """The async twin of `TelnyxStore`."""

    async def ex_search_available(self, **criteria: Unpack[SearchCriteria]) -> list[AvailableNumber]:
        """Numbers for sale that match (criteria checked before sending)."""
        return await self.run(self.adapter.ex_search_available_flow(search_params(**criteria)))
