"""`ex_search_available`: the `/available_phone_numbers` filters, checked before sending."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, TypedDict

from phonefleet import Capability, NumberType

from ._wire import SEARCH_TYPES

__all__ = ["SearchCriteria", "search_params"]

_FEATURES: Final = "sms|mms|voice|fax|emergency|hd_voice|international_sms|local_calling"
_TYPES: Final = {NumberType.LOCAL: "local", NumberType.TOLL_FREE: "toll_free", NumberType.MOBILE: "mobile"}
_DIGITS: Final = (r"[0-9]{1,15}", "digits")
_TEXT: Final = (r".*\S.*", "a non-empty string")
_FLAG: Final = ("true|false", "True or False")
#: criterion -> (query parameter, the accepted text, what it must be)
_RULES: Final = {
    "country_code": ("filter[country_code]", r"[A-Z]{2}", "ISO 3166-1 alpha-2 such as 'US'"),
    "number_type": (
        "filter[phone_number_type]",
        "|".join(sorted(SEARCH_TYPES)),
        "one of " + ", ".join(sorted(SEARCH_TYPES)),
    ),
    "starts_with": ("filter[phone_number][starts_with]", *_DIGITS),
    "ends_with": ("filter[phone_number][ends_with]", *_DIGITS),
    "contains": ("filter[phone_number][contains]", *_DIGITS),
    "national_destination_code": ("filter[national_destination_code]", *_DIGITS),
    "locality": ("filter[locality]", *_TEXT),
    "administrative_area": ("filter[administrative_area]", *_TEXT),
    "rate_center": ("filter[rate_center]", *_TEXT),
    "features": (
        "filter[features]",
        f"({_FEATURES})(,({_FEATURES}))*",
        "a list of names from " + _FEATURES.replace("|", ", "),
    ),
    "limit": ("filter[limit]", "[1-9][0-9]{0,2}|1000", "an integer from 1 to 1000"),
    **{
        flag: (f"filter[{flag}]", *_FLAG)
        for flag in ("best_effort", "quickship", "reservable", "exclude_held_numbers")
    },
}


class SearchCriteria(TypedDict, total=False):
    """What `ex_search_available` takes; `search_params` checks it before sending."""

    country_code: str
    number_type: str | NumberType
    starts_with: str | int
    ends_with: str | int
    contains: str | int
    locality: str
    administrative_area: str
    national_destination_code: str | int
    rate_center: str
    features: Iterable[str | Capability]
    limit: int
    best_effort: bool
    quickship: bool
    reservable: bool
    exclude_held_numbers: bool


def _as_text(key: str, value: object) -> str:
    """A criterion as the query carries it ("" for a value of the wrong type)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, NumberType):
        return _TYPES.get(value, "")
    if isinstance(value, str):
        return value.strip().upper() if key == "country_code" else value.strip()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Iterable):
        return ",".join(dict.fromkeys(f.value if isinstance(f, Capability) else str(f) for f in value))
    return ""


def search_params(**criteria: object) -> list[tuple[str, str]]:
    """The `filter[...]` query of a search as Telnyx documents it; a bad value is a ValueError."""
    params = []
    for key, value in criteria.items():
        if key not in _RULES:
            msg = f"unknown search criterion {key!r}; see SearchCriteria"
            raise TypeError(msg)
        if value is None:
            continue
        name, accepted, expected = _RULES[key]
        text = _as_text(key, value)
        if isinstance(value, bool) != (accepted == _FLAG[0]) or not re.fullmatch(accepted, text):
            msg = f"{key} must be {expected}, got {value!r}"
            raise ValueError(msg)
        params.append((name, text))
    return params
