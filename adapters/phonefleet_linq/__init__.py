"""phonefleet adapter for the Linq v3 partner API (`phonefleet.connect("linq")`).

Lists a partner's numbers, sets or clears call forwarding, reports each
line's reputation, and (as `ex_` extras) runs reputation audits.
"""

from __future__ import annotations

from typing import Any

from phonefleet.adapter import Emulator, Registration, Setting

from ._adapter import (
    ACCOUNT_ENV,
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    FEATURES,
    AsyncLinqStore,
    AuditWait,
    LinqAdapter,
    LinqStore,
    make_async_store,
    make_store,
)
from ._wire import (
    ReputationActionItem,
    ReputationAudit,
    ReputationAuditStarted,
    ReputationDriver,
    ReputationReport,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "FEATURES",
    "AsyncLinqStore",
    "AuditWait",
    "LinqAdapter",
    "LinqStore",
    "ReputationActionItem",
    "ReputationAudit",
    "ReputationAuditStarted",
    "ReputationDriver",
    "ReputationReport",
    "registration",
]


def _emulator(*args: Any, **kwargs: Any) -> Emulator:
    from .emulator import emulator

    return emulator(*args, **kwargs)


registration = Registration(
    name="linq",
    adapter=LinqAdapter,
    description="Linq v3 partner API: list numbers, call forwarding, line reputation.",
    settings=(
        Setting("api_key", env=(API_KEY_ENV,), secret=True, help="Linq partner API key (Bearer token)"),
        Setting(
            "base_url",
            env=(BASE_URL_ENV,),
            required=False,
            default=DEFAULT_BASE_URL,
            help="the API root",
        ),
        Setting(
            "account",
            env=(ACCOUNT_ENV,),
            required=False,
            help="your label for this partner account: tells journals apart; never a key",
        ),
    ),
    store=make_store,
    async_store=make_async_store,
    emulator=_emulator,
)
