"""Gravity Rail's FastAPI error bodies -> phonefleet's typed errors.

`{"detail": "text"}` for most statuses, `{"detail": [{"loc", "msg", "type"}]}`
for a 422; the request id comes in `X-Request-Id`. A 403 names the scope the
request needs (from the detail when it says, else from the endpoint).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import httpx

from phonefleet import ProviderError
from phonefleet.adapter import error_for_status, json_or_none, parse_retry_after, shorten

from ._wire import PROVIDER

__all__ = ["SCOPE_ADMIN", "SCOPE_READ", "SCOPE_WRITE", "error_from_response", "scope_for"]

SCOPE_READ: Final = "phones:read"
SCOPE_WRITE: Final = "phones:write"
SCOPE_ADMIN: Final = "phones:admin"

_SCOPE_IN_TEXT: Final = re.compile(r"phones:(?:read|write|admin)", re.IGNORECASE)
#: anything shaped like a Gravity Rail key or a bearer token, should a server ever echo one
_TOKEN_IN_TEXT: Final = re.compile(r"(gr_[A-Za-z0-9_\-]{4,}|Bearer\s+\S+)")
_MAX_MESSAGE: Final = 500


def scope_for(request: httpx.Request) -> str:
    """The scope Gravity Rail documents for the endpoint of `request`."""
    path = request.url.path.rstrip("/")
    if path.endswith(("/archive", "/archive-blockers")):
        return SCOPE_ADMIN
    if path.endswith("/linkable-phones") or request.method != "GET":
        return SCOPE_WRITE
    return SCOPE_READ


def _validation_message(items: list[Any]) -> tuple[str, str | None]:
    parts: list[str] = []
    code: str | None = None
    for item in items:
        if not isinstance(item, Mapping):
            parts.append(str(item))
            continue
        loc = item.get("loc")
        where = ".".join(str(p) for p in loc) if isinstance(loc, list) else None
        text = str(item.get("msg", "invalid"))
        parts.append(f"{where}: {text}" if where else text)
        if code is None and isinstance(item.get("type"), str):
            code = item["type"]
    return "; ".join(parts) or "validation failed", code


def _detail(response: httpx.Response) -> tuple[str, str | None]:
    body = json_or_none(response)
    detail = body.get("detail") if isinstance(body, Mapping) else None
    if isinstance(detail, str) and detail:
        return detail, None
    if isinstance(detail, list):
        return _validation_message(detail)
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        return body["message"], None
    return response.reason_phrase or f"HTTP {response.status_code}", None


def scrub(text: str, secret: str | None = None) -> str:
    if secret:
        text = text.replace(secret, "***")
    return _TOKEN_IN_TEXT.sub("***", text)


def error_from_response(
    response: httpx.Response, operation: str, *, secret: str | None = None
) -> ProviderError:
    """The typed error for one Gravity Rail error response."""
    message, code = _detail(response)
    message = shorten(scrub(message, secret), _MAX_MESSAGE, secrets=[secret] if secret else ())
    scope: str | None = None
    if response.status_code == 403:
        named = _SCOPE_IN_TEXT.search(message)
        if named:
            scope = named.group(0).lower()
        else:
            try:
                scope = scope_for(response.request)
            except RuntimeError:  # a response built without its request
                scope = None
    return error_for_status(
        response.status_code,
        message,
        provider=PROVIDER,
        operation=operation,
        code=code,
        request_id=response.headers.get("X-Request-Id"),
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        scope=scope,
    )
