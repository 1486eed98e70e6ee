"""Listing 10,000 Linq numbers: phonefleet vs raw httpx + json.loads vs the official SDK.

All three read the same payload from the same in-process emulator transport,
in the same process; each figure is the median of several repeats.

    python bench/bench_linq_list.py [--quick]

The SDK comparison needs `linq-python` installed (comparison only, never a
runtime dependency); without it that row says so and is not counted as met.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import httpx
from _harness import median_seconds, print_rows

import phonefleet
from phonefleet.testing import emulate

COUNT = 10_000
MAX_RATIO_TO_RAW = 1.5
MIN_SPEEDUP_OVER_SDK = 20.0  # issue 8 (issue 4 asked for 15x)


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

    fns: dict[str, Callable[[], Any]] = {"raw": raw, "fleet": fleet}
    sdk, sdk_close = _sdk(emu.transport, settings)
    if sdk is not None:
        fns["sdk"] = sdk
    for fn in fns.values():
        assert fn() == COUNT
    medians = median_seconds(fns, repeats)
    raw_s, fleet_s = medians["raw"], medians["fleet"]
    ratio = fleet_s / raw_s
    results: list[dict[str, Any]] = [
        {
            "name": "linq list 10k: raw httpx + json.loads",
            "value": raw_s * 1000,
            "unit": "ms",
            "goal": "baseline",
            "met": True,
            "detail": f"median of {repeats}, interleaved",
        },
        {
            "name": "linq list 10k: phonefleet (PhoneNumber)",
            "value": fleet_s * 1000,
            "unit": "ms",
            "goal": "baseline",
            "met": True,
            "detail": f"median of {repeats}, interleaved",
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
    name = "linq list 10k: linq-python SDK / phonefleet"
    goal = f">= {MIN_SPEEDUP_OVER_SDK}x"
    if sdk is None:
        results.append(
            {
                "name": name,
                "value": float("nan"),
                "unit": "x",
                "goal": goal,
                "met": False,
                "detail": "linq-python is not installed (pip install linq-python to compare)",
            }
        )
    else:
        sdk_s = medians["sdk"]
        speedup = sdk_s / fleet_s
        results.append(
            {
                "name": name,
                "value": speedup,
                "unit": "x",
                "goal": goal,
                "met": speedup >= MIN_SPEEDUP_OVER_SDK,
                "detail": f"SDK {sdk_s * 1000:.1f} ms vs phonefleet {fleet_s * 1000:.1f} ms "
                f"(SDK / raw {sdk_s / raw_s:.1f}x)",
            }
        )
    sdk_close()
    store.close()
    raw_client.close()
    return results


def _sdk(transport: Any, settings: dict[str, Any]) -> tuple[Callable[[], int] | None, Callable[[], None]]:
    """The official SDK's `phone_numbers.list()` over the same transport, if installed."""
    try:
        import linq
    except ImportError:
        return None, lambda: None
    client = linq.LinqAPIV3(
        api_key=settings["api_key"],
        base_url=settings["base_url"],
        http_client=httpx.Client(transport=transport),
        max_retries=0,
    )

    def sdk() -> int:
        return len(client.phone_numbers.list().phone_numbers)

    return sdk, client.close


if __name__ == "__main__":
    print_rows(run(quick="--quick" in sys.argv))
