"""Linq's error envelope mapped onto phonefleet's errors, for every documented code."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from phonefleet import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from phonefleet_linq import LinqAdapter
from phonefleet_linq._errors import CODES

TRACE = "2eff5df5c6f688733c007523c4d61cd9"

EXPECTED: dict[int, tuple[int, type[ProviderError]]] = {
    **dict.fromkeys((1001, 1002, 1003, 1004, 1005, 1008), (400, ProviderError)),
    1006: (409, ConflictError),
    1007: (429, RateLimitError),
    2004: (401, AuthenticationError),
    **dict.fromkeys((2005, 2006, 2008, 2011), (403, PermissionDeniedError)),
    2019: (404, NotFoundError),
    **dict.fromkeys((3001, 3002, 3003, 3006, 3007), (500, ServerError)),
    3004: (503, ServerError),
    3005: (504, ServerError),
}


def envelope_response(
    status: int, code: int | str | None, *, headers: dict[str, str] | None = None, **extra: Any
) -> httpx.Response:
    error: dict[str, Any] = {
        "status": status,
        "code": code,
        "message": f"message for {code}",
        "doc_url": f"https://docs.linqapp.com/error/codes/x/{code}/",
        **extra,
    }
    request = httpx.Request("GET", "https://api.linqapp.com/api/partner/v3/phone_numbers")
    return httpx.Response(
        status, json={"success": False, "error": error, "trace_id": TRACE}, headers=headers, request=request
    )


@pytest.fixture
def adapter() -> LinqAdapter:
    return LinqAdapter(api_key="k")


def test_every_documented_code_is_known() -> None:
    assert set(EXPECTED) == set(CODES)


@pytest.mark.parametrize(("code", "expected"), sorted(EXPECTED.items()))
def test_documented_code(adapter: LinqAdapter, code: int, expected: tuple[int, type[ProviderError]]) -> None:
    status, kind = expected
    error = adapter.error_from_response(envelope_response(status, code), "list")
    assert type(error) is kind
    assert error.provider == "linq"
    assert error.status == status
    assert error.code == code
    assert error.message == f"message for {code}"
    assert error.doc_url == f"https://docs.linqapp.com/error/codes/x/{code}/"
    assert error.request_id == TRACE
    assert error.operation == "list"
    assert str(code) in str(error)
    assert TRACE in str(error)


def test_code_decides_over_a_rewritten_status(adapter: LinqAdapter) -> None:
    error = adapter.error_from_response(envelope_response(400, 1007, retry_after=7), "list")
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7


def test_undocumented_code_goes_by_status(adapter: LinqAdapter) -> None:
    assert isinstance(adapter.error_from_response(envelope_response(404, 2001), "get"), NotFoundError)
    assert isinstance(adapter.error_from_response(envelope_response(403, 2027), "get"), PermissionDeniedError)
    assert isinstance(adapter.error_from_response(envelope_response(502, 9999), "get"), ServerError)


def test_string_code_is_read_as_a_number(adapter: LinqAdapter) -> None:
    error = adapter.error_from_response(envelope_response(401, "2004"), "list")
    assert isinstance(error, AuthenticationError)
    assert error.code == 2004


def test_retry_after_header_wins(adapter: LinqAdapter) -> None:
    response = envelope_response(429, 1007, retry_after=30, headers={"Retry-After": "3"})
    assert adapter.retry_after(response) == 3.0
    error = adapter.error_from_response(response, "list")
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 3.0


def test_retry_after_from_the_body_when_no_header(adapter: LinqAdapter) -> None:
    response = envelope_response(429, 1007, retry_after=12)
    assert adapter.retry_after(response) == 12.0
    error = adapter.error_from_response(response, "list")
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 12.0


def test_no_retry_after_at_all(adapter: LinqAdapter) -> None:
    response = envelope_response(429, 1007)
    assert adapter.retry_after(response) is None


@pytest.mark.parametrize("bad", [-5, "soon", True, None, [1]])
def test_odd_retry_after_values(adapter: LinqAdapter, bad: object) -> None:
    value = adapter.retry_after(envelope_response(429, 1007, retry_after=bad))
    assert value is None or value == 0.0


def test_non_json_error_body_still_maps_by_status(adapter: LinqAdapter) -> None:
    request = httpx.Request("GET", "https://api.linqapp.com/api/partner/v3/phone_numbers")
    response = httpx.Response(502, content=b"<html>Bad gateway</html>", request=request)
    error = adapter.error_from_response(response, "list")
    assert isinstance(error, ServerError)
    assert error.status == 502
    assert error.code is None
    assert error.message == "Bad Gateway"


def test_envelope_without_message_uses_the_documented_one(adapter: LinqAdapter) -> None:
    request = httpx.Request("PUT", "https://api.linqapp.com/api/partner/v3/phone_numbers/x")
    response = httpx.Response(
        400, json={"success": False, "error": {"status": 400, "code": 1002}}, request=request
    )
    error = adapter.error_from_response(response, "set_forwarding")
    assert error.message == "Phone number must be in E.164 format"
    assert error.request_id is None
    assert error.doc_url is None
