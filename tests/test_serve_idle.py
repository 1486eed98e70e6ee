"""A served emulator closes idle connections itself: its sockets block (no timeout).

A socket timeout made every read and write poll first; instead each
connection has a deadline while its handler waits on the client, none while
the emulator works, and the serving thread shuts down the ones past it. A
request cut short by that close is never applied; the server goes on.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
from phonefleet.testing import EmulatorServer, emulate
from phonefleet.testing._idle import Connections

LIST = b"GET /api/partner/v3/phone_numbers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer linq-emulator-key\r\n"


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _read_answer(sock: socket.socket) -> bytes:
    """One answer with a Content-Length, the connection left open."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head


def _idle_until_closed(server: EmulatorServer, clock: _Clock) -> None:
    """Move the clock on past the deadline until the one open connection is shut
    (its handler may register or wait again while the clock moves)."""
    closed: list[socket.socket] = []
    while not closed:
        clock.now += 121
        closed = server._server.connections.close_expired()
    assert len(closed) == 1


@pytest.fixture
def served() -> Iterator[tuple[EmulatorServer, _Clock]]:
    clock = _Clock()
    server: EmulatorServer[Any, Any] = EmulatorServer(emulate("linq", numbers=2), provider="linq")
    server._server.connections = Connections(120.0, clock=clock)
    with server:
        yield server, clock


def test_deadlines_run_while_waiting_and_stop_while_working() -> None:
    clock = _Clock()
    connections = Connections(120.0, clock=clock)
    idle, idle_peer = socket.socketpair()
    busy, busy_peer = socket.socketpair()
    try:
        connections.opened(idle)
        connections.opened(busy)
        assert connections.next_check() == 120.0
        clock.now += 60
        connections.waiting(idle)  # progress: a new deadline
        connections.working(busy)
        assert connections.next_check() == 120.0
        clock.now += 100
        assert connections.close_expired() == []
        clock.now += 30
        assert connections.close_expired() == [idle]
        assert connections.expired(idle)
        assert not connections.expired(busy)
        idle_peer.settimeout(10)
        assert idle_peer.recv(1) == b""  # shut down: the client sees the close
        assert connections.close_expired() == []  # once
        clock.now += 10_000
        assert connections.close_expired() == []  # the emulator's work has no deadline
        connections.closed(idle)
        assert connections.open() == [busy]
        assert not connections.expired(idle)
    finally:
        for sock in (idle, idle_peer, busy, busy_peer):
            sock.close()


def test_a_kept_alive_connection_idle_past_its_deadline_is_closed(
    served: tuple[EmulatorServer, _Clock],
) -> None:
    server, clock = served
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(LIST + b"\r\n")
        assert _read_answer(sock).startswith(b"HTTP/1.1 200")
        clock.now += 119
        assert server._server.connections.close_expired() == []
        sock.sendall(LIST + b"\r\n")  # still open: a second request on it
        assert _read_answer(sock).startswith(b"HTTP/1.1 200")
        _idle_until_closed(server, clock)
        assert _read_all(sock) == b""
    with httpx.Client(headers={"Authorization": "Bearer linq-emulator-key"}) as client:
        assert client.get(f"{server.base_url}/v3/phone_numbers").status_code == 200  # still serving


@pytest.mark.parametrize(
    "partial",
    [
        LIST,  # the header block never ends
        b"PUT /api/partner/v3/phone_numbers/x HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n{",
        b"GET /api/partner/v3/phone_num",
    ],
)
def test_a_request_cut_short_by_the_deadline_is_not_applied(
    served: tuple[EmulatorServer, _Clock], partial: bytes
) -> None:
    server, clock = served
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(partial)
        _idle_until_closed(server, clock)
        assert _read_all(sock) == b""  # no answer
    assert len(server.emulator.transport.requests) == 0


def test_a_request_the_emulator_works_on_has_no_deadline(served: tuple[EmulatorServer, _Clock]) -> None:
    server, clock = served
    inside, release = threading.Event(), threading.Event()
    handle = server._server.handle

    def slow(request: Any) -> Any:
        inside.set()
        release.wait(10)
        return handle(request)

    server._server.handle = slow
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(LIST + b"\r\n")
        assert inside.wait(10)
        clock.now += 10_000
        assert server._server.connections.close_expired() == []
        release.set()
        assert _read_answer(sock).startswith(b"HTTP/1.1 200")


def test_the_serving_thread_closes_idle_connections_when_due() -> None:
    server = EmulatorServer(emulate("linq", numbers=1), provider="linq")
    server._server.connections = Connections(0.01)
    with server, socket.create_connection((server.host, server.port), timeout=10) as sock:
        assert _read_all(sock) == b""  # closed by the server, well before the client's 10 s
