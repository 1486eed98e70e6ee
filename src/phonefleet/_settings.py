"""Settings: what `connect()` takes, declared once, checked before an adapter sees it.

Each registration declares its vendor settings; `COMMON_SETTINGS` declares
the ones every store takes. `check_settings` holds a call to both before any
adapter is built: an unknown name, a wrong type or an out-of-range value is a
ValueError at `connect`, not a TypeError at the first request. Text (from a
command line or the environment) is converted by the declared type, here,
once, for every adapter.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
import httpx

from ._errors import PhoneFleetError
from ._ratelimit import RateLimit, parse_rate_limit
from ._retry import RetryPolicy
from ._wire import Secret

__all__ = [
    "COMMON_SETTINGS",
    "MissingSettingError",
    "Setting",
    "SettingError",
    "UnknownSettingError",
    "base_url_env",
    "check_settings",
    "refuse_unreachable",
]

#: a setting's type (a field named `type` shadows the builtin inside the class)
_Kind = type

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


@attrs.frozen
class Setting:
    """One keyword `connect()` takes: for checking, the CLI, docs and error messages.

    `type` is what a value must be (a tuple allows several); text is
    converted to `int`, `float` or `bool` by it. `minimum` / `maximum` bound
    a number (inclusive), `above` from below (exclusive). `text=False` marks
    an object no command line can spell (an `httpx.Client`, a `RetryPolicy`).
    """

    name: str
    env: tuple[str, ...] = ()
    secret: bool = False
    required: bool = True
    help: str = ""
    type: _Kind | tuple[_Kind, ...] = str
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    text: bool = True
    #: a setting with its own grammar (`rate_limit="100/s"`): the value as the store takes it,
    #: or a ValueError saying what is accepted
    parse: Callable[[Any], Any] | None = None

    @property
    def type_name(self) -> str:
        """The type as a user reads it: `int`, `float`, `bool`, `str`, `RetryPolicy`..."""
        kinds = self.type if isinstance(self.type, tuple) else (self.type,)
        return " | ".join(kind.__name__ for kind in kinds)

    def check(self, value: object, provider: str) -> Any:
        """`value` as this setting holds it (text converted), or a ValueError naming the setting."""
        if value is None:
            return None
        if self.parse is not None:
            try:
                return self.parse(value)
            except ValueError as exc:
                raise SettingError(
                    f"{provider} setting {exc}", provider=provider, setting=self.name
                ) from None
        kinds = self.type if isinstance(self.type, tuple) else (self.type,)
        if isinstance(value, str) and str not in kinds:
            value = self._from_text(value, kinds, provider)
        if isinstance(value, bool) and bool not in kinds:
            self._refuse(value, provider)
        if str in kinds and isinstance(value, Secret | httpx.URL):
            return value
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds):
            self._refuse(value, provider)
        if isinstance(value, int | float) and not isinstance(value, bool):
            self._check_range(value, provider)
        return value

    def _from_text(self, text: str, kinds: tuple[_Kind, ...], provider: str) -> Any:
        if not self.text:
            self._refuse(text, provider)
        word = text.strip()
        if bool in kinds and word.lower() in _TRUE | _FALSE:
            return word.lower() in _TRUE
        if int in kinds:
            try:
                return int(word)
            except ValueError:
                pass
        if float in kinds:
            try:
                return float(word)
            except ValueError:
                pass
        self._refuse(text, provider)
        return None  # unreachable: _refuse raises

    def _check_range(self, value: float, provider: str) -> None:
        if (
            (isinstance(value, float) and not math.isfinite(value))
            or (self.minimum is not None and value < self.minimum)
            or (self.maximum is not None and value > self.maximum)
            or (self.above is not None and value <= self.above)
        ):
            self._refuse(value, provider)

    def expected(self) -> str:
        """What a valid value looks like, for messages: `an integer from 1 to 1000`."""
        kinds = self.type if isinstance(self.type, tuple) else (self.type,)
        words = {int: "an integer", float: "a number", bool: "true or false", str: "text"}
        what = " or ".join(words.get(kind, _object_name(kind)) for kind in kinds)
        if self.minimum is not None and self.maximum is not None:
            return f"{what} from {self.minimum:g} to {self.maximum:g}"
        if self.minimum is not None:
            return f"{what} of at least {self.minimum:g}"
        if self.above is not None:
            return f"{what} above {self.above:g}"
        return what

    def _refuse(self, value: object, provider: str) -> None:
        shown = f"a value of type {type(value).__name__}" if self.secret else repr(value)
        if not self.secret and not isinstance(value, str | int | float):
            shown = f"a {type(value).__name__}"  # an object's repr says little and may say too much
        msg = f"{provider} setting {self.name} must be {self.expected()}, got {shown}"
        raise SettingError(msg, provider=provider, setting=self.name)


def _object_name(kind: _Kind) -> str:
    if kind.__module__.startswith("httpx"):
        return f"an httpx.{kind.__name__}"
    return f"a {kind.__name__}"


class SettingError(PhoneFleetError, ValueError):
    """A setting given to `connect()` is unknown, missing or not a valid value.

    `provider` and `setting` say which; the CLI turns it into a usage error (exit 2).
    """

    def __init__(self, message: str, *, provider: str, setting: str) -> None:
        super().__init__(message)
        self.provider = provider
        self.setting = setting


class UnknownSettingError(SettingError):
    """A name `connect()` does not take; `suggestion` is the closest valid one, if any."""

    def __init__(self, provider: str, setting: str, valid: Iterable[str]) -> None:
        self.valid = tuple(sorted(valid))
        import difflib  # only to suggest a name: loaded when one is wrong

        close = difflib.get_close_matches(setting, self.valid, n=1, cutoff=0.6)
        self.suggestion = close[0] if close else None
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        msg = f"{provider} has no setting {setting!r}{hint}; valid settings: {', '.join(self.valid)}"
        super().__init__(msg, provider=provider, setting=setting)


class MissingSettingError(SettingError):
    """A required setting is neither given nor in its environment variables.

    One message shape for every adapter; `message(spell)` words it for
    another caller (the CLI spells a setting `-o name=...`). `also` names an
    alternative ("or api_key and api_secret").
    """

    def __init__(self, provider: str, setting: str, env: Iterable[str] = (), *, also: str = "") -> None:
        self.env = tuple(env)
        self.also = also
        text = _missing_text(provider, setting, self.env, also, "{name}=...")
        super().__init__(text, provider=provider, setting=setting)

    def message(self, spell: str = "{name}=...") -> str:
        """'twilio needs account_sid: pass account_sid=... or set TWILIO_ACCOUNT_SID'."""
        return _missing_text(self.provider, self.setting, self.env, self.also, spell)


def _missing_text(provider: str, name: str, env: tuple[str, ...], also: str, spell: str) -> str:
    where = f" or set {' / '.join(env)}" if env else ""
    alternative = f", {also}" if also else ""
    return f"{provider} needs {name}: pass {spell.format(name=name)}{where}{alternative}"


#: The settings every store takes, whatever its vendor. Extend this table
#: (not each adapter, nor `Registration.connect`) for a new common setting:
#: `connect` checks it here and hands it, when given (None included), to the
#: store class as a keyword.
COMMON_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "timeout",
        required=False,
        type=float,
        above=0,
        default=30.0,
        help="seconds one HTTP attempt may take",
    ),
    Setting(
        "retry",
        required=False,
        type=RetryPolicy,
        text=False,
        help="a RetryPolicy: attempts, backoff and the deadline of each operation",
    ),
    Setting(
        "http_client",
        required=False,
        type=(httpx.Client, httpx.AsyncClient),
        text=False,
        help="your httpx.Client / AsyncClient (proxies, mounts); never closed by phonefleet",
    ),
    Setting(
        "transport",
        required=False,
        type=(httpx.BaseTransport, httpx.AsyncBaseTransport),
        text=False,
        help="an httpx transport for the store's own client (an emulator, a MockTransport)",
    ),
    Setting(
        "max_response_bytes",
        required=False,
        type=int,
        minimum=1,
        default=32 * 1024 * 1024,
        help="the cap on one decoded response body, in bytes",
    ),
    Setting(
        "max_listing_bytes",
        required=False,
        type=int,
        minimum=1,
        default=256 * 1024 * 1024,
        help="the cap on a body that is a whole listing (it grows with the fleet), in bytes",
    ),
    Setting(
        "rate_limit",
        required=False,
        type=(str, RateLimit),
        default="vendor",
        parse=parse_rate_limit,
        help="pace requests to this rate ('100/s', '13800/10s'); None or 'off' turns pacing off",
    ),
)

_COMMON_NAMES = frozenset(setting.name for setting in COMMON_SETTINGS)


def base_url_env(provider: str) -> str:
    """phonefleet's own base URL variable for `provider`: `PHONEFLEET_TWILIO_BASE_URL`."""
    return f"PHONEFLEET_{provider.upper().replace('-', '_')}_BASE_URL"


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, Secret):
        return not value
    return isinstance(value, str) and not value.strip()


