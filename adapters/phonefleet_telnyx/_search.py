"""`ex_search_available`: the `/available_phone_numbers` filters, checked before sending."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, TypedDict

from phonefleet import Capability, NumberType

from ._wire import SEARCH_TYPES

__all__ = ["SearchCriteria", "search_params"]

_DIGITS: Final = re.compile(r"[0-9]{1,15}")
_COUNTRY: Final = re.compile(r"[A-Za-z]{2}")
_FEATURES: Final = frozenset(
    {"sms", "mms", "voice", "fax", "emergency", "hd_voice", "international_sms", "local_calling"}
)
_TYPES: Final = {NumberType.LOCAL: "local", NumberType.TOLL_FREE: "toll_free", NumberType.MOBILE: "mobile"}


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


def _digits(value: object, what: str) -> str:
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not _DIGITS.fullmatch(text):
        msg = f"{what} must be digits, got {value!r}"
        raise ValueError(msg)
    return text


def _word(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        msg = f"{what} must be a non-empty string, got {value!r}"
        raise ValueError(msg)
    return value.strip()


def search_params(**criteria: object) -> list[tuple[str, str]]:
    """The `filter[...]` query of a search, as Telnyx documents it.

    `country_code` ISO alpha-2; `number_type` local, toll_free, mobile,
    national or shared_cost; `starts_with` / `ends_with` / `contains` and
    `national_destination_code` digits; `features` names from sms, mms,
    voice, fax, emergency, hd_voice, international_sms, local_calling;
    `limit` 1-1000; the four flags booleans.
    """
    params: list[tuple[str, str]] = []
    for key, value in criteria.items():
        if value is None:
            continue
        if key == "country_code":
            if not isinstance(value, str) or not _COUNTRY.fullmatch(value.strip()):
                msg = f"country_code must be ISO 3166-1 alpha-2 such as 'US', got {value!r}"
                raise ValueError(msg)
            params.append(("filter[country_code]", value.strip().upper()))
        elif key == "number_type":
            wire = _TYPES.get(value) if isinstance(value, NumberType) else value
            if wire not in SEARCH_TYPES:
                msg = f"number_type must be one of {', '.join(sorted(SEARCH_TYPES))}, got {value!r}"
                raise ValueError(msg)
            params.append(("filter[phone_number_type]", str(wire)))
        elif key in ("starts_with", "ends_with", "contains"):
            params.append((f"filter[phone_number][{key}]", _digits(value, key)))
        elif key == "national_destination_code":
            params.append(("filter[national_destination_code]", _digits(value, key)))
        elif key in ("locality", "administrative_area", "rate_center"):
            params.append((f"filter[{key}]", _word(value, key)))
        elif key == "features":
            if isinstance(value, str) or not isinstance(value, Iterable):
                msg = f"features must be a list of names, got {value!r}"
                raise ValueError(msg)
            names = [f.value if isinstance(f, Capability) else f for f in value]
            bad = [n for n in names if n not in _FEATURES]
            if bad or not names:
                msg = f"features must name some of {', '.join(sorted(_FEATURES))}, got {bad or names!r}"
                raise ValueError(msg)
            params.append(("filter[features]", ",".join(dict.fromkeys(names))))
        elif key == "limit":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
                msg = f"limit must be an integer from 1 to 1000, got {value!r}"
                raise ValueError(msg)
            params.append(("filter[limit]", str(value)))
        elif key in ("best_effort", "quickship", "reservable", "exclude_held_numbers"):
            if not isinstance(value, bool):
                msg = f"{key} must be True or False, got {value!r}"
                raise ValueError(msg)
            params.append((f"filter[{key}]", "true" if value else "false"))
        else:
            msg = f"unknown search criterion {key!r}; see SearchCriteria"
            raise TypeError(msg)
    return params
