"""Listing 10,000 Telnyx numbers with forwarding resolved: phonefleet vs raw
httpx + json.loads of the two listings it needs vs the official SDK.

phonefleet pages through `/phone_numbers` and `/phone_numbers/voice` (250 a
page) and joins them by id; the raw baseline fetches and decodes exactly
those 80 pages and nothing more; the SDK row is its plain
`phone_numbers.list()` paging through every number (no forwarding at all).
All read from the same in-process emulator transport, in the same process;
each figure is the median of interleaved repeats.

    python bench/bench_telnyx_list.py [--quick]
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
MAX_RATIO_TO_RAW = 1.3
MIN_SPEEDUP_OVER_SDK = 10.0


def run(quick: bool = False) -> list[dict[str, Any]]:
    repeats = 5 if quick else 11
    emu = emulate("telnyx", numbers=COUNT)
    settings = emu.settings
    base = settings["base_url"]
    headers = {"Authorization": f"Bearer {settings['api_key']}"}
    raw_client = httpx.Client(transport=emu.transport, headers=headers)

    def raw() -> int:
        """The two listings, page by page, decoded with json.loads; forwarding read off."""
        count = 0
        page, pages = 1, 1
        while page <= pages:
            params = {"page[number]": page, "page[size]": 250, "sort": "phone_number"}
            voice = json.loads(raw_client.get(f"{base}/phone_numbers/voice", params=params).content)
            numbers = json.loads(raw_client.get(f"{base}/phone_numbers", params=params).content)
            pages = numbers["meta"]["total_pages"]
            count += len(numbers["data"])
            assert len(voice["data"]) == len(numbers["data"])
            page += 1
        return count

    store = phonefleet.connect("telnyx", transport=emu.transport, **settings)

    def fleet() -> int:
        return sum(1 for _ in store.list())

    fns: dict[str, Callable[[], Any]] = {"raw": raw, "fleet": fleet}
    sdk, sdk_close = _sdk(emu.transport, settings)
    if sdk is not None:
        fns["sdk"] = sdk
    for fn in fns.values():
        assert fn() == COUNT
    forwarded = sum(n.forwarding_number is not None for n in store.list())
    medians = median_seconds(fns, repeats)
    raw_s, fleet_s = medians["raw"], medians["fleet"]
    ratio = fleet_s / raw_s
    results: list[dict[str, Any]] = [
        {
            "name": "telnyx list 10k: raw httpx + json.loads (both listings)",
            "value": raw_s * 1000,
            "unit": "ms",
            "goal": "baseline",
            "met": True,
            "detail": f"80 pages of 250, median of {repeats}, interleaved",
        },
        {
            "name": "telnyx list 10k: phonefleet (forwarding joined)",
            "value": fleet_s * 1000,
            "unit": "ms",
            "goal": "baseline",
            "met": True,
            "detail": f"{forwarded} of {COUNT} forward always; median of {repeats}",
        },
        {
            "name": "telnyx list 10k: phonefleet / raw",
            "value": ratio,
            "unit": "x",
            "goal": f"<= {MAX_RATIO_TO_RAW}x",
            "met": ratio <= MAX_RATIO_TO_RAW,
            "detail": f"{fleet_s * 1000:.1f} ms vs {raw_s * 1000:.1f} ms",
        },
    ]
    name = "telnyx list 10k: telnyx SDK list() / phonefleet"
    goal = f">= {MIN_SPEEDUP_OVER_SDK}x"
    if sdk is None:
        results.append(
            {
                "name": name,
                "value": float("nan"),
                "unit": "x",
                "goal": goal,
                "met": False,
                "detail": "telnyx is not installed (pip install telnyx to compare)",
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
                "detail": f"SDK {sdk_s * 1000:.1f} ms (no forwarding) vs phonefleet {fleet_s * 1000:.1f} ms "
                f"(SDK / raw {sdk_s / raw_s:.1f}x)",
            }
        )
    sdk_close()
    store.close()
    raw_client.close()
    return results


def _sdk(transport: Any, settings: dict[str, Any]) -> tuple[Callable[[], int] | None, Callable[[], None]]:
    """The official SDK's plain `phone_numbers.list()`, auto-paged, over the same transport."""
    try:
        import telnyx
    except ImportError:
        return None, lambda: None
    client = telnyx.Telnyx(
        api_key=settings["api_key"],
        base_url=settings["base_url"],
        http_client=httpx.Client(transport=transport),
        max_retries=0,
    )

    def sdk() -> int:
        return sum(1 for _ in client.phone_numbers.list())

    return sdk, client.close


if __name__ == "__main__":
    print_rows(run(quick="--quick" in sys.argv), width=56)
