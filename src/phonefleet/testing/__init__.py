"""Test aids shared by every adapter: emulator machinery, faults, the contract.

`emulate("linq", numbers=100)` builds a provider's in-process emulator;
`emulator.connect()` opens a store on it. `serve("linq")` serves the same
emulator over HTTP on loopback, for SDKs and apps in any language.
`phonefleet.testing.contract` holds the contract suite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from phonefleet._registry import registration

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
from ._server import AddressInUseError, EmulatorServer, serve, serve_fixture

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
    "RequestRecord",
    "Router",
    "account_limit",
    "emulate",
    "business_days_after",
    "json_response",
    "pool_numbers",
    "seeded_numbers",
    "serve",
    "serve_fixture",
]


def emulate(
    provider: str,
    *,
    rate_limit: object = None,
    concurrency_limit: int | None = None,
    limit_clock: Callable[[], float] | None = None,
    **options: Any,
) -> Emulator:
    """The emulator an adapter registers, built with `options` (seed size, faults...).

    `rate_limit` ("100/s") and `concurrency_limit` (requests in flight) make it
    enforce an account limit and answer beyond it as the vendor does (on
    `limit_clock`, injectable so tests never sleep); the rate counts the
    methods the vendor counts (SignalWire: writes only).
    """
    from phonefleet._errors import PhoneFleetError

    factory = registration(provider).emulator
    if factory is None:
        msg = f"the {provider!r} adapter ships no emulator"
        raise PhoneFleetError(msg)
    emulator = factory(**options)
    assert isinstance(emulator, Emulator)
    if emulator.provider is None:
        emulator.provider = provider
    transport = emulator.transport
    emulator.transport.limit = account_limit(
        rate_limit, concurrency_limit, methods=transport.limited_methods, clock=limit_clock
    )
    return emulator
