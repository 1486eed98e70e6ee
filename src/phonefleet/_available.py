"""A number a vendor offers for sale, as a search over its inventory finds it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._model import Capability, NumberType

__all__ = ["AvailableNumber"]


@attrs.frozen
class AvailableNumber:
    """One number for sale; a field the vendor did not send is None.

    `raw` is the vendor's item, untouched.
    """

    number: str
    capabilities: frozenset[Capability] | None = None
    number_type: NumberType = NumberType.UNKNOWN
    country: str | None = None
    region: str | None = None
    city: str | None = None
    rate_center: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
