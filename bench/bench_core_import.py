"""`import phonefleet` time / `import httpx` time, in fresh interpreters (goal <= 1.3x)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import Any


def _import_seconds(module: str, repeats: int, then: str = "") -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}{then}"], check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(quick: bool = False) -> list[dict[str, Any]]:
    repeats = 5 if quick else 21
    baseline = _import_seconds("sys", repeats)  # the interpreter's own start-up
    httpx_time = _import_seconds("httpx", repeats) - baseline
    ours = _import_seconds("phonefleet", repeats) - baseline
    opened = _import_seconds("phonefleet", repeats, "; phonefleet.MemoryStore().close()") - baseline
    ratio = ours / httpx_time
    return [
        {
            "name": "import phonefleet / import httpx",
            "value": ratio,
            "unit": "x",
            "goal": "<= 1.3",
            "met": ratio <= 1.3,
            "detail": f"phonefleet {ours * 1000:.1f} ms, httpx {httpx_time * 1000:.1f} ms "
            f"(interpreter start-up {baseline * 1000:.1f} ms subtracted; median of {repeats}); "
            "stores, drivers and httpx load on first use",
        },
        {
            "name": "import phonefleet + open a store / import httpx",
            "value": opened / httpx_time,
            "unit": "x",
            "goal": "report",
            "met": True,
            "detail": f"{opened * 1000:.1f} ms: the cost once a store is opened (httpx included)",
        },
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']}: {row['value']:.2f}{row['unit']} (goal {row['goal']}) {row['detail']}")
