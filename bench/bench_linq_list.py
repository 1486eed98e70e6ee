"""Listing 10,000 Linq numbers: phonefleet vs raw httpx + json.loads vs the official SDK.

All three read the same payload from the same in-process emulator transport,
in the same process; each figure is the median of several repeats.

    python bench/bench_linq_list.py [--quick]

The SDK comparison needs `linq-python` installed (comparison only, never a
runtime dependency); without it that row says so and is not counted as met.
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

import phonefleet
from phonefleet.testing import emulate

COUNT = 10_000
MAX_RATIO_TO_RAW = 1.5
MIN_SPEEDUP_OVER_SDK = 15.0


def _median_seconds(fn: Callable[[], Any], repeats: int) -> float:
    fn()  # warm up (imports, caches, connection set-up)
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(quick: bool = False) -> list[dict[str, Any]]:
    repeats = 5 if quick else 15
    emu = emulate("linq", numbers=COUNT)
    settings = emu.settings
    url = f"{settings['base_url']}/v3/phone_numbers"
    headers = {"Authorization": f"Bearer {settings['api_key']}"}

    raw_client = httpx.Client(transport=emu.transport)

    def raw() -> int:
        return len(json.loads(raw_client.get(url, headers=headers).content)["phone_numbers"])

    store = phonefleet.connect("linq", transport=emu.transport, **settings)

    def fleet() -> int:
        return len(list(store.list()))

    assert raw() == fleet() == COUNT
    raw_s = _median_seconds(raw, repeats)
    fleet_s = _median_seconds(fleet, repeats)
    ratio = fleet_s / raw_s
    results: list[dict[str, Any]] = [
        {
            "name": "linq list 10k: raw httpx + json.loads",
            "value": raw_s * 1000,
            "unit": "ms",
            "goal": "baseline",
            "met": True,
            "detail": f"median of {repeats}",
        },
        {
            "name": "linq list 10k: phonefleet (PhoneNumber)",
            "value": fleet_s * 1000,
            "unit": "ms",
            "goal": "baseline",
            "met": True,
            "detail": f"median of {repeats}",
        },
        {
            "name": "linq list 10k: phonefleet / raw",
            "value": ratio,
            "unit": "x",
            "goal": f"<= {MAX_RATIO_TO_RAW}x",
            "met": ratio <= MAX_RATIO_TO_RAW,
            "detail": f"{fleet_s * 1000:.1f} ms vs {raw_s * 1000:.1f} ms",
        },
    ]
    results.append(_sdk_row(emu.transport, settings, fleet_s, repeats))
    store.close()
    raw_client.close()
    return results


def _sdk_row(transport: Any, settings: dict[str, Any], fleet_s: float, repeats: int) -> dict[str, Any]:
    name = "linq list 10k: linq-python SDK / phonefleet"
    goal = f">= {MIN_SPEEDUP_OVER_SDK}x"
    try:
        import linq
    except ImportError:
        return {
            "name": name,
            "value": float("nan"),
            "unit": "x",
            "goal": goal,
            "met": False,
            "detail": "linq-python is not installed (pip install linq-python to compare)",
        }
    client = linq.LinqAPIV3(
        api_key=settings["api_key"],
        base_url=settings["base_url"],
        http_client=httpx.Client(transport=transport),
        max_retries=0,
    )

    def sdk() -> int:
        return len(client.phone_numbers.list().phone_numbers)

    assert sdk() == COUNT
    sdk_s = _median_seconds(sdk, max(3, repeats // 3))
    speedup = sdk_s / fleet_s
    client.close()
    return {
        "name": name,
        "value": speedup,
        "unit": "x",
        "goal": goal,
        "met": speedup >= MIN_SPEEDUP_OVER_SDK,
        "detail": f"SDK {sdk_s * 1000:.1f} ms vs phonefleet {fleet_s * 1000:.1f} ms",
    }


def _print(results: list[dict[str, Any]]) -> None:
    print(f"{'benchmark':44} {'value':>10} {'unit':4} {'goal':>9} met  detail")
    for row in results:
        met = "yes" if row["met"] else "NO"
        print(
            f"{row['name']:44} {row['value']:10.2f} {row['unit']:4} {row['goal']:>9} {met:4} {row['detail']}"
        )


if __name__ == "__main__":
    _print(run(quick="--quick" in sys.argv))
