"""The adapter toolkit: everything a vendor adapter is built from.

An adapter subclasses `Adapter`, writes each operation once as a flow (a
generator that yields `httpx.Request` and receives `httpx.Response`), and
publishes a `Registration` in the `phonefleet.adapters` entry-point group.
`Store` and `AsyncStore` drive the same flows; subclass them for `ex_`
methods. See docs/writing-an-adapter.md.
"""

from __future__ import annotations

from ._auth import BasicAuth, BearerAuth
from ._bulk import build_numbers
from ._driver import AsyncDriver, Clock, Deadline, SyncDriver, redact_url
from ._flow import (
    Adapter,
    Flow,
    Page,
    Ref,
    as_ref,
    check_cursor,
    done,
    error_for_status,
    parse_retry_after,
)
from ._raw import RawJSON
from ._registry import (
    ENTRY_POINT_GROUP,
    Emulator,
    Registration,
    Setting,
    registration,
)
from ._store import AsyncStore, Store
from ._wire import (
    RETRY_EXTENSION,
    RequestBuilder,
    RetryMode,
    Secret,
    check_base_url,
    decode_json,
    dumps,
    env_setting,
    json_or_none,
    loads,
    next_page_number,
    parse_datetime,
    quote_segment,
    retry_mode,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "RETRY_EXTENSION",
    "Adapter",
    "AsyncDriver",
    "BasicAuth",
    "BearerAuth",
    "AsyncStore",
    "Clock",
    "Deadline",
    "Emulator",
    "Flow",
    "Page",
    "RawJSON",
    "Ref",
    "Registration",
    "RequestBuilder",
    "RetryMode",
    "Secret",
    "Setting",
    "Store",
    "SyncDriver",
    "as_ref",
    "build_numbers",
    "check_base_url",
    "check_cursor",
    "decode_json",
    "done",
    "dumps",
    "env_setting",
    "error_for_status",
    "json_or_none",
    "loads",
    "next_page_number",
    "parse_datetime",
    "parse_retry_after",
    "quote_segment",
    "redact_url",
    "registration",
    "retry_mode",
]
