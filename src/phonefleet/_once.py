"""Writes that must not be repeated blindly: a purchase, a release.

The drivers never repeat such a request once it may have reached the
vendor. When its outcome is unknown (the network failed after sending, a
5xx, a success that cannot be read), `write_once` hands the flow's own look
the question "did it take effect?" and sends again only on a clear no.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

import httpx

from ._errors import PhoneFleetError, ResponseFormatError, TransportError
from ._flow import Adapter, Flow

__all__ = ["UNKNOWN_OUTCOME", "write_once"]

T = TypeVar("T")

#: statuses after which a write may or may not have been applied
UNKNOWN_OUTCOME: Final = frozenset({500, 502, 503, 504})


def write_once(
    adapter: Adapter,
    make_request: Callable[[], httpx.Request],
    *,
    operation: str,
    accept: Callable[[httpx.Response], T],
    took_effect: Callable[[], Flow[T | None]],
    max_sends: int = 3,
) -> Flow[T]:
    """Send a write; after an unknown outcome, look before sending it again.

    Any other error status raises the adapter's typed error at once.
    `accept` reads a success (a `ResponseFormatError` from it means the
    outcome is unknown); `took_effect` is a flow that returns the result if
    the write was applied and None if it was not. The request goes out at
    most `max_sends` times, each repeat only after such a look said no; an
    error from the look itself reaches the caller, and nothing is re-sent.
    """
    if max_sends < 1:
        msg = f"max_sends must be at least 1, got {max_sends}"
        raise ValueError(msg)
    for attempt in range(1, max_sends + 1):
        failure: PhoneFleetError
        try:
            response = yield make_request()
        except TransportError as exc:
            failure = exc
        else:
            if response.status_code in UNKNOWN_OUTCOME:
                failure = adapter.error_from_response(response, operation)
            elif response.is_error:
                raise adapter.error_from_response(response, operation)
            else:
                try:
                    return accept(response)
                except ResponseFormatError as exc:
                    failure = exc
        applied = yield from took_effect()
        if applied is not None:
            return applied
        if attempt == max_sends:
            raise failure
    raise AssertionError("unreachable")  # pragma: no cover
