"""Planning a port of 10,000 numbers: how many portability requests, and what it costs.

Goals: at most one portability request per number on Twilio (sent
concurrently, `concurrency` at a time) and ceil(10,000 / 100) on Telnyx
(100 numbers a `POST /portability_checks`); the wall time is reported as a
ratio against the same plan without porting (two listings, no checks), on
the same stores in the same process. Each vendor's emulator is the target,
on a `Network` with a `MemoryStore` source holding the numbers; a vendor
whose emulator has no porting yet is reported as not measured.

    python bench/bench_porting.py [--quick]
"""

from __future__ import annotations

import math
import sys
import threading
import time
from typing import Any

from _harness import median_seconds, print_rows

from phonefleet import Feature, MemoryStore
from phonefleet.migrate import Porting, plan
from phonefleet.testing import Network, emulate, seeded_numbers

CONCURRENCY = 16
LATENCY = 0.002
TELNYX_BATCH = 100


def _setup(provider: str, count: int) -> tuple[Any, Any, Any, Network]:
    net = Network()
    numbers = list(seeded_numbers(count, offset=70_000))
    source = MemoryStore(numbers, network=net, provider="memory")
    emulator = emulate(provider, numbers=0, network=net)
    target = emulator.connect(provider)
    return source, target, emulator, net


class _InFlight:
    """Counts the portability requests the emulator is answering at once (each delayed by LATENCY)."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self._real = transport.handle_request
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0
        transport.handle_request = self._handle

    def _handle(self, request: Any) -> Any:
        if "ortability" not in request.url.path:
            return self._real(request)
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(LATENCY)
            return self._real(request)
        finally:
            with self._lock:
                self.now -= 1

    def undo(self) -> None:
        del self._transport.handle_request


def _portability_requests(emulator: Any) -> int:
    return sum(1 for r in emulator.transport.requests if "ortability" in r.url.path)


def _one(provider: str, count: int, repeats: int) -> list[dict[str, Any]]:
    try:
        source, target, emulator, net = _setup(provider, count)
    except TypeError as exc:  # an emulator that takes no network= yet
        return [_not_measured(provider, f"no porting emulator: {exc}")]
    if Feature.PORT_IN not in target.features:
        return [_not_measured(provider, "the adapter has no Feature.PORT_IN")]
    port = Porting(net.account(next(iter(source.list())).number))
    with target:
        before = _portability_requests(emulator)
        flight = _InFlight(emulator.transport)
        planned = plan(source, target, port=port, concurrency=CONCURRENCY)
        flight.undo()
        sent = _portability_requests(emulator) - before
        steps = sum(1 for s in planned.steps if s.action.value == "port_in")
        times = median_seconds(
            {
                "plain": lambda: plan(source, target),
                "port": lambda: plan(source, target, port=port, concurrency=CONCURRENCY),
            },
            repeats,
        )
    if provider == "twilio":
        goal, limit = "<= 1/number", count
    else:
        goal, limit = f"<= {math.ceil(count / TELNYX_BATCH)}", math.ceil(count / TELNYX_BATCH)
    return [
        {
            "name": f"{provider}: portability requests, {count:,} numbers",
            "value": float(sent),
            "unit": "req",
            "goal": goal,
            "met": sent <= limit and steps == count,
            "detail": f"{steps:,} PORT_IN steps planned, concurrency {CONCURRENCY}",
        },
        {
            "name": f"{provider}: portability requests in flight at once",
            "value": float(flight.most),
            "unit": "req",
            "goal": f"<= {CONCURRENCY}",
            "met": 1 < flight.most <= CONCURRENCY,
            "detail": f"each answered after {LATENCY * 1000:.0f} ms (emulated latency, this plan only)",
        },
        {
            "name": f"{provider}: plan with porting / without",
            "value": times["port"] / times["plain"],
            "unit": "x",
            "goal": "report",
            "met": True,
            "detail": (
                f"{times['port'] * 1000:.0f} ms with the portability checks vs "
                f"{times['plain'] * 1000:.0f} ms without (median of {repeats}, in-process emulator)"
            ),
        },
    ]


def _not_measured(provider: str, why: str) -> dict[str, Any]:
    return {
        "name": f"{provider}: portability requests",
        "value": float("nan"),
        "unit": "req",
        "goal": "-",
        "met": True,
        "detail": f"not measured: {why}",
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    count = 1_000 if quick else 10_000
    repeats = 1 if quick else 3
    return [row for provider in ("twilio", "telnyx") for row in _one(provider, count, repeats)]


if __name__ == "__main__":
    print_rows(run(quick="--quick" in sys.argv), width=52)
