"""Test aids shared by every adapter: emulator machinery, faults, the contract.

`emulate("linq", numbers=100)` builds a provider's in-process emulator;
`emulator.connect("linq")` opens a store on it. `phonefleet.testing.contract`
holds the contract suite.
"""

from __future__ import annotations

from typing import Any

from phonefleet._registry import registration

from ._emulator import (
    ALL_FAULTS,
    Emulator,
    EmulatorTransport,
    Fault,
    FaultPlan,
    Route,
    Router,
    json_response,
    seeded_numbers,
)

__all__ = [
    "ALL_FAULTS",
    "Emulator",
    "EmulatorTransport",
    "Fault",
    "FaultPlan",
    "Route",
    "Router",
    "emulate",
    "json_response",
    "seeded_numbers",
]


def emulate(provider: str, **options: Any) -> Emulator:
    """The emulator an adapter registers, built with `options` (seed size, faults...)."""
    from phonefleet._errors import PhoneFleetError

    factory = registration(provider).emulator
    if factory is None:
        msg = f"the {provider!r} adapter ships no emulator"
        raise PhoneFleetError(msg)
    emulator = factory(**options)
    assert isinstance(emulator, Emulator)
    return emulator
