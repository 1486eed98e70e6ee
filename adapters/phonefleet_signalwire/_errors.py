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

from phonefleet import ProviderError
from phonefleet.adapter import error_for_response, json_or_none

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
    first = items[0] if items else None
    code = first.code if first is not None else None
    return error_for_response(
        response,
        messages,
        provider=PROVIDER,
        operation=operation,
        code=code,
        doc_url=next((item.url for item in items if item.url), None),
        request_id_headers=_REQUEST_ID_HEADERS,
        blocked_kind=str(code) if code in RELEASE_BLOCKED_CODES and operation == "archive" else None,
        ref_id=ref_id,
    )
