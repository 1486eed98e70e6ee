"""The official `telnyx` SDK, with its own HTTP client, against the served emulator.

The SDK sends real requests over a loopback socket; phonefleet then reads
the same server back, so both see one state.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import telnyx

from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
from _spec_check import watch
from phonefleet.testing import EmulatorServer, serve


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with serve("telnyx", numbers=5, seed=3) as served, watch(served.emulator.transport, "telnyx"):
        yield served


@pytest.fixture
def client(server: EmulatorServer) -> Iterator[telnyx.Telnyx]:
    sdk = telnyx.Telnyx(api_key=server.settings["api_key"], base_url=server.base_url, max_retries=0)
    yield sdk
    sdk.close()


def test_sdk_pages_and_forwards_then_phonefleet_reads_back(
    server: EmulatorServer, client: telnyx.Telnyx
) -> None:
    listed = list(client.phone_numbers.list(page_size=2))  # three pages
    assert len([r for r in server.emulator.transport.requests if r.url.path.endswith("/phone_numbers")]) == 3
    first = listed[0]
    assert first.id is not None
    client.phone_numbers.voice.update(
        first.id,
        call_forwarding={
            "call_forwarding_enabled": True,
            "forwards_to": "+13035559123",
            "forwarding_type": "always",
        },
    )
    with server.connect() as store:
        assert sorted(n.id for n in store.list()) == sorted(str(n.id) for n in listed)
        assert store.get(first.id).forwarding_number == "+13035559123"
        store.set_forwarding(first.id, None)
    settings = client.phone_numbers.voice.retrieve(first.id).data
    assert settings is not None
    assert settings.call_forwarding is not None
    assert settings.call_forwarding.call_forwarding_enabled is False


def test_sdk_order_and_delete_then_phonefleet_reads_back(
    server: EmulatorServer, client: telnyx.Telnyx
) -> None:
    wanted = server.emulator.transport.available[0]
    client.number_orders.create(phone_numbers=[{"phone_number": wanted}])
    with server.connect() as store:
        ordered = store.get(wanted)
        assert ordered.raw["status"] == "purchase-pending"
        assert ordered.id is not None
    client.phone_numbers.delete(ordered.id)
    with server.connect() as store:
        assert wanted not in {n.number for n in store.list()}
    with pytest.raises(telnyx.NotFoundError):
        client.phone_numbers.retrieve(ordered.id)


def test_sdk_messaging_settings_and_filters_over_the_socket(
    server: EmulatorServer, client: telnyx.Telnyx
) -> None:
    listed = list(client.phone_numbers.messaging.list(page_size=2))
    assert len(listed) == 5
    records = server.emulator.transport.records
    call_center = {i for i, r in records.items() if r.get("connection_name") == "call-center"}
    found = client.phone_numbers.list(filter={"voice.connection_name": {"eq": "call-center"}})
    assert {n.id for n in found} == call_center
    ident = next(iter(records))
    client.phone_numbers.voice.update(ident, inbound_call_screening="flag_calls")
    with server.connect() as store:
        assert store.get(ident).raw["inbound_call_screening"] == "flag_calls"
