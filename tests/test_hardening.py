"""What a hostile server tried, and the core's answer, for every vendor adapter.

- deeply nested JSON is a ResponseFormatError (or the typed error for its status), never a RecursionError;
- the deadline bounds the whole operation, a dripped or stalled body included;
- a body is capped (decompression bombs included) without holding the expansion;
- a credential a vendor echoes is blanked from every field of every error;
- a TransportError keeps no request (and so no Authorization header);
- a blank credential is refused like a missing one;
- a next link elsewhere is never fetched.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

import phonefleet
from phonefleet import (
    ArchiveBlockedError,
    ArchiveBlocker,
    DeadlineExceededError,
    Feature,
    NotFoundError,
    NumberChanges,
    PhoneFleetError,
    ProviderError,
    ResponseFormatError,
    RetryPolicy,
    TransportError,
)
from phonefleet.adapter import (
    Adapter,
    AsyncStore,
    BearerAuth,
    Flow,
    Page,
    RequestBuilder,
    Secret,
    Store,
    decode_json,
    registration,
)
from phonefleet.testing import emulate

VENDORS = [name for name in phonefleet.providers() if name != "memory"]
DEEP = b"[" * 100_000
JSON = {"Content-Type": "application/json"}


def _settings(provider: str) -> dict[str, Any]:
    return dict(emulate(provider).settings)


def _secret_names(provider: str) -> list[str]:
    return [s.name for s in registration(provider).settings if s.secret]


def _secrets(provider: str) -> list[str]:
    settings = _settings(provider)
    return [str(settings[name]) for name in _secret_names(provider) if settings.get(name)]


def _store(provider: str, handler: Callable[[httpx.Request], httpx.Response], **common: Any) -> Any:
    return phonefleet.connect(
        provider, transport=httpx.MockTransport(handler), **_settings(provider), **common
    )


# -- 1. deeply nested JSON ---------------------------------------------------------------


def test_the_one_decoder_turns_hostile_nesting_into_a_value_error() -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        decode_json(DEEP)
    with pytest.raises(ValueError, match="nested too deeply"):
        decode_json(b'{"a":' + DEEP)
    assert decode_json(b'{"a": [1]}') == {"a": [1]}


@pytest.mark.parametrize("provider", VENDORS)
@pytest.mark.parametrize("status", [200, 400, 404, 409, 500])
def test_deeply_nested_bodies_end_as_typed_errors(provider: str, status: int) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=DEEP, headers=JSON)

    calls: list[Callable[[Any], Any]] = [lambda s: list(s.list()), lambda s: s.get("+12025550100")]
    with _store(provider, answer) as store:
        if Feature.SET_FORWARDING in store.features:
            calls.append(lambda s: s.set_forwarding("some-id", "+12025550199"))
        for call in calls:
            with pytest.raises(PhoneFleetError) as info:
                call(store)
            if status == 200:
                assert isinstance(info.value, ResponseFormatError | ProviderError)
            else:
                assert isinstance(info.value, ProviderError), repr(info.value)
                assert info.value.status in (status, None)  # None: a lookup that found nothing


class _DirectDecoder(Adapter):
    """An adapter that decodes with the stdlib itself: the driver still answers typed."""

    provider = "direct"
    features = frozenset({Feature.LIST})

    def __init__(self) -> None:
        self.requests = RequestBuilder("https://direct.example")

    def list_page(self, archived: bool | None, cursor: str | None) -> Flow[Page]:
        response = yield self.requests.request("GET", "numbers")
        json.loads(response.content)
        return Page(())


def test_the_driver_turns_a_recursion_error_from_any_flow_into_a_response_format_error() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=DEEP))
    with (
        Store(_DirectDecoder(), transport=transport) as store,
        pytest.raises(ResponseFormatError, match="nested too deeply"),
    ):
        list(store.list())


class _DirectErrorDecoder(_DirectDecoder):
    """An adapter whose error mapper decodes with the stdlib itself."""

    def list_page(self, archived: bool | None, cursor: str | None) -> Flow[Page]:
        response = yield self.requests.request("GET", "numbers")
        if response.is_error:
            json.loads(response.content)
        return Page(())


def test_the_driver_turns_a_recursion_error_on_an_error_answer_into_the_typed_error() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(404, content=DEEP))
    with Store(_DirectErrorDecoder(), transport=transport) as store, pytest.raises(NotFoundError) as info:
        list(store.list())
    assert info.value.status == 404


@pytest.mark.parametrize("provider", VENDORS)
def test_emulators_answer_hostile_nesting_with_their_error_envelope(provider: str) -> None:
    emulator = emulate(provider, numbers=2)
    with emulator.connect(provider) as store:
        sample = next(iter(store.list()))
        if Feature.SET_FORWARDING in store.features:
            store.set_forwarding(sample.id, "+12025550199")
        else:
            store.update(sample.id, NumberChanges(name="x"))
    write = next(r for r in reversed(emulator.transport.requests) if r.method in {"PUT", "POST", "PATCH"})
    hostile = httpx.Request(write.method, write.url, headers=write.headers, content=DEEP)
    response = emulator.transport.handle_request(hostile)
    if write.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        # a form body of brackets is one unknown parameter, which a form API ignores: no crash
        assert response.status_code < 500
    else:
        assert 400 <= response.status_code < 500


# -- 2. the deadline bounds the whole operation -------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Drip(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body sent one byte at a time, `step` seconds apart on a fake clock."""

    def __init__(self, body: bytes, clock: FakeClock, step: float) -> None:
        self.body, self.clock, self.step = body, clock, step
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for byte in self.body:
            self.clock.now += self.step
            self.sent += 1
            yield bytes([byte])

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


