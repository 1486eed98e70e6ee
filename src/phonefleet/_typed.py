"""The typed front doors: `connect`, `connect_async`, `emulate` and `serve`, per built-in provider.

`connect("twilio", ...)` is a `TwilioStore` to a type checker, so its `ex_`
methods check, and a method the store lacks is flagged. A type can only be
picked from a provider's name by overloads, so this one module names the
built-in adapters' store classes, under TYPE_CHECKING only: at run time the
core still never imports an adapter (the import-linter contract lets this
module through; tests/test_typed_stores.py checks each such import is
type-only). Any other name gets the plain `Store[Any]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

from ._registry import registration

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from phonefleet_gravityrail import AsyncGravityRailStore, GravityRailStore
    from phonefleet_linq import AsyncLinqStore, LinqStore
    from phonefleet_signalwire import AsyncSignalWireStore, SignalWireStore
    from phonefleet_telnyx import AsyncTelnyxStore, TelnyxStore
    from phonefleet_twilio import AsyncTwilioStore, TwilioStore

    from ._store import AsyncStore, Store
    from .testing._emulator import AS, Emulator, S
    from .testing._server import EmulatorServer

__all__ = ["connect", "connect_async", "emulate", "serve"]


@overload
def connect(provider: Literal["twilio"], **settings: Any) -> TwilioStore: ...
@overload
def connect(provider: Literal["telnyx"], **settings: Any) -> TelnyxStore: ...
@overload
def connect(provider: Literal["signalwire"], **settings: Any) -> SignalWireStore: ...
@overload
def connect(provider: Literal["linq"], **settings: Any) -> LinqStore: ...
@overload
def connect(provider: Literal["gravityrail"], **settings: Any) -> GravityRailStore: ...
@overload
def connect(provider: str, **settings: Any) -> Store[Any]: ...
def connect(provider: str, **settings: Any) -> Store[Any]:
    """Open a sync store for `provider`, its settings checked first.

    Settings are keyword arguments: the vendor's own (credentials,
    base_url...; each falls back to the vendor's environment variables) and
    the common ones every store takes: `http_client` (yours; never closed
    here), `transport`, `timeout`, `retry` (a RetryPolicy),
    `max_response_bytes` (the cap on one decoded body, default 32 MiB).
    `phonefleet.provider_settings(provider)` lists them all with their types,
    environment variables and defaults (`phonefleet providers` prints them).
    An unknown name, a wrong type or an out-of-range value raises
    `SettingError` (a ValueError) here, before any request.
    """
    return registration(provider).connect(**settings)


@overload
def connect_async(provider: Literal["twilio"], **settings: Any) -> AsyncTwilioStore: ...
@overload
def connect_async(provider: Literal["telnyx"], **settings: Any) -> AsyncTelnyxStore: ...
@overload
def connect_async(provider: Literal["signalwire"], **settings: Any) -> AsyncSignalWireStore: ...
@overload
def connect_async(provider: Literal["linq"], **settings: Any) -> AsyncLinqStore: ...
@overload
def connect_async(provider: Literal["gravityrail"], **settings: Any) -> AsyncGravityRailStore: ...
@overload
def connect_async(provider: str, **settings: Any) -> AsyncStore[Any]: ...
def connect_async(provider: str, **settings: Any) -> AsyncStore[Any]:
    """Open an async store for `provider` (settings as for `connect`); its client opens on first use."""
    return registration(provider).connect_async(**settings)


@overload
def emulate(provider: Literal["twilio"], **options: Any) -> Emulator[TwilioStore, AsyncTwilioStore]: ...
@overload
def emulate(provider: Literal["telnyx"], **options: Any) -> Emulator[TelnyxStore, AsyncTelnyxStore]: ...
@overload
def emulate(
    provider: Literal["signalwire"], **options: Any
) -> Emulator[SignalWireStore, AsyncSignalWireStore]: ...
@overload
def emulate(provider: Literal["linq"], **options: Any) -> Emulator[LinqStore, AsyncLinqStore]: ...
@overload
def emulate(
    provider: Literal["gravityrail"], **options: Any
) -> Emulator[GravityRailStore, AsyncGravityRailStore]: ...
@overload
def emulate(provider: str, **options: Any) -> Emulator[Any, Any]: ...
def emulate(provider: str, **options: Any) -> Emulator[Any, Any]:
    """The emulator an adapter registers, built with `options` (seed size, faults...).

    Its `connect()` is typed like `connect(provider)`: the vendor's store class.
    `rate_limit` ("100/s") and `concurrency_limit` (requests in flight) make it
    enforce an account limit and answer beyond it as the vendor does (on
    `limit_clock`, injectable so tests never sleep); the rate counts the
    methods the vendor counts (SignalWire: writes only).
    """
    from ._errors import PhoneFleetError
    from .testing._emulator import Emulator
    from .testing._limits import account_limit

    factory = registration(provider).emulator
    if factory is None:
        msg = f"the {provider!r} adapter ships no emulator"
        raise PhoneFleetError(msg)
    # an account limit, enforced as the vendor does (see testing._limits): taken by every emulator
    limit = account_limit(
        options.pop("rate_limit", None),
        options.pop("concurrency_limit", None),
        clock=options.pop("limit_clock", None),
    )
    emulator = factory(**options)
    assert isinstance(emulator, Emulator)
    if emulator.provider is None:
        emulator.provider = provider
    if limit is not None:
        limit.methods = emulator.transport.limited_methods
        emulator.transport.limit = limit
    return emulator


@overload
def serve(
    provider: Literal["twilio"], /, **options: Any
) -> AbstractContextManager[EmulatorServer[TwilioStore, AsyncTwilioStore]]: ...
@overload
def serve(
    provider: Literal["telnyx"], /, **options: Any
) -> AbstractContextManager[EmulatorServer[TelnyxStore, AsyncTelnyxStore]]: ...
@overload
def serve(
    provider: Literal["signalwire"], /, **options: Any
) -> AbstractContextManager[EmulatorServer[SignalWireStore, AsyncSignalWireStore]]: ...
@overload
def serve(
    provider: Literal["linq"], /, **options: Any
) -> AbstractContextManager[EmulatorServer[LinqStore, AsyncLinqStore]]: ...
@overload
def serve(
    provider: Literal["gravityrail"], /, **options: Any
) -> AbstractContextManager[EmulatorServer[GravityRailStore, AsyncGravityRailStore]]: ...
@overload
def serve(provider: Emulator[S, AS], /, **options: Any) -> AbstractContextManager[EmulatorServer[S, AS]]: ...
@overload
def serve(provider: str, /, **options: Any) -> AbstractContextManager[EmulatorServer[Any, Any]]: ...
def serve(
    provider: str | Emulator[Any, Any], /, **options: Any
) -> AbstractContextManager[EmulatorServer[Any, Any]]:
    """Serve a provider's emulator over HTTP on a background thread.

    `serve("linq", numbers=50)` builds the emulator as `emulate` does (or
    pass one you built); `host` (loopback unless `allow_remote=True`) and
    `port` (0: a free one) say where. Yields an `EmulatorServer` (`base_url`,
    `settings`, `emulator`), whose `connect()` is typed like
    `connect(provider)`; the server stops when the block ends.
    """
    from .testing._server import serve as serving

    return serving(provider, **options)
