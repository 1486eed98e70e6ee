"""The Twilio stores: the core's Store / AsyncStore plus the vendor extra."""

from __future__ import annotations

from typing import TypedDict, Unpack

from phonefleet import NumberType
from phonefleet.adapter import AsyncStore, Store

from ._adapter import TwilioAdapter, search_params
from ._wire import AvailableNumber

__all__ = ["AsyncTwilioStore", "SearchCriteria", "TwilioStore"]


class SearchCriteria(TypedDict, total=False):
    """What `ex_search_available` takes besides country and kind (checked before sending)."""

    area_code: str | int | None
    contains: str | None
    sms: bool | None
    mms: bool | None
    voice: bool | None
    fax: bool | None
    region: str | None
    locality: str | None
    postal_code: str | None
    limit: int | None


class TwilioStore(Store[TwilioAdapter]):
    """A PhoneNumberStore over Twilio, with `ex_search_available`."""

    def ex_search_available(
        self, country: str = "US", kind: str | NumberType = "local", **criteria: Unpack[SearchCriteria]
    ) -> list[AvailableNumber]:
        """Numbers for sale that match, one page (Twilio caps the results)."""
        code, path, params = search_params(country, kind, **criteria)
        return self.run(self.adapter.ex_search_available_flow(code, path, params))


class AsyncTwilioStore(AsyncStore[TwilioAdapter]):
    """The async twin of `TwilioStore`."""

    async def ex_search_available(
        self, country: str = "US", kind: str | NumberType = "local", **criteria: Unpack[SearchCriteria]
    ) -> list[AvailableNumber]:
        """Numbers for sale that match, one page (Twilio caps the results)."""
        code, path, params = search_params(country, kind, **criteria)
        return await self.run(self.adapter.ex_search_available_flow(code, path, params))
