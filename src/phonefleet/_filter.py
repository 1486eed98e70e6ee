"""What `list()` can be narrowed to: given numbers, a country, a capability.

One `ListFilter`, checked before any request. An adapter whose vendor filters
server-side passes it on (`Adapter.list_page_filtered`); the store applies it
to every page either way, so each vendor answers the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from ._model import Capability, PhoneNumber
from ._numbers import to_e164

__all__ = ["ListFilter"]


@attrs.frozen
class ListFilter:
    """`numbers` (E.164), `country` (ISO 3166-1 alpha-2) and `capability`; None: any.

    A number whose vendor does not report its capabilities never matches a
    capability filter (unknown is not "yes"); its country, when the vendor
    does not say, is read from the number itself.
    """

    numbers: frozenset[str] | None = None
    country: str | None = None
    capability: Capability | None = None

    @classmethod
    def of(
        cls,
        *,
        numbers: Iterable[str] | None = None,
        country: str | None = None,
        capability: Capability | str | None = None,
    ) -> ListFilter:
        """The filter from `list()`'s keywords, each checked (ValueError naming what is wrong)."""
        chosen: frozenset[str] | None = None
        if numbers is not None:
            if isinstance(numbers, str):
                numbers = [numbers]
            chosen = frozenset(to_e164(number) for number in numbers)
        if country is not None:
            if not isinstance(country, str) or len(country.strip()) != 2 or not country.strip().isalpha():
                msg = f"country must be a two-letter ISO code such as 'US', got {country!r}"
                raise ValueError(msg)
            country = country.strip().upper()
            import phonenumbers

            if country not in phonenumbers.SUPPORTED_REGIONS:
                msg = f"country must be a two-letter ISO code such as 'US', got {country!r} (no such region)"
                raise ValueError(msg)
        if capability is not None and not isinstance(capability, Capability):
            try:
                capability = Capability(str(capability).strip().lower())
            except ValueError:
                valid = ", ".join(c.value for c in Capability)
                msg = f"capability must be one of {valid}, got {capability!r}"
                raise ValueError(msg) from None
        return cls(chosen, country, capability)

    @property
    def empty(self) -> bool:
        return self.numbers is None and self.country is None and self.capability is None

    def matches(self, number: PhoneNumber) -> bool:
        if self.numbers is not None and number.number not in self.numbers:
            return False
        if self.capability is not None and (
            number.capabilities is None or self.capability not in number.capabilities
        ):
            return False
        return self.country is None or _country(number) == self.country

    def keep(self, items: Iterable[PhoneNumber]) -> list[PhoneNumber]:
        return [item for item in items if self.matches(item)]


def _country(number: PhoneNumber) -> str | None:
    if number.country is not None:
        return number.country.upper()
    import phonenumbers

    try:
        parsed: Any = phonenumbers.parse(number.number, None)
    except phonenumbers.NumberParseException:
        return None
    region: str | None = phonenumbers.region_code_for_number(parsed)
    return region
