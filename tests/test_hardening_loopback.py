"""Over a real loopback socket: DEBUG logs and event loops.

httpcore logs response headers at DEBUG, and an AsyncClient's connections
belong to the event loop that opened them; neither shows with an in-process
transport, so these tests serve the Linq emulator on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import http.server
import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import phonefleet
from phonefleet import PhoneFleetError
from phonefleet.testing import Emulator, emulate

#: taken before the suite's network guard replaces them (loopback only, below)
_REAL_CONNECT = socket.socket.connect
_REAL_CREATE_CONNECTION = socket.create_connection


def _loopback_only(address: Any) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if host not in ("127.0.0.1", "localhost", "::1"):
        msg = f"tests never touch the network ({host})"
        raise RuntimeError(msg)


def _connect(self: socket.socket, address: Any) -> Any:
    _loopback_only(address)
    return _REAL_CONNECT(self, address)


def _create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
    _loopback_only(address)
    return _REAL_CREATE_CONNECTION(address, *args, **kwargs)


def _handler(emulator: Emulator) -> type[http.server.BaseHTTPRequestHandler]:
    class Bridge(http.server.BaseHTTPRequestHandler):
        """The emulator over HTTP/1.1 keep-alive; every answer echoes the Authorization header."""

        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            url = f"https://linq.emulator.invalid{self.path}"
            request = httpx.Request(self.command, url, headers=dict(self.headers.items()), content=body)
            response = emulator.transport.handle_request(request)
            content = response.content
            self.send_response(response.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.send_header("X-Echo", self.headers.get("Authorization", ""))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_PUT = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Bridge


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setattr(socket.socket, "connect", _connect)
    monkeypatch.setattr(socket, "create_connection", _create_connection)
    emulator = emulate("linq", numbers=3)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(emulator))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        base = httpx.URL(emulator.settings["base_url"])
        yield {**emulator.settings, "base_url": f"http://{host!s}:{port}{base.path}"}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_debug_logs_never_show_an_echoed_credential(
    served: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with phonefleet.connect("linq", **served) as store:
        assert len(list(store.list())) == 3
    messages = [record.getMessage() for record in caplog.records]
    headers = [m for m in messages if "X-Echo" in m]
    assert headers, "httpcore logged no response headers"
    assert all(served["api_key"] not in m for m in messages)
    assert any("***" in m for m in headers)


def test_the_log_filter_acts_while_a_store_is_open(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    emulator = emulate("linq")
    key = emulator.settings["api_key"]
    logger = logging.getLogger("httpcore.http11")
    store = phonefleet.connect("linq", transport=emulator.transport, **emulator.settings)
    logger.debug("receive_response_headers.complete return_value=%r", [(b"WWW-Authenticate", key.encode())])
    store.close()
    assert key not in caplog.records[-1].getMessage()
    assert "***" in caplog.records[-1].getMessage()


async def _list(store: Any) -> int:
    return len([n async for n in store.list()])


def test_an_async_store_survives_a_second_event_loop(served: dict[str, Any]) -> None:
    store = phonefleet.connect_async("linq", **served)
    assert asyncio.run(_list(store)) == 3
    assert asyncio.run(_list(store)) == 3  # its own client is opened anew on the new loop
    asyncio.run(store.close())


def test_a_callers_async_client_is_not_moved_to_another_loop() -> None:
    emulator = emulate("linq", numbers=2)
    client = httpx.AsyncClient(transport=emulator.transport)
    store = phonefleet.connect_async("linq", http_client=client, **emulator.settings)
    assert asyncio.run(_list(store)) == 2
    with pytest.raises(PhoneFleetError, match="event loop"):
        asyncio.run(_list(store))
