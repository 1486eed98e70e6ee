"""Opening stores for the CLI: provider name + `--option key=value` + env vars."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import phonefleet
from phonefleet import RetryPolicy

from ._watch import WATCH

if TYPE_CHECKING:  # httpx and the adapter toolkit load when a store is opened
    import httpx

    from phonefleet.adapter import Setting

__all__ = ["CliUsageError", "FlagValues", "Secrets", "connect", "connect_async", "parse_options"]

_SECRET_WORDS = re.compile(r"key|token|secret|password|credential", re.IGNORECASE)


class CliUsageError(Exception):
    """The command line is wrong (exit code 2)."""


class Secrets:
    """Values given for secret settings, scrubbed from anything the CLI prints."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    def add(self, value: str) -> None:
        if len(value) >= 4:
            self._values.add(value)

    def scrub(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, "***")
        return text


SECRETS = Secrets()


def _settings_of(provider: str, given: str | None = None) -> tuple[Setting, ...]:
    """What `-o` may set for `provider`: its settings that can be spelled as text.

    An unknown name is refused with the closest one the command line takes
    (`twillio` -> `twilio`, `emulatr:linq` -> `emulator:linq`).
    """
    try:
        return tuple(s for s in phonefleet.provider_settings(provider) if s.text)
    except phonefleet.UnknownProviderError as exc:
        raise CliUsageError(str(unknown_provider(given or provider, exc.installed))) from None


def unknown_provider(given: str, installed: Sequence[str]) -> phonefleet.UnknownProviderError:
    """The error for a provider the CLI does not know, suggesting `NAME` or `emulator:NAME`."""
    emulated = [f"{EMULATOR_PREFIX}{name}" for name in installed if _has_emulator(name)]
    return phonefleet.UnknownProviderError(given, installed, also=emulated)


def _has_emulator(name: str) -> bool:
    from phonefleet.adapter import registration

    try:
        return registration(name).emulator is not None
    except phonefleet.PhoneFleetError:
        return False


_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,39}")