BODY_21 = b'{"phone_numbers": []}'


def _drip_transport(clock: FakeClock, drips: list[Drip]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        drip = Drip(BODY_21, clock, 0.3)
        drips.append(drip)
        return httpx.Response(200, stream=drip, headers=JSON)

    return httpx.MockTransport(answer)


@pytest.mark.parametrize("provider", VENDORS)
def test_a_dripped_body_cannot_hold_an_operation_past_its_deadline(provider: str) -> None:
    clock, drips = FakeClock(), []
    adapter = registration(provider).adapter(**_settings(provider))
    store = Store(
        adapter, transport=_drip_transport(clock, drips), retry=RetryPolicy(deadline=2.0), clock=clock
    )
    with store, pytest.raises(DeadlineExceededError, match="deadline of 2s"):
        list(store.list())
    assert clock.now <= 2.0 + 0.3  # one drip past the deadline at most, not the 6.3 s the body takes
    assert len(drips) == 1
    assert drips[0].sent < len(BODY_21)


@pytest.mark.parametrize("provider", VENDORS)
async def test_a_dripped_body_cannot_hold_an_async_operation_past_its_deadline(provider: str) -> None:
    clock, drips = FakeClock(), []
    adapter = registration(provider).adapter(**_settings(provider))
    store = AsyncStore(
        adapter, transport=_drip_transport(clock, drips), retry=RetryPolicy(deadline=2.0), clock=clock
    )
    async with store:
        with pytest.raises(DeadlineExceededError):
            [n async for n in store.list()]
    assert clock.now <= 2.0 + 0.3
    assert drips[0].sent < len(BODY_21)


class Stall(httpx.AsyncByteStream):
    """A server that sends the first byte of its answer and then nothing."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"{"
        await asyncio.Event().wait()


async def test_a_stalled_async_body_ends_at_the_deadline() -> None:
    # a real (short) deadline: the driver's own cancel scope must end the read; the test never sleeps
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=Stall(), headers=JSON))
    store = phonefleet.connect_async(
        "linq", transport=transport, retry=RetryPolicy(deadline=0.2), **_settings("linq")
    )
    async with store:
        with pytest.raises(DeadlineExceededError):
            await asyncio.wait_for(store.get("+12025550100"), timeout=10)


def test_retries_and_waits_count_against_the_same_deadline() -> None:
    clock = FakeClock()
    sent: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(clock.now)
        clock.now += 0.8  # each answer takes 0.8 s
        return httpx.Response(503, json={}, headers={"Retry-After": "0"})

    adapter = registration("linq").adapter(**_settings("linq"))
    store = Store(
        adapter, transport=httpx.MockTransport(answer), retry=RetryPolicy(deadline=2.0), clock=clock
    )
    with store, pytest.raises(PhoneFleetError):
        list(store.list())
    assert all(start < 2.0 for start in sent)  # nothing starts past the deadline
    assert len(sent) <= 3


# -- 3. bodies are capped -------------------------------------------------------------------


def _padded_listing(size: int) -> bytes:
    """A valid (empty) listing padded with `size` bytes of JSON whitespace."""
    return b'{"phone_numbers": [], "data": []' + b" " * size + b"}"


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """40 MB of valid JSON in about 40 KB of gzip."""
    return gzip.compress(_padded_listing(40 * 1024 * 1024), compresslevel=9)


def _gzip_answer(body: bytes) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        headers = {**JSON, "Content-Encoding": "gzip"}
        # a stream, as from the network (content= would be decoded here, in the test)
        return httpx.Response(200, stream=httpx.ByteStream(body), headers=headers)

    return answer


def test_a_decompression_bomb_stops_at_the_default_cap(bomb: bytes) -> None:
    assert len(bomb) < 1_000_000
    # not a listing (Linq answers its whole fleet in one body: that cap is max_listing_bytes)
    with _store("linq", _gzip_answer(bomb)) as store, pytest.raises(ResponseFormatError, match="larger than"):
        store.set_forwarding("ph-1", "+12025550199")


@pytest.mark.parametrize("provider", VENDORS)
def test_the_cap_is_a_store_setting_and_the_expansion_is_never_held(provider: str, bomb: bytes) -> None:
    caps = {"max_response_bytes": 1_000_000, "max_listing_bytes": 1_000_000}
    with _store(provider, _gzip_answer(bomb), **caps) as store:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseFormatError, match="1,000,000 bytes"):
                list(store.list())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, f"peak {peak:,} bytes while refusing a 40 MB body"


async def test_the_cap_holds_for_async_stores(bomb: bytes) -> None:
    transport = httpx.MockTransport(_gzip_answer(bomb))
    store = phonefleet.connect_async(
        "linq", transport=transport, max_listing_bytes=1_000_000, **_settings("linq")
    )
    async with store:
        with pytest.raises(ResponseFormatError, match="larger than"):
            [n async for n in store.list()]


class Untouchable(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        raise AssertionError("a body declared too large must not be read")


def test_a_body_declared_too_large_is_refused_unread() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Untouchable(), headers={**JSON, "Content-Length": str(10**9)})

    with _store("linq", answer) as store, pytest.raises(ResponseFormatError, match="larger than"):
        list(store.list())


def test_a_fleet_answered_in_one_body_past_the_page_cap_is_read() -> None:
    """Linq answers every number in one body: 100,000 numbers are some 36 MB, past the
    32 MiB cap of one answer; that listing's cap is max_listing_bytes, sized for fleets."""
    fleet = _padded_listing(40 * 1024 * 1024)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=fleet, headers=JSON)

    with _store("linq", answer) as store:
        assert list(store.list()) == []
    with _store("linq", answer, max_listing_bytes=1_000_000) as store:
        with pytest.raises(ResponseFormatError, match=r"max_listing_bytes") as caught:
            list(store.list())
        assert "connect(..., max_listing_bytes=...)" in str(caught.value)
        with pytest.raises(ResponseFormatError, match=r"max_response_bytes"):  # one record: the small cap
            store.set_forwarding("ph-1", "+12025550199")


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "256MB"])
def test_the_listing_cap_must_be_a_positive_integer(bad: object) -> None:
    with pytest.raises(ValueError, match="max_listing_bytes"):
        phonefleet.connect("linq", max_listing_bytes=bad, **_settings("linq"))


