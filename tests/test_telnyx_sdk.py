"""The official `telnyx` SDK against the emulator, read back through phonefleet.

The SDK is the vendor's own client: what it sends and expects is the ground
truth the emulator is held to. Each test drives it over the emulator's
transport and checks that a phonefleet store sees the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import telnyx

from _spec_check import watch
from phonefleet import NotFoundError
from phonefleet.testing import Emulator, emulate


@pytest.fixture
def emu() -> Iterator[Emulator]:
    emulator = emulate("telnyx", numbers=45, seed=9, activate_after=2)
    with watch(emulator.transport, "telnyx"):
        yield emulator


@pytest.fixture
def sdk(emu: Emulator) -> Iterator[telnyx.Telnyx]:
    http = httpx.Client(transport=emu.transport)
    client = telnyx.Telnyx(
        api_key=emu.settings["api_key"], base_url=emu.settings["base_url"], http_client=http, max_retries=0
    )
    yield client
    client.close()


@pytest.fixture
def store(emu: Emulator) -> Iterator[Any]:
    with emu.connect("telnyx") as opened:
        yield opened


def test_sdk_pages_through_what_phonefleet_lists(sdk: telnyx.Telnyx, store: Any, emu: Emulator) -> None:
    listed = {n.phone_number: n.id for n in sdk.phone_numbers.list()}  # pages of 20, auto-paged
    assert len(listed) == 45
    assert emu.transport.count("GET", "/phone_numbers") == 3
    assert {n.number: n.id for n in store.list()} == listed


def test_sdk_retrieve_matches_phonefleet_get(sdk: telnyx.Telnyx, store: Any) -> None:
    number = next(iter(store.list()))
    found = sdk.phone_numbers.retrieve(number.id).data
    assert found is not None
    assert found.phone_number == number.number
    assert found.customer_reference == number.name
    assert found.connection_id == (
        number.routing.voice.target if number.routing and number.routing.voice else None
    )
    assert found.country_iso_alpha2 == number.country


def test_sdk_voice_update_is_forwarding_for_phonefleet(sdk: telnyx.Telnyx, store: Any) -> None:
    number = next(iter(store.list()))
    answer = sdk.phone_numbers.voice.update(
        number.id,
        call_forwarding={
            "call_forwarding_enabled": True,
            "forwards_to": "+13035559123",
            "forwarding_type": "always",
        },
    ).data
    assert answer is not None
    assert answer.call_forwarding is not None
    assert answer.call_forwarding.forwards_to == "+13035559123"
    assert store.get(number.id).forwarding_number == "+13035559123"
    assert {n.id: n.forwarding_number for n in store.list()}[number.id] == "+13035559123"
    # on-failure is conditional: not where calls go
    sdk.phone_numbers.voice.update(number.id, call_forwarding={"forwarding_type": "on-failure"})
    after = store.get(number.number)
    assert after.forwarding_number is None
    assert after.raw["voice"]["call_forwarding"]["forwarding_type"] == "on-failure"


def test_phonefleet_forwarding_is_what_the_sdk_reads(sdk: telnyx.Telnyx, store: Any) -> None:
    number = next(iter(store.list()))
    store.set_forwarding(number.number, "+1 (202) 555-0188")
    settings = sdk.phone_numbers.voice.retrieve(number.id).data
    assert settings is not None
    assert settings.call_forwarding is not None
    assert settings.call_forwarding.forwards_to == "+12025550188"
    assert settings.call_forwarding.forwarding_type == "always"
    assert settings.call_forwarding.call_forwarding_enabled is True
    store.set_forwarding(number.id, None)
    cleared = sdk.phone_numbers.voice.retrieve(number.id).data
    assert cleared is not None
    assert cleared.call_forwarding is not None
    assert cleared.call_forwarding.call_forwarding_enabled is False


def test_sdk_order_shows_pending_then_active_in_phonefleet(
    sdk: telnyx.Telnyx, store: Any, emu: Emulator
) -> None:
    wanted = emu.transport.available[0]
    order = sdk.number_orders.create(phone_numbers=[{"phone_number": wanted}]).data
    assert order is not None
    assert order.status == "pending"
    assert order.phone_numbers is not None
    assert [p.phone_number for p in order.phone_numbers] == [wanted]
    first = store.get(wanted)
    assert first.raw["status"] == "purchase-pending"
    assert not first.archived
    second = store.get(wanted)
    assert second.raw["status"] == "purchase-pending"
    assert store.get(wanted).raw["status"] == "active"  # after two reads
    assert order.id is not None
    done = sdk.number_orders.retrieve(order.id).data
    assert done is not None
    assert done.status == "success"


def test_phonefleet_order_is_what_the_sdk_lists(sdk: telnyx.Telnyx, store: Any, emu: Emulator) -> None:
    wanted = emu.transport.available[1]
    created = store.create(wanted, name="New line")
    assert created.raw["status"] == "purchase-pending"
    found = [
        n for n in sdk.phone_numbers.list(filter={"phone_number": wanted[1:]}) if n.phone_number == wanted
    ]
    assert [n.id for n in found] == [created.id]
    assert found[0].customer_reference == "New line"


def test_sdk_delete_is_gone_for_phonefleet(sdk: telnyx.Telnyx, store: Any) -> None:
    number = next(iter(store.list()))
    deleted = sdk.phone_numbers.delete(number.id).data
    assert deleted is not None
    assert deleted.status == "deleted"
    assert number.id not in {n.id for n in store.list()}
    with pytest.raises(NotFoundError):
        store.get(number.id)


def test_phonefleet_delete_is_a_404_for_the_sdk(sdk: telnyx.Telnyx, store: Any) -> None:
    number = next(iter(store.list()))
    assert store.archive(number.number).archived
    with pytest.raises(telnyx.NotFoundError) as caught:
        sdk.phone_numbers.retrieve(number.id)
    assert caught.value.status_code == 404


def test_sdk_sees_phonefleet_name_and_routing(sdk: telnyx.Telnyx, store: Any) -> None:
    from phonefleet import Handler, NumberChanges, Routing

    number = next(iter(store.list()))
    store.update(
        number.id,
        NumberChanges(
            name="Front desk",
            routing=Routing(
                voice=Handler("connection", target="1684641123236054244"),
                messaging=Handler("messaging_profile", target=""),
            ),
        ),
    )
    found = sdk.phone_numbers.retrieve(number.id).data
    assert found is not None
    assert found.customer_reference == "Front desk"
    assert found.connection_id == "1684641123236054244"
    assert found.messaging_profile_id is None


def test_sdk_search_finds_what_phonefleet_finds(sdk: telnyx.Telnyx, store: Any) -> None:
    found = sdk.available_phone_numbers.list(filter={"phone_number": {"starts_with": "202"}, "limit": 2})
    assert found.data is not None
    ours = store.ex_search_available(starts_with="202", limit=2)
    assert [n.phone_number for n in found.data] == [n.number for n in ours]
    assert len(ours) == 2


def test_sdk_label_and_messaging_profile_are_phonefleet_name_and_routing(
    sdk: telnyx.Telnyx, store: Any
) -> None:
    number = next(n for n in store.list() if n.routing and n.routing.messaging)
    sdk.phone_numbers.update(number.id, customer_reference="Reception", tags=["lobby"])
    sdk.phone_numbers.messaging.update(number.id, messaging_profile_id="")  # "" unassigns
    after = store.get(number.number)
    assert after.name == "Reception"
    assert after.raw["tags"] == ["lobby"]
    assert after.routing is None or after.routing.messaging is None


def test_sdk_phone_number_filter_is_digits_only(sdk: telnyx.Telnyx, store: Any) -> None:
    number = next(iter(store.list())).number
    assert list(sdk.phone_numbers.list(filter={"phone_number": number})) == []  # "+" finds nothing
    assert [n.phone_number for n in sdk.phone_numbers.list(filter={"phone_number": number[1:]})] == [number]


# -- where the SDK and the spec found the emulator apart (issue 22) ---------------------------------


def test_sdk_filters_by_connection_name_and_payment_method(sdk: telnyx.Telnyx, emu: Emulator) -> None:
    records = emu.transport.records
    for operator, test in (
        ("contains", lambda name: "call" in name),
        ("starts_with", lambda name: name.startswith("main")),
        ("ends_with", lambda name: name.endswith("ivr")),
        ("eq", lambda name: name == "call-center"),
    ):
        listed = {
            n.id
            for n in sdk.phone_numbers.list(filter={"voice.connection_name": {operator: _value(operator)}})
        }
        wanted = {i for i, r in records.items() if test(r.get("connection_name") or "")}
        assert listed == wanted, operator
        assert wanted, operator  # the filter has something to find
    ident = next(iter(records))
    sdk.phone_numbers.voice.update(ident, usage_payment_method="channel")
    channel = sdk.phone_numbers.list(filter={"voice.usage_payment_method": "channel"})
    assert [n.id for n in channel] == [ident]
    voice = sdk.phone_numbers.voice.list(filter={"voice_usage_payment_method": "channel"})
    assert [v.id for v in voice] == [ident]


def _value(operator: str) -> str:
    return {"contains": "call", "starts_with": "main", "ends_with": "ivr", "eq": "call-center"}[operator]


def test_sdk_unknown_filter_is_a_400_in_telnyxs_envelope(sdk: telnyx.Telnyx) -> None:
    with pytest.raises(telnyx.BadRequestError) as caught:
        sdk.phone_numbers.list(extra_query={"filter[colour]": "blue"})
    body = caught.value.response.json()
    assert body["errors"][0]["code"] == "10015"
    assert body["errors"][0]["source"] == {"parameter": "filter[colour]"}
    with pytest.raises(telnyx.UnprocessableEntityError):
        sdk.phone_numbers.list(filter={"voice.usage_payment_method": "by-the-hour"})  # type: ignore[typeddict-item]


def test_sdk_lists_fetches_and_updates_messaging_settings(sdk: telnyx.Telnyx, emu: Emulator) -> None:
    listed = list(sdk.phone_numbers.messaging.list(page_size=20))
    assert len(listed) == 45
    assert {m.phone_number for m in listed} == {r["phone_number"] for r in emu.transport.records.values()}
    first = listed[0]
    assert first.id is not None
    profile = next(iter(emu.transport.messaging_profiles))
    updated = sdk.phone_numbers.messaging.update(first.id, messaging_profile_id=profile).data
    assert updated is not None
    assert updated.messaging_profile_id == profile
    fetched = sdk.phone_numbers.messaging.retrieve(first.id).data
    assert fetched is not None
    assert fetched.messaging_profile_id == profile
    mine = list(sdk.phone_numbers.messaging.list(filter_messaging_profile_id=profile))
    assert first.id in {m.id for m in mine}
    assert all(m.messaging_profile_id == profile for m in mine)
    by_number = list(sdk.phone_numbers.messaging.list(filter_phone_number=first.phone_number or ""))
    assert [m.id for m in by_number] == [first.id]
    assert all(m.type == "longcode" for m in sdk.phone_numbers.messaging.list(filter_type="longcode"))


def test_sdk_updates_an_orders_reference(sdk: telnyx.Telnyx, emu: Emulator) -> None:
    wanted = emu.transport.available[0]
    order = sdk.number_orders.create(phone_numbers=[{"phone_number": wanted}]).data
    assert order is not None
    assert order.id is not None
    updated = sdk.number_orders.update(order.id, customer_reference="PO 1234").data
    assert updated is not None
    assert updated.customer_reference == "PO 1234"
    assert sdk.number_orders.retrieve(order.id).data.customer_reference == "PO 1234"  # type: ignore[union-attr]


def test_a_method_a_path_lacks_is_a_405_in_telnyxs_envelope() -> None:
    emu = emulate("telnyx", numbers=1)  # (a call outside the spec, so not spec-checked)
    with httpx.Client(transport=emu.transport) as http:
        answer = http.put(
            f"{emu.settings['base_url']}/number_orders/some-order",
            headers={"Authorization": f"Bearer {emu.settings['api_key']}"},
            json={},
        )
    assert answer.status_code == 405
    assert answer.json()["errors"][0]["code"] == "10015"


def test_sdk_voice_screening_shows_on_the_number_too(sdk: telnyx.Telnyx, emu: Emulator) -> None:
    ident = next(iter(emu.transport.records))
    sdk.phone_numbers.voice.update(
        ident, inbound_call_screening="reject_calls", call_recording={"inbound_call_recording_enabled": True}
    )
    number = sdk.phone_numbers.retrieve(ident).data
    assert number is not None
    assert number.inbound_call_screening == "reject_calls"
    assert number.call_recording_enabled is True
    listed = {n.id: n.inbound_call_screening for n in sdk.phone_numbers.list()}
    assert listed[ident] == "reject_calls"


def test_sdk_answers_leave_out_strings_never_set(sdk: telnyx.Telnyx, emu: Emulator) -> None:
    ident = next(iter(emu.transport.records))
    voice = sdk.phone_numbers.voice.with_raw_response.retrieve(ident).http_response.json()["data"]
    assert "cnam_listing_details" not in voice["cnam_listing"]
    assert "emergency_address_id" not in voice["emergency"]
    order = sdk.number_orders.with_raw_response.create(
        phone_numbers=[{"phone_number": emu.transport.available[1]}]
    ).http_response.json()["data"]
    assert {"messaging_profile_id", "billing_group_id"}.isdisjoint(order)
    deleted = sdk.phone_numbers.with_raw_response.delete(ident).http_response.json()["data"]
    assert deleted["status"] == "deleted"
    assert "external_pin" not in deleted


def test_sdk_with_a_wrong_key_gets_a_401_and_its_challenge(emu: Emulator) -> None:
    http = httpx.Client(transport=emu.transport)
    wrong = telnyx.Telnyx(
        api_key="KEYwrong", base_url=emu.settings["base_url"], http_client=http, max_retries=0
    )
    with pytest.raises(telnyx.AuthenticationError) as caught:
        wrong.phone_numbers.list()
    assert caught.value.response.headers["WWW-Authenticate"] == "Bearer"
    assert caught.value.response.json()["errors"][0]["code"] == "10009"
    wrong.close()
