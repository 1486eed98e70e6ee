"""The SignalWire emulator itself: auth, paging bounds, seeding, faults."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from phonefleet import Handler, NumberChanges, Routing
from phonefleet.testing import Emulator, Fault, FaultPlan, emulate
from phonefleet_signalwire.emulator import API_TOKEN, BASE_URL, HOST, PROJECT_ID


@pytest.fixture
def emu() -> Emulator:
    return emulate("signalwire", numbers=12)


@pytest.fixture
def client(emu: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=emu.transport, auth=(PROJECT_ID, API_TOKEN)) as opened:
        yield opened


def test_settings_point_at_a_host_that_never_resolves(emu: Emulator) -> None:
    assert emu.settings == {"base_url": BASE_URL, "project_id": PROJECT_ID, "api_token": API_TOKEN}
    assert HOST.endswith(".invalid")


@pytest.mark.parametrize("auth", [None, (PROJECT_ID, "wrong"), ("other-project", API_TOKEN)])
def test_basic_auth_is_checked(emu: Emulator, auth: tuple[str, str] | None) -> None:
    with httpx.Client(transport=emu.transport, auth=auth) as opened:
        response = opened.get(BASE_URL + "/phone_numbers")
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}


@pytest.mark.parametrize("size", ["0", "1001", "-5", "many"])
def test_page_size_outside_1_to_1000_is_a_422(client: httpx.Client, size: str) -> None:
    response = client.get(BASE_URL + "/phone_numbers", params={"page_size": size})
    assert response.status_code == 422
    (item,) = response.json()["errors"]
    assert set(item) == {"detail", "status", "title", "code"}


@pytest.mark.parametrize("size", ["1", "1000"])
def test_page_size_bounds_are_inclusive(client: httpx.Client, size: str) -> None:
    response = client.get(BASE_URL + "/phone_numbers", params={"page_size": size})
    assert response.status_code == 200
    assert len(response.json()["data"]) == min(int(size), 12)


def test_pages_link_with_keyset_tokens_and_default_to_50(client: httpx.Client, emu: Emulator) -> None:
    body = client.get(BASE_URL + "/phone_numbers").json()
    assert len(body["data"]) == 12
    assert "next" not in body["links"]
    first = client.get(BASE_URL + "/phone_numbers", params={"page_size": 5}).json()
    assert first["links"]["next"].startswith("/api/relay/rest/phone_numbers?")
    assert "page_token=PA" + first["data"][-1]["id"] in first["links"]["next"]
    emu.transport.absolute_links = True
    absolute = client.get(BASE_URL + "/phone_numbers", params={"page_size": 5}).json()
    assert absolute["links"]["next"].startswith(f"https://{HOST}/api/relay/rest/phone_numbers?")


def test_most_recent_numbers_come_first(client: httpx.Client) -> None:
    data = client.get(BASE_URL + "/phone_numbers").json()["data"]
    created = [item["created_at"] for item in data]
    assert created == sorted(created, reverse=True)


def test_filters_match_substrings(client: httpx.Client) -> None:
    by_number = client.get(BASE_URL + "/phone_numbers", params={"filter_number": "200001"}).json()["data"]
    assert [item["number"] for item in by_number] == ["+12022000011", "+12022000010"]
    by_name = client.get(BASE_URL + "/phone_numbers", params={"filter_name": "sales"}).json()["data"]
    assert by_name
    assert all("sales" in item["name"].lower() for item in by_name)


def test_an_invalid_page_token_is_a_422(client: httpx.Client) -> None:
    response = client.get(BASE_URL + "/phone_numbers", params={"page_token": "PAnope"})
    assert response.status_code == 422


def test_put_rejects_bad_values_in_the_documented_shape(client: httpx.Client) -> None:
    ident = client.get(BASE_URL + "/phone_numbers").json()["data"][0]["id"]
    url = f"{BASE_URL}/phone_numbers/{ident}"
    for body in (
        {"call_handler": "relay_topic", "call_relay_topic": None},
        {"call_handler": "carrier_pigeon"},
        {"call_request_method": "PATCH"},
        {"call_receive_mode": "telepathy"},
        {"name": 7},
        {"calling_handler_resource_id": "not-the-current-one"},
    ):
        response = client.put(url, json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["detail"]
    assert client.put(url, content=b"not json").status_code == 400
    assert client.put(BASE_URL + "/phone_numbers/unknown", json={"name": "x"}).status_code == 404
    assert client.delete(BASE_URL + "/phone_numbers/unknown").status_code == 404
    assert client.get(BASE_URL + "/nothing-here").status_code == 404


def test_seeding_is_deterministic_and_depends_on_the_seed() -> None:
    one = emulate("signalwire", numbers=30, seed=1).transport.numbers()
    again = emulate("signalwire", numbers=30, seed=1).transport.numbers()
    other = emulate("signalwire", numbers=30, seed=2).transport.numbers()
    assert one == again
    assert [n["number"] for n in one] == [n["number"] for n in other]
    assert [n["id"] for n in one] != [n["id"] for n in other]
    kinds = {n["call_handler"] for n in one}
    assert {"laml_webhooks", "relay_topic", "ai_agent", None} <= kinds


def test_explicit_numbers_and_offsets() -> None:
    explicit = emulate("signalwire", numbers=["+12025550177", "+1 (415) 555-0142"]).transport.numbers()
    assert sorted(n["number"] for n in explicit) == ["+12025550177", "+14155550142"]
    shifted = emulate("signalwire", numbers=2, offset=5).transport.numbers()
    assert sorted(n["number"] for n in shifted) == ["+12022000005", "+12022000006"]


def test_a_large_seed_streams_completely() -> None:
    emu = emulate("signalwire", numbers=20_000)
    with emu.connect("signalwire", page_size=1000) as store:
        count = sum(1 for _ in store.list())
    assert count == 20_000
    assert emu.transport.count("GET", "/phone_numbers") == 20
    # forwarding is resolved from one read of the scripts for the whole listing
    assert emu.transport.count("GET", "/swml_scripts") == 1


def test_faults_are_injected_in_the_vendor_envelope() -> None:
    emu = emulate("signalwire", numbers=2, faults=FaultPlan(script=[Fault.RATE_LIMIT, Fault.SERVER_ERROR]))
    with httpx.Client(transport=emu.transport, auth=(PROJECT_ID, API_TOKEN)) as client:
        limited = client.get(BASE_URL + "/phone_numbers")
        failed = client.get(BASE_URL + "/phone_numbers")
        fine = client.get(BASE_URL + "/phone_numbers")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.json()["errors"][0]["code"] == "rate_limit_exceeded"
    assert failed.status_code in {500, 502, 503, 504}
    assert "error" in failed.json()
    assert fine.status_code == 200


def test_a_switch_of_handler_keeps_the_old_fields_inert(emu: Emulator) -> None:
    with emu.connect("signalwire") as store:
        sample = next(iter(store.list()))
        store.update(
            sample.id, NumberChanges(routing=Routing(voice=Handler("laml_webhooks", url="https://a.example")))
        )
        switched = store.update(
            sample.id, NumberChanges(routing=Routing(voice=Handler("relay_topic", target="t")))
        )
    assert switched.raw["call_request_url"] == "https://a.example"
    assert switched.raw["calling_handler_resource_id"]
    assert switched.routing is not None
    assert switched.routing.voice == Handler("relay_topic", target="t")
