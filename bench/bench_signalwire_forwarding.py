"""Listing SignalWire numbers with forwarding resolved: memory and requests.

Forwarding on SignalWire lives in SWML scripts (Fabric API); a listing reads
the space's scripts once (paged) on the first page that has a number bound
to a script, then maps every page from that index. Goals: streaming 100,000
numbers (a quarter of them forwarded through 250 scripts: six pages of
scripts) keeps the tracemalloc peak within 3x one page, and
costs no request per number (100 number pages + one paged script read).

    python bench/bench_signalwire_forwarding.py [--quick]
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from typing import Any

import httpx
from _harness import peak_bytes, print_rows_detail_below

from phonefleet.testing import Emulator, emulate

PAGE = 1000
SCRIPTS = 250


def _emulator(count: int) -> Emulator:
    """`count` numbers; every fourth forwards through one of SCRIPTS scripts."""
    emu = emulate("signalwire", numbers=count, seed=7)
    transport: Any = emu.transport
    with emu.connect("signalwire") as store:
        for index in range(SCRIPTS):
            store.run(store.adapter._forwarding_script(f"+1202555{index:04d}"))
    urls = [s.request_url for s in transport.scripts.values() if s.display_name.startswith("phonefleet")]
    for position, seq in enumerate(transport._book.order):
        if position % 4 == 0:
            record = transport._book.by_seq[seq]
            fields = transport.payload(record)
            fields.update(call_handler="relay_script", call_relay_script_url=urls[position % len(urls)])
            record.fields = fields
    return emu


def _store_walk(emu: Emulator) -> tuple[int, int]:
    seen = forwarded = 0
    with emu.connect("signalwire", page_size=PAGE) as store:
        for number in store.list():
            seen += 1
            if number.forwarding_number is not None:
                forwarded += 1
    return seen, forwarded


def _raw_walk(emu: Emulator) -> int:
    """The baseline: raw httpx + json.loads over the number pages (forwarding not resolved)."""
    settings = emu.settings
    seen = 0
    with httpx.Client(
        transport=emu.transport, auth=(settings["project_id"], settings["api_token"])
    ) as client:
        url: httpx.URL | None = httpx.URL(settings["base_url"] + "/phone_numbers", params={"page_size": PAGE})
        while url is not None:
            body = json.loads(client.get(url).content)
            seen += sum(1 for item in body["data"] if item["number"])
            following = body["links"].get("next")
            url = url.join(following) if following else None
    return seen


def _one_page(emu: Emulator) -> object:
    with emu.connect("signalwire", page_size=PAGE) as store:
        page = store.run(store.adapter.list_page(False, None))
        assert len(page.items) == PAGE
        return page


def run(quick: bool = False) -> list[dict[str, Any]]:
    count = 20_000 if quick else 100_000
    repeats = 3 if quick else 5
    _store_walk(_emulator(10))  # imports and first-use caches stay out of the figures
    emu = _emulator(count)
    gc.collect()
    gc.freeze()
    _one_page(emu)

    one_page = peak_bytes(lambda: _one_page(emu))
    emu.transport.requests.clear()
    streaming = peak_bytes(lambda: _store_walk(emu))
    memory_ratio = streaming / one_page
    number_gets = emu.transport.count("GET", "/phone_numbers")
    script_gets = emu.transport.count("GET", "/swml_scripts")
    seen, forwarded = _store_walk(emu)

    ours: list[float] = []
    raw: list[float] = []
    for _ in range(repeats):
        gc.collect()
        started = time.process_time()
        _store_walk(emu)
        ours.append(time.process_time() - started)
        gc.collect()
        started = time.process_time()
        _raw_walk(emu)
        raw.append(time.process_time() - started)
    ratio = statistics.median(o / r for o, r in zip(ours, raw, strict=True))
    gc.unfreeze()
    label = f"{count:,} numbers ({forwarded:,} forwarded through {SCRIPTS} scripts), pages of {PAGE:,}"
    return [
        {
            "name": "signalwire list with forwarding: peak memory / one page",
            "value": round(memory_ratio, 2),
            "unit": "x",
            "goal": "<= 3x",
            "met": memory_ratio <= 3.0 and seen == count,
            "detail": (
                f"{label}: peak {streaming / 1e6:.1f} MB streaming vs {one_page / 1e6:.1f} MB for one page"
            ),
        },
        {
            "name": "signalwire list with forwarding: requests",
            "value": number_gets + script_gets,
            "unit": "",
            "goal": "no per-number request",
            "met": number_gets == -(-count // PAGE) and script_gets == -(-(SCRIPTS + 3) // 50),
            "detail": f"{number_gets} number pages + {script_gets} script pages (one read per listing)",
        },
        {
            "name": "signalwire list with forwarding / raw httpx + json (unresolved)",
            "value": round(ratio, 2),
            "unit": "x",
            "goal": "reference (no goal)",
            "met": True,
            "detail": (
                f"median of {repeats} paired runs: store "
                f"{statistics.median(ours) / count * 1e6:.2f} us/number with forwarding resolved, "
                f"raw {statistics.median(raw) / count * 1e6:.2f} us/number"
            ),
        },
    ]


def main() -> None:
    print_rows_detail_below(run(quick="--quick" in sys.argv), goal_width=22)


if __name__ == "__main__":
    main()
