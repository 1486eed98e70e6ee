"""phonefleet adapter for Telnyx's v2 numbers API (native call forwarding).

    import phonefleet
    with phonefleet.connect("telnyx") as store:  # TELNYX_API_KEY
        for number in store.list():
            print(number.number, number.forwarding_number)

Vendor extra: `store.ex_search_available(country_code="US", starts_with="512", limit=5)`.
See docs/adapters/telnyx.md.
"""

from __future__ import annotations

from typing import Any

from phonefleet.adapter import Registration, Setting

from ._adapter import ACCOUNT_ENV, DEFAULT_BASE_URL, FEATURES, MAX_SENDS, TelnyxAdapter
from ._search import SearchCriteria, search_params
from ._store import AsyncTelnyxStore, TelnyxStore
from ._wire import MAX_PAGE_SIZE

__all__ = [
    "DEFAULT_BASE_URL",
    "FEATURES",
    "MAX_SENDS",
    "AsyncTelnyxStore",
    "SearchCriteria",
    "TelnyxAdapter",
    "TelnyxStore",
    "registration",
    "search_params",
]


def _emulator(*args: Any, **options: Any) -> Any:
    from .emulator import emulator

    return emulator(*args, **options)


registration = Registration(
    name="telnyx",
    adapter=TelnyxAdapter,
    description="Telnyx v2 numbers: list, get, forwarding, customer reference, routing, order, delete.",
    settings=(
        Setting("api_key", env=("TELNYX_API_KEY",), secret=True, help="API v2 key (Bearer)"),
        Setting(
            "base_url",
            env=("TELNYX_BASE_URL",),
            required=False,
            default=DEFAULT_BASE_URL,
            help="the API root",
        ),
        Setting(
            "page_size",
            required=False,
            type=int,
            minimum=1,
            maximum=MAX_PAGE_SIZE,
            default=MAX_PAGE_SIZE,
            help="numbers per listing page",
        ),
        Setting(
            "account",
            env=(ACCOUNT_ENV,),
            required=False,
            help="your label for this account (e.g. its organization id): tells journals apart; never a key",
        ),
    ),
    store=TelnyxStore,
    async_store=AsyncTelnyxStore,
    emulator=_emulator,
)
