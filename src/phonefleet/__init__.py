"""phonefleet: many telephony vendors' phone numbers behind one store.

import phonefleet
with phonefleet.connect("linq") as store:
    for number in store.list():
        print(number.number, number.forwarding_number)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._errors import (
    ArchiveBlockedError,
    AuthenticationError,
    ConflictError,
    DeadlineExceededError,
    InvalidNumberError,
    NotFoundError,
    NotPortableError,
    PermissionDeniedError,
    PhoneFleetError,
    PortFailedError,
    ProviderError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    TransportError,
    UnknownProviderError,
    UnsupportedOperationError,
)
from ._identity import StoreIdentity
from ._model import (
    UNSET,
    ArchiveBlocker,
    Capability,
    Feature,
    Handler,
    NumberChanges,
    NumberType,
    PhoneNumber,
    ProviderPhone,
    Reputation,
    ReputationStatus,
    Routing,
    Unset,
)
from ._numbers import is_e164, to_e164
from ._porting import (
    Portability,
    PortAccount,
    PortAddress,
    PortDocuments,
    PortedNumber,
    PortIn,
    PortStatus,
)
from ._protocol import AsyncPhoneNumberStore, NumberRef, PhoneNumberStore
from ._ratelimit import RateLimit
from ._retry import RetryPolicy

if TYPE_CHECKING:
    from ._memory import AsyncMemoryStore, MemoryStore
    from ._registry import provider_settings, providers
    from ._settings import MissingSettingError, Setting, SettingError, UnknownSettingError
    from ._typed import connect, connect_async

    __version__: str

# Stores, drivers and the registry load on first use: `import phonefleet`
# stays close to the cost of `import httpx` alone.
_LAZY = {
    "MemoryStore": "._memory",
    "AsyncMemoryStore": "._memory",
    "connect": "._typed",
    "connect_async": "._typed",
    "providers": "._registry",
    "provider_settings": "._registry",
    "Setting": "._settings",
    "SettingError": "._settings",
    "MissingSettingError": "._settings",
    "UnknownSettingError": "._settings",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read from the installed metadata, once, on first use
        from importlib.metadata import version as installed

        globals()[name] = version = installed("phonefleet")
        return version
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'phonefleet' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "UNSET",
    "ArchiveBlockedError",
    "ArchiveBlocker",
    "AsyncMemoryStore",
    "AsyncPhoneNumberStore",
    "AuthenticationError",
    "Capability",
    "ConflictError",
    "DeadlineExceededError",
    "Feature",
    "Handler",
    "InvalidNumberError",
    "MemoryStore",
    "MissingSettingError",
    "NotFoundError",
    "NotPortableError",
    "NumberChanges",
    "NumberRef",
    "NumberType",
    "PermissionDeniedError",
    "PhoneFleetError",
    "PhoneNumber",
    "PhoneNumberStore",
    "PortAccount",
    "PortAddress",
    "PortDocuments",
    "PortFailedError",
    "PortIn",
    "PortStatus",
    "Portability",
    "PortedNumber",
    "ProviderError",
    "ProviderPhone",
    "RateLimit",
    "RateLimitError",
    "Reputation",
    "ReputationStatus",
    "ResponseFormatError",
    "RetryPolicy",
    "Routing",
    "ServerError",
    "Setting",
    "SettingError",
    "StoreIdentity",
    "TransportError",
    "UnknownProviderError",
    "UnknownSettingError",
    "Unset",
    "UnsupportedOperationError",
    "connect",
    "connect_async",
    "is_e164",
    "provider_settings",
    "providers",
    "to_e164",
]
