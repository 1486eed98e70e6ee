"""The adapter toolkit: everything a vendor adapter is built from.

An adapter subclasses `Adapter`, writes each operation once as a flow (a
generator that yields `httpx.Request` and receives `httpx.Response`), and
publishes a `Registration` in the `phonefleet.adapters` entry-point group.
`Store` and `AsyncStore` drive the same flows; subclass them for `ex_`
methods. See docs/writing-an-adapter.md.
"""

from __future__ import annotations

from ._auth import BasicAuth, BearerAuth
from ._available import AvailableNumber
from ._bulk import build_numbers, shared_routing
from ._bulkcheck import all_e164, gc_paused
from ._driver import AsyncDriver, Clock, Deadline, SyncDriver, redact_url
from ._filter import ListFilter
from ._flow import (
    Adapter,
    Flow,
    Page,
    PortPage,
    Ref,
    as_ref,
    check_cursor,
    done,
    e164_from_wire,
    error_for_response,
    error_for_status,
    parse_retry_after,
)
from ._identity import account_setting
from ._listing import Column, Listing, Read, column
from ._memo import Memo
from ._once import UNKNOWN_OUTCOME, buy_once, release_once, released, write_once
from ._pacing import Pacer, PaceStats
from ._porting import least_advanced
from ._ratelimit import VENDOR_DEFAULT, RateLimit, RateSignal, VendorLimits, header_number, parse_rate_limit
from ._raw import JoinedRawJSON, RawJSON
from ._redact import shorten
from ._registry import (
    ENTRY_POINT_GROUP,
    Emulator,
    Registration,
    registration,
)
from ._settings import COMMON_SETTINGS, MissingSettingError, Setting, SettingError, UnknownSettingError
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
    page_size_setting,
    parse_datetime,
    quote_segment,
    retry_mode,
    secret_setting,
)

__all__ = [
    "COMMON_SETTINGS",
    "ENTRY_POINT_GROUP",
    "MissingSettingError",
    "SettingError",
    "UnknownSettingError",
    "RETRY_EXTENSION",
    "UNKNOWN_OUTCOME",
    "VENDOR_DEFAULT",
    "Adapter",
    "AsyncDriver",
    "AvailableNumber",
    "BasicAuth",
    "BearerAuth",
    "AsyncStore",
    "Clock",
    "Column",
    "Deadline",
    "Emulator",
    "Flow",
    "JoinedRawJSON",
    "PaceStats",
    "Pacer",
    "ListFilter",
    "Listing",
    "Memo",
    "Page",
    "RateLimit",
    "RateSignal",
    "PortPage",
    "RawJSON",
    "Read",
    "Ref",
    "Registration",
    "RequestBuilder",
    "RetryMode",
    "Secret",
    "Setting",
    "Store",
    "SyncDriver",
    "VendorLimits",
    "account_setting",
    "all_e164",
    "as_ref",
    "build_numbers",
    "buy_once",
    "check_base_url",
    "check_cursor",
    "column",
    "decode_json",
    "done",
    "dumps",
    "env_setting",
    "e164_from_wire",
    "error_for_response",
    "error_for_status",
    "gc_paused",
    "header_number",
    "json_or_none",
    "least_advanced",
    "loads",
    "next_page_number",
    "page_size_setting",
    "parse_datetime",
    "parse_rate_limit",
    "parse_retry_after",
    "quote_segment",
    "redact_url",
    "registration",
    "release_once",
    "released",
    "retry_mode",
    "shared_routing",
    "shorten",
    "secret_setting",
    "write_once",
]
