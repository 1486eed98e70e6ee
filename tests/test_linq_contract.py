"""The phonefleet contract, run against the Linq emulator (sync and async)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from phonefleet.testing import emulate
from phonefleet.testing.contract import AsyncStoreContract, StoreContract
from phonefleet_linq import AsyncLinqStore, LinqStore


class LinqFixtures:
    @pytest.fixture
    def emulator(self) -> Any:
        return emulate("linq", numbers=5, seed=3)

    @pytest.fixture
    def requests_sent(self, emulator: Any) -> Callable[[], int]:
        return emulator.transport.count  # type: ignore[no-any-return]

    @pytest.fixture
    def archive_keeps_number(self) -> bool:
        return False


class TestLinqStore(LinqFixtures, StoreContract):
    @pytest.fixture
    def store(self, emulator: Any) -> Iterator[LinqStore]:
        store = emulator.connect("linq")
        assert isinstance(store, LinqStore)
        yield store
        store.close()


class TestAsyncLinqStore(LinqFixtures, AsyncStoreContract):
    @pytest.fixture
    def async_store(self, emulator: Any) -> AsyncLinqStore:
        store = emulator.connect_async("linq")
        assert isinstance(store, AsyncLinqStore)
        return store
