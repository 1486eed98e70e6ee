"""Shortcuts on the per-request and per-step path keep what they shortcut.

A step's journal key is computed once and is still its identity; the driver
redacts a URL for its DEBUG line only when that line is written, and then
exactly as before; a URL is parsed once per path, every id in it still
percent-encoded; a store's own HTTP client reads no cookies, which it would
never send back anyway.
"""

from __future__ import annotations

import logging
from typing import Any

import attrs
import httpx
import pytest

import phonefleet
from phonefleet import MemoryStore, PhoneNumber, migrate
from phonefleet import _driver as driver
from phonefleet._wire import RequestBuilder
from phonefleet.migrate import Plan, Step
from phonefleet.testing import emulate


def _plan() -> Plan:
    source = MemoryStore([PhoneNumber("linq", "s1", "+12025550100", name="Sales")], provider="linq")
    target = MemoryStore([PhoneNumber("gr", "t1", "+12025550100")], provider="gr")
    return migrate.plan(source, target)


def test_a_steps_key_is_computed_once_and_stays_its_identity() -> None:
    step = _plan().steps[0]
    key = step.key
    assert step.key is key  # computed once
    assert key.startswith("target|set_name|+12025550100|")
    assert "Sales" in key
    twin = Step(step.number, step.store, step.action, step.before, step.after, step.id)
    assert twin == step
    assert hash(twin) == hash(step)
    assert twin.key == key
    changed = attrs.evolve(step, after="Support")
    assert changed.key != key
    assert "Support" in changed.key
    again = Plan.from_json(_plan().to_json()).steps[0]
    assert again.key == key  # the same across reruns


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    redacted: list[str] = []
    original = driver.redact_url

    def counting(url: Any) -> str:
        text = original(url)
        redacted.append(text)
        return text

    monkeypatch.setattr(driver, "redact_url", counting)
    return redacted


def test_the_debug_line_is_written_redacted_when_debug_is_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    redacted = _counted(monkeypatch)
    emulator = emulate("gravityrail", numbers=1, seed=1)
    with emulator.connect() as store:
        number = next(iter(store.list()))
        caplog.set_level(logging.DEBUG, logger="phonefleet.http")
        store.get(number.id)
    lines = [
        r.getMessage() for r in caplog.records if r.name == "phonefleet.http" and "-> 200" in r.getMessage()
    ]
    assert len(lines) == 1
    assert redacted
    assert redacted[-1] in lines[0]
    assert f"GET {redacted[-1]} -> 200" in lines[0]


def test_no_url_is_redacted_for_a_debug_line_nobody_writes(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    redacted = _counted(monkeypatch)
    caplog.set_level(logging.INFO, logger="phonefleet.http")
    emulator = emulate("gravityrail", numbers=1, seed=1)
    with emulator.connect() as store:
        number = next(iter(store.list()))
        assert store.get(number.id) == number
    assert redacted == []
    assert not [r for r in caplog.records if r.levelno == logging.DEBUG]


def test_a_url_built_again_is_the_same_url_and_every_id_stays_percent_encoded() -> None:
    builder = RequestBuilder(httpx.URL("https://api.example.test/v1/"))
    first = builder.url("a/b?c#d", "x y", suffix=".json")
    assert first.raw_path == b"/v1/a%2Fb%3Fc%23d/x%20y.json"  # nothing in an id changes the URL's shape
    assert first.query == b""
    assert builder.url("a/b?c#d", "x y", suffix=".json") is first  # parsed once
    other = builder.url("a/b?c#e", "x y", suffix=".json")
    assert other is not first
    assert other.raw_path == b"/v1/a%2Fb%3Fc%23e/x%20y.json"
    assert builder.url("..x") != builder.url(".x")
    with pytest.raises(ValueError, match="cannot be used as an identifier"):
        builder.url("..")
    request = builder.request("PUT", "a/b?c#d", "x y", suffix=".json", json={"k": 1})
    assert request.url == first


def _cookie_setting(emulator: Any, seen: list[httpx.Request]) -> httpx.MockTransport:
    """The emulator, answering every request with a Set-Cookie header too."""

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        response = emulator.transport.handle_request(request)
        headers = [*response.headers.multi_items(), ("Set-Cookie", "session=abc; Path=/")]
        return httpx.Response(response.status_code, headers=headers, content=response.read())

    return httpx.MockTransport(answer)


@pytest.mark.parametrize("own", [True, False], ids=["own client", "callers client"])
def test_a_cookie_a_vendor_sets_is_never_sent_back(own: bool) -> None:
    emulator = emulate("gravityrail", numbers=2, seed=1)
    seen: list[httpx.Request] = []
    transport = _cookie_setting(emulator, seen)
    client = None if own else httpx.Client(transport=transport)
    options: dict[str, Any] = {"transport": transport} if own else {"http_client": client}
    with phonefleet.connect("gravityrail", **emulator.settings, **options) as store:
        numbers = list(store.list())
        assert store.get(numbers[0].id) == numbers[0]
        store.set_forwarding(numbers[1].id, "+14155550100")
        jar = store._driver.client.cookies
    assert len(seen) == 3
    assert all("cookie" not in request.headers for request in seen)  # never sent back, either way
    if own:  # the store's own client does not read them in the first place
        assert dict(jar) == {}
        with pytest.raises(AttributeError, match="keeps no cookies"):
            store._driver.client.cookies = {"a": "b"}
    else:  # a caller's client is left as httpx makes it
        assert dict(jar) == {"session": "abc"}
        assert client is not None
        client.close()


async def test_an_async_stores_own_client_keeps_no_cookies() -> None:
    emulator = emulate("gravityrail", numbers=1, seed=1)
    seen: list[httpx.Request] = []
    sync_transport = _cookie_setting(emulator, seen)

    async def answer(request: httpx.Request) -> httpx.Response:
        return sync_transport.handle_request(request)

    async with phonefleet.connect_async(
        "gravityrail", transport=httpx.MockTransport(answer), **emulator.settings
    ) as store:
        (number,) = [n async for n in store.list()]
        assert await store.get(number.id) == number
        assert dict(store._driver.client.cookies) == {}
    assert len(seen) == 2
    assert all("cookie" not in request.headers for request in seen)
