"""Listing 10,000 numbers on every vendor: phonefleet vs raw httpx + json.loads.

Each vendor's emulator answers phonefleet's listing once; the answers are
recorded and replayed byte for byte, to both sides, from one
`httpx.MockTransport`. The raw side GETs the same URLs in the same order
and `json.loads` each body; phonefleet lists through a store as a user
would (every field read, every number validated, deadline and body cap
in force). Times are process CPU time, medians of interleaved repeats,
so other work on a loaded machine weighs on both sides alike.

    python bench/bench_listing.py [--quick] [vendor ...]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
from _harness import median_seconds, print_rows

import phonefleet
from phonefleet.testing import emulate

COUNT = 10_000
MAX_RATIO_TO_RAW = 1.25
VENDORS = ("linq", "twilio", "telnyx", "signalwire", "gravityrail")


def _recorded(provider: str) -> tuple[httpx.MockTransport, list[str], dict[str, Any]]:
    """The emulator's answers to one listing, as a replaying transport and the URLs in order."""
    emu = emulate(provider, numbers=COUNT, seed=7)
    answers: dict[str, tuple[int, bytes, list[tuple[str, str]]]] = {}
    order: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        key = str(request.url)
        if key not in answers:
            answer = emu.transport.handle_request(request)
            answers[key] = (answer.status_code, answer.read(), list(answer.headers.items()))
            order.append(key)
        status, body, headers = answers[key]
        return httpx.Response(status, content=body, headers=headers)

    with phonefleet.connect(provider, transport=httpx.MockTransport(record), **emu.settings) as store:
        assert sum(1 for _ in store.list()) == COUNT

    def replay(request: httpx.Request) -> httpx.Response:
        status, body, headers = answers[str(request.url)]
        return httpx.Response(status, content=body, headers=headers)

    return httpx.MockTransport(replay), order, emu.settings


def _items(body: Any) -> int:
    if isinstance(body, list):
        return len(body)
    for value in body.values():
        if isinstance(value, list):
            return len(value)
    return 0


def measure(provider: str, repeats: int) -> dict[str, Any]:
    transport, urls, settings = _recorded(provider)
    raw_client = httpx.Client(transport=transport)

    def raw() -> int:
        return sum(_items(json.loads(raw_client.get(url).content)) for url in urls)

    store = phonefleet.connect(provider, transport=transport, **settings)

    def fleet() -> int:
        return sum(1 for number in store.list() if number.number)

    fns: dict[str, Callable[[], Any]] = {"raw": raw, "fleet": fleet}
    assert fleet() == COUNT
    medians = median_seconds(fns, repeats, clock=time.process_time)
    store.close()
    raw_client.close()
    raw_s, fleet_s = medians["raw"], medians["fleet"]
    ratio = fleet_s / raw_s
    return {
        "name": f"{provider} list 10k: phonefleet / raw",
        "value": ratio,
        "unit": "x",
        "goal": f"<= {MAX_RATIO_TO_RAW}x",
        "met": ratio <= MAX_RATIO_TO_RAW,
        "detail": f"{fleet_s * 1000:.1f} ms vs {raw_s * 1000:.1f} ms; {len(urls)} responses replayed, "
        f"median of {repeats} interleaved (CPU time)",
    }


def run(quick: bool = False, vendors: tuple[str, ...] = VENDORS) -> list[dict[str, Any]]:
    repeats = 5 if quick else 15
    return [measure(provider, repeats) for provider in vendors]


if __name__ == "__main__":
    chosen = tuple(a for a in sys.argv[1:] if not a.startswith("--")) or VENDORS
    print_rows(run(quick="--quick" in sys.argv, vendors=chosen))
