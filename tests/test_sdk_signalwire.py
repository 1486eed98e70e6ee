"""signalwire-sdk's REST client, unchanged, against the served emulator (its `host` setting).

The SDK speaks plain http to a loopback host, so `host="127.0.0.1:PORT"`
is all it needs; phonefleet then reads the same server back.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from signalwire.rest import RestClient
from signalwire.rest._base import SignalWireRestError

from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
from _spec_check import watch
from phonefleet import NotFoundError
from phonefleet.testing import EmulatorServer, serve


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with serve("signalwire", numbers=11, seed=5) as served, watch(served.emulator.transport, "signalwire"):
        yield served


@pytest.fixture
def client(server: EmulatorServer) -> RestClient:
    return RestClient(
        project=server.settings["project_id"], token=server.settings["api_token"], host=server.netloc
    )


def test_sdk_lists_several_pages_as_phonefleet_does(server: EmulatorServer, client: RestClient) -> None:
    items = list(client.phone_numbers.paginate(page_size=4))
    pages = [r for r in server.emulator.transport.requests if r.method == "GET"]
    assert len(pages) == 3  # 4 + 4 + 3
    assert all(r.url.params["page_size"] == "4" for r in pages)
    with server.connect(page_size=4) as store:
        read = list(store.list())
    assert [(i["id"], i["number"], i["name"]) for i in items] == [(n.id, n.number, n.name) for n in read]
    assert len(items) == 11
    first = client.phone_numbers.list(page_size=4)
    assert [i["id"] for i in first["data"]] == [i["id"] for i in items[:4]]
    assert "next" in first["links"]


def test_sdk_get_and_update_then_phonefleet_reads_back(server: EmulatorServer, client: RestClient) -> None:
    ident = client.phone_numbers.list(page_size=1)["data"][0]["id"]
    got = client.phone_numbers.get(ident)
    assert got["id"] == ident
    updated = client.phone_numbers.update(ident, name="Front desk")
    assert updated["name"] == "Front desk"
    webhook = client.phone_numbers.set_cxml_webhook(ident, "https://hooks.example.com/voice")
    assert webhook["call_handler"] == "laml_webhooks"
    with server.connect() as store:
        number = store.get(ident)
    assert number.name == "Front desk"
    assert number.number == got["number"]
    assert number.routing is not None
    assert number.routing.voice is not None
    assert number.routing.voice.kind == "laml_webhooks"
    assert number.routing.voice.url == "https://hooks.example.com/voice"


def test_sdk_search_purchase_release_then_phonefleet_reads_back(
    server: EmulatorServer, client: RestClient
) -> None:
    found = client.phone_numbers.search(areacode="512", max_results=3)["data"]
    assert 1 <= len(found) <= 3
    assert all(item["number"].startswith("+1512") for item in found)
    bought = client.phone_numbers.create(number=found[0]["number"])
    assert bought["number"] == found[0]["number"]
    with server.connect() as store:
        assert store.get(bought["id"]).number == found[0]["number"]
        assert client.phone_numbers.delete(bought["id"]) == {}  # 204, no body
        with pytest.raises(NotFoundError):
            store.get(bought["id"])
        assert found[0]["number"] not in {n.number for n in store.list()}
    with pytest.raises(SignalWireRestError) as caught:
        client.phone_numbers.get(bought["id"])
    assert caught.value.status_code == 404


def test_sdk_with_wrong_credentials_is_refused(server: EmulatorServer) -> None:
    wrong = RestClient(project=server.settings["project_id"], token="PTwrong", host=server.netloc)
    with pytest.raises(SignalWireRestError) as caught:
        wrong.phone_numbers.list()
    assert caught.value.status_code == 401
    assert server.emulator.transport.applied[-1].headers["Host"] == server.netloc


def test_sdk_with_a_wrong_token_gets_a_401_and_its_challenge(server: EmulatorServer) -> None:
    wrong = RestClient(project=server.settings["project_id"], token="PTwrong", host=server.netloc)
    with pytest.raises(SignalWireRestError) as caught:
        wrong.phone_numbers.list(page_size=1)
    assert caught.value.status_code == 401
    with httpx.Client(base_url=server.base_url) as http:
        answer = http.get("/phone_numbers", auth=(server.settings["project_id"], "wrong"))
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="SignalWire"'
    assert answer.json() == {"error": "Unauthorized"}


def test_sdk_pages_back_over_the_socket(client: RestClient) -> None:
    first = client.phone_numbers.list(page_size=5)
    second = client.phone_numbers.list(**dict(httpx.URL(first["links"]["next"]).params))
    back = client.phone_numbers.list(**dict(httpx.URL(second["links"]["prev"]).params))
    assert [n["id"] for n in back["data"]] == [n["id"] for n in first["data"]]
