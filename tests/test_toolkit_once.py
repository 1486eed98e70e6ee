"""The toolkit's look-before-you-leap purchase and release flows, fed by hand."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import httpx
import pytest

from phonefleet import NotFoundError, PhoneNumber, ServerError, TransportError
from phonefleet.adapter import Flow, buy_once, error_for_status, release_once

NUMBER = PhoneNumber(provider="acme", id="n1", number="+12025550100")
POST = httpx.Request("POST", "https://api.example.com/numbers")
DELETE = httpx.Request("DELETE", "https://api.example.com/numbers/n1")
LOOK = httpx.Request("GET", "https://api.example.com/numbers/n1")


def _error(response: httpx.Response) -> Any:
    return error_for_status(response.status_code, "failed", provider="acme")


def _read(response: httpx.Response) -> PhoneNumber:
    if response.is_error:
        raise _error(response)
    return NUMBER


def _find(found: bool) -> Any:
    def find() -> Flow[PhoneNumber]:
        yield LOOK
        if not found:
            raise NotFoundError("no", provider="acme")
        return NUMBER

    return find


def _exists(there: list[bool]) -> Any:
    def exists() -> Flow[bool]:
        yield LOOK
        return there.pop(0)

    return exists


def _drive(flow: Generator[httpx.Request, httpx.Response, Any], answers: list[Any]) -> tuple[Any, list[str]]:
    sent = [next(flow).method]
    try:
        for answer in answers:
            request = flow.throw(answer) if isinstance(answer, Exception) else flow.send(answer)
            sent.append(request.method)
    except StopIteration as stop:
        return stop.value, sent
    raise AssertionError("the flow wanted more answers")


def test_a_lost_purchase_that_took_effect_is_not_sent_again() -> None:
    flow = buy_once(lambda: POST, _read, _find(True), _error)
    result, sent = _drive(flow, [TransportError("dropped"), httpx.Response(200)])
    assert result == NUMBER
    assert sent == ["POST", "GET"]


def test_a_purchase_that_did_not_take_is_sent_again_at_most_three_times() -> None:
    flow = buy_once(lambda: POST, _read, _find(False), _error)
    sent = [next(flow).method]

    def feed() -> None:
        for answer in [httpx.Response(503), httpx.Response(200), httpx.Response(500), httpx.Response(200)]:
            sent.append(flow.send(answer).method)  # each lookup finds nothing
        flow.send(httpx.Response(502))
        flow.send(httpx.Response(200))

    with pytest.raises(ServerError):
        feed()
    assert sent == ["POST", "GET", "POST", "GET", "POST"]


def test_a_release_after_an_unknown_outcome_looks_first() -> None:
    flow = release_once(NUMBER, lambda: DELETE, _exists([False]), _error)
    result, sent = _drive(flow, [httpx.Response(503), httpx.Response(200)])
    assert result.archived
    assert sent == ["DELETE", "GET"]
    again = release_once(NUMBER, lambda: DELETE, _exists([True]), _error)
    result, sent = _drive(
        again, [httpx.Response(200, text="<html>"), httpx.Response(200), httpx.Response(404)]
    )
    assert result.archived
    assert result.archived_at is None
    assert sent == ["DELETE", "GET", "DELETE"]


def test_a_refused_release_is_raised_at_once() -> None:
    flow = release_once(NUMBER, lambda: DELETE, _exists([]), _error)
    next(flow)
    with pytest.raises(Exception, match="failed") as caught:
        flow.send(httpx.Response(409))
    assert caught.value.status == 409  # type: ignore[attr-defined]
