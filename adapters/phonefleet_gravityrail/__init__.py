"""phonefleet adapter for Gravity Rail's workspace phone numbers.

Open it with `phonefleet.connect("gravityrail", api_key=..., workspace=...)`,
or set GRAVITY_RAIL_API_KEY and GRAVITY_RAIL_WORKSPACE (and, for another
deployment, GRAVITY_RAIL_API_URL). See docs/adapters/gravityrail.md.
"""

from __future__ import annotations

from typing import Any

import httpx

from phonefleet.adapter import Registration, Secret, Setting

from ._adapter import (
    DEFAULT_BASE_URL,
    FORWARDING_MODE,
    MAX_POST_ATTEMPTS,
    AsyncGravityRailStore,
    GravityRailAdapter,
    GravityRailStore,
)
from ._mapping import FORWARDING_MODES

__all__ = [
    "DEFAULT_BASE_URL",
    "FORWARDING_MODE",
    "FORWARDING_MODES",
    "MAX_POST_ATTEMPTS",
    "AsyncGravityRailStore",
    "GravityRailAdapter",
    "GravityRailStore",
    "registration",
]


def _adapter(
    *,
    api_key: str | Secret | None = None,
    workspace: str | None = None,
    base_url: str | httpx.URL | None = None,
) -> GravityRailAdapter:
    """The adapter from settings, each falling back to its environment variable."""
    return GravityRailAdapter(api_key=api_key, workspace=workspace, base_url=base_url)


def _emulator(*args: Any, **options: Any) -> Any:
    from .emulator import emulator

    return emulator(*args, **options)


registration = Registration(
    name="gravityrail",
    adapter=_adapter,
    description="Gravity Rail workspace phone numbers (archive, archive blockers, provider-phone links).",
    settings=(
        Setting("api_key", env=("GRAVITY_RAIL_API_KEY",), secret=True, help="API key (starts with gr_)"),
        Setting("workspace", env=("GRAVITY_RAIL_WORKSPACE",), help="workspace uuid"),
        Setting(
            "base_url",
            env=("GRAVITY_RAIL_API_URL",),
            required=False,
            default=DEFAULT_BASE_URL,
            help="the API root",
        ),
    ),
    store=GravityRailStore,
    async_store=AsyncGravityRailStore,
    emulator=_emulator,
)
