"""Rate limits as values: the `rate_limit` setting, what a vendor documents, what an answer says.

Kept apart from the pacer so that adapters (which declare their vendor's
figure and read its headers) and the settings parser depend on values only.
"""

from __future__ import annotations

import math
import re
from typing import Final

import attrs

__all__ = [
    "RATE_LIMIT_FORMS",
    "VENDOR_DEFAULT",
    "RateLimit",
    "RateSignal",
    "VendorLimits",
    "header_number",
    "parse_rate_limit",
]

#: what the error message offers when a `rate_limit` does not parse
RATE_LIMIT_FORMS: Final = (
    "'<requests>/<period>' such as '50/s', '13800/10s', '600/min' or '3000/5m' "
    "(units s, sec, m, min, h), 'vendor' for the vendor's documented limit, "
    "or None / 'off' to turn pacing off"
)
_UNITS: Final = {
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "m": 60.0,
    "min": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
}
_FORM: Final = re.compile(r"\s*(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)?\s*([a-z]+)\s*")
#: beyond these a figure is a typo, not a limit
_MAX_REQUESTS: Final = 10_000_000
_MAX_PERIOD: Final = 86_400.0


class _VendorDefault:
    """The `rate_limit` not given: pace at the vendor's documented limit."""

    _instance: _VendorDefault | None = None

    def __new__(cls) -> _VendorDefault:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "VENDOR_DEFAULT"


VENDOR_DEFAULT: Final = _VendorDefault()


@attrs.frozen
class RateLimit:
    """`requests` per `per` seconds, e.g. SignalWire's 13,800 writes per 10 s."""

    requests: float
    per: float = 1.0

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.per

    def __str__(self) -> str:
        period = "s" if self.per == 1 else f"{self.per:g}s"
        return f"{self.requests:g}/{period}"


@attrs.frozen
class VendorLimits:
    """What a vendor documents about its limits, declared once by its adapter.

    `rate`: the documented rate (None when the vendor publishes no figure);
    `methods`: the HTTP methods that rate counts (None: every request; SignalWire
    counts writes only); `concurrency`: the vendor limits requests in flight
    (Twilio), so phonefleet adapts how many it keeps in flight.
    """

    rate: RateLimit | None = None
    methods: frozenset[str] | None = None
    concurrency: bool = False


@attrs.frozen
class RateSignal:
    """What one answer says about the account's limit (from `Adapter.rate_signal`).

    `throttled`: the answer refused the request for its rate (a 429);
    `concurrency`: refused for too many requests in flight; `retry_after`:
    seconds the vendor asks for; `limit`, `remaining`, `reset`: a vendor's
    rate headers (requests per window, left in it, seconds until it resets).
    Nonsense values are dropped by the pacer, never acted on.
    """

    throttled: bool = False
    concurrency: bool = False
    retry_after: float | None = None
    limit: float | None = None
    remaining: float | None = None
    reset: float | None = None


def parse_rate_limit(value: object, *, setting: str = "rate_limit") -> RateLimit | _VendorDefault | None:
    """A `rate_limit` setting as a `RateLimit`, None (off) or `VENDOR_DEFAULT`.

    Raises ValueError naming the setting and the accepted forms.
    """
    if value is None or value is VENDOR_DEFAULT or isinstance(value, RateLimit):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("off", "none", "no", "false", "unlimited"):
            return None
        if text in ("vendor", "default"):
            return VENDOR_DEFAULT
        match = _FORM.fullmatch(text)
        if match is not None and match.group(3) in _UNITS:
            requests = float(match.group(1))
            multiple = float(match.group(2)) if match.group(2) else 1.0
            per = multiple * _UNITS[match.group(3)]
            if 0 < requests <= _MAX_REQUESTS and 0 < per <= _MAX_PERIOD and math.isfinite(requests):
                return RateLimit(requests, per)
    msg = f"{setting} must be {RATE_LIMIT_FORMS}; got {value!r}"
    raise ValueError(msg)


def header_number(value: str | None) -> float | None:
    """A rate header's number (`x-ratelimit-remaining: 42`), or None when it is not one."""
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None
