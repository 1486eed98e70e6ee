"""Small sans-I/O helpers every adapter needs: safe URLs, requests, JSON, secrets."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final, Literal
from urllib.parse import quote, urlencode

import attrs
import httpx
import msgspec

from ._errors import ResponseFormatError
from ._memo import Memo
from ._redact import shorten

__all__ = [
    "LISTING_EXTENSION",
    "RETRY_EXTENSION",
    "RequestBuilder",
    "RetryMode",
    "Secret",
    "check_base_url",
    "decode_json",
    "env_setting",
    "json_or_none",
    "loads",
    "next_page_number",
    "page_size_setting",
    "parse_datetime",
    "quote_segment",
    "retry_mode",
    "secret_setting",
]

RETRY_EXTENSION: Final = "phonefleet.retry"
#: marks a request whose answer is a whole listing in one body (it grows with
#: the fleet): the driver caps it with `max_listing_bytes`, not `max_response_bytes`
LISTING_EXTENSION: Final = "phonefleet.whole_listing"
#: idempotent: GET/PUT rules; unsafe: only if never sent; safe: as idempotent
#: (the flow proved a repeat harmless); rate_limit: unsafe, but a 429 (which
#: proves nothing was applied) is waited out and repeated.
RetryMode = Literal["idempotent", "unsafe", "safe", "rate_limit"]
_IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT"})
#: the URLs built under every base URL, by their text (bounded; emptied when the last store closes)
_URLS: Final[Memo[str, httpx.URL]] = Memo()

# msgspec decodes large listings to plain dicts and lists faster than the
# stdlib's json (bench/ compares the adapters against raw json.loads).
_decode: Final = msgspec.json.Decoder().decode
_encode: Final = msgspec.json.Encoder().encode


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


@attrs.frozen(repr=False)
class Secret:
    """A credential that never shows itself in a repr, str, log or error."""

    _value: str = attrs.field(alias="value", converter=_strip)

    @_value.validator
    def _check(self, _: object, value: object) -> None:
        # never echo the value: the message must not carry the credential
        if not isinstance(value, str):
            msg = f"a credential must be a string, not {type(value).__name__}"
            raise TypeError(msg)
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            msg = "a credential must not contain control characters (a newline, say)"
            raise ValueError(msg)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def _blank(value: object) -> bool:
    if isinstance(value, Secret):
        return not value
    return isinstance(value, str) and not value.strip()


def env_setting(value: Any, *env_names: str) -> Any:
    """The explicit setting if given, else the first environment variable set.

    A blank or whitespace-only value counts as not given, from either place:
    a blank credential is refused exactly like a missing one, never sent.
    """
    if value is not None and not _blank(value):
        return value
    for name in env_names:
        found = os.environ.get(name)
        if found and not _blank(found):
            return found
    return None


def secret_setting(value: object, *env_names: str, provider: str, name: str) -> Secret:
    """A credential setting as a `Secret`: the value given, else the first
    environment variable set; a clear error (never echoing it) when missing."""
    value = env_setting(value, *env_names)
    if isinstance(value, Secret) and value:
        return value
    if isinstance(value, str) and value.strip():
        return Secret(value)
    if value is not None and not isinstance(value, str | Secret):
        msg = f"{provider} {name} must be a string, got {type(value).__name__}"
        raise TypeError(msg)
    from ._settings import MissingSettingError  # _settings builds on this module

    raise MissingSettingError(provider, name, env_names)


def page_size_setting(value: object, *, maximum: int, default: int | None = None) -> int:
    """A `page_size` setting: an integer (or its digits, from a CLI option) from 1
    to the vendor's `maximum`; None means `default` (else the maximum)."""
    if value is None:
        return default or maximum
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        msg = f"page_size must be an integer from 1 to {maximum}, got {value!r}"
        raise ValueError(msg)
    return value


def check_base_url(url: str | httpx.URL) -> httpx.URL:
    """Parse a base URL, refusing plain http except to loopback."""
    parsed = httpx.URL(str(url))
    if parsed.scheme not in {"https", "http"} or not parsed.host:
        msg = f"base_url must be an absolute https URL, got {str(url)!r}"
        raise ValueError(msg)
    if parsed.scheme == "http" and not is_loopback_host(parsed.host):
        msg = (
            f"refusing plain http:// to {parsed.host}: credentials would travel "
            "unencrypted (http is allowed only to loopback)"
        )
        raise ValueError(msg)
    if parsed.username or parsed.password:
        msg = "base_url must not carry credentials; pass them as settings"
        raise ValueError(msg)
    path = parsed.raw_path.split(b"?")[0].rstrip(b"/")
    return parsed.copy_with(raw_path=path, query=None, fragment=None)


