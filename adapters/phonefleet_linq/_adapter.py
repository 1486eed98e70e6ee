"""The Linq v3 partner API as sans-I/O flows, and the stores that drive them."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

import attrs
import httpx

from phonefleet import (
    DeadlineExceededError,
    Feature,
    NumberChanges,
    NumberRef,
    PhoneNumber,
    ProviderError,
    ResponseFormatError,
    StoreIdentity,
    Unset,
)
from phonefleet.adapter import (
    Adapter,
    AsyncStore,
    BearerAuth,
    Clock,
    Flow,
    MissingSettingError,
    Page,
    Ref,
    RequestBuilder,
    Secret,
    Store,
    account_setting,
    as_ref,
    check_base_url,
    done,
    env_setting,
    loads,
)

from ._errors import error_from_response, retry_after_from
from ._mapping import gc_paused, number_from_record, numbers_from_body, numbers_from_list
from ._wire import (
    PROVIDER,
    ReputationAudit,
    ReputationAuditStarted,
    structure_audit,
    structure_audit_started,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "AsyncLinqStore",
    "AuditWait",
    "LinqAdapter",
    "LinqStore",
]

DEFAULT_BASE_URL: Final = "https://api.linqapp.com/api/partner"
API_KEY_ENV: Final = "LINQ_API_V3_API_KEY"
BASE_URL_ENV: Final = "LINQ_API_V3_BASE_URL"
#: where the `account` setting may come from instead (phonefleet's own name: Linq has none)
ACCOUNT_ENV: Final = "PHONEFLEET_LINQ_ACCOUNT"
FEATURES: Final = frozenset({Feature.LIST, Feature.GET, Feature.SET_FORWARDING, Feature.REPUTATION})


class LinqAdapter(Adapter):
    """Linq v3 partner API: list numbers, set or clear call forwarding, reputation.

    `api_key` falls back to `LINQ_API_V3_API_KEY`, `base_url` to
    `LINQ_API_V3_BASE_URL`, then to the public API. Linq has no pagination,
    no get-by-id, no names, no archive: `get` lists and picks, and
    `list(archived=True)` yields nothing (Linq never archives a number).
    """

    provider = PROVIDER
    features = FEATURES

    def __init__(
        self, api_key: str | Secret | None = None, base_url: str | None = None, account: str | None = None
    ) -> None:
        key = env_setting(api_key, API_KEY_ENV)
        if isinstance(key, str):
            key = Secret(key)
        if not isinstance(key, Secret) or not key:
            raise MissingSettingError("linq", "api_key", (API_KEY_ENV,))
        self.api_key: Secret = key
        self.base_url = check_base_url(env_setting(base_url, BASE_URL_ENV) or DEFAULT_BASE_URL)
        self.requests = RequestBuilder(self.base_url)
        self.auth = BearerAuth(key)
        self.credentials = (key,)
        #: the user's label for the partner account (Linq's API names none a key belongs to), else None
        self.account = account_setting(account, ACCOUNT_ENV, provider=PROVIDER, credentials=self.credentials)

    def __repr__(self) -> str:
        return f"<LinqAdapter {self.describe()}>"

    # -- driver hooks ----------------------------------------------------------------
    def describe(self) -> str:
        return f"{self.provider} {self.base_url}"

    def is_own_origin(self, url: httpx.URL) -> bool:
        return self.requests.is_same_origin(url)

    def identity(self) -> StoreIdentity:
        """The base URL and the `account` the user named: the only key-free way to tell accounts apart."""
        return StoreIdentity(self.provider, self.account, self.base_url)

    def retry_after(self, response: httpx.Response) -> float | None:
        """Retry-After header, else the envelope's `error.retry_after`."""
        return retry_after_from(response)

    def error_from_response(self, response: httpx.Response, operation: str) -> ProviderError:
        return error_from_response(response, operation)

    # -- flows -----------------------------------------------------------------
    def list_page(self, archived: bool | None, cursor: str | None) -> Flow[Page]:
        """`GET /v3/phone_numbers`: everything in one answer (Linq does not paginate)."""
        if archived:
            return done(Page(items=()))  # Linq never archives: nothing to ask for
        return self._list()

    def _list(self) -> Flow[Page]:
        # the whole fleet in one body: capped by max_listing_bytes, not max_response_bytes
        response = yield self.requests.request("GET", "v3", "phone_numbers", whole_listing=True)
        self.raise_for_error(response, "list")
        with gc_paused():
            numbers = numbers_from_body(response.content)
            if numbers is None:  # off the documented shape: the careful way
                numbers = numbers_from_list(loads(response, provider=self.provider))
            return Page(items=numbers)

    def get(self, ref: Ref) -> Flow[PhoneNumber]:
        """Linq has no get-by-id: this lists the numbers and picks the match (by id or number)."""
        return self.find(ref, archived=False)

    def _resolve_id(self, ref: Ref) -> Flow[str]:
        if ref.id is not None:
            return ref.id
        found = yield from self.find(ref, archived=False)
        return found.id

    def _resolve_number(self, ref: Ref) -> Flow[str]:
        if ref.number is not None:
            return ref.number
        found = yield from self.find(ref, archived=False)
        return found.number

    def set_forwarding(self, ref: Ref, forward_to: str | None) -> Flow[PhoneNumber]:
        """`PUT /v3/phone_numbers/{id}`; None clears (sent as JSON null).

        The answer carries no reputation, so the result's `reputation` is
        None: call `get` for the current one.
        """
        ident = yield from self._resolve_id(ref)
        request = self.requests.request(
            "PUT", "v3", "phone_numbers", ident, json={"forwarding_number": forward_to}
        )
        response = yield request
        self.raise_for_error(response, "set_forwarding")
        return number_from_record(loads(response, provider=self.provider), with_reputation=False)

    def update(self, ref: Ref, changes: NumberChanges) -> Flow[PhoneNumber]:
        """Only `forwarding_number` can change on Linq (the store refuses the rest first)."""
        forwarding = changes.forwarding_number
        if isinstance(forwarding, Unset):
            raise self.unsupported(Feature.UPDATE_NAME, "Linq can only change forwarding_number")
        return self.set_forwarding(ref, forwarding)

    # -- vendor extras: reputation audits -------------------------------------------
    def start_reputation_audit_flow(self, ref: Ref) -> Flow[ReputationAuditStarted]:
        """`POST /v3/phone_numbers/{phone_number}/reputation_audit`.

        Starting one while another runs answers 202 with the running audit's
        id. Never repeated after the request may have reached Linq. A 429
        (the cooldown) applied nothing, so it is waited out when its
        Retry-After is within the retry policy's cap; otherwise the
        RateLimitError carries `retry_after`.
        """
        number = yield from self._resolve_number(ref)
        response = yield self.requests.request(
            "POST", "v3", "phone_numbers", number, "reputation_audit", retry="rate_limit"
        )
        self.raise_for_error(response, "start_reputation_audit")
        return structure_audit_started(loads(response, provider=self.provider))

    def get_reputation_audit_flow(self, ref: Ref, audit_id: str) -> Flow[ReputationAudit]:
        """`GET /v3/phone_numbers/{phone_number}/reputation_audit/{audit_id}`."""
        if not isinstance(audit_id, str) or not audit_id.strip():
            msg = f"audit_id must be a non-empty string, got {audit_id!r}"
            raise ValueError(msg)
        number = yield from self._resolve_number(ref)
        response = yield self.requests.request(
            "GET", "v3", "phone_numbers", number, "reputation_audit", audit_id
        )
        self.raise_for_error(response, "get_reputation_audit")
        audit = structure_audit(loads(response, provider=self.provider))
        if audit.audit_id != audit_id:
            msg = f"asked for audit {audit_id!r}, got {audit.audit_id!r}"
            raise ResponseFormatError(msg, provider=self.provider)
        return audit

    def audit_number_flow(self, ref: Ref) -> Flow[str]:
        """The E.164 number an audit URL needs (a lookup only when given an id)."""
        return self._resolve_number(ref)


