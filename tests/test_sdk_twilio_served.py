"""twilio-python, with its own HTTP client, against the served emulator (`client.api.base_url`).

The SDK sends real requests over a loopback socket; phonefleet then reads
the same server back, so both see one state.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
from _spec_check import watch
from phonefleet import NotFoundError
from phonefleet.testing import EmulatorServer, serve


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with serve("twilio", numbers=7, seed=3) as served, watch(served.emulator.transport, "twilio"):
        yield served


@pytest.fixture
def client(server: EmulatorServer) -> Client:
    sdk = Client(server.settings["account_sid"], server.settings["auth_token"])
    sdk.api.base_url = server.base_url
    return sdk


def test_sdk_lists_several_pages_as_phonefleet_does(server: EmulatorServer, client: Client) -> None:
    listed = list(client.incoming_phone_numbers.stream(page_size=3))
    pages = [r for r in server.emulator.transport.requests if r.method == "GET"]
    assert len(pages) == 3  # 3 + 3 + 1
    with server.connect() as store:
        read = list(store.list())
    assert [(n.sid, n.phone_number, n.friendly_name) for n in listed] == [
        (n.id, n.number, n.name) for n in read
    ]


def test_sdk_update_and_forward_then_phonefleet_reads_back(server: EmulatorServer, client: Client) -> None:
    sid = client.incoming_phone_numbers.list(limit=1)[0].sid
    client.incoming_phone_numbers(sid).update(
        friendly_name="Front desk", voice_url="https://twimlets.com/forward?PhoneNumber=%2B16505550199"
    )
    with server.connect() as store:
        number = store.get(sid)
        assert (number.name, number.forwarding_number) == ("Front desk", "+16505550199")
        store.set_forwarding(sid, None)
    assert not client.incoming_phone_numbers(sid).fetch().voice_url


def test_sdk_purchase_and_release_then_phonefleet_reads_back(server: EmulatorServer, client: Client) -> None:
    found = client.available_phone_numbers("US").local.list(area_code=512, limit=2)
    assert found
    bought = client.incoming_phone_numbers.create(phone_number=found[0].phone_number)
    with server.connect() as store:
        assert store.get(bought.sid).number == found[0].phone_number
        assert client.incoming_phone_numbers(bought.sid).delete() is True
        with pytest.raises(NotFoundError):
            store.get(bought.sid)
    with pytest.raises(TwilioRestException) as caught:
        client.incoming_phone_numbers(bought.sid).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_sdk_with_a_wrong_token_gets_twilios_401_and_its_challenge(server: EmulatorServer) -> None:
    wrong = Client(server.settings["account_sid"], "not-the-token")
    wrong.api.base_url = server.base_url
    with pytest.raises(TwilioRestException) as caught:
        wrong.incoming_phone_numbers("PN" + "0" * 32).fetch()
    assert (caught.value.status, caught.value.code) == (401, 20003)
    with httpx.Client(base_url=server.base_url) as http:
        account = server.settings["account_sid"]
        answer = http.get(
            f"/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json", auth=(account, "wrong")
        )
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'


def test_sdk_countries_and_a_bad_update_over_the_socket(server: EmulatorServer, client: Client) -> None:
    assert [c.country_code for c in client.available_phone_numbers.list()] == ["US"]
    sid = client.incoming_phone_numbers.list(limit=1)[0].sid
    with pytest.raises(TwilioRestException) as caught:
        client.incoming_phone_numbers(sid).update(trunk_sid="TK123")
    assert (caught.value.status, caught.value.code) == (400, 20001)
    with server.connect() as store:
        assert store.get(sid).raw["trunk_sid"] != "TK123"
