"""phonefleet: many telephony vendors' phone numbers behind one store.

import phonefleet
with phonefleet.connect("linq") as store:
    for number in store.list():
        print(number.number, number.forwarding_number)
"""

from __future__ import annotations

from ._errors import (
    ArchiveBlockedError,
    AuthenticationError,
    ConflictError,
    DeadlineExceededError,
    InvalidNumberError,
    NotFoundError,
    PermissionDeniedError,
    PhoneFleetError,
    ProviderError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    TransportError,
    UnknownProviderError,
    UnsupportedOperationError,
)
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
from ._protocol import AsyncPhoneNumberStore, NumberRef, PhoneNumberStore
from ._registry import connect, connect_async, providers
from ._retry import RetryPolicy

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
    "NotFoundError",
    "NumberChanges",
    "NumberRef",
    "NumberType",
    "PermissionDeniedError",
    "PhoneFleetError",
    "PhoneNumber",
    "PhoneNumberStore",
    "ProviderError",
    "ProviderPhone",
    "RateLimitError",
    "Reputation",
    "ReputationStatus",
    "ResponseFormatError",
    "RetryPolicy",
    "Routing",
    "ServerError",
    "TransportError",
    "UnknownProviderError",
    "Unset",
    "UnsupportedOperationError",
    "connect",
    "connect_async",
    "is_e164",
    "providers",
    "to_e164",
]
