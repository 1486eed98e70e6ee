"""SignalWire's official SDK (signalwire-sdk) against the emulator, read back
through phonefleet: what the SDK writes, the emulator accepts and phonefleet
reads; what phonefleet writes, the SDK reads. The SDK's requests session is
bridged to the emulator transport in-process (no socket)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import requests
import requests.adapters
import requests.structures
from signalwire import rest

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
def emu() -> Emulator:
    return emulate("signalwire", numbers=12, seed=3)


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
    """SignalWire's forwarding guide writes the script in YAML; the SDK types `contents` as text."""
    created = sdk.fabric.swml_scripts.create(name="Forward (from the guide)", contents=GUIDE_YAML)
    assert sdk.fabric.swml_scripts.get(created["id"])["swml_script"]["contents"] == GUIDE_YAML
    ident = _first_id(sdk)
    sdk.phone_numbers.update(
        ident, call_handler="relay_script", call_relay_script_url=created["swml_script"]["request_url"]
    )
    with emu.connect("signalwire") as store:
        assert store.get(ident).forwarding_number == "+16505550199"
        assert [n.id for n in store.list() if n.forwarding_number == "+16505550199"] == [ident]
