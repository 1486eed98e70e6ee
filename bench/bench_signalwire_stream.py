"""Streaming SignalWire numbers: peak memory and per-number cost.

Goals (issue 5): streaming 100,000 numbers in pages of 1,000 keeps the
tracemalloc peak within 3x the peak of one page, and costs within 1.5x of
raw httpx + json walking the same pages over the same emulator transport.

    python bench/bench_signalwire_stream.py [--quick]
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
from _harness import peak_bytes, print_rows_detail_below

from phonefleet.testing import Emulator, emulate

PAGE = 1000


def _emulator(count: int) -> Emulator:
    return emulate("signalwire", numbers=count, seed=7)


def _raw_walk(emu: Emulator, decode: Callable[[bytes], Any]) -> int:
    """The baseline: raw httpx + a JSON decode, following links.next, touching every number."""
    settings = emu.settings
    seen = 0
    with httpx.Client(
        transport=emu.transport, auth=(settings["project_id"], settings["api_token"])
    ) as client:
        url: httpx.URL | None = httpx.URL(settings["base_url"] + "/phone_numbers", params={"page_size": PAGE})
        while url is not None:
            response = client.get(url)
            response.raise_for_status()
            body = decode(response.content)
            for item in body["data"]:
                if item["number"]:
                    seen += 1
            following = body["links"].get("next")
            url = url.join(following) if following else None
    return seen


def _store_walk(emu: Emulator) -> int:
    seen = 0
    with emu.connect("signalwire", page_size=PAGE) as store:
        for number in store.list():
            if number.number:
                seen += 1
    return seen


def _timed(run: Callable[[], int], expected: int) -> float:
    gc.collect()
    # CPU time of this process: other work sharing the machine does not count
    started = time.process_time()
    seen = run()
    elapsed = time.process_time() - started
    if seen != expected:
        msg = f"walked {seen} numbers, expected {expected}"
        raise AssertionError(msg)
    return elapsed


def _one_page(emu: Emulator) -> object:
    with emu.connect("signalwire", page_size=PAGE) as store:
        page = store.run(store.adapter.list_page(False, None))
        assert len(page.items) == PAGE
        return page


def run(quick: bool = False) -> list[dict[str, Any]]:
    count = 20_000 if quick else 100_000
    repeats = 5 if quick else 7
    _store_walk(_emulator(10))  # imports and first-use caches stay out of the figures
    emu = _emulator(count)
    # The emulator's records are a test artefact no real client holds: freeze
    # them so gen-2 collections do not rescan them (for both contenders).
    gc.collect()
    gc.freeze()
    _one_page(emu)

    # -- memory ---------------------------------------------------------------
    one_page = peak_bytes(lambda: _one_page(emu))
    streaming = peak_bytes(lambda: _store_walk(emu))
    memory_ratio = streaming / one_page

    # -- speed (interleaved repeats, medians) --------------------------------------
    raw_json: list[float] = []
    raw_fast: list[float] = []
    ours: list[float] = []
    import msgspec

    fast_decode = msgspec.json.Decoder().decode

    for _ in range(repeats):
        raw_json.append(_timed(lambda: _raw_walk(emu, json.loads), count))
        raw_fast.append(_timed(lambda: _raw_walk(emu, fast_decode), count))
        ours.append(_timed(lambda: _store_walk(emu), count))
    per_number = {
        name: statistics.median(times) / count * 1e6
        for name, times in (("json", raw_json), ("fast", raw_fast), ("ours", ours))
    }
    # each repeat runs the contenders back to back, so a paired ratio cancels
    # most of the machine's drift; the figure is the median of those ratios
    ratio = statistics.median(o / r for o, r in zip(ours, raw_json, strict=True))
    ratio_fast = statistics.median(o / r for o, r in zip(ours, raw_fast, strict=True))
    label = f"{count:,} numbers, pages of {PAGE:,}"
    gc.unfreeze()
    return [
        {
            "name": "signalwire stream peak memory / one page",
            "value": round(memory_ratio, 2),
            "unit": "x",
            "goal": "<= 3x",
            "met": memory_ratio <= 3.0,
            "detail": (
                f"{label}: peak {streaming / 1e6:.1f} MB streaming vs {one_page / 1e6:.1f} MB for one page"
            ),
        },
        {
            "name": "signalwire per-number cost / raw httpx + json",
            "value": round(ratio, 2),
            "unit": "x",
            "goal": "<= 1.5x",
            "met": ratio <= 1.5,
            "detail": (
                f"{label}, median of {repeats} paired runs: store {per_number['ours']:.2f} us/number, "
                f"raw httpx + json.loads {per_number['json']:.2f} us/number (medians)"
            ),
        },
        {
            "name": "signalwire per-number cost / raw httpx + msgspec",
            "value": round(ratio_fast, 2),
            "unit": "x",
            "goal": "reference (no goal)",
            "met": True,
            "detail": (
                f"raw httpx + msgspec decode {per_number['fast']:.2f} us/number (the adapter's decoder)"
            ),
        },
    ]


def main() -> None:
    print_rows_detail_below(run(quick="--quick" in sys.argv), goal_width=20)


if __name__ == "__main__":
    main()
