"""phonefleet: many telephony vendors' phone numbers behind one store.

import phonefleet
with phonefleet.connect("linq") as store:
    for number in store.list():
        print(number.number, number.forwarding_number)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._lazy import by_name, load

if TYPE_CHECKING:
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
    from ._memory import AsyncMemoryStore, MemoryStore
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
    from ._registry import provider_settings, providers
    from ._retry import RetryPolicy
    from ._settings import MissingSettingError, Setting, SettingError, UnknownSettingError
    from ._typed import connect, connect_async

    __version__: str

# Every name loads from its module on first use: `import phonefleet` costs
# next to nothing, so `phonefleet --help` does not pay for the model (attrs),
# the stores or the registry; `from phonefleet import PhoneNumber` loads the
# model and what it needs, no more.
_MODULES = {
    "._errors": (
        "ArchiveBlockedError",
        "AuthenticationError",
        "ConflictError",
        "DeadlineExceededError",
        "InvalidNumberError",
        "NotFoundError",
        "NotPortableError",
        "PermissionDeniedError",
        "PhoneFleetError",
        "PortFailedError",
        "ProviderError",
        "RateLimitError",
        "ResponseFormatError",
        "ServerError",
        "TransportError",
        "UnknownProviderError",
        "UnsupportedOperationError",
    ),
    "._identity": ("StoreIdentity",),
    "._memory": ("AsyncMemoryStore", "MemoryStore"),
    "._model": (
        "UNSET",
        "ArchiveBlocker",
        "Capability",
        "Feature",
        "Handler",
        "NumberChanges",
        "NumberType",
        "PhoneNumber",
        "ProviderPhone",
        "Reputation",
        "ReputationStatus",
        "Routing",
        "Unset",
    ),
    "._numbers": ("is_e164", "to_e164"),
    "._porting": (
        "Portability",
        "PortAccount",
        "PortAddress",
        "PortDocuments",
        "PortedNumber",
        "PortIn",
        "PortStatus",
    ),
    "._protocol": ("AsyncPhoneNumberStore", "NumberRef", "PhoneNumberStore"),
    "._ratelimit": ("RateLimit",),
    "._registry": ("provider_settings", "providers"),
    "._retry": ("RetryPolicy",),
    "._settings": ("MissingSettingError", "Setting", "SettingError", "UnknownSettingError"),
    "._typed": ("connect", "connect_async"),
}
_LAZY = by_name(_MODULES)


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read from the installed metadata, once, on first use
        from ._version import installed_version

        globals()[name] = version = installed_version()
        return version
    return load(globals(), _LAZY, name)


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