def test_a_page_under_the_cap_is_read_as_usual() -> None:
    emulator = emulate("linq", numbers=1000)
    with emulator.connect("linq", max_response_bytes=2_000_000) as store:
        assert len(list(store.list())) == 1000


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "32MB"])
def test_the_cap_must_be_a_positive_integer(bad: object) -> None:
    with pytest.raises(ValueError, match="max_response_bytes"):
        phonefleet.connect("linq", max_response_bytes=bad, **_settings("linq"))


# -- 4. echoed credentials, every field -----------------------------------------------------


def _echoing(status: int, echo: Callable[[httpx.Request], str]) -> Callable[[httpx.Request], httpx.Response]:
    """Every error envelope our vendors use, each text field echoing the request's credential."""

    def answer(request: httpx.Request) -> httpx.Response:
        text = echo(request)
        item = {"code": text, "message": text, "detail": text, "title": text, "url": text}
        body = {
            "success": False,
            "error": {"status": status, "code": text, "message": text, "doc_url": text},
            "trace_id": text,
            "errors": [item],
            "detail": text,
            "message": text,
        }
        headers = {
            "X-Request-Id": text,
            "Request-Id": text,
            "X-Signalwire-Request-Id": text,
            "WWW-Authenticate": text,
        }
        return httpx.Response(status, json=body, headers=headers)

    return answer


