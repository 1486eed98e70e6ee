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

from ._errors import PhoneFleetError, UnknownProviderError
from ._flow import Adapter
from ._settings import COMMON_SETTINGS, Setting, base_url_env, check_settings, refuse_unreachable
from ._store import AsyncStore, Store
from ._wire import Secret

if TYPE_CHECKING:
    import importlib.metadata

__all__ = [
    "ENTRY_POINT_GROUP",
    "Emulator",
    "Registration",
    "Setting",
    "provider_settings",
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

    def connect(self, **settings: Any) -> Store[Any]:
        """A sync store: `settings` checked against `self.settings` and COMMON_SETTINGS first."""
        common, vendor = self._split(settings)
        adapter = self.make_adapter(vendor)
        refuse_unreachable(self.name, {**vendor, **common})  # after the adapter's own checks
        return self.store(adapter, **common)

    def connect_async(self, **settings: Any) -> AsyncStore[Any]:
        """An async store: `settings` checked against `self.settings` and COMMON_SETTINGS first."""
        common, vendor = self._split(settings)
        adapter = self.make_adapter(vendor)
        refuse_unreachable(self.name, {**vendor, **common})
        return self.async_store(adapter, **common)

    def _split(self, settings: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Checked settings, as (the store's common ones given, the adapter's).

        A registration that declares no settings keeps its adapter's own
        keyword checks (unknown names pass through to it).
        """
        checked = check_settings(self.name, self.settings, settings, strict=bool(self.settings))
        # a common setting given as None is passed on as given: for some, None means "off"
        common = {name: checked.pop(name) for name in _COMMON_NAMES if name in checked}
        return common, checked

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


_COMMON_NAMES = tuple(setting.name for setting in COMMON_SETTINGS)


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
    target = _own_entry_points().get(provider)  # one of phonefleet's own: no search of every distribution
    entry_point = None
    if target is None:
        entry_point = _entry_points().get(provider)
        if entry_point is None:
            raise UnknownProviderError(provider, providers())
        target = entry_point.value
    try:
        loaded = _load(target) if entry_point is None else entry_point.load()
    except Exception as exc:
        msg = f"the {provider!r} adapter is installed but failed to load: {exc}"
        raise PhoneFleetError(msg) from exc
    if not isinstance(loaded, Registration):
        msg = f"entry point {target!r} is not a phonefleet Registration"
        raise PhoneFleetError(msg)
    return loaded


@functools.cache
def _own_entry_points() -> dict[str, str]:
    """The adapters phonefleet's own distribution registers, read from its entry_points.txt
    (importlib.metadata, which searches every distribution, loads only for other names)."""
    from ._version import own_entry_points

    return own_entry_points(ENTRY_POINT_GROUP)


def _load(target: str) -> Any:
    """What `module:attribute` names, as `EntryPoint.load` finds it."""
    import importlib

    module, _, attribute = target.partition(":")
    found: Any = importlib.import_module(module.strip())
    for part in filter(None, attribute.strip().split(".")):
        found = getattr(found, part)
    return found


def provider_settings(provider: str, *, common: bool = True) -> tuple[Setting, ...]:
    """Every setting `connect(provider, ...)` takes: the vendor's, then (unless
    `common=False`) those every store takes.

    Each says its type, whether it is required or secret, its environment
    variables (phonefleet's own `PHONEFLEET_<PROVIDER>_BASE_URL` first for
    `base_url`), its default and what it is for.
    """
    found = registration(provider)
    vendor = tuple(
        attrs.evolve(s, env=(base_url_env(provider), *s.env)) if s.name == "base_url" else s
        for s in found.settings
    )
    return vendor + (COMMON_SETTINGS if common else ())
