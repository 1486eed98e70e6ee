"""Test aids shared by every adapter: emulator machinery, faults, the contract.

`emulate("linq", numbers=100)` builds a provider's in-process emulator;
`emulator.connect()` opens a store on it. `serve("linq")` serves the same
emulator over HTTP on loopback, for SDKs and apps in any language.
`phonefleet.testing.contract` holds the contract suite.
"""

from __future__ import annotations

from phonefleet._typed import emulate, serve

from ._answer import bytes_response
from ._book import AREAS, TOLL_FREE_AREAS, NumberRecord, PoolNumber, RecordBook, pool_numbers
from ._emulator import (
    ALL_FAULTS,
    Emulator,
    EmulatorTransport,
    Fault,
    FaultPlan,
    ProviderMismatchError,
    Route,
    Router,
    json_response,
    seeded_numbers,
)
from ._limits import AccountLimit, LimitState, account_limit
from ._network import Network, NetworkMember, business_days_after
from ._record import RequestRecord
from ._server import AddressInUseError, EmulatorServer, serve_fixture
from ._spec import Refusal, SpecSlice

__all__ = [
    "ALL_FAULTS",
    "AREAS",
    "AccountLimit",
    "TOLL_FREE_AREAS",
    "AddressInUseError",
    "Emulator",
    "EmulatorServer",
    "EmulatorTransport",
    "Fault",
    "FaultPlan",
    "LimitState",
    "Network",
    "NetworkMember",
    "NumberRecord",
    "PoolNumber",
    "ProviderMismatchError",
    "Route",
    "RecordBook",
    "Refusal",
    "RequestRecord",
    "Router",
    "account_limit",
    "SpecSlice",
    "emulate",
    "business_days_after",
    "bytes_response",
    "json_response",
    "pool_numbers",
    "seeded_numbers",
    "serve",
    "serve_fixture",
]
