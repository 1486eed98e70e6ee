"""`ex_search_available` over `/available_phone_numbers`: filters checked before sending."""

from __future__ import annotations

from typing import Any

import pytest

from phonefleet import Capability, NumberType
from phonefleet.adapter import AvailableNumber
from phonefleet.testing import emulate
from phonefleet_telnyx import search_params


def test_criteria_become_the_documented_filters() -> None:
    params = search_params(
        country_code="us",
        number_type=NumberType.TOLL_FREE,
        starts_with=512,
        features=["sms", Capability.VOICE, "sms"],
        limit=5,
        quickship=True,
        locality=" Austin ",
    )
    assert params == [
        ("filter[country_code]", "US"),
        ("filter[phone_number_type]", "toll_free"),
        ("filter[phone_number][starts_with]", "512"),
        ("filter[features]", "sms,voice"),
        ("filter[limit]", "5"),
        ("filter[quickship]", "true"),
        ("filter[locality]", "Austin"),
    ]


@pytest.mark.parametrize(
    "criteria",
    [
        {"limit": 0},
        {"limit": 1001},
        {"limit": True},
        {"quickship": 1},
        {"quickship": "yes"},
        {"starts_with": "5a"},
        {"contains": "+1512"},
        {"features": ["telepathy"]},
        {"features": []},
        {"country_code": "USA"},
        {"number_type": "tollfree"},
        {"number_type": NumberType.UNKNOWN},
        {"locality": "  "},
    ],
)
def test_a_bad_criterion_is_refused_before_any_request(criteria: dict[str, Any]) -> None:
    emu = emulate("telnyx", numbers=1)
    with emu.connect("telnyx") as store, pytest.raises(ValueError, match="must be"):
        store.ex_search_available(**criteria)
    assert emu.transport.requests == []


def test_an_unknown_criterion_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="areacode"):
        search_params(areacode="512")


def test_search_on_the_emulator_sync_and_async() -> None:
    import asyncio

    emu = emulate("telnyx", numbers=1, available=5)
    with emu.connect("telnyx") as store:
        found = store.ex_search_available(country_code="US", features=["sms", "voice"], limit=3)
    assert [type(f) for f in found] == [AvailableNumber] * 3
    assert [f.number for f in found] == emu.transport.available[:3]
    first = found[0]
    assert first.capabilities == frozenset({Capability.SMS, Capability.MMS, Capability.VOICE})
    assert (first.country, first.region, first.rate_center, first.city) == ("US", "TX", "AUSTIN", None)
    assert first.raw["cost_information"]["currency"] == "USD"
    request = emu.transport.requests[-1]
    assert request.url.path.endswith("/available_phone_numbers")
    assert request.url.params["filter[features]"] == "sms,voice"

    async def search() -> list[AvailableNumber]:
        async with emu.connect_async("telnyx") as store:
            result: list[AvailableNumber] = await store.ex_search_available(ends_with="0000")
            return result

    assert [f.number for f in asyncio.run(search())] == [
        n for n in emu.transport.available if n.endswith("0000")
    ]
