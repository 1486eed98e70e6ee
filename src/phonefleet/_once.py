"""Purchases and releases that are never sent twice by accident, as flows.

A vendor that buys with a POST and releases with a DELETE (SignalWire,
Twilio, ...) answers some attempts with an unknown outcome: the connection
dropped after sending, a 5xx, a success whose body cannot be read. These
flows look before they leap: after an unknown outcome they ask the vendor
whether the first attempt took effect, and send again only if it did not.
An adapter gives them its requests, its reader and its lookup;
`write_once` is the general form, for any write whose answer and look the
adapter reads itself (an asynchronous order, a delete that answers the
deleted record).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Final, TypeVar

import attrs
import httpx

from ._errors import NotFoundError, PhoneFleetError, ProviderError, ResponseFormatError, TransportError
from ._flow import Adapter, Flow
from ._model import PhoneNumber

__all__ = ["UNKNOWN_OUTCOME", "buy_once", "release_once", "released", "write_once"]

#: answers that do not say whether a write took effect
UNKNOWN_OUTCOME: Final = frozenset({500, 502, 503, 504})

T = TypeVar("T")


def buy_once(
    send: Callable[[], httpx.Request],
    read: Callable[[httpx.Response], PhoneNumber],
    find: Callable[[], Flow[PhoneNumber]],
    error: Callable[[httpx.Response], ProviderError],
    *,
    sends: int = 3,
) -> Flow[PhoneNumber]:
    """A purchase sent at most `sends` times, each resend only once `find`
    (raising NotFoundError) proved that the previous one bought nothing.

    `read` turns an answer into the number (raising the typed error for an
    error answer); `error` is the typed error of an unknown-outcome answer.
    Mark `send()`'s request `retry="rate_limit"`: a 429 bought nothing.
    """
    for attempt in range(1, sends + 1):
        failure: Exception
        try:
            response = yield send()
        except TransportError as exc:
            failure = exc
        else:
            if response.status_code in UNKNOWN_OUTCOME:
                failure = error(response)
            else:
                try:
                    return read(response)
                except ResponseFormatError as exc:  # a success we cannot read: did it take?
                    failure = exc
        try:
            return (yield from find())
        except NotFoundError:
            if attempt == sends:
                raise failure from None
    raise AssertionError("unreachable")  # pragma: no cover


def release_once(
    number: PhoneNumber,
    send: Callable[[], httpx.Request],
    exists: Callable[[], Flow[bool]],
    error: Callable[[httpx.Response], ProviderError],
    *,
    done: int = 204,
    sends: int = 3,
) -> Flow[PhoneNumber]:
    """A release sent at most `sends` times, each resend only once `exists`
    proved the number is still there.

    Only the documented `done` status is trusted; a 404 after an uncertain
    attempt means that attempt took effect. Any other error answer is raised
    at once (a refusal is an answer). Mark `send()`'s request
    `retry="rate_limit"`: a 429 released nothing.
    """
    for attempt in range(1, sends + 1):
        failure: Exception
        try:
            response = yield send()
        except TransportError as exc:
            failure = exc
        else:
            if response.status_code == done:
                return released(number, response)
            if response.status_code == 404 and attempt > 1:
                return released(number, None)  # an earlier attempt took effect
            if response.is_success:  # not the documented answer (a proxy's page): check
                msg = f"release answered HTTP {response.status_code} instead of {done}"
                failure = ResponseFormatError(msg, provider=number.provider)
            elif response.status_code in UNKNOWN_OUTCOME:
                failure = error(response)
            else:
                raise error(response)
        if not (yield from exists()):
            return released(number, None)
        if attempt == sends:
            raise failure
    raise AssertionError("unreachable")  # pragma: no cover


def released(number: PhoneNumber, response: httpx.Response | None) -> PhoneNumber:
    """The number as released; `archived_at` is the answer's Date header, if any."""
    when: datetime | None = None
    if response is not None and (date := response.headers.get("Date")):
        try:
            when = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            when = None
    return attrs.evolve(number, archived=True, archived_at=when)


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
