"""Telnyx error responses -> typed phonefleet errors.

Every numbers endpoint answers errors as `numbers_Errors`:
`{"errors": [{"code", "title", "detail", "source": {"pointer", "parameter"},
"meta": {"url"}}]}`. The code is a string ("10005" not found, "10009"
authentication failed, "10011" too many requests); `meta.url` is the doc
link. A 429 says when to come back in `x-ratelimit-reset` (seconds until the
window resets). Anything else (a proxy's HTML, an empty body) still becomes
the error for its status.
"""

from __future__ import annotations

from typing import Any, Final

import httpx

from phonefleet import ProviderError
from phonefleet.adapter import (
    RateSignal,
    error_for_status,
    header_number,
    json_or_none,
    parse_retry_after,
    shorten,
)

from ._wire import PROVIDER

__all__ = ["RATE_LIMITED", "error_from_response", "rate_signal", "retry_after"]

#: the code of a 429
RATE_LIMITED: Final = "10011"
_MAX_MESSAGE: Final = 500
_REQUEST_ID_HEADERS: Final = ("x-request-id", "request-id")


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait: `Retry-After` if sent, else `x-ratelimit-reset` on a 429
    (or on any answer that says no requests remain)."""
    headers = response.headers
    wait = parse_retry_after(headers.get("Retry-After"))
    if wait is not None:
        return wait
    if response.status_code == 429 or headers.get("x-ratelimit-remaining", "").strip() == "0":
        return parse_retry_after(headers.get("x-ratelimit-reset"))
    return None


def rate_signal(response: httpx.Response) -> RateSignal:
    """What an answer says about the account's limit: Telnyx sends `x-ratelimit-limit`,
    `-remaining` and `-reset` (seconds) on its answers; a 429 (code 10011) is a refusal."""
    headers = response.headers
    throttled = response.status_code == 429
    return RateSignal(
        throttled=throttled,
        retry_after=retry_after(response) if throttled else None,
        limit=header_number(headers.get("x-ratelimit-limit")),
        remaining=header_number(headers.get("x-ratelimit-remaining")),
        reset=header_number(headers.get("x-ratelimit-reset")),
    )


def _items(response: httpx.Response) -> list[dict[str, Any]]:
    body = json_or_none(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return []
    return [item for item in errors if isinstance(item, dict)]


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _message(item: dict[str, Any]) -> str | None:
    title, detail = _text(item.get("title")), _text(item.get("detail"))
    text = f"{title}: {detail}" if title and detail and detail != title else (detail or title)
    source = item.get("source")
    if text and isinstance(source, dict):
        where = _text(source.get("pointer")) or _text(source.get("parameter"))
        if where:
            text = f"{text} ({where})"
    return text


def error_from_response(response: httpx.Response, operation: str) -> ProviderError:
    """The typed error for one Telnyx error response."""
    items = _items(response)
    messages = [text for item in items if (text := _message(item))]
    message = "; ".join(dict.fromkeys(messages)) or response.reason_phrase or f"HTTP {response.status_code}"
    first = items[0] if items else {}
    meta = first.get("meta")
    doc_url = _text(meta.get("url")) if isinstance(meta, dict) else None
    request_id = next((response.headers[h] for h in _REQUEST_ID_HEADERS if h in response.headers), None)
    return error_for_status(
        response.status_code,
        shorten(message, _MAX_MESSAGE),
        provider=PROVIDER,
        operation=operation,
        code=_text(first.get("code")),
        doc_url=doc_url,
        request_id=request_id,
        retry_after=retry_after(response),
    )
