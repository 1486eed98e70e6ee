"""The phonefleet contract suite against the Twilio emulator, in both dialects, sync and async."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from phonefleet import Handler, Routing
from phonefleet.testing import Emulator, Network, emulate
from phonefleet.testing.contract import AsyncStoreContract, StoreContract


@pytest.fixture(params=["twilio", "signalwire"])
def emu(request: pytest.FixtureRequest) -> Emulator:
    return emulate("twilio", numbers=5, dialect=request.param)


class TwilioFixtures:
    @pytest.fixture
    def port_network(self, emu: Emulator) -> Network:
        """The Network the emulator joined: the contract's porting checks run on it."""
        network: Network = emu.transport.porting.network
        return network

    @pytest.fixture
    def requests_sent(self, emu: Emulator) -> Callable[[], int]:
        return emu.transport.count

    @pytest.fixture
    def archive_keeps_number(self) -> bool:
        return False  # a released number is gone from the account

    @pytest.fixture
    def creatable_number(self) -> str:
        return "+15125550100"  # in the emulator's pool of numbers for sale

    @pytest.fixture
    def routing_example(self, emu: Emulator) -> Routing:
        # an application sid of the dialect's shape: Twilio's AP + 32 hex, SignalWire's a UUID
        signalwire = "/api/laml" in str(emu.settings["base_url"])
        app = "0e6b1f8e-2b0c-4d5e-8f00-0123456789ab" if signalwire else "AP0123456789abcdef0123456789abcdef"
        return Routing(
            voice=Handler(
                kind="twiml_webhook",
                url="https://example.com/voice",
                method="POST",
                fallback_url="https://example.com/fallback",
                fallback_method="GET",
                status_callback_url="https://example.com/status",
                status_callback_method="POST",
            ),
            messaging=Handler(kind="twiml_application", target=app),
        )

    @pytest.fixture
    def blocked_ref(self, emu: Emulator) -> str:
        """A number in its release cooldown (409), as SignalWire answers."""
        held = emu.transport.numbers()[-1]["sid"]
        emu.transport.release_holds.add(held)
        return str(held)


class TestTwilioStore(TwilioFixtures, StoreContract):
    @pytest.fixture
    def store(self, emu: Emulator):  # type: ignore[no-untyped-def]
        with emu.connect("twilio", page_size=2) as store:  # several pages
            yield store


class TestAsyncTwilioStore(TwilioFixtures, AsyncStoreContract):
    @pytest.fixture
    def async_store(self, emu: Emulator):  # type: ignore[no-untyped-def]
        return emu.connect_async("twilio", page_size=2)
