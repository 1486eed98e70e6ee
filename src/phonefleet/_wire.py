"""Small sans-I/O helpers every adapter needs: safe URLs, requests, JSON, secrets."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final, Literal
from urllib.parse import quote

import attrs
import httpx
import msgspec

from ._errors import ResponseFormatError

__all__ = [
    "RETRY_EXTENSION",
    "RequestBuilder",
    "RetryMode",
    "Secret",
    "check_base_url",
    "env_setting",
    "loads",
    "parse_datetime",
    "quote_segment",
    "retry_mode",
]

RETRY_EXTENSION: Final = "phonefleet.retry"
#: idempotent: GET/PUT rules; unsafe: only if never sent; safe: as idempotent
#: (the flow proved a repeat harmless); rate_limit: unsafe, but a 429 (which
#: proves nothing was applied) is waited out and repeated.
RetryMode = Literal["idempotent", "unsafe", "safe", "rate_limit"]
_IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT"})

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


def env_setting(value: Any, *env_names: str) -> Any:
    """The explicit setting if given, else the first environment variable set."""
    if value is not None:
        return value
    for name in env_names:
        found = os.environ.get(name)
        if found:
            return found
    return None


def check_base_url(url: str | httpx.URL) -> httpx.URL:
    """Parse a base URL, refusing plain http except to loopback."""
    parsed = httpx.URL(str(url))
    if parsed.scheme not in {"https", "http"} or not parsed.host:
        msg = f"base_url must be an absolute https URL, got {str(url)!r}"
        raise ValueError(msg)
    if parsed.scheme == "http" and not _is_loopback(parsed.host):
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


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
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

    def url(self, *segments: object) -> httpx.URL:
        # one parse of a string is cheaper than URL.copy_with; every segment
        # is percent-encoded, so nothing in it can change the URL's structure
        return httpx.URL(self._prefix + "".join("/" + quote_segment(s) for s in segments))

    def request(
        self,
        method: str,
        *segments: object,
        params: Mapping[str, str | int] | Iterable[tuple[str, str | int]] | None = None,
        json: Any = None,
        retry: RetryMode | None = None,
        url: httpx.URL | str | None = None,
    ) -> httpx.Request:
        """A request to `base_url/segment/...` (or to an absolute `url`).

        `retry="safe"` marks a POST or DELETE the flow has proved safe to
        repeat; `retry="rate_limit"` lets a 429 be waited out and repeated;
        GET and PUT are retried anyway.
        """
        target = httpx.URL(str(url)) if url is not None else self.url(*segments)
        if params is not None:
            target = target.copy_merge_params(params)  # type: ignore[arg-type]
        headers = {"Accept": "application/json", **self.headers}
        content: bytes | None = None
        if json is not None:
            content = dumps(json)
            headers["Content-Type"] = "application/json"
        extensions = {RETRY_EXTENSION: retry} if retry is not None else None
        return httpx.Request(method, target, headers=headers, content=content, extensions=extensions)

    def is_same_origin(self, url: httpx.URL) -> bool:
        return (url.scheme, url.host, url.port) == (
            self.base_url.scheme,
            self.base_url.host,
            self.base_url.port,
        )


def dumps(value: Any) -> bytes:
    """Compact JSON bytes."""
    return _encode(value)


def loads(response: httpx.Response, *, provider: str | None = None) -> Any:
    """The response's JSON body, or ResponseFormatError saying what came instead."""
    body = response.content
    try:
        return _decode(body)
    except (msgspec.DecodeError, ValueError):
        snippet = body[:80].decode("utf-8", "replace")
        msg = f"expected JSON from {response.request.method} {response.request.url.path}, got {snippet!r}"
        raise ResponseFormatError(msg, provider=provider) from None


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
        msg = f"expected an ISO 8601 timestamp, got {value[:40]!r}"
        raise ResponseFormatError(msg, provider=provider) from None