def _everything_in(error: BaseException) -> str:
    parts = [str(error), repr(error), repr(vars(error)), repr(error.args)]
    for blocker in getattr(error, "blockers", []):
        parts.append(repr(blocker))
    return "\n".join(parts)


@pytest.mark.parametrize("provider", VENDORS)
@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_an_echoed_credential_is_blanked_from_every_error_field(provider: str, status: int) -> None:
    secrets = _secrets(provider)
    sent: list[str] = []

    def echo(request: httpx.Request) -> str:
        auth = request.headers.get("authorization", "")
        sent.append(auth.partition(" ")[2])
        return f"{auth} | " + " | ".join(secrets)

    seen: list[str] = []
    with _store(provider, _echoing(status, echo)) as store:
        calls: list[Callable[[], Any]] = [lambda: list(store.list()), lambda: store.get("+12025550100")]
        if Feature.ARCHIVE in store.features:
            calls.append(lambda: store.archive("some-id"))
        if Feature.ARCHIVE_BLOCKERS in store.features:
            calls.append(lambda: store.archive_blockers("some-id"))
        for call in calls:
            with pytest.raises(ProviderError) as info:
                call()
            seen.append(_everything_in(info.value))
    text = "\n".join(seen)
    assert "***" in text
    assert sent
    assert all(sent)
    for secret in [*secrets, *sent]:
        assert secret not in text


def test_the_signalwire_blocker_detail_is_blanked_too() -> None:
    emulator = emulate("signalwire", numbers=2)
    token = emulator.settings["api_token"]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method != "DELETE":
            return emulator.transport.handle_request(request)
        item = {"code": "purchased_too_recently", "message": f"key {token}", "url": f"/d?{token}"}
        return httpx.Response(422, json={"errors": [item]}, headers={"X-Request-Id": token})

    store = phonefleet.connect("signalwire", transport=httpx.MockTransport(answer), **emulator.settings)
    with store, pytest.raises(ArchiveBlockedError) as info:
        store.archive(next(iter(store.list())).id)
    assert info.value.blockers
    assert "***" in info.value.blockers[0].detail
    assert token not in _everything_in(info.value)


class _Echoer(Adapter):
    """Raises an archive error whose every field is the credential, in its several forms."""

    provider = "echoer"
    features = frozenset({Feature.ARCHIVE})

    def __init__(self, key: str) -> None:
        self.secret = Secret(key)
        self.auth = BearerAuth(self.secret)
        self.credentials = (self.secret,)
        self.requests = RequestBuilder("https://echo.example")

    def is_own_origin(self, url: httpx.URL) -> bool:
        return self.requests.is_same_origin(url)

    def archive(self, ref: Any) -> Flow[Any]:
        yield self.requests.request("POST", "numbers", "x", "archive")
        import base64
        from urllib.parse import quote

        key = self.secret.reveal()
        forms = [key, quote(key, safe=""), base64.b64encode(key.encode()).decode()]
        text = " ".join(forms)
        blocker = ArchiveBlocker(kind=text, id=text, name=text, detail=text)
        raise ArchiveBlockedError(
            text, blockers=[blocker], provider="echoer", status=409, code=text, doc_url=text, request_id=text
        )


def test_the_driver_blanks_every_text_field_of_an_error_and_its_blockers() -> None:
    key = "sk_live/s3cr3t+me=0123456789"
    transport = httpx.MockTransport(lambda request: httpx.Response(409))
    with Store(_Echoer(key), transport=transport) as store, pytest.raises(ArchiveBlockedError) as info:
        store.archive("x")
    error = info.value
    for value in (error.code, error.doc_url, error.request_id, error.message, str(error)):
        assert value is not None
        assert "***" in value
        assert "s3cr3t" not in value
    blocker = error.blockers[0]
    for value in (blocker.kind, blocker.id, blocker.name, blocker.detail):
        assert "s3cr3t" not in value


@pytest.mark.parametrize("provider", VENDORS)
def test_a_transport_error_keeps_no_request_and_no_header(provider: str) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with _store(provider, fail) as store, pytest.raises(TransportError) as info:
        list(store.list())
    error = info.value
    assert error.__context__ is None
    assert error.__cause__ is None
    for value in vars(error).values():
        assert not isinstance(value, httpx.Request | httpx.Response | httpx.HTTPError)


