"""The contract suite, run against both memory stores."""

from __future__ import annotations

import pytest

from phonefleet import (
    ArchiveBlocker,
    AsyncMemoryStore,
    Handler,
    MemoryStore,
    PhoneNumber,
    ProviderPhone,
    Routing,
)
from phonefleet.testing import Network
from phonefleet.testing.contract import AsyncStoreContract, StoreContract

SEED = [
    PhoneNumber(provider="memory", id="a", number="+12025550100", name="Main"),
    PhoneNumber(provider="memory", id="b", number="+12025550101", forwarding_number="+12025550150"),
    PhoneNumber(provider="memory", id="c", number="+12025550102"),
]
OPTIONS = {
    "blockers": {"c": [ArchiveBlocker(kind="workflow", id="wf-1", name="Intake")]},
    "linkable": [ProviderPhone(id="pp-1", number="+12025550100"), ProviderPhone(id="pp-2")],
    "page_size": 2,  # several pages, so streaming is exercised
}


class MemoryFixtures:
    @pytest.fixture
    def port_network(self) -> Network:
        return Network()

    @pytest.fixture
    def creatable_number(self) -> str:
        return "+12025550177"

    @pytest.fixture
    def routing_example(self) -> Routing:
        return Routing(voice=Handler(kind="webhook", url="https://example.com/voice", method="POST"))

    @pytest.fixture
    def blocked_ref(self) -> str:
        return "c"


class TestMemoryStore(MemoryFixtures, StoreContract):
    @pytest.fixture
    def store(self, port_network: Network) -> MemoryStore:
        return MemoryStore(SEED, network=port_network, **OPTIONS)  # type: ignore[arg-type]


class TestAsyncMemoryStore(MemoryFixtures, AsyncStoreContract):
    @pytest.fixture
    def async_store(self, port_network: Network) -> AsyncMemoryStore:
        return AsyncMemoryStore(SEED, network=port_network, **OPTIONS)  # type: ignore[arg-type]
