"""Test aids shared by every adapter: emulator machinery, faults, the contract.

`emulate("linq", numbers=100)` builds a provider's in-process emulator;
`emulator.connect()` opens a store on it. `serve("linq")` serves the same
emulator over HTTP on loopback, for SDKs and apps in any language.
`phonefleet.testing.contract` holds the contract suite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from phonefleet._lazy import by_name, load

if TYPE_CHECKING:
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

# Each name loads from its module on first use: an emulator used in-process
# (`phonefleet list emulator:linq`) does not load the HTTP server, the spec
# checks or the porting network.
_LAZY = by_name(
    {
        "phonefleet._typed": ("emulate", "serve"),
        "._answer": ("bytes_response",),
        "._book": ("AREAS", "TOLL_FREE_AREAS", "NumberRecord", "PoolNumber", "RecordBook", "pool_numbers"),
        "._emulator": (
            "ALL_FAULTS",
            "Emulator",
            "EmulatorTransport",
            "Fault",
            "FaultPlan",
            "ProviderMismatchError",
            "Route",
            "Router",
            "json_response",
            "seeded_numbers",
        ),
        "._limits": ("AccountLimit", "LimitState", "account_limit"),
        "._network": ("Network", "NetworkMember", "business_days_after"),
        "._record": ("RequestRecord",),
        "._server": ("AddressInUseError", "EmulatorServer", "serve_fixture"),
        "._spec": ("Refusal", "SpecSlice"),
    }
)


def __getattr__(name: str) -> Any:
    return load(globals(), _LAZY, name)


def __dir__() -> list[str]:
    return sorted(__all__)


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
