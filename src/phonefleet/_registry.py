"""Finding adapters: the `phonefleet.adapters` entry-point group.

An adapter's distribution names a `Registration` object in that group; the
core never imports an adapter by name, so a third party's adapter is found
exactly like a first-party one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs
import httpx

from ._errors import PhoneFleetError, UnknownProviderError
from ._flow import Adapter
from ._retry import RetryPolicy
from ._store import AsyncStore, Store
from ._wire import Secret

if TYPE_CHECKING:
    import importlib.metadata

__all__ = [
    "ENTRY_POINT_GROUP",
    "Emulator",
    "Registration",
    "Setting",
    "connect",
    "connect_async",
    "providers",
    "registration",
]

ENTRY_POINT_GROUP = "phonefleet.adapters"


@runtime_checkable
class Emulator(Protocol):
    """A vendor's API in-process: an httpx transport (sync and async) and the
    settings that connect a store to it."""

    @property
    def transport(self) -> Any: ...

    @property
    def settings(self) -> Mapping[str, Any]: ...


@attrs.frozen
class Setting:
    """One setting an adapter takes, for docs, the CLI and error messages."""

    name: str
    env: tuple[str, ...] = ()
    secret: bool = False
    required: bool = True
    help: str = ""


def _default_store(adapter: Adapter, **common: Any) -> Store[Adapter]:
    return Store(adapter, **common)


def _default_async_store(adapter: Adapter, **common: Any) -> AsyncStore[Adapter]:
    return AsyncStore(adapter, **common)


@attrs.frozen
class Registration:
    """How phonefleet opens an adapter: what an entry point names.

    `adapter` builds the sans-I/O adapter from the vendor settings (falling
    back to the vendor's environment variables); `store` / `async_store`
    wrap it (subclass `Store` for `ex_` methods); `emulator`, if given,
    builds the adapter's in-process emulator for demos and tests.
    """

    name: str
    adapter: Callable[..., Adapter]
    description: str = ""
    settings: tuple[Setting, ...] = ()
    store: Callable[..., Store[Any]] = _default_store
    async_store: Callable[..., AsyncStore[Any]] = _default_async_store
    emulator: Callable[..., Emulator] | None = None

    def connect(
        self,
        *,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        max_response_bytes: int | None = None,
        max_listing_bytes: int | None = None,
        **settings: Any,
    ) -> Store[Any]:
        adapter = self.make_adapter(settings)
        common = _common(http_client, transport, timeout, retry, max_response_bytes, max_listing_bytes)
        return self.store(adapter, **common)

    def connect_async(
        self,
        *,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        max_response_bytes: int | None = None,
        max_listing_bytes: int | None = None,
        **settings: Any,
    ) -> AsyncStore[Any]:
        adapter = self.make_adapter(settings)
        common = _common(http_client, transport, timeout, retry, max_response_bytes, max_listing_bytes)
        return self.async_store(adapter, **common)

    def make_adapter(self, settings: dict[str, Any]) -> Adapter:
        """The adapter from vendor settings; a blank credential is refused like a missing one.

        Blank and whitespace-only values count as not given (so the vendor's
        environment variable, if set, applies, else the adapter's own "needs
        ..." error); an adapter that still ends up holding an empty
        credential is refused here, whatever its own checks.
        """
        secret_names = {s.name for s in self.settings if s.secret}
        given = {
            name: (None if name in secret_names and _is_blank(value) else value)
            for name, value in settings.items()
        }
        adapter = self.adapter(**given)
        if any(not secret for secret in adapter.credentials):
            names = ", ".join(sorted(secret_names)) or "a credential"
            msg = f"{self.name} needs {names}: a blank credential is the same as a missing one"
            raise ValueError(msg)
        return adapter


def _common(  # noqa: PLR0917 - private, one call site per store kind
    http_client: object,
    transport: object,
    timeout: float | None,
    retry: object,
    max_response_bytes: int | None,
    max_listing_bytes: int | None = None,
) -> dict[str, Any]:
    common = {"http_client": http_client, "transport": transport, "timeout": timeout, "retry": retry}
    if max_response_bytes is not None:  # only when given: a store subclass may predate the setting
        common["max_response_bytes"] = max_response_bytes
    if max_listing_bytes is not None:
        common["max_listing_bytes"] = max_listing_bytes
    return common


def _is_blank(value: object) -> bool:
    if isinstance(value, Secret):
        return not value
    return isinstance(value, str) and not value.strip()


@functools.cache
def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    import importlib.metadata

    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def providers() -> list[str]:
    """The names of the installed adapters, sorted."""
    return sorted(_entry_points())


@functools.cache
def registration(provider: str) -> Registration:
    """The `Registration` of an installed adapter, or UnknownProviderError."""
    if not isinstance(provider, str):
        msg = f"provider must be a string, got {type(provider).__name__}"
        raise TypeError(msg)
    entry_point = _entry_points().get(provider)
    if entry_point is None:
        raise UnknownProviderError(provider, providers())
    try:
        loaded = entry_point.load()
    except Exception as exc:
        msg = f"the {provider!r} adapter is installed but failed to load: {exc}"
        raise PhoneFleetError(msg) from exc
    if not isinstance(loaded, Registration):
        msg = f"entry point {entry_point.value!r} is not a phonefleet Registration"
        raise PhoneFleetError(msg)
    return loaded


def connect(provider: str, **settings: Any) -> Store[Any]:
    """Open a sync store for `provider`.

    Vendor settings fall back to the vendor's environment variables. Common
    settings: `http_client` (yours; never closed here), `transport`,
    `max_response_bytes` (the cap on one decoded body, default 32 MiB),
    `max_listing_bytes` (the cap on a listing answered in one body, which grows
    with the fleet: Linq's; default 256 MiB),
    `timeout`, `retry` (a RetryPolicy).
    """
    return registration(provider).connect(**settings)


def connect_async(provider: str, **settings: Any) -> AsyncStore[Any]:
    """Open an async store for `provider`; its client opens on first use."""
    return registration(provider).connect_async(**settings)
