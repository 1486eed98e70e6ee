"""The served emulator answers exactly what the in-process emulator answers.

The served path builds its requests and sends its answers more cheaply than
httpx's `content=` constructors (`_request`, `bytes_response`), works out
routes once per path and formats the Date header once a second; none of it
may change a byte. Two emulators built alike, one served and one in-process,
get the same requests (what a store sends, then the same requests without
credentials, on a path the API lacks, with a method it lacks, with a bad
body) and must give the same status, headers and body to each.
"""

from __future__ import annotations

import email.utils
import http.client
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
from phonefleet.testing import EmulatorServer, Router, bytes_response, emulate
from phonefleet.testing import _server as server_module

PROVIDERS = ["linq", "twilio", "telnyx", "signalwire", "gravityrail"]
#: framing and server headers: per connection, not the emulator's answer
_SERVER_SET = {"content-length", "connection", "keep-alive", "transfer-encoding", "date", "server"}
_CREDENTIALS = {"authorization"}

Sent = tuple[str, str, list[tuple[str, str]], bytes]


def _emulator(provider: str) -> Any:
    """The same emulator each time: seeded, on a clock that does not move (where it takes one)."""
    options: dict[str, Any] = {"numbers": 3, "seed": 7}
    if provider in {"telnyx", "gravityrail"}:
        options["clock"] = lambda: datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    return emulate(provider, **options)


def _what_a_store_sends(provider: str) -> list[Sent]:
    """The requests a store sends to list numbers and set one's forwarding."""
    emulator = _emulator(provider)
    with emulator.connect() as store:
        numbers = list(store.list())
        store.set_forwarding(numbers[0], "+12025550123")
    sent: list[Sent] = []
    for request in emulator.transport.requests:
        headers = [
            (key, value)
            for key, value in request.headers.multi_items()
            if key.lower() not in {"host", "content-length", "transfer-encoding"}
        ]
        sent.append((request.method, request.url.raw_path.decode("ascii"), headers, request.content))
    return sent


def _variants(sent: list[Sent]) -> list[Sent]:
    """`sent`, then errors: no credentials, a path the API lacks, a method it lacks, a bad body."""
    method, path, headers, _ = sent[0]
    bare = [(key, value) for key, value in headers if key.lower() not in _CREDENTIALS]
    write = next(item for item in sent if item[0] != "GET")
    return [
        *sent,
        (method, path, bare, b""),
        ("GET", path.split("?", 1)[0] + "/no-such-thing", headers, b""),
        ("DELETE", path.split("?", 1)[0], headers, b""),
        (write[0], write[1], write[2], b"{not json"),
        *sent,  # the same again: routes and URLs now come from the server's memory
    ]


def _in_process(emulator: Any, origin: str, item: Sent) -> tuple[int, list[tuple[str, str]], bytes]:
    method, path, headers, body = item
    request = httpx.Request(method, origin + path, headers=headers, content=body or None)
    answer = emulator.transport.handle_request(request)
    kept = [(k.lower(), v) for k, v in answer.headers.multi_items() if k.lower() not in _SERVER_SET]
    return answer.status_code, kept, answer.content


def _served(connection: http.client.HTTPConnection, item: Sent) -> tuple[int, list[tuple[str, str]], bytes]:
    method, path, headers, body = item
    connection.request(method, path, body=body or None, headers=dict(headers))
    answer = connection.getresponse()
    content = answer.read()
    kept = [(k.lower(), v) for k, v in answer.getheaders() if k.lower() not in _SERVER_SET]
    return answer.status, kept, content


@pytest.mark.parametrize("provider", PROVIDERS)
def test_served_and_in_process_answers_are_the_same(provider: str) -> None:
    requests = _variants(_what_a_store_sends(provider))
    local = _emulator(provider)
    served = _emulator(provider)
    with EmulatorServer(served, provider=provider) as server:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        statuses = set()
        for item in requests:
            there = _served(connection, item)
            here = _in_process(local, server.origin, item)
            assert there == here, item[:2]
            statuses.add(there[0])
        connection.close()
    assert any(status >= 400 for status in statuses), statuses  # the errors were reached
    assert any(status < 300 for status in statuses), statuses
    assert len(local.transport.requests) == len(served.transport.requests) == len(requests)


