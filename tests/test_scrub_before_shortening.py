"""Credentials are blanked from vendor text before it is shortened, at every site.

A credential cut in half is no longer a form the driver's scrubber knows, so
an adapter that shortens first lets most of it through. Each test puts a
store's own credential where a vendor's text is cut, and checks that no piece
of it (12 characters or more) reaches the error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import phonefleet
from phonefleet import PhoneFleetError, ResponseFormatError
from phonefleet.adapter import e164_from_wire
from phonefleet.testing import emulate


def _pieces(secret: str, size: int = 12) -> set[str]:
    return {secret[start : start + size] for start in range(len(secret) - size + 1)}


def _shown(exc: BaseException) -> str:
    return " ".join([str(exc), repr(exc), repr(vars(exc)), repr(exc.args)])


def _assert_no_piece(text: str, secret: str) -> None:
    leaked = sorted(piece for piece in _pieces(secret) if piece in text)
    assert not leaked, f"pieces of the credential escaped: {leaked[:3]}"


Rewrite = Callable[[httpx.Request, httpx.Response], httpx.Response]


def _store(provider: str, rewrite: Rewrite, **options: Any) -> tuple[Any, str]:
    """A store over the provider's emulator whose answers pass through `rewrite`;
    and the store's own secret (what the rewrite plants)."""
    emulator = emulate(provider, numbers=3)

    def answer(request: httpx.Request) -> httpx.Response:
        response = emulator.transport.handle_request(request)
        response.read()
        return rewrite(request, response)

    settings = dict(emulator.settings)
    store = phonefleet.connect(provider, transport=httpx.MockTransport(answer), **settings, **options)
    secret = next(
        str(settings[name]) for name in ("auth_token", "api_key", "api_token", "token") if settings.get(name)
    )
    return store, secret


def test_shorten_blanks_the_whole_value_before_cutting() -> None:
    from phonefleet.adapter import shorten

    secret = "s3cr3t-T0KEN-0123456789abcdefghij"
    text = "E" * 9 + secret
    cut = shorten(text, 40, secrets=[secret])
    assert cut == "EEEEEEEEE***"
    assert shorten("x" * 100, 10) == "xxxxxxx..."
    assert shorten({"k": secret}, 60, secrets=[secret]) == "{'k': '***'}"
    assert shorten(b"raw " + secret.encode(), 80, secrets=[secret]) == "'raw ***'"


def test_twilio_error_code_holding_the_token_is_blanked_whole() -> None:
    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = {"code": "EEEEEEEEE" + secret, "message": "refused", "status": 400}
        return httpx.Response(400, json=body, request=request)

    store, secret = _store("twilio", rewrite)
    with store, pytest.raises(PhoneFleetError) as caught:
        store.get("PN0000")
    _assert_no_piece(_shown(caught.value), secret)
    assert str(caught.value.code).startswith("EEEEEEEEE")  # type: ignore[attr-defined]


def test_telnyx_detail_cut_at_500_is_blanked_first() -> None:
    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = {"errors": [{"code": "10005", "title": "Bad", "detail": "d" * 470 + secret}]}
        return httpx.Response(404, json=body, request=request)

    store, secret = _store("telnyx", rewrite)
    with store, pytest.raises(PhoneFleetError) as caught:
        store.get("+12025550100")
    _assert_no_piece(_shown(caught.value), secret)


def test_telnyx_order_status_is_blanked_first() -> None:
    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/number_orders"):
            body = json.loads(response.content)
            body["data"]["status"] = "pending-" + secret
            return httpx.Response(response.status_code, json=body, request=request)
        return response

    store, secret = _store("telnyx", rewrite)
    adapter = store.adapter

    def order() -> Any:  # the order's answer, read as the create flow reads it
        response = yield adapter.requests.request(
            "POST", "number_orders", json={"phone_numbers": [{"phone_number": "+12025550142"}]}
        )
        return adapter._ordered(response)

    with store, pytest.raises(ResponseFormatError) as caught:
        store.run(order())
    _assert_no_piece(_shown(caught.value), secret)
    assert "status" in str(caught.value)


@pytest.mark.parametrize("provider", ["telnyx", "signalwire", "linq"])
def test_a_number_read_by_e164_from_wire_is_blanked_first(provider: str) -> None:
    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        text = response.content.decode()
        for number in {n.number for n in emulated}:
            text = text.replace(f'"{number}"', json.dumps("+1 x" + "9" * 22 + secret))
        return httpx.Response(response.status_code, content=text.encode(), request=request)

    emulated = list(emulate(provider, numbers=3).connect(provider).list())
    store, secret = _store(provider, rewrite)
    with store, pytest.raises(ResponseFormatError) as caught:
        list(store.list())
    _assert_no_piece(_shown(caught.value), secret)


def test_e164_from_wire_lends_nothing_outside_a_store_but_blanks_what_it_is_given() -> None:
    with pytest.raises(ResponseFormatError, match=r"number 'nope'"):
        e164_from_wire("nope", "number", provider="x")


def test_twilio_next_page_uri_to_another_origin_is_blanked_first() -> None:
    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = json.loads(response.content)
        body["next_page_uri"] = "https://evil.example/" + "p" * 40 + secret
        return httpx.Response(response.status_code, json=body, request=request)

    store, secret = _store("twilio", rewrite)
    with store, pytest.raises(ResponseFormatError) as caught:
        list(store.list())
    _assert_no_piece(_shown(caught.value), secret)


def test_a_cursor_seen_twice_is_blanked_before_it_is_quoted() -> None:
    from phonefleet.adapter import check_cursor

    secret = "0123456789abcdefghijklmnopqrstuvwxyz"

    first: list[bytes] = []

    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        first.append(response.content)  # every page is the first page, pointing at the same next
        body = json.loads(first[0])
        # pages a, b, a: the listing comes back to a cursor it already followed
        body["next_page_uri"] = ("/b?Loop=" if len(first) % 2 == 0 else "/a?Loop=") + "q" * 10 + store_secret
        return httpx.Response(200, json=body, request=request)

    store, store_secret = _store("twilio", rewrite)
    with store, pytest.raises(ResponseFormatError) as caught:
        list(store.list())
    _assert_no_piece(_shown(caught.value), store_secret)
    with pytest.raises(ResponseFormatError) as plain:
        check_cursor(secret, {secret}, "x")
    assert secret[:20] in str(plain.value)  # outside a store, nothing is lent
