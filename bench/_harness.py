"""What the benchmarks share: interleaved medians, peak memory, the table.

Imported as `_harness` (a bench runs with bench/ first on sys.path, alone or
through run_all.py).
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def median_seconds(
    fns: dict[str, Callable[[], Any]], repeats: int, clock: Callable[[], float] = time.perf_counter
) -> dict[str, float]:
    """Median time of each function by `clock`, run interleaved so that noise hits all alike."""
    for fn in fns.values():
        fn()  # warm up (imports, caches, connection set-up)
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            gc.collect()
            start = clock()
            fn()
            times[name].append(clock() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def peak_bytes(run: Callable[[], object]) -> int:
    """The most memory `run` held at once, as tracemalloc sees it."""
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def print_rows(results: list[dict[str, Any]], width: int = 44) -> None:
    """The rows as a table, one a line."""
    print(f"{'benchmark':{width}} {'value':>10} {'unit':4} {'goal':>9} met  detail")
    for row in results:
        met = "yes" if row["met"] else "NO"
        value = f"{row['value']:10.2f} {row['unit']:4} {row['goal']:>9} {met:4}"
        print(f"{row['name']:{width}} {value} {row['detail']}")


def print_rows_detail_below(results: list[dict[str, Any]], goal_width: int) -> None:
    """The rows as a table, each row's detail on a line of its own."""
    width = max(len(r["name"]) for r in results)
    print(f"{'benchmark':<{width}}  {'value':>8}  {'goal':<{goal_width}} met")
    for r in results:
        met = "yes" if r["met"] else "NO"
        print(f"{r['name']:<{width}}  {r['value']:>7}{r['unit']}  {r['goal']:<{goal_width}} {met}")
        print(f"{'':<{width}}  {r['detail']}")