@pytest.mark.parametrize(
    ("method", "headers", "body"),
    [
        ("GET", [("Host", "127.0.0.1:9"), ("Authorization", "Bearer k")], b""),
        ("GET", [("Authorization", "Bearer k")], b""),  # HTTP/1.0: no Host
        ("PUT", [("Host", "h"), ("Content-Length", "2"), ("Content-Type", "application/json")], b"{}"),
        ("POST", [("Host", "h"), ("Transfer-Encoding", "chunked")], b"a=1&b=2"),  # read from chunks
        ("POST", [("Host", "h")], b""),
        ("PATCH", [("Host", "h"), ("Transfer-Encoding", "chunked")], b""),
        ("DELETE", [("Host", "h"), ("X-Twice", "1"), ("x-twice", "2")], b""),
    ],
)
def test_a_served_request_is_the_one_httpx_builds(
    method: str, headers: list[tuple[str, str]], body: bytes
) -> None:
    url = httpx.URL("http://127.0.0.1:9/api/x?a=1")
    built = server_module._request(method, url, headers, body)
    built.read()
    expected = httpx.Request(method, url, headers=headers, content=body or None)
    assert (built.method, built.url, built.headers.raw, built.content) == (
        expected.method,
        expected.url,
        expected.headers.raw,
        expected.content,
    )
    assert isinstance(built.stream, httpx.ByteStream)
    assert built.headers.encoding == expected.headers.encoding == "ascii"


def test_a_header_httpx_cannot_encode_is_refused_alike() -> None:
    url = httpx.URL("http://127.0.0.1:9/api/x")
    headers = [("Host", "h"), ("X-Name", "caf\xe9")]  # latin-1 text from the wire
    with pytest.raises(UnicodeEncodeError):
        httpx.Request("GET", url, headers=headers)
    with pytest.raises(UnicodeEncodeError):  # a ValueError: the server answers 400
        server_module._request("GET", url, headers, b"")


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b'{"a": 1}', {"Content-Type": "application/json"}),
        (b"", {"Retry-After": "1"}),  # no body: no Content-Length, as httpx has it
        (b"xyz", {"content-length": "3", "X-Other": "y"}),
        (b"<html/>", None),
    ],
)
def test_bytes_response_is_the_response_httpx_builds(content: bytes, headers: dict[str, str] | None) -> None:
    fast = bytes_response(201, content, headers)
    assert not fast.is_stream_consumed  # a server sends the bytes without reading them
    expected = httpx.Response(201, content=content, headers=headers)
    assert fast.headers.raw == expected.headers.raw
    assert (fast.status_code, fast.content, fast.text) == (201, content, expected.text)  # read on first use
    assert fast.is_stream_consumed
    assert fast.is_closed


def test_the_date_header_is_the_stdlibs_formatted_once_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    emulator = emulate("linq", numbers=1)
    with EmulatorServer(emulator, provider="linq") as server:
        handler: Any = object.__new__(server_module._Handler)
        handler.server = server._server
        for now in (1_767_225_600.0, 1_767_225_600.9, 1_767_225_601.2, 1_767_225_599.5):
            monkeypatch.setattr(time, "time", lambda now=now: now)
            assert handler.date_time_string() == email.utils.formatdate(now, usegmt=True)
        assert handler.date_time_string(0) == "Thu, 01 Jan 1970 00:00:00 GMT"


def test_routes_are_matched_once_per_path_and_stay_bounded() -> None:
    router = Router()
    calls: list[tuple[str, dict[str, str]]] = []

    def handler(name: str) -> Any:
        def answer(request: httpx.Request, **params: str) -> httpx.Response:
            calls.append((name, params))
            return httpx.Response(200)

        return answer

    router.add("GET", "/v/items/{ident}", handler("get"))
    router.add("PUT", "/v/items/{ident}", handler("put"))
    get = httpx.Request("GET", "http://h/v/items/a%2Fb")
    assert router.dispatch(get, "/v/items/a%2Fb") is not None
    assert router.dispatch(get, "/v/items/a%2Fb") is not None
    assert calls == [("get", {"ident": "a/b"}), ("get", {"ident": "a/b"})]
    delete = httpx.Request("DELETE", "http://h/v/items/x")
    refused = router.dispatch(delete, "/v/items/x")
    assert refused is not None
    assert refused.status_code == 405
    assert router.dispatch(get, "/v/other") is None
    router.add("DELETE", "/v/items/{ident}", handler("delete"))  # a route added later is honoured
    assert router.dispatch(delete, "/v/items/x") is not None
    assert calls[-1] == ("delete", {"ident": "x"})
    for index in range(3000):
        router.dispatch(get, f"/v/items/{index}")
    assert len(router._matches) <= 1024
    assert calls[-1] == ("get", {"ident": "2999"})
