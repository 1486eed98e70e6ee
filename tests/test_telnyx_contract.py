"""The phonefleet contract suite against the Telnyx emulator, sync and async."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from phonefleet import Handler, Routing
from phonefleet.testing import Emulator, Network, emulate
from phonefleet.testing.contract import AsyncStoreContract, StoreContract


@pytest.fixture
def emu() -> Emulator:
    # the first number has deletion lock: the contract's blocked archive
    return emulate("telnyx", numbers=6, seed=4, locked=1)


class TelnyxFixtures:
    @pytest.fixture
    def port_network(self, emu: Emulator) -> Network:
        return emu.transport.porting.network  # the contract's porting checks run on it

    @pytest.fixture
    def requests_sent(self, emu: Emulator) -> Callable[[], int]:
        return emu.transport.count

    @pytest.fixture
    def archive_keeps_number(self) -> bool:
        return False  # a deleted number is gone from the account

    @pytest.fixture
    def creatable_number(self, emu: Emulator) -> str:
        return str(emu.transport.available[0])

    @pytest.fixture
    def routing_example(self) -> Routing:
        return Routing(
            voice=Handler("connection", target="1293384261075731499"),
            messaging=Handler("messaging_profile", target="abc85f64-5717-4562-b3fc-2c9600000000"),
        )

    @pytest.fixture
    def blocked_ref(self, emu: Emulator) -> str:
        return next(r["id"] for r in emu.transport.records.values() if r["deletion_lock_enabled"])

    @pytest.fixture
    def sample(self, store: Any, blocked_ref: str) -> Any:
        # the contract archives its sample: take one without deletion lock
        return next(n for n in store.list() if n.id != blocked_ref)


class TestTelnyxStore(TelnyxFixtures, StoreContract):
    @pytest.fixture
    def store(self, emu: Emulator) -> Iterator[Any]:
        with emu.connect("telnyx", page_size=2) as store:  # several pages of each listing
            yield store


class TestAsyncTelnyxStore(TelnyxFixtures, AsyncStoreContract):
    @pytest.fixture
    def async_store(self, emu: Emulator) -> Any:
        return emu.connect_async("telnyx", page_size=2)
