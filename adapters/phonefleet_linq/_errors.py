"""Linq's error envelope -> phonefleet's typed errors.

Every Linq error is `{"success": false, "error": {"status", "code",
"message", "doc_url", "retry_after"?}, "trace_id"?}`. The documented code
decides the error class where Linq documents one (1007 is a rate limit even
if a proxy rewrote the status); otherwise the HTTP status does. The status,
code, message, doc_url and trace id (as `request_id`) are kept.
"""

from __future__ import annotations

import math
from typing import Any, Final

import httpx

from phonefleet import ProviderError
from phonefleet.adapter import error_for_status, json_or_none, parse_retry_after

from ._wire import PROVIDER

__all__ = ["CODES", "error_from_response", "retry_after_from"]

#: documented code -> (HTTP status, Linq's message)
CODES: Final[dict[int, tuple[int, str]]] = {
    1001: (400, "Missing required field"),
    1002: (400, "Phone number must be in E.164 format"),
    1003: (400, "Invalid request body"),
    1004: (400, "Invalid message content"),
    1005: (400, "Invalid parameter value"),
    1006: (409, "Conflict"),
    1007: (429, "Rate limit exceeded"),
    1008: (400, "Invalid request"),
    2004: (401, "Unauthorized"),
    2005: (403, "Access denied"),
    2006: (403, "Forbidden"),
    2008: (403, "Forbidden"),
    2011: (403, "Forbidden"),
    2019: (404, "Phone number not found"),
    3001: (500, "Server error"),
    3002: (500, "Server error"),
    3003: (500, "Server error"),
    3004: (503, "Service unavailable"),
    3005: (504, "Gateway timeout"),
    3006: (500, "Internal server error"),
    3007: (500, "Server error"),
}


def _envelope(response: httpx.Response) -> dict[str, Any]:
    """The `error` object and `trace_id`, or {} when the body is not Linq's envelope."""
    body = json_or_none(response)
    if not isinstance(body, dict):
        return {}
    error = body.get("error")
    found: dict[str, Any] = dict(error) if isinstance(error, dict) else {}
    trace = body.get("trace_id")
    if trace is not None:
        found["trace_id"] = trace
    return found


def _seconds(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return None if math.isnan(value) else max(0.0, float(value))
    if isinstance(value, str):
        return parse_retry_after(value)
    return None


def retry_after_from(response: httpx.Response) -> float | None:
    """The Retry-After header, else the envelope's `error.retry_after` (seconds)."""
    header = parse_retry_after(response.headers.get("Retry-After"))
    if header is not None:
        return header
    return _seconds(_envelope(response).get("retry_after"))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def error_from_response(response: httpx.Response, operation: str) -> ProviderError:
    envelope = _envelope(response)
    code = envelope.get("code")
    if isinstance(code, bool) or not isinstance(code, int | str):
        code = None
    numeric = int(code) if isinstance(code, str) and code.isdigit() else code
    known = CODES.get(numeric) if isinstance(numeric, int) else None
    status = envelope.get("status")
    if isinstance(status, bool) or not isinstance(status, int):
        status = response.status_code
    message = _text(envelope.get("message")) or (known[1] if known else None)
    message = message or response.reason_phrase or f"HTTP {response.status_code}"
    kind = known[0] if known else status
    retry_after = retry_after_from(response) if kind == 429 else None
    error = error_for_status(
        kind,
        message,
        provider=PROVIDER,
        operation=operation,
        code=numeric,
        doc_url=_text(envelope.get("doc_url")),
        request_id=_text(envelope.get("trace_id")) or _text(response.headers.get("X-Request-Id")),
        retry_after=retry_after,
    )
    error.status = status
    return error
