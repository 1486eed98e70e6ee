"""The Telnyx emulator held to the spec through the official SDK: the documented
listing filters, the number-orders listing, the country and type every
`PhoneNumberDetailed` carries, and the search filters; phonefleet reads the same."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import telnyx

from _spec_check import watch
from phonefleet import NumberType
from phonefleet.testing import Emulator, emulate

US, LONDON, TOLL_FREE, UK_MOBILE = "+12025550100", "+442079460000", "+18005550100", "+447400123456"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    emulator = emulate("telnyx", numbers=[US, LONDON, TOLL_FREE, UK_MOBILE], seed=2)
    with watch(emulator.transport, "telnyx"):
        yield emulator


@pytest.fixture
def sdk(emu: Emulator) -> Iterator[telnyx.Telnyx]:
    client = telnyx.Telnyx(
        api_key=emu.settings["api_key"],
        base_url=emu.settings["base_url"],
        http_client=httpx.Client(transport=emu.transport),
        max_retries=0,
    )
    yield client
    client.close()


def _numbers(listing: Any) -> set[str]:
    return {n.phone_number for n in listing}


def test_every_number_has_its_country_and_type(sdk: telnyx.Telnyx, emu: Emulator) -> None:
    listed = {n.phone_number: (n.country_iso_alpha2, n.phone_number_type) for n in sdk.phone_numbers.list()}
    assert listed == {
        US: ("US", "local"),
        LONDON: ("GB", "local"),
        TOLL_FREE: ("US", "toll_free"),
        UK_MOBILE: ("GB", "mobile"),
    }
    with emu.connect("telnyx") as store:
        read = {n.number: (n.country, n.number_type) for n in store.list()}
    assert read == {
        US: ("US", NumberType.LOCAL),
        LONDON: ("GB", NumberType.LOCAL),
        TOLL_FREE: ("US", NumberType.TOLL_FREE),
        UK_MOBILE: ("GB", NumberType.MOBILE),
    }


def test_listing_filters_by_country_type_tag_and_without_tags(sdk: telnyx.Telnyx) -> None:
    phone_numbers = sdk.phone_numbers
    assert _numbers(phone_numbers.list(filter={"country_iso_alpha2": "GB"})) == {LONDON, UK_MOBILE}
    assert _numbers(phone_numbers.list(filter={"country_iso_alpha2": ["US", "GB"]})) == {
        US,
        LONDON,
        TOLL_FREE,
        UK_MOBILE,
    }
    assert _numbers(phone_numbers.list(filter={"number_type": {"eq": "toll_free"}})) == {TOLL_FREE}
    ident = next(n.id for n in phone_numbers.list() if n.phone_number == LONDON)
    phone_numbers.update(ident, tags=["reception"])
    assert _numbers(phone_numbers.list(filter={"tag": "reception"})) == {LONDON}
    assert _numbers(phone_numbers.list(filter={"without_tags": "true"})) == {US, TOLL_FREE, UK_MOBILE}
    assert _numbers(phone_numbers.list(filter={"without_tags": "false"})) == {
        US,
        LONDON,
        TOLL_FREE,
        UK_MOBILE,
    }


def test_a_number_type_outside_the_enum_is_422(sdk: telnyx.Telnyx) -> None:
    with pytest.raises(telnyx.UnprocessableEntityError):
        sdk.phone_numbers.list(filter={"number_type": {"eq": "premium"}})  # type: ignore[arg-type]


def test_number_orders_are_listed_newest_first_and_by_status(sdk: telnyx.Telnyx, emu: Emulator) -> None:
    first, second = emu.transport.available[:2]  # type: ignore[attr-defined]
    one = sdk.number_orders.create(phone_numbers=[{"phone_number": first}]).data
    two = sdk.number_orders.create(phone_numbers=[{"phone_number": second}]).data
    assert one is not None
    assert two is not None
    listed = list(sdk.number_orders.list())
    assert [o.id for o in listed] == [two.id, one.id]
    assert {o.status for o in listed} == {"pending"}
    assert [p.phone_number for p in listed[0].phone_numbers or ()] == [second]
    with emu.connect("telnyx") as store:
        for _ in range(2):  # two reads make the first number active
            store.get(first)
    assert [o.id for o in sdk.number_orders.list(filter={"status": "success"})] == [one.id]
    assert [o.id for o in sdk.number_orders.list(filter={"status": "pending"})] == [two.id]


def test_search_filters_by_destination_code_and_features(sdk: telnyx.Telnyx, emu: Emulator) -> None:
    available = emu.transport.available  # type: ignore[attr-defined]
    code = available[0][2:5]
    found = sdk.available_phone_numbers.list(filter={"national_destination_code": code}).data or []
    assert {n.phone_number for n in found} == {n for n in available if n[2:5] == code}
    voice = sdk.available_phone_numbers.list(filter={"features": ["sms", "voice"]}).data or []
    assert len(voice) == len(available)
    assert sdk.available_phone_numbers.list(filter={"features": ["fax"]}).data == []
    assert sdk.available_phone_numbers.list(filter={"phone_number_type": "toll_free"}).data == []
    with emu.connect("telnyx") as store:
        assert store.ex_search_available(national_destination_code=code, features=["fax"]) == []
        assert {n.number for n in store.ex_search_available(national_destination_code=code)} == {
            n.phone_number for n in found
        }


def test_caller_id_name_set_through_voice_settings_shows_on_the_number(sdk: telnyx.Telnyx) -> None:
    ident = next(n.id for n in sdk.phone_numbers.list() if n.phone_number == US)
    assert ident is not None
    settings = sdk.phone_numbers.voice.update(ident, caller_id_name_enabled=True).data
    assert settings is not None
    assert settings.to_dict().get("caller_id_name_enabled") is None  # not a voice-settings field
    number = sdk.phone_numbers.retrieve(ident).data
    assert number is not None
    assert number.caller_id_name_enabled is True
