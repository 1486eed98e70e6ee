"""Sans-I/O flows: each operation is written once, as a generator.

A flow yields `httpx.Request` objects and is sent back `httpx.Response`
objects (like `httpx.Auth.auth_flow`); its return value is the operation's
result. When the network fails after the driver's allowed retries, the driver
throws the `TransportError` into the flow, so a flow that must not repeat a
request blindly (an archive, a release) can look before it leaps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeAlias, TypeVar

import attrs
import httpx

from ._errors import (
    ArchiveBlockedError,
    AuthenticationError,
    ConflictError,
    InvalidNumberError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    UnsupportedOperationError,
)
from ._filter import ListFilter
from ._identity import StoreIdentity
from ._model import ArchiveBlocker, Feature, NumberChanges, PhoneNumber, ProviderPhone
from ._numbers import is_e164, to_e164
from ._porting import Portability, PortAccount, PortDocuments, PortIn
from ._ratelimit import RateSignal, VendorLimits
from ._redact import shorten
from ._wire import RequestBuilder, Secret

__all__ = ["Adapter", "Flow", "Page", "PortPage", "Ref", "as_ref", "done"]

T = TypeVar("T")
Flow: TypeAlias = Generator[httpx.Request, httpx.Response, T]


@attrs.frozen
class Page:
    """One page of a listing; `next` is the cursor of the following page."""

    items: Sequence[PhoneNumber]
    next: str | None = None


@attrs.frozen
class PortPage:
    """One page of a listing of port-in orders; `next` is the cursor of the following page."""

    items: Sequence[PortIn]
    next: str | None = None


@attrs.frozen
class Ref:
    """What a caller pointed at: a provider id, an E.164 number, or both.

    `known` is the caller's copy when the ref was a `PhoneNumber` of this
    provider, so a flow can skip a lookup.
    """

    id: str | None = None
    number: str | None = None
    known: PhoneNumber | None = None

    def describe(self) -> str:
        return self.id or self.number or "?"


def as_ref(ref: object, provider: str) -> Ref:
    """Turn a caller's ref into a `Ref`, validating it before any request.

    A string starting with '+' is a number (validated); any other string is
    a provider id. A `PhoneNumber` of another provider is matched by number.
    """
    if isinstance(ref, Ref):
        return ref
    if isinstance(ref, PhoneNumber):
        if ref.provider == provider:
            return Ref(id=ref.id, number=ref.number, known=ref)
        return Ref(number=ref.number if is_e164(ref.number) else to_e164(ref.number))
    if isinstance(ref, str):
        text = ref.strip()
        if text.startswith("+"):
            return Ref(number=to_e164(text))
        if not text:
            msg = "a phone number reference cannot be empty"
            raise ValueError(msg)
        return Ref(id=text)
    msg = f"expected a PhoneNumber, a provider id or an E.164 string, got {type(ref).__name__}"
    raise TypeError(msg)


_UNTHROTTLED = RateSignal()


def done(value: T) -> Flow[T]:
    """A flow that sends nothing and returns `value`."""
    return value
    yield  # pragma: no cover - makes this a generator


class Adapter:
    """Base of every adapter: the wire knowledge of one vendor, and no I/O.

    Subclasses set `provider` and `features`, override the flows they
    support, and turn error responses into typed errors in `raise_for_error`.
    The core checks `features` before calling a flow, so an unsupported
    operation never reaches the vendor.
    """

    provider: str
    features: frozenset[Feature]
    #: "number" when the vendor itself lists in E.164 order (the CLI then streams it as it comes)
    listing_order: str | None = None

    #: the httpx auth applied to requests for the adapter's own origin only
    auth: httpx.Auth | None = None
    #: every credential the adapter holds: blanked out of any error a flow
    #: raises, even one that quotes a vendor message echoing it
    credentials: tuple[Secret, ...] = ()
    #: what the vendor documents about its rate limit: where pacing starts
    limits: VendorLimits = VendorLimits()
    #: whether forwarding takes the number's voice handler (Twilio's voice URL,
    #: SignalWire's call handler): forwarding then replaces whatever answered
    #: calls before (a trunk, an application, a webhook), and stopping it does
    #: not bring that back. Callers (the CLI's `forward`) ask first.
    forwarding_replaces_voice: bool = False

    # -- hooks the driver uses -------------------------------------------
    def is_own_origin(self, url: httpx.URL) -> bool:
        """Whether credentials may be sent to `url`: the origin of the adapter's
        `requests` (a RequestBuilder), if it keeps one there; else never."""
        requests = getattr(self, "requests", None)
        return isinstance(requests, RequestBuilder) and requests.is_same_origin(url)

    def retry_after(self, response: httpx.Response) -> float | None:
        """Seconds the vendor asks us to wait; the header by default."""
        return parse_retry_after(response.headers.get("Retry-After"))

    def rate_signal(self, response: httpx.Response) -> RateSignal:
        """What an answer says about the account's limit: a 429 and its wait by default.
        Adapters whose vendor sends rate headers (or a concurrency code) read them here."""
        if response.status_code == 429:
            return RateSignal(throttled=True, retry_after=self.retry_after(response))
        return _UNTHROTTLED

    def describe(self) -> str:
        """Where the store points, for reprs: never a credential."""
        requests = getattr(self, "requests", None)
        if isinstance(requests, RequestBuilder):
            return f"{self.provider} {requests.base_url}"
        return self.provider

    def identity(self) -> StoreIdentity:
        """Which account the store speaks to (never a credential): the provider
        and the base URL of the adapter's `requests`; adapters that know their
        account (an account sid, a workspace) override this to add it."""
        requests = getattr(self, "requests", None)
        base_url = requests.base_url if isinstance(requests, RequestBuilder) else None
        return StoreIdentity(self.provider, None, base_url)

    # -- errors ------------------------------------------------------------
    def error_from_response(self, response: httpx.Response, operation: str) -> ProviderError:
        """The typed error for an error response. Adapters override this."""
        return error_for_status(
            response.status_code,
            response.reason_phrase or "error",
            provider=self.provider,
            operation=operation,
            retry_after=self.retry_after(response),
        )

    def raise_for_error(self, response: httpx.Response, operation: str) -> None:
        if response.is_error:
            raise self.error_from_response(response, operation)

    # -- flows: override what `features` declares -------------------------
    def list_page(self, archived: bool | None, cursor: str | None) -> Flow[Page]:
        raise self.unsupported(Feature.LIST)

    def list_page_filtered(self, archived: bool | None, cursor: str | None, only: ListFilter) -> Flow[Page]:
        """A listing page narrowed by the vendor's own filters, where it has them.

        The default asks for the whole page: the store applies `only` to
        every page anyway, so an override only saves transfer.
        """
        return self.list_page(archived, cursor)

    def get(self, ref: Ref) -> Flow[PhoneNumber]:
        return self.find(ref)

    def update(self, ref: Ref, changes: NumberChanges) -> Flow[PhoneNumber]:
        raise self.unsupported(Feature.UPDATE_NAME)

    def set_forwarding(self, ref: Ref, forward_to: str | None) -> Flow[PhoneNumber]:
        return self.update(ref, NumberChanges(forwarding_number=forward_to))

    def create(self, number: str, *, name: str | None, link: str | None) -> Flow[PhoneNumber]:
        raise self.unsupported(Feature.CREATE)

    def archive(self, ref: Ref) -> Flow[PhoneNumber]:
        raise self.unsupported(Feature.ARCHIVE)

    def archive_blockers(self, ref: Ref) -> Flow[list[ArchiveBlocker]]:
        raise self.unsupported(Feature.ARCHIVE_BLOCKERS)

    def link(self, ref: Ref, provider_phone: str | None) -> Flow[PhoneNumber]:
        raise self.unsupported(Feature.LINK)

    def linkable(self) -> Flow[list[ProviderPhone]]:
        raise self.unsupported(Feature.LINK)

    # -- porting (Feature.PORT_IN) ------------------------------------------
    # The core validates every input first (E.164, no repeats, the account,
    # documents read into bytes) and runs `check_portability` before
    # `port_in`, so these flows see only clean input, and `port_in` only
    # numbers the vendor said can port.
    def check_portability(self, numbers: tuple[str, ...]) -> Flow[list[Portability]]:
        """One `Portability` per number (any order; the core restores the caller's)."""
        raise self.unsupported(Feature.PORT_IN)

    def check_port_in(
        self,
        numbers: tuple[str, ...],
        *,
        account: PortAccount,
        documents: PortDocuments,
        date: date | None,
    ) -> None:
        """Refuse (ValueError) what this vendor requires and the port lacks, before any request.

        The core calls it before `check_portability`, so a port the vendor
        would refuse for missing data sends nothing at all. Nothing by default.
        """

    def port_in(
        self,
        numbers: tuple[str, ...],
        *,
        account: PortAccount,
        documents: PortDocuments,
        date: date | None,
    ) -> Flow[list[PortIn]]:
        """Create and submit the order(s) for `numbers`: never twice, even after an unclear outcome."""
        raise self.unsupported(Feature.PORT_IN)

    def get_port_in(self, port_id: str) -> Flow[PortIn]:
        raise self.unsupported(Feature.PORT_IN)

    def list_port_ins_page(self, open_only: bool, cursor: str | None) -> Flow[PortPage]:
        raise self.unsupported(Feature.PORT_IN)

    def cancel_port_in(self, port_id: str) -> Flow[PortIn]:
        raise self.unsupported(Feature.PORT_IN)

    # -- shared flow helpers ----------------------------------------------
    def unsupported(self, feature: Feature, detail: str | None = None) -> UnsupportedOperationError:
        return UnsupportedOperationError(self.provider, feature, detail)

    def find(self, ref: Ref, *, archived: bool | None = None) -> Flow[PhoneNumber]:
        """Find a number by listing: for vendors with no get-by-number (or none at all)."""
        match: Callable[[PhoneNumber], bool]
        if ref.id is not None:
            match = lambda n: n.id == ref.id  # noqa: E731
        else:
            match = lambda n: n.number == ref.number  # noqa: E731
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = yield from self.list_page(archived, cursor)
            for item in page.items:
                if match(item):
                    return item
            if page.next is None:
                raise self.not_found(ref)
            cursor = check_cursor(page.next, seen, self.provider)

    def not_found(self, ref: Ref, operation: str | None = None) -> NotFoundError:
        return NotFoundError(
            f"no number {ref.describe()}",
            provider=self.provider,
            status=None,
            operation=operation,
        )


def check_cursor(cursor: str, seen: set[str], provider: str) -> str:
    """Refuse a page cursor seen before: a loop would never end, or silently truncate."""
    if cursor in seen:
        msg = f"the listing points back to a page it already returned ({shorten(cursor, 80, quote=True)})"
        raise ResponseFormatError(msg, provider=provider)
    seen.add(cursor)
    return cursor


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def error_for_status(
    status: int,
    message: str,
    *,
    provider: str,
    operation: str | None = None,
    code: str | int | None = None,
    doc_url: str | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
    scope: str | None = None,
) -> ProviderError:
    """The phonefleet error class for an HTTP status, filled in."""
    common: dict[str, Any] = {
        "provider": provider,
        "status": status,
        "code": code,
        "doc_url": doc_url,
        "request_id": request_id,
        "operation": operation,
    }
    if status == 401:
        return AuthenticationError(message, **common)
    if status == 403:
        return PermissionDeniedError(message, scope=scope, **common)
    if status == 404:
        return NotFoundError(message, **common)
    if status == 409:
        return ConflictError(message, **common)
    if status == 429:
        return RateLimitError(message, retry_after=retry_after, **common)
    if status >= 500:
        return ServerError(message, **common)
    return ProviderError(message, **common)


def error_for_response(
    response: httpx.Response,
    messages: Sequence[str],
    *,
    provider: str,
    operation: str | None = None,
    code: str | int | None = None,
    doc_url: str | None = None,
    request_id_headers: Sequence[str] = ("x-request-id",),
    blocked_kind: str | None = None,
    ref_id: str | None = None,
) -> ProviderError:
    """The typed error for a vendor's error response, once for every adapter.

    `messages` are joined, each once (the reason phrase if there are none);
    the request id comes from the first of `request_id_headers` present, and
    a 429's wait from Retry-After. A `blocked_kind` makes it an
    `ArchiveBlockedError` whose blocker is that kind, on number `ref_id`.
    """
    message = "; ".join(dict.fromkeys(messages)) or response.reason_phrase or f"HTTP {response.status_code}"
    request_id = next((response.headers[h] for h in request_id_headers if h in response.headers), None)
    if blocked_kind is not None:
        return ArchiveBlockedError(
            message,
            blockers=[ArchiveBlocker(kind=blocked_kind, id=ref_id or "?", detail=message)],
            provider=provider,
            status=response.status_code,
            code=code,
            doc_url=doc_url,
            request_id=request_id,
            operation=operation,
        )
    return error_for_status(
        response.status_code,
        message,
        provider=provider,
        operation=operation,
        code=code,
        doc_url=doc_url,
        request_id=request_id,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


def e164_from_wire(value: object, field: str, *, provider: str) -> str:
    """A number a vendor sent, in E.164: canonical on the fast path; a loose
    but unambiguous form (`+1 202 555 0100`) is normalised; anything else is a
    `ResponseFormatError` naming `field`."""
    if isinstance(value, str):
        if is_e164(value):
            return value
        try:
            return to_e164(value)
        except InvalidNumberError as exc:
            msg = f"{field} {shorten(value, 40, quote=True)} is not a phone number: {exc.reason}"
            raise ResponseFormatError(msg, provider=provider) from None
    msg = f"expected {field} to be an E.164 string, got {type(value).__name__}"
    raise ResponseFormatError(msg, provider=provider)