def _timeout(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        msg = "the timeout must be a number of seconds above 0 (e.g. --timeout 10)"
        raise CliUsageError(msg)
    return seconds


def _rate_limit(text: str) -> Any:
    """`-o rate_limit=100/s` (or `off`): checked here, so a bad one is a usage error."""
    from phonefleet._ratelimit import parse_rate_limit

    try:
        return parse_rate_limit(text)
    except ValueError as exc:
        raise CliUsageError(str(exc).replace("None / 'off'", "'off'")) from None


_COMMON: dict[str, Callable[[str], Any]] = {"timeout": _timeout, "rate_limit": _rate_limit}


def parse_options(provider: str, options: Iterable[str] | None) -> dict[str, Any]:
    """`key=value` pairs checked against the provider's declared settings.

    A malformed pair is refused by naming the flag and the shape it takes,
    never by echoing what was given: it may well be a secret.
    """
    declared = {setting.name: setting for setting in _settings_of(provider)}
    parsed: dict[str, Any] = {}
    for item in options or ():
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not _KEY.fullmatch(key):
            flag = getattr(options, "flag", "-o/--option")
            example = f"{flag.split('/')[0]} timeout=10"
            msg = f"{flag} takes key=value (e.g. {example}); a value given is not in that shape"
            if getattr(options, "hint", ""):
                msg = f"{msg} ({options.hint})"  # type: ignore[union-attr]
            raise CliUsageError(msg)
        setting = declared.get(key)
        if setting is None and phonefleet.provider_settings(provider, common=False):
            raise CliUsageError(str(phonefleet.UnknownSettingError(provider, key, declared)))
        if (setting is not None and setting.secret) or _SECRET_WORDS.search(key):
            SECRETS.add(value)
        parsed[key] = _COMMON[key](value) if key in _COMMON else value
    return parsed


def _common(provider: str, settings: dict[str, Any]) -> dict[str, Any]:
    """`timeout` bounds the whole operation, retries included (the store's deadline).

    Each attempt gets half of it, as the library's defaults do (30 s of 60 s),
    so one stuck connection is retried once on a fresh one in time.
    """
    seconds = settings.pop("timeout", None)
    if seconds is None:
        return {}
    WATCH.deadlines[provider] = seconds
    return {"retry": RetryPolicy(deadline=seconds), "timeout": seconds / 2}


class FlagValues(list[str]):
    """The `key=value` pairs given with one flag, and the flag's name for errors."""

    def __init__(self, flag: str, values: Iterable[str], hint: str = "") -> None:
        super().__init__(values)
        self.flag = flag
        self.hint = hint


EMULATOR_PREFIX = "emulator:"
#: how `emulator:NAME` and the demo seed each vendor's emulator
SEED = 7
SEEDING: dict[str, dict[str, Any]] = {"gravityrail": {"blocked": 2}}


def _emulated(provider: str) -> Any:
    """`emulator:NAME`: NAME's built-in emulator, seeded as in the demo, no credentials."""
    from phonefleet.testing import emulate

    name = provider.removeprefix(EMULATOR_PREFIX)
    _settings_of(name, provider)
    try:
        return emulate(name, numbers=25, seed=SEED, **SEEDING.get(name, {}))
    except phonefleet.PhoneFleetError as exc:
        raise CliUsageError(str(exc)) from None


class _Closing:
    """A store and the HTTP client the CLI lent it, closed together."""

    def __init__(self, store: Any, client: httpx.Client | httpx.AsyncClient) -> None:
        self.store = store
        self.client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def __enter__(self) -> Any:
        return self.store.__enter__()

    def __exit__(self, *exc_info: object) -> Any:
        try:
            return self.store.__exit__(*exc_info)
        finally:
            import httpx

            assert isinstance(self.client, httpx.Client)
            self.client.close()

    async def __aenter__(self) -> Any:
        return await self.store.__aenter__()

    async def __aexit__(self, *exc_info: object) -> Any:
        try:
            return await self.store.__aexit__(*exc_info)
        finally:
            import httpx

            assert isinstance(self.client, httpx.AsyncClient)
            await self.client.aclose()


def quiet_retries(*, loaded_only: bool = False) -> None:
    """stamina announces retries through logging (phonefleet logs them itself,
    at INFO), never through structlog on stdout, should it be installed.

    `loaded_only`: only if something has imported stamina. phonefleet's own
    retries never go through stamina's hooks (unless a `RetryPolicy` asks),
    so only an adapter that retries with stamina itself needs this, and it
    has imported stamina by the time its store is open.
    """
    if loaded_only and "stamina" not in sys.modules:
        return
    import stamina.instrumentation

    stamina.instrumentation.set_on_retry_hooks([stamina.instrumentation.LoggingOnRetryHook])


def _open(provider: str, options: Sequence[str] | None, *, use_async: bool) -> Any:
    try:
        store = _open_store(provider, options, use_async=use_async)
        quiet_retries(loaded_only=True)  # before any request: the store sends none until used
        return store
    except phonefleet.MissingSettingError as exc:  # in the caller's spelling: -o name=...
        flag = getattr(options, "flag", "-o/--option").split("/")[0]
        raise CliUsageError(exc.message(f"{flag} {{name}}=...")) from exc
    except (ValueError, TypeError) as exc:  # unknown or malformed settings: the user's to fix
        text = str(exc)
        raise CliUsageError(
            text if provider.removeprefix(EMULATOR_PREFIX) in text else f"{provider}: {text}"
        ) from exc


def _open_store(provider: str, options: Sequence[str] | None, *, use_async: bool) -> Any:
    if provider.startswith(EMULATOR_PREFIX):
        name = provider.removeprefix(EMULATOR_PREFIX)
        emulator = _emulated(provider)
        settings = parse_options(name, options)
        opener = emulator.connect_async if use_async else emulator.connect
        return opener(name, **_common(name, settings), **settings)
    settings = parse_options(provider, options)
    common = _common(provider, settings)
    from phonefleet._store import _client_options

    from ._watched import AsyncWatchedClient, WatchedClient

    client_options = _client_options(common.get("timeout"), None)
    if use_async:
        aclient = AsyncWatchedClient(provider, **client_options)  # nothing opened until first use
        return _Closing(
            phonefleet.connect_async(provider, http_client=aclient, **common, **settings), aclient
        )
    client = WatchedClient(provider, **client_options)
    try:
        return _Closing(phonefleet.connect(provider, http_client=client, **common, **settings), client)
    except BaseException:
        client.close()
        raise


def connect(provider: str, options: Sequence[str] | None = None) -> Any:
    """A sync store for `provider` (tests replace this function)."""
    return _open(provider, options, use_async=False)


def connect_async(provider: str, options: Sequence[str] | None = None) -> Any:
    """An async store for `provider` (tests replace this function)."""
    return _open(provider, options, use_async=True)
