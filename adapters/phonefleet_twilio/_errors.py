"""Twilio (and SignalWire Compatibility) error responses -> typed phonefleet errors.

Shapes read:

- Twilio's `{"code": 20404, "message": ..., "more_info": ..., "status": 404}`;
- RFC 9457 problem details `{"type", "title", "detail", "code", "status"}`;
- SignalWire's `{"errors": [{"code", "message", "more_info"}]}` (or strings).

Anything else (a proxy's HTML, an empty body) is still the error for its
status, with the reason phrase as the message. A release refused with 409
(SignalWire's cooldown after a purchase) is an `ArchiveBlockedError`.
"""

from __future__ import annotations

from typing import Any, Final

import httpx

from phonefleet import ProviderError
from phonefleet.adapter import error_for_response, json_or_none, shorten

from ._wire import PROVIDER

__all__ = ["error_from_response"]

_REQUEST_ID_HEADERS: Final = ("twilio-request-id", "x-request-id", "x-signalwire-request-id")


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _code(value: object) -> str | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        return int(text) if text.isdigit() and len(text) < 10 else shorten(text, 40)
    return None


def _url(value: object) -> str | None:
    text = _text(value)
    return text if text is not None and text.lower().startswith(("https://", "http://")) else None


def _items(body: object) -> list[dict[str, Any]]:
    """The error objects a body carries, most specific first."""
    if not isinstance(body, dict):
        return []
    errors = body.get("errors")
    if isinstance(errors, list):
        return [
            item if isinstance(item, dict) else {"message": item}
            for item in errors
            if isinstance(item, dict | str)
        ]
    return [body]


def _body(response: httpx.Response) -> object:
    try:
        response.read()
    except httpx.HTTPError:
        return None
    return json_or_none(response)


def error_from_response(
    response: httpx.Response, operation: str, *, ref_id: str | None = None
) -> ProviderError:
    """The typed error for one error response."""
    items = _items(_body(response))
    messages = [
        text
        for item in items
        if (text := _text(item.get("message")) or _text(item.get("detail")) or _text(item.get("title")))
    ]
    code = next((found for item in items if (found := _code(item.get("code"))) is not None), None)
    doc_url = next(
        (found for item in items if (found := _url(item.get("more_info")) or _url(item.get("type")))), None
    )
    return error_for_response(
        response,
        messages,
        provider=PROVIDER,
        operation=operation,
        code=code,
        doc_url=doc_url,
        request_id_headers=_REQUEST_ID_HEADERS,
        blocked_kind="release_cooldown" if response.status_code == 409 and operation == "archive" else None,
        ref_id=ref_id,
    )
