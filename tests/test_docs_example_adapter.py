"""The example adapter of docs/writing-an-adapter.md passes the contract suite."""

from __future__ import annotations

import importlib.util
import pathlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from phonefleet import AuthenticationError, NotFoundError
from phonefleet.testing import Fault, FaultPlan
from phonefleet.testing.contract import AsyncStoreContract, StoreContract

PATH = pathlib.Path(__file__).resolve().parents[1] / "docs" / "examples" / "acme_adapter.py"
spec = importlib.util.spec_from_file_location("acme_adapter", PATH)
assert spec is not None
assert spec.loader is not None
acme = importlib.util.module_from_spec(spec)
sys.modules["acme_adapter"] = acme
spec.loader.exec_module(acme)


class AcmeFixtures:
    @pytest.fixture
    def emulator(self) -> Any:
        return acme.emulator(5)

    @pytest.fixture
    def requests_sent(self, emulator: Any) -> Callable[[], int]:
        return lambda: len(emulator.transport.requests)

    @pytest.fixture
    def archive_keeps_number(self) -> bool:
        return False


class TestAcmeContract(AcmeFixtures, StoreContract):
    @pytest.fixture
    def store(self, emulator: Any) -> Iterator[Any]:
        with acme.registration.connect(transport=emulator.transport, **emulator.settings) as store:
            yield store


class TestAsyncAcmeContract(AcmeFixtures, AsyncStoreContract):
    @pytest.fixture
    def async_store(self, emulator: Any) -> Any:
        return acme.registration.connect_async(transport=emulator.transport, **emulator.settings)


def test_faults_are_retried_away() -> None:
    plan = FaultPlan(script=[Fault.SERVER_ERROR, Fault.RATE_LIMIT, Fault.DROP_BEFORE])
    emulator = acme.emulator(3, faults=plan)
    with acme.registration.connect(transport=emulator.transport, **emulator.settings) as store:
        assert len(list(store.list())) == 3
    assert [fault for _, _, fault in plan.injected] == [
        Fault.SERVER_ERROR,
        Fault.RATE_LIMIT,
        Fault.DROP_BEFORE,
    ]


def test_wrong_key_is_an_authentication_error() -> None:
    emulator = acme.emulator(1)
    settings = {**emulator.settings, "api_key": "wrong"}
    store = acme.registration.connect(transport=emulator.transport, **settings)
    with store, pytest.raises(AuthenticationError) as caught:
        store.get("n0")
    assert "wrong" not in repr(store)
    assert "wrong" not in str(caught.value)


def test_unknown_id_is_not_found() -> None:
    emulator = acme.emulator(1)
    store = acme.registration.connect(transport=emulator.transport, **emulator.settings)
    with store, pytest.raises(NotFoundError):
        store.get("n99")
