"""The drivers' retry rules, Retry-After, deadlines and redaction, on a toy adapter.

Every test runs through both drivers: the async store is wrapped in the
contract suite's SyncFacade, so one test body checks both loops.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from phonefleet import (
    AuthenticationError,
    DeadlineExceededError,
    Feature,
    NotFoundError,
    PhoneNumber,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from phonefleet.adapter import (
    Adapter,
    AsyncStore,
    BearerAuth,
    Flow,
    Page,
    Ref,
    RequestBuilder,
    Secret,
    Store,
    error_for_status,
    loads,
    parse_retry_after,
)
from phonefleet.testing.contract import SyncFacade

SECRET = "sk_live_TOPSECRET_0123456789"


class Toy(Adapter):
    """Just enough of a vendor: list, get, an archive POST that looks before it leaps."""

    provider = "toy"
    features = frozenset({Feature.LIST, Feature.GET, Feature.ARCHIVE, Feature.CREATE})

    def __init__(self) -> None:
        self.requests = RequestBuilder("https://api.toy.test/v1")
        self.auth = BearerAuth(Secret(SECRET))

    def is_own_origin(self, url: httpx.URL) -> bool:
        return self.requests.is_same_origin(url)

    def error_from_response(self, response: httpx.Response, operation: str) -> Any:
        return error_for_status(
            response.status_code,
            "toy error",
            provider=self.provider,
            operation=operation,
            retry_after=self.retry_after(response),
        )

    def _number(self, item: dict[str, Any]) -> PhoneNumber:
        return PhoneNumber(
            provider=self.provider, id=item["id"], number=item["number"], archived=item.get("archived", False)
        )

    def list_page(self, archived: bool | None, cursor: str | None) -> Flow[Page]:
        request = self.requests.request("GET", "numbers", url=cursor)
        response = yield request
        self.raise_for_error(response, "list")
        body = loads(response, provider=self.provider)
        return Page([self._number(i) for i in body["items"]], body.get("next"))

    def get(self, ref: Ref) -> Flow[PhoneNumber]:
        response = yield self.requests.request("GET", "numbers", ref.id)
        self.raise_for_error(response, "get")
        return self._number(loads(response))

    def create(self, number: str, *, name: str | None, link: str | None) -> Flow[PhoneNumber]:
        response = yield self.requests.request("POST", "numbers", json={"number": number})
        self.raise_for_error(response, "create")
        return self._number(loads(response))

    def archive(self, ref: Ref) -> Flow[PhoneNumber]:
        archive = self.requests.request("POST", "numbers", ref.id, "archive")
        try:
            response = yield archive
        except TransportError:
            current = yield from self.get(ref)
            if current.archived:
                return current
            response = yield self.requests.request("POST", "numbers", ref.id, "archive", retry="safe")
        self.raise_for_error(response, "archive")
        return self._number(loads(response))


Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that answers from a script and records requests."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    def count(self, method: str) -> int:
        return sum(r.method == method for r in self.seen)


def ok(**item: Any) -> httpx.Response:
    return httpx.Response(200, json={"id": "n1", "number": "+12025550100", **item})


MakeStore = Callable[..., Any]


@pytest.fixture(params=["sync", "async"])
def make_store(request: pytest.FixtureRequest) -> Iterator[MakeStore]:
    made: list[Any] = []

    def make(recorder: Recorder, **options: Any) -> Any:
        transport = httpx.MockTransport(recorder)
        if request.param == "sync":
            store: Any = Store(Toy(), transport=transport, **options)
        else:
            store = SyncFacade(AsyncStore(Toy(), transport=transport, **options))
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_get_is_retried_on_transient_statuses(make_store: MakeStore, status: int) -> None:
    recorder = Recorder(httpx.Response(status), ok())
    assert make_store(recorder).get("n1").id == "n1"
    assert recorder.count("GET") == 2


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadTimeout("slow"),
        httpx.ReadError("reset"),
        httpx.RemoteProtocolError("bad"),
        httpx.ConnectError("x"),
    ],
)
def test_get_is_retried_on_network_failures(make_store: MakeStore, error: Exception) -> None:
    recorder = Recorder(error, ok())
    assert make_store(recorder).get("n1").number == "+12025550100"
    assert recorder.count("GET") == 2


@pytest.mark.parametrize(
    ("status", "error"), [(400, Exception), (401, AuthenticationError), (404, NotFoundError)]
)
def test_client_errors_are_not_retried(make_store: MakeStore, status: int, error: type[Exception]) -> None:
    recorder = Recorder(httpx.Response(status))
    with pytest.raises(error) as caught:
        make_store(recorder).get("n1")
    assert caught.value.status == status  # type: ignore[attr-defined]
    assert recorder.count("GET") == 1


def test_attempts_are_bounded_and_the_last_error_is_typed(make_store: MakeStore) -> None:
    recorder = Recorder(httpx.Response(503))
    with pytest.raises(ServerError) as caught:
        make_store(recorder, retry=RetryPolicy(attempts=3)).get("n1")
    assert caught.value.status == 503
    assert recorder.count("GET") == 3


def test_post_is_not_retried_on_a_server_error(make_store: MakeStore) -> None:
    recorder = Recorder(httpx.Response(503), ok())
    with pytest.raises(ServerError):
        make_store(recorder).create("+12025550100")
    assert recorder.count("POST") == 1


def test_post_is_retried_when_the_connection_never_opened(make_store: MakeStore) -> None:
    recorder = Recorder(httpx.ConnectError("refused"), ok())
    assert make_store(recorder).create("+12025550100").id == "n1"
    assert recorder.count("POST") == 2


def test_post_is_not_repeated_after_an_ambiguous_failure(make_store: MakeStore) -> None:
    recorder = Recorder(httpx.ReadError("reset after send"), ok())
    with pytest.raises(TransportError):
        make_store(recorder).create("+12025550100")
    assert recorder.count("POST") == 1


def test_flow_checks_before_resending_an_archive_that_took_effect(make_store: MakeStore) -> None:
    recorder = Recorder(httpx.ReadError("dropped after apply"), ok(archived=True))
    archived = make_store(recorder).archive("n1")
    assert archived.archived
    assert recorder.count("POST") == 1
    assert recorder.count("GET") == 1


def test_flow_resends_an_archive_that_did_not_take_effect(make_store: MakeStore) -> None:
    recorder = Recorder(
        httpx.ReadError("dropped"), ok(archived=False), httpx.Response(503), ok(archived=True)
    )
    assert make_store(recorder).archive("n1").archived
    assert [r.method for r in recorder.seen] == ["POST", "GET", "POST", "POST"]


def test_retry_after_is_honoured(make_store: MakeStore, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="phonefleet")
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "7"}), ok())
    make_store(recorder).get("n1")
    assert "in 7s (Retry-After)" in caplog.text


def test_retry_after_beyond_the_cap_goes_to_the_caller(make_store: MakeStore) -> None:
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimitError) as caught:
        make_store(recorder, retry=RetryPolicy(max_retry_after=60)).get("n1")
    assert caught.value.retry_after == 3600
    assert recorder.count("GET") == 1


def test_retry_after_as_an_http_date() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("soon") is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_deadline_stops_retries(make_store: MakeStore) -> None:
    clock = FakeClock()

    def slow_failure(request: httpx.Request) -> httpx.Response:
        clock.now += 40
        return httpx.Response(503)

    recorder = Recorder(slow_failure)
    with pytest.raises((ServerError, DeadlineExceededError)):
        make_store(recorder, clock=clock, retry=RetryPolicy(attempts=10, deadline=60)).get("n1")
    assert recorder.count("GET") == 2


def test_a_retry_after_longer_than_the_deadline_is_not_waited_for(make_store: MakeStore) -> None:
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "30"}), ok())
    with pytest.raises(RateLimitError):
        make_store(recorder, retry=RetryPolicy(deadline=20)).get("n1")
    assert recorder.count("GET") == 1


def test_each_request_gets_the_time_left_as_its_timeout(make_store: MakeStore) -> None:
    clock = FakeClock()
    recorder = Recorder(ok())
    make_store(recorder, clock=clock, timeout=5.0, retry=RetryPolicy(deadline=3)).get("n1")
    assert recorder.seen[0].extensions["timeout"]["read"] == pytest.approx(3)


def test_network_failures_become_transport_errors(make_store: MakeStore) -> None:
    recorder = Recorder(httpx.ConnectError("refused"))
    with pytest.raises(TransportError) as caught:
        make_store(recorder, retry=RetryPolicy(attempts=2)).get("n1")
    assert "ConnectError" in str(caught.value)
    assert recorder.count("GET") == 2


def test_listing_follows_cursors_and_refuses_a_loop(make_store: MakeStore) -> None:
    pages = {
        "/v1/numbers": {
            "items": [{"id": "a", "number": "+12025550100"}],
            "next": "https://api.toy.test/v1/numbers?p=2",
        },
        "/v1/numbers?p=2": {"items": [], "next": "https://api.toy.test/v1/numbers?p=3"},
        "/v1/numbers?p=3": {
            "items": [{"id": "b", "number": "+12025550101"}],
            "next": "https://api.toy.test/v1/numbers?p=2",
        },
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.raw_path.decode()])

    store = make_store(Recorder(answer))
    seen: list[str] = []
    with pytest.raises(Exception, match="already returned") as caught:
        seen.extend(n.id for n in store.list())
    assert type(caught.value).__name__ == "ResponseFormatError"
    if isinstance(store, Store):  # the facade collects before yielding
        assert seen == ["a", "b"]


def test_credentials_go_only_to_the_configured_origin(make_store: MakeStore) -> None:
    pages = {
        "api.toy.test": {"items": [], "next": "https://elsewhere.test/v1/numbers"},
        "elsewhere.test": {"items": []},
    }
    recorder = Recorder(lambda r: httpx.Response(200, json=pages[r.url.host]))
    assert list(make_store(recorder).list()) == []
    by_host = {r.url.host: r.headers.get("Authorization") for r in recorder.seen}
    assert by_host["api.toy.test"] == f"Bearer {SECRET}"
    assert by_host["elsewhere.test"] is None


def test_no_credential_in_logs_errors_or_reprs(
    make_store: MakeStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder(httpx.Response(429), httpx.Response(401), httpx.ReadError(SECRET[:3]))
    store = make_store(recorder)
    texts = [repr(store), repr(store.adapter if hasattr(store, "adapter") else store.inner.adapter)]
    for call in (lambda: store.get("n1"), lambda: store.create("+12025550100")):
        with pytest.raises(Exception) as caught:
            call()
        texts += [str(caught.value), repr(caught.value)]
    texts += [record.getMessage() for record in caplog.records]
    assert recorder.seen[0].headers["Authorization"].endswith(SECRET)  # it was really used
    assert not [text for text in texts if SECRET in text]


def test_a_callers_client_is_never_closed() -> None:
    client = httpx.Client(transport=httpx.MockTransport(Recorder(ok())))
    with Store(Toy(), http_client=client) as store:
        store.get("n1")
    assert not client.is_closed
    client.close()


def test_a_store_closes_the_client_it_opened() -> None:
    store = Store(Toy(), transport=httpx.MockTransport(Recorder(ok())))
    store.get("n1")
    client = store._driver.client
    store.close()
    assert client.is_closed


def test_a_rate_limited_post_may_be_waited_out_when_marked() -> None:
    class RateLimitTolerant(Toy):
        def create(self, number: str, *, name: str | None, link: str | None) -> Flow[PhoneNumber]:
            request = self.requests.request("POST", "numbers", json={"number": number}, retry="rate_limit")
            response = yield request
            self.raise_for_error(response, "create")
            return self._number(loads(response))

    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "1"}), ok())
    transport = httpx.MockTransport(recorder)
    with Store(RateLimitTolerant(), transport=transport) as store:
        assert store.create("+12025550100").id == "n1"
    assert recorder.count("POST") == 2
    recorder = Recorder(httpx.Response(503), ok())
    with (
        Store(RateLimitTolerant(), transport=httpx.MockTransport(recorder)) as store,
        pytest.raises(ServerError),
    ):
        store.create("+12025550100")
    assert recorder.count("POST") == 1


def test_the_callers_client_timeout_applies(make_store: MakeStore) -> None:
    recorder = Recorder(ok())
    store = make_store(recorder)
    store.get("n1")
    assert recorder.seen[0].extensions["timeout"]["read"] == pytest.approx(30.0)  # the store's default


def test_a_caller_client_timeout_is_respected() -> None:
    recorder = Recorder(ok())
    client = httpx.Client(transport=httpx.MockTransport(recorder), timeout=2.0)
    Store(Toy(), http_client=client).get("n1")
    assert recorder.seen[0].extensions["timeout"]["read"] == pytest.approx(2.0)
    client.close()


def test_backoff_that_would_outlast_the_deadline_is_not_waited(make_store: MakeStore) -> None:
    policy = RetryPolicy(deadline=0.3, backoff_initial=1.5, backoff_max=1.5, backoff_jitter=0)
    recorder = Recorder(httpx.Response(503), ok())
    with pytest.raises(ServerError):
        make_store(recorder, retry=policy).get("n1")
    assert recorder.count("GET") == 1


def test_transport_errors_never_carry_the_underlying_text(make_store: MakeStore) -> None:
    import traceback

    recorder = Recorder(httpx.LocalProtocolError(f"Illegal header value b'Bearer {SECRET}'"))
    with pytest.raises(TransportError) as caught:
        make_store(recorder).get("n1")
    text = "".join(traceback.format_exception(caught.value))
    assert SECRET not in text
    assert "LocalProtocolError" in text


def test_other_httpx_failures_become_transport_errors(make_store: MakeStore) -> None:
    recorder = Recorder(httpx.DecodingError("bad gzip"))
    with pytest.raises(TransportError):
        make_store(recorder).get("n1")


@pytest.mark.parametrize("bad", ["key\nInjected: 1", "ke\ry", "\x00key"])
def test_credentials_with_control_characters_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="control characters") as caught:
        Secret(bad)
    assert bad.strip() not in str(caught.value)
    assert Secret("  padded-key\n").reveal() == "padded-key"


def test_a_vendor_echoing_the_credential_never_gets_it_into_an_error() -> None:
    class Echoing(Toy):
        def __init__(self) -> None:
            super().__init__()
            self.credentials = (Secret(SECRET),)

        def error_from_response(self, response: httpx.Response, operation: str) -> Any:
            return error_for_status(response.status_code, response.text, provider="toy", operation=operation)

    recorder = Recorder(httpx.Response(401, text=f"bad key {SECRET}"))
    with (
        Store(Echoing(), transport=httpx.MockTransport(recorder)) as store,
        pytest.raises(AuthenticationError) as caught,
    ):
        store.get("n1")
    assert SECRET not in str(caught.value)
    assert SECRET not in caught.value.message
    assert "bad key ***" in str(caught.value)
