"""The SignalWire stores: the core's Store / AsyncStore plus the vendor extra."""

from __future__ import annotations

from phonefleet import NumberType
from phonefleet.adapter import AsyncStore, Store

from ._adapter import SignalWireAdapter, search_params
from ._wire import AvailableNumber

__all__ = ["AsyncSignalWireStore", "SignalWireStore"]


class SignalWireStore(Store[SignalWireAdapter]):
    """A PhoneNumberStore over SignalWire, with `ex_search_available`."""

    def ex_search_available(
        self,
        *,
        areacode: str | int | None = None,
        number_type: str | NumberType | None = None,
        starts_with: str | int | None = None,
        contains: str | int | None = None,
        ends_with: str | int | None = None,
        max_results: int | None = None,
        region: str | None = None,
        city: str | None = None,
    ) -> list[AvailableNumber]:
        """Numbers for sale that match (parameters checked before sending)."""
        params = search_params(
            areacode=areacode,
            number_type=number_type,
            starts_with=starts_with,
            contains=contains,
            ends_with=ends_with,
            max_results=max_results,
            region=region,
            city=city,
        )
        return self.run(self.adapter.ex_search_available_flow(params))


class AsyncSignalWireStore(AsyncStore[SignalWireAdapter]):
    """The async twin of `SignalWireStore`."""

    async def ex_search_available(
        self,
        *,
        areacode: str | int | None = None,
        number_type: str | NumberType | None = None,
        starts_with: str | int | None = None,
        contains: str | int | None = None,
        ends_with: str | int | None = None,
        max_results: int | None = None,
        region: str | None = None,
        city: str | None = None,
    ) -> list[AvailableNumber]:
        """Numbers for sale that match (parameters checked before sending)."""
        params = search_params(
            areacode=areacode,
            number_type=number_type,
            starts_with=starts_with,
            contains=contains,
            ends_with=ends_with,
            max_results=max_results,
            region=region,
            city=city,
        )
        return await self.run(self.adapter.ex_search_available_flow(params))
