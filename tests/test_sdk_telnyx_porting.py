"""The official `telnyx` SDK's porting calls against the served emulator, and
phonefleet reading the same orders back.

`client.portability_checks.run`, `client.documents.upload`,
`client.porting_orders.create / retrieve / update / list /
retrieve_requirements`, `client.porting_orders.actions.confirm / cancel`,
over a loopback socket; the emulator sits on a `Network` with a losing
carrier, so an order confirmed through the SDK ports on the shared clock.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import telnyx

from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
from phonefleet import PortDocuments, PortStatus
from phonefleet.testing import Emulator, EmulatorServer, Network, emulate, serve
from phonefleet_telnyx.emulator import TelnyxEmulator


@pytest.fixture
def network() -> Network:
    return Network()


@pytest.fixture
def losing(network: Network) -> Emulator:
    return emulate("telnyx", numbers=3, offset=900, seed=5, network=network)


@pytest.fixture
def server(network: Network) -> Iterator[EmulatorServer]:
    with serve("telnyx", numbers=2, seed=3, network=network) as served:
        yield served


@pytest.fixture
def client(server: EmulatorServer) -> Iterator[telnyx.Telnyx]:
    sdk = telnyx.Telnyx(api_key=server.settings["api_key"], base_url=server.base_url, max_retries=0)
    yield sdk
    sdk.close()


def _numbers(emu: Emulator) -> list[str]:
    assert isinstance(emu.transport, TelnyxEmulator)
    return sorted(r["phone_number"] for r in emu.transport.records.values())


def _upload(client: telnyx.Telnyx, data: bytes, name: str) -> str:
    document = client.documents.upload(
        document={"file": base64.b64encode(data).decode(), "filename": name}
    ).data
    assert document is not None
    assert document.id is not None
    return document.id


def test_sdk_ports_a_number_end_to_end_and_phonefleet_reads_it_back(
    network: Network, losing: Emulator, server: EmulatorServer, client: telnyx.Telnyx
) -> None:
    number = _numbers(losing)[0]
    checked = client.portability_checks.run(phone_numbers=[number]).data
    assert checked is not None
    assert [(c.phone_number, c.portable) for c in checked] == [(number, True)]

    created = client.porting_orders.create(phone_numbers=[number]).data
    assert created is not None
    [order] = created
    assert order.id is not None
    assert order.status is not None
    assert order.status.value == "draft"

    requirements = list(client.porting_orders.retrieve_requirements(order.id))
    assert {r.requirement_status for r in requirements} == {"requirement-info-pending"}

    account = network.account(number)
    loa = _upload(client, b"%PDF-1.4 loa", "loa.pdf")
    invoice = _upload(client, b"%PDF-1.4 invoice", "invoice.pdf")
    client.porting_orders.update(
        order.id,
        documents={"loa": loa, "invoice": invoice},
        end_user={
            "admin": {
                "entity_name": account.name,
                "auth_person_name": account.authorized_name,
                "account_number": account.account_number,
                "pin_passcode": account.pin,
                "billing_phone_number": account.billing_number,
            },
            "location": {
                "street_address": account.address.street,
                "locality": account.address.city,
                "administrative_area": account.address.region,
                "postal_code": account.address.postal_code,
                "country_code": account.address.country,
            },
        },
        activation_settings={"foc_datetime_requested": "2026-01-09T16:00:00Z"},
    )
    confirmed = client.porting_orders.actions.confirm(order.id).data
    assert confirmed is not None
    assert confirmed.status is not None
    assert confirmed.status.value == "in-process"

    with server.connect() as store:
        mine = store.get_port_in(order.id)
        assert mine.status is PortStatus.SCHEDULED
        assert [n.number for n in mine.numbers] == [number]
        assert [o.id for o in store.list_port_ins(open_only=True)] == [order.id]

    retrieved = client.porting_orders.retrieve(order.id).data
    assert retrieved is not None
    assert retrieved.activation_settings is not None
    assert retrieved.activation_settings.foc_datetime_actual is not None

    network.advance(days=7)
    listed = list(client.porting_orders.list(page_size=1))
    assert [(o.id, o.status.value if o.status else None) for o in listed] == [(order.id, "ported")]
    assert number not in _numbers(losing)
    with server.connect() as store:
        assert number in {n.number for n in store.list()}
        assert store.get_port_in(order.id).status is PortStatus.COMPLETED


def test_phonefleet_ports_and_the_sdk_cancels(
    network: Network, losing: Emulator, server: EmulatorServer, client: telnyx.Telnyx
) -> None:
    number = _numbers(losing)[1]
    with server.connect() as store:
        [order] = store.port_in(
            [number],
            account=network.account(number),
            documents=PortDocuments(loa=b"%PDF loa", invoice=b"%PDF bill"),
        )
    seen = client.porting_orders.retrieve(order.id).data
    assert seen is not None
    assert seen.documents is not None
    assert seen.documents.loa is not None
    assert seen.documents.invoice is not None
    cancelled = client.porting_orders.actions.cancel(order.id).data
    assert cancelled is not None
    assert cancelled.status is not None
    assert cancelled.status.value == "cancel-pending"
    with server.connect() as store:
        assert store.get_port_in(order.id).status is PortStatus.CANCELLED
    with pytest.raises(telnyx.NotFoundError):
        client.porting_orders.retrieve("no-such-order")
    with pytest.raises(telnyx.UnprocessableEntityError):
        client.porting_orders.create(phone_numbers=["not a number"])
