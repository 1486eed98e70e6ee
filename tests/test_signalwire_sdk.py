"""SignalWire's official SDK (signalwire-sdk) against the emulator, read back
through phonefleet: what the SDK writes, the emulator accepts and phonefleet
reads; what phonefleet writes, the SDK reads. The SDK's requests session is
bridged to the emulator transport in-process (no socket)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import requests.adapters
import requests.structures
from signalwire import rest

from _spec_check import watch
from phonefleet import Handler, NumberChanges, Routing
from phonefleet.testing import Emulator, emulate

HOST = "signalwire.emulator.invalid"


class _Bridge(requests.adapters.BaseAdapter):  # type: ignore[misc]
    """A requests transport adapter that answers from an emulator transport."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        super().__init__()
        self.transport = transport

    def send(self, request: Any, **_: Any) -> Any:
        body = request.body
        content = body.encode() if isinstance(body, str) else (body or b"")
        answer = self.transport.handle_request(
            httpx.Request(request.method, request.url, headers=dict(request.headers), content=content)
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers = requests.structures.CaseInsensitiveDict(answer.headers)
        response.url = request.url
        response.request = request
        response.reason = answer.reason_phrase
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def emu() -> Iterator[Emulator]:
    emulator = emulate("signalwire", numbers=12, seed=3)
    with watch(emulator.transport, "signalwire"):
        yield emulator


@pytest.fixture
def sdk(emu: Emulator) -> Any:
    client = rest.RestClient(project=emu.settings["project_id"], token=emu.settings["api_token"], host=HOST)
    client._http._session.mount("https://", _Bridge(emu.transport))
    return client


def _first_id(sdk: Any) -> str:
    return str(sdk.phone_numbers.list(page_size=5)["data"][0]["id"])


def test_sdk_set_ai_agent_reads_back_as_the_agent(emu: Emulator, sdk: Any) -> None:
    ident = _first_id(sdk)
    agent = "0b6e3f1a-9c8d-4e7f-a6b5-c4d3e2f1a0b9"
    answer = sdk.phone_numbers.set_ai_agent(ident, agent)
    assert answer["call_handler"] == "ai_agent"
    assert answer["calling_handler_resource_id"] == agent
    with emu.connect("signalwire") as store:
        assert store.get(ident).routing.voice == Handler("ai_agent", target=agent)  # type: ignore[union-attr]


def test_sdk_set_call_flow_with_a_version_reads_back_as_the_flow(emu: Emulator, sdk: Any) -> None:
    ident = _first_id(sdk)
    flow = "5e2f9a1c-0d3b-4c7e-8f6a-2b1d0c9e8f7a"
    sdk.phone_numbers.set_call_flow(ident, flow, version="current_deployed")
    with emu.connect("signalwire") as store:
        assert store.get(ident).routing.voice == Handler("call_flow", target=flow)  # type: ignore[union-attr]


def test_phonefleet_ai_agent_is_what_the_sdk_sends(emu: Emulator, sdk: Any) -> None:
    first, second = (item["id"] for item in sdk.phone_numbers.list(page_size=2)["data"])
    agent = "0b6e3f1a-9c8d-4e7f-a6b5-c4d3e2f1a0b9"
    sdk.phone_numbers.set_ai_agent(first, agent)
    with emu.connect("signalwire") as store:
        store.update(second, NumberChanges(routing=Routing(voice=Handler("ai_agent", target=agent))))
    puts = [r for r in emu.transport.requests if r.method == "PUT"]
    assert [httpx.Response(200, content=r.content).json() for r in puts] == [
        {"call_handler": "ai_agent", "call_ai_agent_id": agent}
    ] * 2


def test_sdk_swml_webhook_to_a_forwarding_script_reads_as_forwarding(emu: Emulator, sdk: Any) -> None:
    """The documented recipe done by hand with the SDK: create the script, bind its URL."""
    created = sdk.fabric.swml_scripts.create(
        name="Forward to my cell",
        contents={"version": "1.0.0", "sections": {"main": [{"connect": {"to": "+16505550199"}}]}},
    )
    ident = _first_id(sdk)
    sdk.phone_numbers.set_swml_webhook(ident, created["swml_script"]["request_url"])
    with emu.connect("signalwire") as store:
        number = store.get(ident)
        assert number.forwarding_number == "+16505550199"
        # and phonefleet reuses that script rather than making its own
        other = next(n for n in store.list() if n.id != ident and n.forwarding_number is None)
        store.set_forwarding(other.id, "+16505550199")
    assert emu.transport.count("POST", "/swml_scripts") == 1


def test_sdk_lists_what_phonefleet_forwarded(emu: Emulator, sdk: Any) -> None:
    with emu.connect("signalwire") as store:
        number = next(n for n in store.list() if n.forwarding_number is None)
        store.set_forwarding(number.id, "+16505550199")
    scripts = sdk.fabric.swml_scripts.list()["data"]
    made = [s for s in scripts if s["display_name"] == "phonefleet forward +16505550199"]
    assert len(made) == 1
    url = made[0]["swml_script"]["request_url"]
    listed = sdk.phone_numbers.get(number.id)
    assert (listed["call_handler"], listed["call_relay_script_url"]) == ("relay_script", url)


def test_sdk_live_search_shape_is_read_by_phonefleet() -> None:
    emu = emulate("signalwire", numbers=1, search_style="live")
    client = rest.RestClient(project=emu.settings["project_id"], token=emu.settings["api_token"], host=HOST)
    client._http._session.mount("https://", _Bridge(emu.transport))
    raw = client.phone_numbers.search(areacode="512", max_results=3)
    assert isinstance(raw, list)
    assert all("e164" in item and "number" not in item for item in raw)
    with emu.connect("signalwire") as store:
        found = store.ex_search_available(areacode="512", max_results=3)
    assert [f.number for f in found] == [item["e164"] for item in raw]


GUIDE_YAML = """version: 1.0.0
sections:
  main:
    - connect:
        from: "%{call.from}"
        to: "+16505550199"
"""


def test_the_guides_yaml_script_made_with_the_sdk_reads_as_forwarding(emu: Emulator, sdk: Any) -> None:
    """SignalWire's forwarding guide writes the script in YAML; the SDK types `contents` as text,
    and the script is kept as the SWML object the spec's `CallingSwmlScript.contents` is."""
    created = sdk.fabric.swml_scripts.create(name="Forward (from the guide)", contents=GUIDE_YAML)
    contents = sdk.fabric.swml_scripts.get(created["id"])["swml_script"]["contents"]
    assert contents == {
        "version": "1.0.0",
        "sections": {"main": [{"connect": {"from": "%{call.from}", "to": "+16505550199"}}]},
    }
    ident = _first_id(sdk)
    sdk.phone_numbers.update(
        ident, call_handler="relay_script", call_relay_script_url=created["swml_script"]["request_url"]
    )
    with emu.connect("signalwire") as store:
        assert store.get(ident).forwarding_number == "+16505550199"
        assert [n.id for n in store.list() if n.forwarding_number == "+16505550199"] == [ident]


# -- where the SDK and the spec found the emulator apart (issue 22) ---------------------------------


def test_sdk_numbers_carry_only_what_the_closed_schema_declares(emu: Emulator, sdk: Any) -> None:
    ident = _first_id(sdk)
    updated = sdk.phone_numbers.update(
        ident, message_handler="relay_application", message_relay_application="sms-app"
    )
    assert updated["message_handler"] == "relay_application"
    for answer in (updated, sdk.phone_numbers.get(ident), *sdk.phone_numbers.list(page_size=3)["data"]):
        assert "cnam" not in answer
        assert "message_relay_application" not in answer


def test_sdk_later_pages_link_back_and_the_first_does_not(sdk: Any) -> None:
    first = sdk.phone_numbers.list(page_size=4)
    assert "prev" not in first["links"]
    assert first["links"]["first"]
    second = sdk.phone_numbers.list(**dict(httpx.URL(first["links"]["next"]).params))
    assert second["links"]["prev"]
    back = sdk.phone_numbers.list(**dict(httpx.URL(second["links"]["prev"]).params))
    assert [n["id"] for n in back["data"]] == [n["id"] for n in first["data"]]
    assert "prev" not in back["links"]
    assert (
        httpx.URL(back["links"]["next"]).params["page_token"]
        == httpx.URL(first["links"]["next"]).params["page_token"]
    )


def test_sdk_toll_free_search_leaves_out_what_it_does_not_know(sdk: Any) -> None:
    found = sdk.phone_numbers.search(number_type="toll-free", max_results=3)
    assert found["links"]["first"] == found["links"]["self"]
    assert found["data"]
    for item in found["data"]:
        assert {"region", "city", "rate_center", "lata"}.isdisjoint(item)  # optional, never null
    local = sdk.phone_numbers.search(areacode="512", max_results=2)["data"]
    assert all(isinstance(item["region"], str) for item in local)


def test_sdk_json_text_contents_are_kept_as_the_swml_object(emu: Emulator, sdk: Any) -> None:
    document = {"version": "1.0.0", "sections": {"main": [{"play": {"url": "say:Hello"}}]}}
    created = sdk.fabric.swml_scripts.create(name="Hello", contents=json.dumps(document))
    assert created["swml_script"]["contents"] == document
    assert sdk.fabric.swml_scripts.get(created["id"])["swml_script"]["contents"] == document
    with emu.connect("signalwire") as store:
        assert store.get(_first_id(sdk)).number  # phonefleet still reads the account


def test_sdk_lists_a_scripts_addresses(sdk: Any) -> None:
    script = sdk.fabric.swml_scripts.list()["data"][0]
    addresses = sdk.fabric.swml_scripts.list_addresses(script["id"])
    assert [a["type"] for a in addresses["data"]] == ["app"]
    assert addresses["data"][0]["display_name"] == script["display_name"]
    assert addresses["links"]["self"].endswith(f"/swml_scripts/{script['id']}/addresses")


def test_sdk_script_pages_link_back_too(sdk: Any) -> None:
    for index in range(3):
        sdk.fabric.swml_scripts.create(name=f"Extra {index}", contents=json.dumps(_HELLO))
    first = sdk.fabric.swml_scripts.list(page_size=2)
    assert "prev" not in first["links"]
    second = sdk.fabric.swml_scripts.list(**dict(httpx.URL(first["links"]["next"]).params))
    back = sdk.fabric.swml_scripts.list(**dict(httpx.URL(second["links"]["prev"]).params))
    assert [s["id"] for s in back["data"]] == [s["id"] for s in first["data"]]
    assert "prev" not in back["links"]


_HELLO = {"version": "1.0.0", "sections": {"main": [{"play": {"url": "say:Hello"}}]}}
