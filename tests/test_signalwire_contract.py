"""The phonefleet contract suite against the SignalWire emulator, sync and async."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from phonefleet import Handler, Routing
from phonefleet.testing import Emulator, emulate
from phonefleet.testing.contract import AsyncStoreContract, StoreContract


@pytest.fixture
def emu() -> Emulator:
    return emulate("signalwire", numbers=5)


class SignalWireFixtures:
    @pytest.fixture
    def requests_sent(self, emu: Emulator) -> Callable[[], int]:
        return emu.transport.count

    @pytest.fixture
    def archive_keeps_number(self) -> bool:
        return False  # a released number is gone from SignalWire

    @pytest.fixture
    def creatable_number(self) -> str:
        return "+15125550100"  # in the emulator's pool of numbers for sale

    @pytest.fixture
    def routing_example(self) -> Routing:
        return Routing(
            voice=Handler(
                kind="laml_webhooks",
                url="https://example.com/voice",
                method="POST",
                fallback_url="https://example.com/fallback",
                fallback_method="GET",
            ),
            messaging=Handler(kind="relay_topic", target="sms-office"),
        )

    @pytest.fixture
    def blocked_ref(self, emu: Emulator) -> str:
        """A number SignalWire refuses to release yet (`purchased_too_recently`)."""
        held = emu.transport.numbers()[-1]["id"]
        emu.transport.release_holds.add(held)
        return str(held)


class TestSignalWireStore(SignalWireFixtures, StoreContract):
    @pytest.fixture
    def store(self, emu: Emulator):  # type: ignore[no-untyped-def]
        with emu.connect("signalwire", page_size=2) as store:  # several pages
            yield store


class TestAsyncSignalWireStore(SignalWireFixtures, AsyncStoreContract):
    @pytest.fixture
    def async_store(self, emu: Emulator):  # type: ignore[no-untyped-def]
        return emu.connect_async("signalwire", page_size=2)
