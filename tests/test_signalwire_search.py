"""ex_search_available: parameters checked before sending, both result shapes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import phonefleet
from phonefleet import Capability, NumberType, ResponseFormatError
from phonefleet.testing import emulate
from phonefleet_signalwire import AvailableNumber, search_params


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ({}, {}),
        ({"areacode": "512"}, {"areacode": "512"}),
        ({"areacode": 415, "max_results": 100}, {"areacode": "415", "max_results": 100}),
        ({"number_type": "toll-free"}, {"number_type": "toll-free"}),
        ({"number_type": NumberType.TOLL_FREE}, {"number_type": "toll-free"}),
        ({"number_type": "Local"}, {"number_type": "local"}),
        ({"starts_with": "512555"}, {"starts_with": "512555"}),
        ({"contains": 555}, {"contains": "555"}),
        ({"ends_with": "0100"}, {"ends_with": "0100"}),
        ({"region": "tx"}, {"region": "TX"}),
        ({"region": "US-TX", "city": " Austin "}, {"region": "TX", "city": "Austin"}),
    ],
)
def test_valid_parameters_are_sent_as_documented(given: dict[str, Any], sent: dict[str, Any]) -> None:
    assert search_params(**given) == sent


@pytest.mark.parametrize(
    ("given", "match"),
    [
        ({"areacode": "51"}, "areacode"),
        ({"areacode": "5125"}, "areacode"),
        ({"areacode": True}, "areacode"),
        ({"number_type": "mobile"}, "number_type"),
        ({"starts_with": "12"}, "3 to 7 digits"),
        ({"contains": "12345678"}, "3 to 7 digits"),
        ({"ends_with": "12a4"}, "3 to 7 digits"),
        ({"starts_with": "512", "contains": "555"}, "only one"),
        ({"contains": "555", "ends_with": "0100"}, "only one"),
        ({"max_results": 0}, "max_results"),
        ({"max_results": 101}, "max_results"),
        ({"max_results": "10"}, "max_results"),
        ({"region": "Texas"}, "ISO 3166-2"),
        ({"region": "TX", "areacode": "512"}, "areacode"),
        ({"city": "Austin"}, "needs region"),
        ({"city": "Austin", "region": "TX", "contains": "555"}, "cannot be combined"),
        ({"city": "", "region": "TX"}, "city"),
    ],
)
def test_invalid_parameters_are_refused_before_sending(given: dict[str, Any], match: str) -> None:
    emu = emulate("signalwire", numbers=1)
    with emu.connect("signalwire") as store, pytest.raises(ValueError, match=match):
        store.ex_search_available(**given)
    assert emu.transport.count() == 0


def test_search_finds_numbers_for_sale_and_one_can_be_bought() -> None:
    emu = emulate("signalwire", numbers=3)
    with emu.connect("signalwire") as store:
        found = store.ex_search_available(region="TX", city="Austin", max_results=5)
        assert len(found) == 5
        assert all(a.region == "TX" and a.city == "Austin" for a in found)
        assert all(a.number.startswith("+1512") for a in found)
        assert all(a.capabilities is not None and Capability.VOICE in a.capabilities for a in found)
        bought = store.create(found[0].number)
        assert bought.number == found[0].number
        again = store.ex_search_available(region="TX", city="Austin", max_results=5)
        assert found[0].number not in {a.number for a in again}
    request = emu.transport.requests[0]
    assert request.url.path == "/api/relay/rest/phone_numbers/search"
    assert dict(request.url.params) == {"region": "TX", "city": "Austin", "max_results": "5"}


def test_toll_free_and_digit_patterns() -> None:
    emu = emulate("signalwire", numbers=1)
    with emu.connect("signalwire") as store:
        toll_free = store.ex_search_available(number_type="toll-free", max_results=100)
        assert toll_free
        assert all(a.number[2:5] in {"833", "844", "877", "888"} for a in toll_free)
        ending = store.ex_search_available(ends_with="0105", max_results=100)
        assert ending
        assert all(a.number.endswith("0105") for a in ending)


@pytest.mark.parametrize("style", ["spec", "live"])
def test_both_result_shapes_read_the_same(style: str) -> None:
    emu = emulate("signalwire", numbers=1, search_style=style)
    with emu.connect("signalwire") as store:
        found = store.ex_search_available(areacode="415", max_results=3)
    reference = emulate("signalwire", numbers=1)
    with reference.connect("signalwire") as store:
        expected = store.ex_search_available(areacode="415", max_results=3)
    assert found == expected
    assert len(found) == 3


def test_search_items_accept_every_documented_spelling() -> None:
    body = [
        {"e164": "+15125550100", "capabilities": ["Voice", "SMS", "hologram"]},
        {"number": "+15125550101", "capabilities": {"voice": True, "sms": False, "fax": True}},
        {"number": "+15125550102"},
    ]

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    with phonefleet.connect(
        "signalwire", transport=httpx.MockTransport(answer), space="example", project_id="p", api_token="t"
    ) as store:
        found = store.ex_search_available()
    assert found == [
        AvailableNumber("+15125550100", frozenset({Capability.VOICE, Capability.SMS})),
        AvailableNumber("+15125550101", frozenset({Capability.VOICE, Capability.FAX})),
        AvailableNumber("+15125550102", None),
    ]
    assert found[0].raw["capabilities"][-1] == "hologram"


@pytest.mark.parametrize(
    "body", [{"data": {}}, [{"e164": "5125550100"}], [{"capabilities": []}], ["+15125550100"], 3]
)
def test_malformed_search_results_are_format_errors(body: Any) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    with (
        phonefleet.connect(
            "signalwire",
            transport=httpx.MockTransport(answer),
            space="example",
            project_id="p",
            api_token="t",
        ) as store,
        pytest.raises(ResponseFormatError),
    ):
        store.ex_search_available()


def test_the_emulator_refuses_what_the_api_refuses() -> None:
    emu = emulate("signalwire", numbers=1)
    settings = emu.settings
    client = httpx.Client(transport=emu.transport, auth=(settings["project_id"], settings["api_token"]))
    url = settings["base_url"] + "/phone_numbers/search"
    over = client.get(url, params={"max_results": 101})
    assert over.status_code == 422
    assert over.json()["errors"][0]["status"] == "422"
    both = client.get(url, params={"contains": "555", "ends_with": "0100"})
    assert both.status_code == 422