def is_loopback_host(host: str) -> bool:
    """True only for the name `localhost` and loopback address literals
    (127.0.0.0/8, ::1).

    A name is not an address: `api.localhost` (or any other name) may resolve
    anywhere (/etc/hosts, a resolver), so no name but `localhost` is trusted.
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def quote_segment(value: object) -> str:
    """Percent-encode one path segment, so an id can never leave its endpoint."""
    text = str(value)
    if text in {"", ".", ".."}:
        msg = f"{text!r} cannot be used as an identifier in a URL path"
        raise ValueError(msg)
    encoded = quote(text, safe="")
    if ".." in text:  # no dot-segments, even encoded ones a server might decode
        encoded = encoded.replace(".", "%2E")
    return encoded


def retry_mode(request: httpx.Request) -> RetryMode:
    """How a request may be retried after it might have reached the server."""
    mode = request.extensions.get(RETRY_EXTENSION)
    if mode is not None:
        return mode  # type: ignore[no-any-return]
    return "idempotent" if request.method in _IDEMPOTENT_METHODS else "unsafe"


@attrs.frozen
class RequestBuilder:
    """Builds requests under one base URL; every path part is percent-encoded."""

    base_url: httpx.URL = attrs.field(converter=check_base_url)
    headers: Mapping[str, str] = attrs.field(factory=dict)

    _prefix: str = attrs.field(init=False, repr=False)

    @_prefix.default
    def _make_prefix(self) -> str:
        return str(self.base_url).rstrip("/")

    def url(self, *segments: object, suffix: str = "") -> httpx.URL:
        """`base_url/segment/...` plus a literal `suffix` (the adapter's own, such as `.json`)."""
        # one parse of a string is cheaper than URL.copy_with; every segment
        # is percent-encoded, so nothing in it can change the URL's structure.
        # A URL is immutable: one parsed for a number's first request serves its next ones.
        text = self._prefix + "".join("/" + quote_segment(s) for s in segments) + suffix
        url = _URLS.get(text)
        return _URLS.keep(text, httpx.URL(text)) if url is None else url

    def request(
        self,
        method: str,
        *segments: object,
        params: Mapping[str, str | int] | Iterable[tuple[str, str | int]] | None = None,
        json: Any = None,
        form: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        retry: RetryMode | None = None,
        url: httpx.URL | str | None = None,
        suffix: str = "",
        whole_listing: bool = False,
    ) -> httpx.Request:
        """A request to `base_url/segment/...` (or to an absolute `url`).

        `json` sends a JSON body; `form` an `application/x-www-form-urlencoded`
        one, in the order given (an empty string is sent as `Key=`, which is
        how form APIs such as Twilio's clear a field). `suffix` is appended to
        the path as it is (`.json`): the adapter's constant, never user input.
        `retry="safe"` marks a POST or DELETE the flow has proved safe to
        repeat; `retry="rate_limit"` lets a 429 be waited out and repeated;
        GET and PUT are retried anyway. `whole_listing=True` marks an
        endpoint that answers every number in one body (no paging), so its
        answer grows with the fleet and gets the larger `max_listing_bytes` cap.
        """
        if json is not None and form is not None:
            msg = "a request has one body: give json or form, not both"
            raise ValueError(msg)
        target = httpx.URL(str(url)) if url is not None else self.url(*segments, suffix=suffix)
        if params is not None:
            target = target.copy_merge_params(params)  # type: ignore[arg-type]
        headers = {"Accept": "application/json", **self.headers}
        content: bytes | None = None
        if json is not None:
            content = dumps(json)
            headers["Content-Type"] = "application/json"
        elif form is not None:
            content = urlencode(list(form.items()) if isinstance(form, Mapping) else list(form)).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        extensions: dict[str, Any] = {RETRY_EXTENSION: retry} if retry is not None else {}
        if whole_listing:
            extensions[LISTING_EXTENSION] = True
        return httpx.Request(method, target, headers=headers, content=content, extensions=extensions or None)

    def is_same_origin(self, url: httpx.URL) -> bool:
        return (url.scheme, url.host, url.port) == (
            self.base_url.scheme,
            self.base_url.host,
            self.base_url.port,
        )

    def next_link(
        self,
        current: httpx.URL,
        following: object,
        *,
        provider: str,
        field: str = "next",
    ) -> str | None:
        """A next-page link from a body (relative or absolute) as an absolute URL, or None.

        The one rule for link paging (SignalWire `links.next`, Twilio
        `next_page_uri`, ...): null or "" ends the listing; anything that is
        not an http(s) URL on this builder's own origin, or that points back
        at the page it came with, is a `ResponseFormatError`. Nothing from
        another origin is ever fetched, so nothing foreign is ever yielded.
        """
        if following is None or following == "":
            return None
        if not isinstance(following, str):
            msg = f"expected {field} to be a URL, got {type(following).__name__}"
            raise ResponseFormatError(msg, provider=provider)
        text = following.strip()
        if not text:
            return None
        try:
            target = current.join(text)
        except (httpx.InvalidURL, ValueError, TypeError):
            msg = f"{field} is not a URL: {shorten(text, 80, quote=True)}"
            raise ResponseFormatError(msg, provider=provider) from None
        if target.scheme not in {"https", "http"} or not target.host:
            msg = f"{field} is not an http(s) URL: {shorten(text, 80, quote=True)}"
            raise ResponseFormatError(msg, provider=provider)
        if not self.is_same_origin(target):
            msg = (
                f"{field} points to another origin than {self.base_url.host}: {shorten(text, 80, quote=True)}"
            )
            raise ResponseFormatError(msg, provider=provider)
        if target == current:
            msg = f"{field} points back to the page it came with ({shorten(text, 80, quote=True)})"
            raise ResponseFormatError(msg, provider=provider)
        return str(target)


def next_page_number(
    page_number: object, total_pages: object, *, provider: str, asked: int | None = None
) -> str | None:
    """The cursor of the next page for page-number paging (Telnyx `meta`), or None.

    `page_number` and `total_pages` are what the vendor's body says; a
    missing or non-integer value, or a page past the total, is a
    `ResponseFormatError` rather than a guess. `asked` is the page the
    request asked for: the count follows the request, never the answer, so
    an answer for another page (skipping ahead or going back) is a
    `ResponseFormatError` too, not a listing that silently ends early.
    """
    for name, value in (("page_number", page_number), ("total_pages", total_pages)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            msg = f"expected meta.{name} to be a non-negative integer, got {shorten(value, 40, quote=True)}"
            raise ResponseFormatError(msg, provider=provider)
    assert isinstance(page_number, int)
    assert isinstance(total_pages, int)
    if asked is not None and page_number != asked:
        msg = f"asked for page {asked}, the answer is page {page_number} (meta.page_number)"
        raise ResponseFormatError(msg, provider=provider)
    if page_number >= total_pages:
        return None
    return str(page_number + 1)


def dumps(value: Any) -> bytes:
    """Compact JSON bytes."""
    return _encode(value)


def decode_json(data: bytes | bytearray | memoryview | str) -> Any:
    """The one JSON decoder for every body phonefleet reads (vendors, emulators, plans).

    Any failure is a `ValueError` saying why: malformed text, invalid
    UTF-8, or nesting too deep to decode (msgspec and the stdlib raise a
    bare `RecursionError` for that, which no caller would expect).
    """
    try:
        return _decode(data)
    except RecursionError:
        msg = "JSON nested too deeply to decode"
        raise ValueError(msg) from None
    except (msgspec.DecodeError, UnicodeError) as exc:
        raise ValueError(str(exc)) from None


def loads(response: httpx.Response, *, provider: str | None = None) -> Any:
    """The response's JSON body, or ResponseFormatError saying what came instead."""
    body = response.content
    try:
        return decode_json(body)
    except ValueError as exc:
        snippet = shorten(body, 80)
        msg = (
            f"expected JSON from {response.request.method} {response.request.url.path}, got {snippet} ({exc})"
        )
        raise ResponseFormatError(msg, provider=provider) from None


def json_or_none(response: httpx.Response) -> Any:
    """An error response's JSON body, or None when it is not JSON (never raises).

    For error mappers: a body that cannot be decoded must not hide the
    typed error its status stands for.
    """
    try:
        return decode_json(response.content)
    except ValueError:
        return None


def parse_datetime(value: object, *, provider: str | None = None) -> datetime | None:
    """An ISO 8601 timestamp from a vendor, or None when absent."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        msg = f"expected an ISO 8601 timestamp, got {type(value).__name__}"
        raise ResponseFormatError(msg, provider=provider)
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        msg = f"expected an ISO 8601 timestamp, got {shorten(value, 40, quote=True)}"
        raise ResponseFormatError(msg, provider=provider) from None
