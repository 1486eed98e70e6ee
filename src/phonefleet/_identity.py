"""Which account a store speaks to: provider, account and base URL, never a credential.

A migration journal is bound to the identities of its two stores, so a
journal kept from one pair of accounts is never mistaken for another's.
An adapter fills what it already knows (Twilio's account sid, Gravity
Rail's workspace, the base URL, which names a SignalWire space); a value it
cannot know without asking the vendor stays None. Telnyx and Linq name no
account anywhere phonefleet could read it safely: their API key is the only
thing that tells two accounts apart, and it is a credential. Their stores'
`account` is therefore the user's own label (the `account` setting, see
`account_setting`), else None.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs

from ._redact import shorten

__all__ = ["StoreIdentity", "account_setting"]


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


def account_setting(
    value: object, *env_names: str, provider: str, credentials: Iterable[object] = ()
) -> str | None:
    """The account the user names for a store (the setting, else the first environment variable set).

    For a vendor whose API does not say which account a key belongs to: the
    user's own label for it (an organization id from the vendor's portal, a
    name), so that two accounts' journals are told apart. Never read from
    the vendor, never guessed: None when not given. Refused if it holds one
    of the store's `credentials` (an identity is printed, logged and kept):
    a `SettingError` that never echoes it.
    """
    from ._settings import SettingError  # only when a store opens: `import phonefleet` stays light
    from ._wire import Secret, env_setting

    found = env_setting(value, *env_names)
    if found is None:
        return None
    if not isinstance(found, str):
        msg = f"{provider} setting account must be a string, got {type(found).__name__}"
        raise SettingError(msg, provider=provider, setting="account")
    label = found.strip()
    for credential in credentials:
        secret = credential.reveal() if isinstance(credential, Secret) else str(credential)
        if secret and (secret in label or (len(label) >= 8 and label in secret)):
            msg = (
                f"{provider} setting account holds a credential: it names the account in journals and "
                "logs, so give a label of your own (an organization id, a name), never a key"
            )
            raise SettingError(msg, provider=provider, setting="account")
    return label