@attrs.define
class AuditWait:
    """When to poll an audit again, and when to give up: the waiting logic, once.

    `next_delay(audit)` is None when the audit has finished, the seconds to
    sleep otherwise, and raises DeadlineExceededError once `timeout` would pass.
    """

    timeout: float
    interval: float
    clock: Clock
    started: float = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        if self.timeout <= 0 or self.interval <= 0:
            msg = "timeout and interval must be > 0"
            raise ValueError(msg)
        self.started = self.clock()

    def next_delay(self, audit: ReputationAudit) -> float | None:
        if audit.finished:
            return None
        remaining = self.timeout - (self.clock() - self.started)
        if remaining <= 0:
            msg = f"{PROVIDER}: reputation audit {audit.audit_id} still pending after {self.timeout:g}s"
            raise DeadlineExceededError(msg)
        return min(self.interval, remaining)


_DEFAULT_AUDIT_TIMEOUT: Final = 300.0
_DEFAULT_AUDIT_INTERVAL: Final = 2.0


class LinqStore(Store[LinqAdapter]):
    """A `PhoneNumberStore` for Linq, with its reputation-audit extras."""

    def ex_start_reputation_audit(self, ref: NumberRef) -> ReputationAuditStarted:
        """Start a reputation audit of a line; poll it with `ex_get_reputation_audit`."""
        return self.run(self.adapter.start_reputation_audit_flow(as_ref(ref, PROVIDER)))

    def ex_get_reputation_audit(self, ref: NumberRef, audit_id: str) -> ReputationAudit:
        return self.run(self.adapter.get_reputation_audit_flow(as_ref(ref, PROVIDER), audit_id))

    def ex_wait_for_reputation_audit(
        self,
        ref: NumberRef,
        audit_id: str,
        *,
        timeout: float = _DEFAULT_AUDIT_TIMEOUT,
        interval: float = _DEFAULT_AUDIT_INTERVAL,
        clock: Clock | None = None,
        sleep: Callable[[float], Any] | None = None,
    ) -> ReputationAudit:
        """Poll until the audit is complete or errored; DeadlineExceededError after `timeout`."""
        wait = AuditWait(timeout, interval, clock or time.monotonic)
        number = Ref(number=self.run(self.adapter.audit_number_flow(as_ref(ref, PROVIDER))))
        pause = sleep or time.sleep
        while True:
            audit = self.run(self.adapter.get_reputation_audit_flow(number, audit_id))
            delay = wait.next_delay(audit)
            if delay is None:
                return audit
            pause(delay)


