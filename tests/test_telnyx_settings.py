"""Telnyx settings: a blank key is no key, https only (loopback aside), the
documented default root, and ids percent-encoded on the wire."""

from __future__ import annotations

import httpx
import pytest

import phonefleet
from phonefleet import NotFoundError
from phonefleet.testing import emulate


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_key_is_refused_like_a_missing_one(blank: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    monkeypatch.delenv("TELNYX_API_KEY", raising=False)
    with pytest.raises(ValueError, match="TELNYX_API_KEY"):
        phonefleet.connect("telnyx", api_key=blank, http_client=client)
    monkeypatch.setenv("TELNYX_API_KEY", blank)
    with pytest.raises(ValueError, match="TELNYX_API_KEY"):
        phonefleet.connect("telnyx", http_client=client)
    assert sent == []


def test_the_default_root_and_bearer_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELNYX_BASE_URL", raising=False)
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": [], "meta": {"page_number": 1, "total_pages": 0}})

    client = httpx.Client(transport=httpx.MockTransport(answer))
    with phonefleet.connect("telnyx", api_key="KEY_secret_123", http_client=client) as store:
        assert list(store.list()) == []
    assert {str(r.url.copy_with(query=None)) for r in seen} == {
        "https://api.telnyx.com/v2/phone_numbers",
        "https://api.telnyx.com/v2/phone_numbers/voice",
    }
    assert {r.headers["Authorization"] for r in seen} == {"Bearer KEY_secret_123"}
    assert {r.url.params["page[size]"] for r in seen} == {"250"}


@pytest.mark.parametrize(
    ("base_url", "allowed"),
    [
        ("http://api.telnyx.com/v2", False),
        ("http://127.0.0.1:8080/v2", True),
        ("http://localhost:8080/v2", True),
    ],
)
def test_plain_http_only_to_loopback(base_url: str, allowed: bool) -> None:
    if allowed:
        phonefleet.connect("telnyx", api_key="k", base_url=base_url).close()
    else:
        with pytest.raises(ValueError, match="http"):
            phonefleet.connect("telnyx", api_key="k", base_url=base_url)


def test_an_id_is_percent_encoded_in_the_path() -> None:
    emu = emulate("telnyx", numbers=2)
    with emu.connect("telnyx") as store, pytest.raises(NotFoundError) as caught:
        store.get("12/../voice?x=1")
    assert caught.value.code == "10005"
    paths = [r.url.raw_path for r in emu.transport.requests]
    assert paths == [b"/v2/phone_numbers/12%2F%2E%2E%2Fvoice%3Fx%3D1"]


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_base_url_in_the_environment_is_the_default(
    blank: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELNYX_BASE_URL", blank)
    monkeypatch.setenv("TELNYX_API_KEY", "k")
    with phonefleet.connect("telnyx") as store:
        assert str(store.adapter.requests.base_url) == "https://api.telnyx.com/v2"
