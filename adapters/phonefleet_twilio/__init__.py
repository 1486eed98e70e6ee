"""phonefleet adapter for Twilio's IncomingPhoneNumbers (API 2010-04-01).

    import phonefleet
    with phonefleet.connect("twilio") as store:  # TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN
        for number in store.list():
            print(number.number, number.forwarding_number)

SignalWire's Compatibility API is the same API: pass
`base_url="https://{space}.signalwire.com/api/laml"` with the project id as
`account_sid` and an API token as `auth_token`.

Vendor extra: `store.ex_search_available("US", "local", area_code="512")`.
"""

from __future__ import annotations

from typing import Any

from phonefleet.adapter import Registration, Setting

from ._adapter import (
    DEFAULT_BASE_URL,
    DEFAULT_PAGE_SIZE,
    FEATURES,
    MAX_PAGE_SIZE,
    TwilioAdapter,
    search_params,
)
from ._mapping import APPLICATION, TRUNK, WEBHOOK, forward_url, forwarding_from_url
from ._porting import MAX_NUMBERS, NUMBERS_BASE_URL, UPLOAD_BASE_URL
from ._store import AsyncTwilioStore, TwilioStore
from ._wire import AvailableNumber
from .emulator import emulator

__all__ = [
    "APPLICATION",
    "DEFAULT_BASE_URL",
    "FEATURES",
    "MAX_NUMBERS",
    "NUMBERS_BASE_URL",
    "TRUNK",
    "UPLOAD_BASE_URL",
    "WEBHOOK",
    "AsyncTwilioStore",
    "AvailableNumber",
    "TwilioAdapter",
    "TwilioStore",
    "emulator",
    "forward_url",
    "forwarding_from_url",
    "registration",
    "search_params",
]


def _store(adapter: TwilioAdapter, **common: Any) -> TwilioStore:
    return TwilioStore(adapter, **common)


def _async_store(adapter: TwilioAdapter, **common: Any) -> AsyncTwilioStore:
    return AsyncTwilioStore(adapter, **common)


registration = Registration(
    name="twilio",
    adapter=TwilioAdapter,
    description="Twilio IncomingPhoneNumbers (and SignalWire's Compatibility API): list, get, name, "
    "forwarding, routing, purchase, release; porting in (Twilio's Port In API).",
    settings=(
        Setting("account_sid", env=("TWILIO_ACCOUNT_SID",), help="the account sid (AC...), in every path"),
        Setting(
            "auth_token",
            env=("TWILIO_AUTH_TOKEN",),
            secret=True,
            required=False,
            help="the auth token (Basic password); or give api_key and api_secret",
        ),
        Setting(
            "api_key",
            env=("TWILIO_API_KEY",),
            secret=True,
            required=False,
            help="an API key sid (SK...), used with api_secret instead of the auth token",
        ),
        Setting(
            "api_secret", env=("TWILIO_API_SECRET",), secret=True, required=False, help="the API key's secret"
        ),
        Setting(
            "base_url",
            required=False,
            default=DEFAULT_BASE_URL,
            help="the API root (SignalWire: https://{space}.signalwire.com/api/laml)",
        ),
        Setting(
            "page_size",
            required=False,
            type=int,
            minimum=1,
            maximum=MAX_PAGE_SIZE,
            default=DEFAULT_PAGE_SIZE,
            help="numbers per listing page",
        ),
        Setting(
            "numbers_base_url",
            required=False,
            default=NUMBERS_BASE_URL,
            help="the Port In API's root (porting)",
        ),
        Setting(
            "upload_base_url",
            required=False,
            default=UPLOAD_BASE_URL,
            help="the Documents API's root (the utility bill of a port)",
        ),
    ),
    store=_store,
    async_store=_async_store,
    emulator=emulator,
)