class AsyncLinqStore(AsyncStore[LinqAdapter]):
    """The async twin of `LinqStore`."""

    async def ex_start_reputation_audit(self, ref: NumberRef) -> ReputationAuditStarted:
        return await self.run(self.adapter.start_reputation_audit_flow(as_ref(ref, PROVIDER)))

    async def ex_get_reputation_audit(self, ref: NumberRef, audit_id: str) -> ReputationAudit:
        return await self.run(self.adapter.get_reputation_audit_flow(as_ref(ref, PROVIDER), audit_id))

    async def ex_wait_for_reputation_audit(
        self,
        ref: NumberRef,
        audit_id: str,
        *,
        timeout: float = _DEFAULT_AUDIT_TIMEOUT,
        interval: float = _DEFAULT_AUDIT_INTERVAL,
        clock: Clock | None = None,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
    ) -> ReputationAudit:
        """Poll until the audit is complete or errored; DeadlineExceededError after `timeout`."""
        wait = AuditWait(timeout, interval, clock or time.monotonic)
        number = Ref(number=await self.run(self.adapter.audit_number_flow(as_ref(ref, PROVIDER))))
        if sleep is None:
            import asyncio  # loaded already: this is a coroutine; a sync listing never imports it

            sleep = asyncio.sleep
        while True:
            audit = await self.run(self.adapter.get_reputation_audit_flow(number, audit_id))
            delay = wait.next_delay(audit)
            if delay is None:
                return audit
            await sleep(delay)


def make_store(adapter: LinqAdapter, **common: Any) -> LinqStore:
    return LinqStore(adapter, **common)


def make_async_store(adapter: LinqAdapter, **common: Any) -> AsyncLinqStore:
    return AsyncLinqStore(adapter, **common)
