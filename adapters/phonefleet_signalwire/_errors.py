"""SignalWire error responses -> typed phonefleet errors.

The relay REST API answers errors in two shapes:

- `{"errors": [{"detail", "status", "title", "code"}]}` (422 validation, and
  429 `rate_limit_exceeded`); the REST shape `{"type", "code", "message",
  "url"}` is read too;
- `{"error": "Unauthorized"}` / `"Not Found"` / `"Bad Request"` /
  `"Internal Server Error"` for 401, 404, 400 and 500.

Anything else (HTML from a proxy, an empty body) still becomes the error for
its status, with the reason phrase as the message.
"""

from __future__ import annotations

from typing import Final

import httpx

from phonefleet import ArchiveBlockedError, ArchiveBlocker, ProviderError
from phonefleet.adapter import error_for_status, json_or_none, parse_retry_after

from ._wire import ErrorItem, converter

__all__ = ["error_from_response"]

PROVIDER: Final = "signalwire"
#: a release the vendor refuses because the number was bought too recently
RELEASE_BLOCKED_CODES: Final = frozenset({"purchased_too_recently"})
_REQUEST_ID_HEADERS: Final = ("x-request-id", "x-signalwire-request-id", "request-id")


def _items(body: object) -> list[ErrorItem]:
    if not isinstance(body, dict):
        return []
    errors = body.get("errors")
    if isinstance(errors, list):
        items = []
        for raw in errors:
            if isinstance(raw, dict):
                try:
                    items.append(converter.structure(raw, ErrorItem))
                except Exception:  # noqa: S112 - a malformed item must not hide the error
                    continue
            elif isinstance(raw, str):
                items.append(ErrorItem(detail=raw))
        return items
    single = body.get("error")
    if isinstance(single, str):
        return [ErrorItem(detail=single)]
    if isinstance(single, dict):
        try:
            return [converter.structure(single, ErrorItem)]
        except Exception:
            return []
    return []


def _body(response: httpx.Response) -> object:
    try:
        response.read()
    except httpx.HTTPError:
        return None
    return json_or_none(response)


def error_from_response(
    response: httpx.Response, operation: str, *, ref_id: str | None = None
) -> ProviderError:
    """The typed error for one SignalWire error response.

    A refused release (`purchased_too_recently`) is an ArchiveBlockedError
    naming the blocker, so callers can tell it from a bad request.
    """
    items = _items(_body(response))
    messages = [text for item in items if (text := item.detail or item.message or item.title)]
    message = "; ".join(dict.fromkeys(messages)) or response.reason_phrase or f"HTTP {response.status_code}"
    first = items[0] if items else None
    code = first.code if first is not None else None
    doc_url = next((item.url for item in items if item.url), None)
    request_id = next((response.headers[h] for h in _REQUEST_ID_HEADERS if h in response.headers), None)
    if code in RELEASE_BLOCKED_CODES and operation == "archive":
        blocker = ArchiveBlocker(kind=str(code), id=ref_id or "?", detail=message)
        return ArchiveBlockedError(
            message,
            blockers=[blocker],
            provider=PROVIDER,
            status=response.status_code,
            code=code,
            doc_url=doc_url,
            request_id=request_id,
            operation=operation,
        )
    return error_for_status(
        response.status_code,
        message,
        provider=PROVIDER,
        operation=operation,
        code=code,
        doc_url=doc_url,
        request_id=request_id,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )
