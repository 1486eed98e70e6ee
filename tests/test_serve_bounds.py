"""A served emulator is bounded: request bodies are capped (413 in the
vendor's envelope), chunk sizes no client sends are refused before anything
is buffered, and the transport keeps a bounded record of requests."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
from phonefleet.testing import EmulatorServer, emulate

CHUNKED_PUT = b"PUT /api/partner/v3/phone_numbers/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"


def _exchange(server: EmulatorServer, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """Send raw bytes; the status and body of the answer (the server closes after a refusal)."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status_line, _, rest = data.partition(b"\r\n")
    _, _, answer = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), answer


@pytest.mark.parametrize("provider", ["linq", "twilio", "telnyx", "signalwire", "gravityrail"])
def test_a_body_past_the_cap_is_413_in_the_vendors_envelope(provider: str) -> None:
    emulator = emulate(provider, numbers=1)
    with EmulatorServer(emulator, provider=provider, max_request_bytes=1000) as server:
        path = httpx.URL(server.base_url).raw_path.decode() + "/anything"
        head = (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: 300000000\r\n\r\n"
        ).encode()
        status, body = _exchange(server, head, b"{" * 2000)
        assert status == 413
        expected = emulator.transport.error_response(413)
        assert json.loads(body).keys() == json.loads(expected.content).keys()
    assert emulator.transport.requests == []  # never handed on, never kept


def test_a_chunked_body_past_the_cap_is_413() -> None:
    emulator = emulate("linq", numbers=1)
    with EmulatorServer(emulator, provider="linq", max_request_bytes=1000) as server:
        head = CHUNKED_PUT
        chunks = b"".join(b"200\r\n" + b"a" * 0x200 + b"\r\n" for _ in range(4)) + b"0\r\n\r\n"
        status, _ = _exchange(server, head, chunks)
    assert status == 413
    assert emulator.transport.requests == []


@pytest.mark.parametrize("size", [b"-1", b"+10", b"zz", b"", b"1" * 40, b"0x10"])
def test_a_bad_chunk_size_is_refused_not_read_to_the_end(size: bytes) -> None:
    emulator = emulate("linq", numbers=1)
    with EmulatorServer(emulator, provider="linq") as server:
        head = CHUNKED_PUT
        status, _ = _exchange(server, head, size + b"\r\n" + b"a" * 100)
    assert status == 400
    assert emulator.transport.requests == []


def test_the_record_of_requests_is_bounded_by_count_and_bytes() -> None:
    emulator = emulate("linq", numbers=2)
    record = emulator.transport.requests
    record.max_requests = 5
    with emulator.connect() as store:
        for _ in range(12):
            list(store.list())
    assert len(record) == 5
    assert record.total == 12
    assert record[-2:] == list(record)[-2:]
    record.max_bytes = 10_000
    for _ in range(4):
        record.append(httpx.Request("POST", "https://x.invalid/", content=b"b" * 4_000))
    assert record.body_bytes <= 10_000
    assert len(record) == 2
    record.append(httpx.Request("POST", "https://x.invalid/", content=b"b" * 50_000))
    assert len(record) == 1  # the newest is always kept, alone when it is past the cap
    assert record.total == 17
