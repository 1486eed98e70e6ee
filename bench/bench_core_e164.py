"""to_e164 on canonical input: ns per number, against a bare phonenumbers parse."""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

import phonenumbers

from phonefleet import to_e164
from phonefleet.testing import seeded_numbers


def _ns_per(fn: Any, items: list[str], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        for item in items:
            fn(item)
        samples.append((time.perf_counter_ns() - start) / len(items))
    return statistics.median(samples)


def run(quick: bool = False) -> list[dict[str, Any]]:
    count, repeats = (2_000, 3) if quick else (10_000, 7)
    numbers = list(seeded_numbers(count))
    baseline = _ns_per(lambda n: phonenumbers.parse(n, None), numbers, repeats)
    first = _ns_per(to_e164, list(seeded_numbers(count, offset=count * 3)), 1)  # never seen: full validation
    repeat = _ns_per(to_e164, numbers, repeats)  # seen before: cached validation
    return [
        {
            "name": "to_e164, canonical input, first sight",
            "value": first / baseline,
            "unit": "x parse",
            "goal": "report",
            "met": True,
            "detail": f"{first:,.0f} ns/number vs phonenumbers.parse {baseline:,.0f} ns (full validation)",
        },
        {
            "name": "to_e164, canonical input, seen before",
            "value": repeat / baseline,
            "unit": "x parse",
            "goal": "report",
            "met": True,
            "detail": f"{repeat:,.0f} ns/number (validation cached) vs phonenumbers.parse {baseline:,.0f} ns",
        },
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']}: {row['value']:.2f}{row['unit']} {row['detail']}")
