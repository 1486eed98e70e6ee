"""Which account a store speaks to: provider, account and base URL, never a credential.

A migration journal is bound to the identities of its two stores, so a
journal kept from one pair of accounts is never mistaken for another's.
An adapter fills what it already knows (Twilio's account sid, Gravity
Rail's workspace, the base URL, which names a SignalWire space); a value it
cannot know without asking the vendor stays None.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs

from ._redact import shorten

__all__ = ["StoreIdentity"]


def _public_url(value: object) -> str | None:
    """A base URL without what could hold a secret: user info, query and fragment."""
    if value is None:
        return None
    parts = urlsplit(str(value))
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme.lower(), netloc.lower(), parts.path.rstrip("/"), "", ""))


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


@attrs.frozen
class StoreIdentity:
    """Who a store is: `provider`, `account` (None when the adapter cannot
    know it offline) and `base_url` (without user info or query).

    Never a credential: safe to print, log and keep in a journal.
    """

    provider: str = attrs.field(converter=str)
    account: str | None = attrs.field(default=None, converter=_optional_text)
    base_url: str | None = attrs.field(default=None, converter=_public_url)

    def describe(self) -> str:
        """One line for a person: `twilio account AC... at https://api.twilio.com/2010-04-01`."""
        parts = [self.provider]
        if self.account is not None:
            parts.append(f"account {self.account}")
        if self.base_url is not None:
            parts.append(f"at {self.base_url}")
        return " ".join(parts)

    def to_json(self) -> str:
        return json.dumps(attrs.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> StoreIdentity:
        data: Any = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("provider"), str):
            msg = f"not a store identity: {shorten(text, 80, quote=True)}"
            raise ValueError(msg)
        return cls(data["provider"], data.get("account"), data.get("base_url"))

    @classmethod
    def of(cls, store: object) -> StoreIdentity:
        """The identity a store declares (`store.identity`), else its provider alone."""
        found = getattr(store, "identity", None)
        if isinstance(found, StoreIdentity):
            return found
        return cls(str(getattr(store, "provider", "unknown")))
