"""A served emulator against a bare server answering the same bytes.

Eight client threads, each on its own keep-alive connection, send list
requests (then writes) as fast as answers come back, to the Linq emulator
served over loopback (`phonefleet.testing.serve`) and to a standard-library
`ThreadingHTTPServer` that reads each request and answers the bytes the
emulator gave for it (status, headers, body, recorded once). Both servers
run in this process, as the clients do; runs alternate, and each figure is
the median of the runs' requests per second.

    python bench/bench_served.py [--quick]
"""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import urlsplit

from _harness import print_rows

from phonefleet.testing import emulate, serve

CLIENTS = 8
GOAL = 0.8
NUMBERS = 50


class _Bare(BaseHTTPRequestHandler):
    """Reads a request, answers the recorded bytes for its method."""

    protocol_version = "HTTP/1.1"
    answers: ClassVar[dict[str, tuple[int, list[tuple[str, str]], bytes]]] = {}

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status, headers, body = self.answers[self.command]
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    do_GET = do_PUT = _answer  # noqa: N815 - the stdlib's names


class _BareServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = socket.SOMAXCONN


def _requests(base_url: str, api_key: str, ids: list[str]) -> dict[str, Callable[[int], Any]]:
    path = urlsplit(base_url).path
    auth = {"Authorization": f"Bearer {api_key}"}
    write_headers = {**auth, "Content-Type": "application/json"}

    def listing(_: int) -> tuple[str, str, bytes | None, dict[str, str]]:
        return "GET", f"{path}/v3/phone_numbers", None, auth

    def write(index: int) -> tuple[str, str, bytes | None, dict[str, str]]:
        body = json.dumps({"forwarding_number": f"+1202555{index % 10000:04d}"}).encode()
        return "PUT", f"{path}/v3/phone_numbers/{ids[index % len(ids)]}", body, write_headers

    return {"list": listing, "write": write}


def _throughput(port: int, make: Callable[[int], Any], seconds: float) -> float:
    """Requests per second answered to CLIENTS threads for `seconds`."""
    counts = [0] * CLIENTS
    stop = time.perf_counter() + seconds
    ready = threading.Barrier(CLIENTS + 1)

    def client(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.connect()
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        ready.wait()
        done = 0
        while time.perf_counter() < stop:
            method, url, body, headers = make(slot * 1_000_000 + done)
            connection.request(method, url, body=body, headers=headers)
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200, answer.status
            done += 1
        counts[slot] = done
        connection.close()

    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(CLIENTS)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def run(quick: bool = False) -> list[dict[str, Any]]:
    rounds, seconds = (3, 0.5) if quick else (7, 1.0)
    emu = emulate("linq", numbers=NUMBERS, seed=5)
    with serve(emu) as server:
        settings = server.settings
        ids = list(emu.transport.numbers)  # type: ignore[attr-defined]
        makes = _requests(settings["base_url"], settings["api_key"], ids)
        answers: ClassVar[dict[str, tuple[int, list[tuple[str, str]], bytes]]] = {}
        for kind, method in (("list", "GET"), ("write", "PUT")):
            verb, url, body, headers = makes[kind](0)
            connection = http.client.HTTPConnection("127.0.0.1", server.port)
            connection.request(verb, url, body=body, headers=headers)
            answer = connection.getresponse()
            kept = [
                (k, v)
                for k, v in answer.getheaders()
                if k.lower() not in {"content-length", "server", "date"}
            ]
            answers[method] = (answer.status, kept, answer.read())
            connection.close()
        _Bare.answers = answers
        bare = _BareServer(("127.0.0.1", 0), _Bare)
        threading.Thread(target=bare.serve_forever, daemon=True).start()
        rows = []
        try:
            for kind in ("list", "write"):
                served: list[float] = []
                plain: list[float] = []
                for _ in range(rounds):
                    served.append(_throughput(server.port, makes[kind], seconds))
                    plain.append(_throughput(bare.server_address[1], makes[kind], seconds))
                ratio = statistics.median(s / p for s, p in zip(served, plain, strict=True))
                size = len(answers["GET" if kind == "list" else "PUT"][2])
                rows.append(
                    {
                        "name": f"served emulator {kind}, {CLIENTS} clients / bare server",
                        "value": ratio,
                        "unit": "x",
                        "goal": f">= {GOAL}",
                        "met": ratio >= GOAL,
                        "detail": f"Linq, {NUMBERS} numbers ({size:,} byte answers): "
                        f"{statistics.median(served):,.0f} vs {statistics.median(plain):,.0f} requests/s; "
                        f"median of {rounds} alternating runs of {seconds:.1f} s",
                    }
                )
        finally:
            bare.shutdown()
            bare.server_close()
    return rows


if __name__ == "__main__":
    print_rows(run(quick="--quick" in sys.argv))
