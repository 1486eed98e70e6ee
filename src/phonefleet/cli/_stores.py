"""Opening stores for the CLI: provider name + `--option key=value` + env vars."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import phonefleet
from phonefleet.adapter import Setting, registration

__all__ = ["CliUsageError", "Secrets", "connect", "connect_async", "parse_options"]

_COMMON = {"timeout": float}
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


def _settings_of(provider: str) -> tuple[Setting, ...]:
    try:
        return registration(provider).settings
    except phonefleet.UnknownProviderError as exc:
        raise CliUsageError(str(exc)) from None


def parse_options(provider: str, options: Iterable[str] | None) -> dict[str, Any]:
    """`key=value` pairs checked against the provider's declared settings."""
    declared = {setting.name: setting for setting in _settings_of(provider)}
    parsed: dict[str, Any] = {}
    for item in options or ():
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            msg = f"--option takes key=value, got {item.split('=')[0]!r}"
            raise CliUsageError(msg)
        setting = declared.get(key)
        if setting is None and key not in _COMMON and declared:
            known = ", ".join(sorted([*declared, *_COMMON]))
            msg = f"{provider} has no setting {key!r}; known: {known}"
            raise CliUsageError(msg)
        if (setting is not None and setting.secret) or _SECRET_WORDS.search(key):
            SECRETS.add(value)
        if key in _COMMON:
            try:
                parsed[key] = _COMMON[key](value)
            except ValueError:
                msg = f"--option {key} must be a number"
                raise CliUsageError(msg) from None
        else:
            parsed[key] = value
    return parsed


EMULATOR_PREFIX = "emulator:"


def _emulated(provider: str) -> Any:
    """`emulator:NAME`: NAME's built-in emulator, seeded as in the demo, no credentials."""
    from phonefleet.testing import emulate

    name = provider.removeprefix(EMULATOR_PREFIX)
    _settings_of(name)
    try:
        return emulate(name, numbers=25)
    except phonefleet.PhoneFleetError as exc:
        raise CliUsageError(str(exc)) from None


def _open(provider: str, options: Sequence[str] | None, *, use_async: bool) -> Any:
    if provider.startswith(EMULATOR_PREFIX):
        name = provider.removeprefix(EMULATOR_PREFIX)
        emulator = _emulated(provider)
        opener = emulator.connect_async if use_async else emulator.connect
        return opener(name, **parse_options(name, options))
    settings = parse_options(provider, options)
    try:
        if use_async:
            return phonefleet.connect_async(provider, **settings)
        return phonefleet.connect(provider, **settings)
    except (ValueError, TypeError) as exc:  # missing or malformed settings: the user's to fix
        text = str(exc)
        raise CliUsageError(text if provider in text else f"{provider}: {text}") from exc


def connect(provider: str, options: Sequence[str] | None = None) -> Any:
    """A sync store for `provider` (tests replace this function)."""
    return _open(provider, options, use_async=False)


def connect_async(provider: str, options: Sequence[str] | None = None) -> Any:
    """An async store for `provider` (tests replace this function)."""
    return _open(provider, options, use_async=True)