def check_settings(
    provider: str, declared: Iterable[Setting], given: Mapping[str, Any], *, strict: bool = True
) -> dict[str, Any]:
    """`given` checked against `declared` and COMMON_SETTINGS, text converted.

    Unknown names, wrong types and out-of-range values raise SettingError; a
    required setting neither given nor in the environment raises
    MissingSettingError. `strict=False` (a registration that declares no
    settings) passes unknown names through to the adapter.
    """
    vendor = {setting.name: setting for setting in declared}
    table = {**{s.name: s for s in COMMON_SETTINGS}, **vendor}
    checked: dict[str, Any] = {}
    for name, value in given.items():
        setting = table.get(name)
        if setting is None:
            if strict:
                raise UnknownSettingError(provider, name, table)
            checked[name] = value
            continue
        checked[name] = setting.check(value, provider)
    if "base_url" in vendor and _blank(checked.get("base_url")):
        from_env = os.environ.get(base_url_env(provider), "").strip()
        if from_env:
            checked["base_url"] = from_env
    for setting in vendor.values():
        if not setting.required or not _blank(checked.get(setting.name)):
            continue
        if any(not _blank(os.environ.get(env)) for env in setting.env):
            continue
        raise MissingSettingError(provider, setting.name, setting.env)
    return checked


def refuse_unreachable(provider: str, checked: Mapping[str, Any]) -> None:
    """An emulator's `*.invalid` base URL with nothing to carry it fails now, not after retries.

    The `.invalid` domain never resolves (RFC 2606): such a URL is an
    in-process emulator's, reachable only through its transport.
    """
    base_url = checked.get("base_url")
    if base_url is None or checked.get("transport") is not None or checked.get("http_client") is not None:
        return
    host = httpx.URL(str(base_url)).host
    if host == "invalid" or host.endswith(".invalid"):
        msg = (
            f"{provider} base_url {host} is an in-process emulator's address (.invalid never resolves): "
            f"open it with emulate({provider!r}).connect(), or pass transport=emulator.transport"
        )
        raise SettingError(msg, provider=provider, setting="base_url")
