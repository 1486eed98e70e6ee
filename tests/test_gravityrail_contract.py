"""The contract suite against the Gravity Rail emulator, sync and async."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from phonefleet.testing import Emulator, emulate
from phonefleet.testing.contract import AsyncStoreContract, StoreContract


@pytest.fixture
def emu() -> Emulator:
    # the first number is blocked by two workflows; a few archived numbers make history
    return emulate("gravityrail", numbers=6, blocked=1, archived=2, seed=7)


class GravityRailFixtures:
    @pytest.fixture
    def requests_sent(self, emu: Emulator) -> Callable[[], int]:
        return emu.transport.count

    @pytest.fixture
    def creatable_number(self) -> str:
        return "+12025550177"

    @pytest.fixture
    def blocked_ref(self, emu: Emulator) -> str:
        return next(iter(emu.transport.blocked_numbers()))

    @pytest.fixture
    def archive_keeps_number(self) -> bool:
        return True


class TestGravityRailStore(GravityRailFixtures, StoreContract):
    @pytest.fixture
    def store(self, emu: Emulator) -> Iterator[Any]:
        with emu.connect("gravityrail") as store:
            yield store

    @pytest.fixture
    def sample(self, store: Any) -> Any:
        # the contract archives its sample: take one no workflow blocks
        return list(store.list())[1]


class TestAsyncGravityRailStore(GravityRailFixtures, AsyncStoreContract):
    @pytest.fixture
    def async_store(self, emu: Emulator) -> Any:
        return emu.connect_async("gravityrail")

    @pytest.fixture
    def sample(self, store: Any) -> Any:
        return list(store.list())[1]