async def test_an_async_transport_error_keeps_no_request() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("reset", request=request)

    transport = httpx.MockTransport(fail)
    async with phonefleet.connect_async("linq", transport=transport, **_settings("linq")) as store:
        with pytest.raises(TransportError) as info:
            [n async for n in store.list()]
    assert info.value.__context__ is None
    assert info.value.__cause__ is None


# -- 8. blank credentials --------------------------------------------------------------------


@pytest.mark.parametrize("provider", VENDORS)
@pytest.mark.parametrize("blank", ["", " ", "   ", "\t", " \n "])
def test_a_blank_credential_is_refused_like_a_missing_one(
    provider: str, blank: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for setting in registration(provider).settings:
        for env in setting.env:
            monkeypatch.delenv(env, raising=False)
    settings = _settings(provider)
    for name in (n for n in _secret_names(provider) if settings.get(n)):  # the credentials in use
        without = {key: value for key, value in settings.items() if key != name}
        missing = _refusal(phonefleet.connect, provider, **without)
        assert _refusal(phonefleet.connect, provider, **{**settings, name: blank}) == missing
        assert _refusal(registration(provider).adapter, **{**settings, name: blank}) == missing
        for env in next(s for s in registration(provider).settings if s.name == name).env:
            monkeypatch.setenv(env, blank)
            assert _refusal(phonefleet.connect, provider, **without) == missing
            monkeypatch.delenv(env)
    # every vendor needs some secret: without it (and so blank) the store is refused
    assert any(
        _refusal(phonefleet.connect, provider, **{k: v for k, v in settings.items() if k != name})
        for name in _secret_names(provider)
    )


def _refusal(open_store: Callable[..., Any], *args: Any, **settings: Any) -> str | None:
    """The ValueError's message an attempt to open a store ends with, or None if it opens.

    An optional secret (Twilio's api_key pair) may be absent; blank must then
    behave exactly as absent too.
    """
    try:
        store = open_store(*args, **settings)
    except ValueError as exc:
        return str(exc)
    close = getattr(store, "close", None)
    if close is not None:
        close()
    return None


# -- 6. next links elsewhere -------------------------------------------------------------------


EVIL = [
    "https://evil.example/steal",
    "http://evil.example/x",
    "//evil.example/x",
    "https://evil.example:443/v",
]


@pytest.mark.parametrize("provider", VENDORS)
@pytest.mark.parametrize("evil", EVIL)
def test_no_adapter_follows_a_next_link_to_another_origin(provider: str, evil: str) -> None:
    emulator = emulate(provider, numbers=3)
    hosts: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        response = emulator.transport.handle_request(request)
        try:
            body = json.loads(response.content)
        except ValueError:
            return response
        if isinstance(body, dict):
            for field in ("next", "next_page_uri", "next_page_url", "nextPage", "next_url"):
                body[field] = evil
            if isinstance(body.get("links"), dict):
                body["links"]["next"] = evil
            else:
                body["links"] = {"next": evil}
        return httpx.Response(response.status_code, json=body, headers={"X-Request-Id": "r"})

    store = phonefleet.connect(provider, transport=httpx.MockTransport(answer), **emulator.settings)
    with store:
        try:
            numbers = list(store.list())
        except ResponseFormatError:
            numbers = []
    assert set(hosts) == {httpx.URL(emulator.settings["base_url"]).host}
    assert all(n.provider == provider for n in numbers)


def test_a_store_collected_unclosed_is_forgotten_without_taking_a_lock() -> None:
    """A finalizer may run inside any allocation, even under the log filter's own lock."""
    import gc
    import threading

    from phonefleet import _redact

    failures: list[BaseException] = []

    def collect_under_the_lock() -> None:
        try:
            store = emulate("linq").connect()
        except BaseException as exc:
            failures.append(exc)
            return
        with _redact._FILTER._lock:  # as if a collection ran while the filter was busy
            del store
            gc.collect()  # the driver's finalizer runs here and must not block
            logging.getLogger("httpcore.http11").debug("during: %s", "fine")

    worker = threading.Thread(target=collect_under_the_lock, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "a finalizer blocked on the log filter's lock"
    assert failures == []  # the store opened, so its finalizer really ran under the lock
    _redact.forget(object())  # the queue drains on the next change
