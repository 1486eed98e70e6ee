"""phonefleet adapter for SignalWire's relay REST phone-number API.

    import phonefleet
    with phonefleet.connect("signalwire", space="example") as store:  # + SIGNALWIRE_PROJECT_ID / _API_TOKEN
        for number in store.list():
            print(number.number, number.routing)

Forwarding is SignalWire's documented recipe: a SWML script whose `main` is
one `connect` to the target, bound with `call_handler="relay_script"`.

Vendor extras: `store.ex_search_available(areacode="512", max_results=5)`,
`store.ex_prune_forwarding_scripts(dry_run=True)`.
"""

from __future__ import annotations

from typing import Any

from phonefleet.adapter import Registration, Setting

from ._adapter import (
    DEFAULT_PAGE_SIZE,
    FEATURES,
    MAX_PAGE_SIZE,
    SignalWireAdapter,
    fabric_base,
    search_params,
    space_host,
)
from ._forwarding import SCRIPT_NAME_PREFIX, ForwardingScript, forwarding_contents, forwarding_target
from ._store import AsyncSignalWireStore, SignalWireStore
from ._wire import AvailableNumber
from .emulator import emulator

__all__ = [
    "FEATURES",
    "SCRIPT_NAME_PREFIX",
    "AsyncSignalWireStore",
    "AvailableNumber",
    "ForwardingScript",
    "SignalWireAdapter",
    "SignalWireStore",
    "emulator",
    "fabric_base",
    "forwarding_contents",
    "forwarding_target",
    "registration",
    "search_params",
    "space_host",
]


def _adapter(
    *,
    space: str | None = None,
    project_id: str | None = None,
    api_token: str | None = None,
    base_url: str | None = None,
    page_size: int | None = None,
) -> SignalWireAdapter:
    """The adapter from settings, falling back to SIGNALWIRE_* environment variables."""
    return SignalWireAdapter(
        space=space, project_id=project_id, api_token=api_token, base_url=base_url, page_size=page_size
    )


def _store(adapter: SignalWireAdapter, **common: Any) -> SignalWireStore:
    return SignalWireStore(adapter, **common)


def _async_store(adapter: SignalWireAdapter, **common: Any) -> AsyncSignalWireStore:
    return AsyncSignalWireStore(adapter, **common)


registration = Registration(
    name="signalwire",
    adapter=_adapter,
    description="SignalWire phone numbers: list, get, name, handlers, forwarding, purchase, release.",
    settings=(
        Setting(
            "space",
            env=("SIGNALWIRE_SPACE",),
            required=False,
            help="your space: 'example' or 'example.signalwire.com' (required unless base_url is given)",
        ),
        Setting("project_id", env=("SIGNALWIRE_PROJECT_ID",), help="the project id (Basic auth user)"),
        Setting(
            "api_token",
            env=("SIGNALWIRE_API_TOKEN",),
            secret=True,
            help="an API token with the Numbers scope (and Voice, for forwarding scripts)",
        ),
        Setting(
            "base_url",
            required=False,
            default="https://{space}.signalwire.com/api/relay/rest",
            help="the API root, instead of space",
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
    ),
    store=_store,
    async_store=_async_store,
    emulator=emulator,
)
