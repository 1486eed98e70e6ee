"""Telnyx errors -> typed phonefleet errors, and the emulator's own rules
(auth, page bounds, partial digit filter, pending orders, rate limits)."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

import phonefleet
from phonefleet import (
    AuthenticationError,
    NotFoundError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from phonefleet.testing import Fault, FaultPlan, emulate
from phonefleet_telnyx import TelnyxAdapter

BASE = "https://api.telnyx.com/v2"


def _error(status: int, body: Any, **headers: str) -> httpx.Response:
    request = httpx.Request("GET", f"{BASE}/phone_numbers/1")
    return httpx.Response(status, json=body, headers=headers, request=request)


@pytest.fixture
def adapter() -> TelnyxAdapter:
    return TelnyxAdapter(api_key="KEYtest", base_url=BASE)


def test_not_found_keeps_code_and_doc_link(adapter: TelnyxAdapter) -> None:
    body = {
        "errors": [
            {
                "code": "10005",
                "title": "Resource not found",
                "detail": "The requested resource or URL could not be found.",
                "meta": {"url": "https://developers.telnyx.com/docs/overview/errors/10005"},
            }
        ]
    }
    error = adapter.error_from_response(_error(404, body, **{"x-request-id": "req-1"}), "get")
    assert isinstance(error, NotFoundError)
    assert error.code == "10005"
    assert error.doc_url == "https://developers.telnyx.com/docs/overview/errors/10005"
    assert error.request_id == "req-1"
    assert "could not be found" in error.message


def test_validation_names_the_field(adapter: TelnyxAdapter) -> None:
    body = {
        "errors": [
            {
                "code": "10015",
                "title": "Bad Request",
                "detail": "The field is invalid.",
                "source": {"pointer": "/tags"},
            }
        ]
    }
    error = adapter.error_from_response(_error(422, body), "update")
    assert type(error) is ProviderError
    assert error.status == 422
    assert error.code == "10015"
    assert error.message == "Bad Request: The field is invalid. (/tags)"


def test_a_numeric_code_is_kept_as_a_string(adapter: TelnyxAdapter) -> None:
    error = adapter.error_from_response(
        _error(401, {"errors": [{"code": 10009, "title": "Authentication failed"}]}), "list"
    )
    assert isinstance(error, AuthenticationError)
    assert error.code == "10009"


@pytest.mark.parametrize("content", [b"<html>bad gateway</html>", b"", b'{"errors": "nope"}', b"[1, 2]"])
def test_a_body_off_the_envelope_still_gives_the_status_error(adapter: TelnyxAdapter, content: bytes) -> None:
    response = httpx.Response(502, content=content, request=httpx.Request("GET", BASE))
    error = adapter.error_from_response(response, "list")
    assert isinstance(error, ServerError)
    assert error.code is None
    assert error.message


def test_429_waits_until_the_rate_limit_resets(adapter: TelnyxAdapter) -> None:
    body = {
        "errors": [
            {
                "code": "10011",
                "title": "Too many requests",
                "detail": "You have exceeded the maximum number of allowed requests.",
            }
        ]
    }
    response = _error(
        429, body, **{"x-ratelimit-limit": "20", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "7"}
    )
    assert adapter.retry_after(response) == 7.0
    error = adapter.error_from_response(response, "list")
    assert isinstance(error, RateLimitError)
    assert error.code == "10011"
    assert error.retry_after == 7.0


def test_retry_after_wins_over_the_reset_header(adapter: TelnyxAdapter) -> None:
    response = _error(429, {}, **{"Retry-After": "2", "x-ratelimit-reset": "9"})
    assert adapter.retry_after(response) == 2.0
    assert (
        adapter.retry_after(_error(200, {}, **{"x-ratelimit-remaining": "5", "x-ratelimit-reset": "9"}))
        is None
    )


def test_the_driver_backs_off_for_the_reset_then_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="phonefleet.http")
    emu = emulate("telnyx", numbers=3, faults=FaultPlan(script=[Fault.RATE_LIMIT], retry_after=7))
    with emu.connect("telnyx") as store:
        assert len(list(store.list())) == 3
    assert any("in 7s (Retry-After)" in record.getMessage() for record in caplog.records)
    first = emu.transport.requests[0]
    assert first.url.path.endswith("/phone_numbers/voice")


def test_rate_limit_answer_is_telnyx_shaped() -> None:
    emu = emulate("telnyx", numbers=1)
    response = emu.transport.error_response(429, retry_after=3)
    assert response.status_code == 429
    assert response.headers["x-ratelimit-reset"] == "3"
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.json()["errors"][0]["code"] == "10011"


def test_wrong_key_is_authentication_error_10009() -> None:
    emu = emulate("telnyx", numbers=1)
    with (
        phonefleet.connect(
            "telnyx", transport=emu.transport, base_url=emu.settings["base_url"], api_key="KEYwrong"
        ) as store,
        pytest.raises(AuthenticationError) as caught,
    ):
        list(store.list())
    assert caught.value.code == "10009"
    assert caught.value.doc_url == "https://developers.telnyx.com/docs/overview/errors/10009"
    assert "KEYwrong" not in str(caught.value)


# -- the emulator's rules ------------------------------------------------------------------------


def _client(emu: Any) -> httpx.Client:
    return httpx.Client(
        transport=emu.transport,
        base_url=emu.settings["base_url"],
        headers={"Authorization": f"Bearer {emu.settings['api_key']}"},
    )


@pytest.mark.parametrize(
    ("key", "value"), [("page[size]", "0"), ("page[size]", "251"), ("page[number]", "0"), ("page[size]", "x")]
)
def test_emulator_bounds_pages(key: str, value: str) -> None:
    emu = emulate("telnyx", numbers=3)
    with _client(emu) as client:
        for path in ("phone_numbers", "phone_numbers/voice"):
            response = client.get(path, params={key: value})
            assert response.status_code == 422
            error = response.json()["errors"][0]
            assert error["code"] == "10015"
            assert error["source"] == {"parameter": key}
        assert client.get("phone_numbers", params={"page[size]": "250"}).status_code == 200
        assert client.get("phone_numbers", params={"page[size]": "1"}).json()["meta"]["total_pages"] == 3


def test_emulator_refuses_a_missing_bearer() -> None:
    emu = emulate("telnyx", numbers=1)
    with httpx.Client(transport=emu.transport, base_url=emu.settings["base_url"]) as client:
        response = client.get("phone_numbers")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "10009"


def test_emulator_phone_number_filter_is_partial_and_digits_only() -> None:
    emu = emulate("telnyx", numbers=["+12025550100", "+12025550101", "+13125550100"])
    with _client(emu) as client:
        partial = client.get("phone_numbers", params={"filter[phone_number]": "5550100"}).json()["data"]
        assert sorted(r["phone_number"] for r in partial) == ["+12025550100", "+13125550100"]
        assert (
            client.get("phone_numbers", params={"filter[phone_number]": "+12025550100"}).json()["data"] == []
        )
        assert client.get("phone_numbers", params={"filter[phone_number]": "20"}).status_code == 422


@pytest.mark.parametrize("reads", [1, 3])
def test_emulator_orders_turn_active_after_reads(reads: int) -> None:
    emu = emulate("telnyx", numbers=1, activate_after=reads)
    wanted = emu.transport.available[0]
    with _client(emu) as client:
        order = client.post("number_orders", json={"phone_numbers": [{"phone_number": wanted}]}).json()[
            "data"
        ]
        assert order["status"] == "pending"
        ident = emu.transport.find(wanted)["id"]
        statuses = [client.get(f"phone_numbers/{ident}").json()["data"]["status"] for _ in range(reads + 1)]
        assert statuses == ["purchase-pending"] * reads + ["active"]
        assert client.get(f"number_orders/{order['id']}").json()["data"]["status"] == "success"
        again = client.post("number_orders", json={"phone_numbers": [{"phone_number": wanted}]})
        assert again.status_code == 422


def test_emulator_seeds_ten_thousand_numbers_and_lists_them() -> None:
    emu = emulate("telnyx", numbers=10_000)
    with emu.connect("telnyx") as store:
        numbers = list(store.list())
    assert len(numbers) == 10_000
    assert len({n.number for n in numbers}) == 10_000
    assert emu.transport.count() == 80  # 40 pages of 250, two listings each
    forwarded = sum(n.forwarding_number is not None for n in numbers)
    assert 2_000 < forwarded < 4_000  # about 30% forward always; on-failure ones do not count
