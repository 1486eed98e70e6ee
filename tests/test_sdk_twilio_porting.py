"""twilio-python's Port In API (`client.numbers.v1.porting_port_ins`,
`porting_portabilities`, `porting_port_in_phone_number`) against the served
Twilio emulator on a Network (`client.numbers.base_url`), read back
through phonefleet over the same socket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.rest.numbers.v1.porting_port_in import PortingPortInList

from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
from phonefleet import PortAccount, PortDocuments, PortStatus
from phonefleet.testing import Emulator, EmulatorServer, Network, emulate, serve

BILL = b"%PDF-1.4 utility bill"


@pytest.fixture
def net() -> Network:
    return Network()


@pytest.fixture
def losing(net: Network) -> Emulator:
    return emulate("twilio", numbers=3, dialect="signalwire", network=net)


@pytest.fixture
def server(net: Network, losing: Emulator) -> Iterator[EmulatorServer]:
    with serve("twilio", numbers=2, offset=50, network=net) as served:
        yield served


@pytest.fixture
def client(server: EmulatorServer) -> Client:
    sdk = Client(server.settings["account_sid"], server.settings["auth_token"])
    sdk.api.base_url = server.base_url
    sdk.numbers.base_url = server.settings["numbers_base_url"]
    return sdk


def _upload(server: EmulatorServer) -> str:
    """The utility bill, as the docs' curl sends it (twilio-python has no Documents API)."""
    settings = server.settings
    response = httpx.post(
        f"{settings['upload_base_url']}/v1/Documents",
        auth=(settings["account_sid"], settings["auth_token"]),
        data={"document_type": "utility_bill", "friendly_name": "Bill"},
        files={"File": ("bill.pdf", BILL, "application/pdf")},
    )
    assert response.status_code == 201
    sid = response.json()["sid"]
    assert isinstance(sid, str)
    return sid


def _request(
    account: PortAccount, numbers: list[str], document: str, account_sid: str
) -> PortingPortInList.NumbersV1PortingPortInCreate:
    address = account.address
    return PortingPortInList.NumbersV1PortingPortInCreate(
        {
            "account_sid": account_sid,
            "documents": [document],
            "phone_numbers": [{"phone_number": n, "pin": account.pin} for n in numbers],
            "losing_carrier_information": {
                "customer_type": "Business",
                "customer_name": account.name,
                "authorized_representative": account.authorized_name,
                "authorized_representative_email": account.authorized_email,
                "account_number": account.account_number,
                "account_telephone_number": account.billing_number,
                "address": {
                    "street": address.street,
                    "city": address.city,
                    "state": address.region,
                    "zip": address.postal_code,
                    "country": address.country,
                },
            },
        }
    )


def _numbers(emulator: Emulator) -> list[str]:
    return [payload["phone_number"] for payload in emulator.transport.numbers()]


def test_sdk_checks_portability_as_phonefleet_does(
    server: EmulatorServer, client: Client, losing: Emulator
) -> None:
    own = _numbers(server.emulator)[0]
    theirs = _numbers(losing)[0]
    mine = client.numbers.v1.porting_portabilities(own).fetch()
    other = client.numbers.v1.porting_portabilities(theirs).fetch()
    assert (mine.portable, mine.not_portable_reason, mine.not_portable_reason_code) == (
        False,
        "ALREADY_IN_THE_TARGET_ACCOUNT",
        22131,
    )
    assert (other.portable, other.pin_and_account_number_required) == (True, True)
    with server.connect() as store:
        read = store.check_portability([own, theirs])
    assert [(r.portable, r.reason) for r in read] == [(mine.portable, mine.not_portable_reason), (True, None)]


def test_sdk_creates_a_port_in_and_phonefleet_follows_it_to_completion(
    net: Network, server: EmulatorServer, client: Client, losing: Emulator
) -> None:
    number = _numbers(losing)[0]
    account = net.account(number)
    created = client.numbers.v1.porting_port_ins.create(
        _request(account, [number], _upload(server), server.settings["account_sid"])
    )
    assert created.port_in_request_sid is not None
    assert created.port_in_request_sid.startswith("KW")
    assert created.phone_numbers[0]["port_in_phone_number_status"] == "port_pending"
    with server.connect() as store:
        port = store.get_port_in(created.port_in_request_sid)
        assert (port.status, port.numbers[0].number) == (PortStatus.SCHEDULED, number)
        assert [p.id for p in store.list_port_ins(open_only=True)] == [port.id]
        net.advance(days=5)
        assert store.get(number).number == number
    fetched = client.numbers.v1.porting_port_ins(created.port_in_request_sid).fetch()
    assert fetched.port_in_request_status == "Completed"
    assert number not in _numbers(losing)


def test_phonefleet_ports_in_and_the_sdk_reads_the_request_and_its_number(
    net: Network, server: EmulatorServer, client: Client, losing: Emulator
) -> None:
    number = _numbers(losing)[1]
    with server.connect() as store:
        (port,) = store.port_in([number], account=net.account(number), documents=PortDocuments(invoice=BILL))
    fetched = client.numbers.v1.porting_port_ins(port.id).fetch()
    assert fetched.port_in_request_sid == port.id
    assert fetched.documents
    assert fetched.documents[0].startswith("RD")
    entry = fetched.phone_numbers[0]
    one = client.numbers.v1.porting_port_in_phone_number(port.id, entry["port_in_phone_number_sid"]).fetch()
    assert (one.phone_number, one.port_in_phone_number_status) == (number, "port_pending")
    assert one.port_date is not None


def test_sdk_cancels_and_phonefleet_sees_it_cancelled(
    net: Network, server: EmulatorServer, client: Client, losing: Emulator
) -> None:
    number = _numbers(losing)[2]
    with server.connect() as store:
        (port,) = store.port_in([number], account=net.account(number), documents=PortDocuments(invoice=BILL))
        assert client.numbers.v1.porting_port_ins(port.id).delete() is True
        assert store.get_port_in(port.id).status is PortStatus.CANCELLED
        net.advance(days=10)
    assert number in _numbers(losing)


def test_sdk_sees_twilio_errors_for_a_missing_request_and_a_bad_create(
    server: EmulatorServer, client: Client, losing: Emulator, net: Network
) -> None:
    with pytest.raises(TwilioRestException) as caught:
        client.numbers.v1.porting_port_ins("KW" + "0" * 32).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)
    number = _numbers(losing)[0]
    no_bill = _request(net.account(number), [number], "RD" + "0" * 32, server.settings["account_sid"])
    with pytest.raises(TwilioRestException) as refused:
        client.numbers.v1.porting_port_ins.create(no_bill)
    assert refused.value.status == 400
    assert "utility_bill" in str(refused.value.msg)
