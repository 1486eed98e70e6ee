"""Async apply of 5,000 numbers x 2 steps at concurrency 32, 20 ms per request.

Goal: wall time <= 1.2 x the ideal (steps x latency / concurrency), journal on.
Runs on the Gravity Rail emulator (its `latency=` option) when that adapter is
installed, and on an AsyncMemoryStore wrapper that sleeps 20 ms per call
either way, saying which backend each figure comes from.

    python bench/bench_migrate_apply.py [--quick]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from phonefleet import AsyncMemoryStore, Feature, PhoneNumber
from phonefleet.migrate import apply_async, build_plan
from phonefleet.testing import emulate, seeded_numbers

LATENCY = 0.02
CONCURRENCY = 32
GOAL = 1.2


class SlowStore:
    """An AsyncMemoryStore whose every call waits `latency` first, like a remote API."""

    def __init__(self, inner: AsyncMemoryStore, latency: float) -> None:
        self._inner = inner
        self._latency = latency
        self.provider = inner.provider
        self.features = inner.features
        self.calls = 0

    async def _slow(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        await asyncio.sleep(self._latency)
        return await getattr(self._inner, name)(*args, **kwargs)

    async def get(self, ref: Any) -> Any:
        return await self._slow("get", ref)

    async def update(self, ref: Any, changes: Any) -> Any:
        return await self._slow("update", ref, changes)

    async def set_forwarding(self, ref: Any, forward_to: Any) -> Any:
        return await self._slow("set_forwarding", ref, forward_to)


def _source(numbers: list[str]) -> list[PhoneNumber]:
    forwards = list(seeded_numbers(len(numbers), offset=50_000))
    return [
        PhoneNumber("linq", f"s{i}", n, name=f"Line {i}", forwarding_number=forwards[i])
        for i, n in enumerate(numbers)
    ]


async def _run_once(backend: str, count: int) -> tuple[float, int, int, float]:
    numbers = list(seeded_numbers(count))
    with tempfile.TemporaryDirectory() as folder:
        journal = Path(folder) / "bench.sqlite"
        if backend == "emulator":
            emulator = emulate("gravityrail", numbers=count, seed=1, latency=0.0)
            target: Any = emulator.connect_async("gravityrail")
            listing = [n async for n in target.list()]
            emulator.transport.latency = LATENCY
            before = emulator.transport.requests.total
        else:
            inner = AsyncMemoryStore(
                [PhoneNumber("gr", f"t{i}", n) for i, n in enumerate(numbers)], provider="gr"
            )
            listing = [n async for n in inner.list()]
            target = SlowStore(inner, LATENCY)
        plan = build_plan(
            _source(numbers),
            listing,
            source_provider="linq",
            target_provider=target.provider,
            source_features=frozenset(Feature),
            target_features=target.features,
            carry=("name", "forwarding"),
        )
        plan.target = target
        started, cpu = time.perf_counter(), time.process_time()
        report = await apply_async(plan, journal=journal, concurrency=CONCURRENCY)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        if backend == "emulator":
            requests = emulator.transport.requests.total - before
            await target.close()
        else:
            requests = target.calls
        assert report.ok, report.summary()
        return wall, len(plan.steps), requests, cpu


def _backends() -> list[str]:
    try:
        emulate("gravityrail", numbers=1)
    except Exception:  # the adapter is not installed: the memory wrapper only
        return ["memory"]
    return ["emulator", "memory"]


def run(quick: bool = False) -> list[dict[str, Any]]:
    count = 500 if quick else 5000
    results = []
    for index, backend in enumerate(_backends()):
        repeats = 1 if quick else (5 if index == 0 else 3)
        runs = [asyncio.run(_run_once(backend, count)) for _ in range(repeats)]
        wall = statistics.median(r[0] for r in runs)
        low, high = min(r[0] for r in runs), max(r[0] for r in runs)
        steps, requests = runs[0][1], runs[0][2]
        # CPU per step: what decides the emulator's figure, and less swayed by other load than wall time
        cpu_step = statistics.median(r[3] for r in runs) / steps * 1e6
        ideal = steps * LATENCY / CONCURRENCY
        ratio = wall / ideal
        label = (
            "Gravity Rail emulator (latency=0.02)"
            if backend == "emulator"
            else "AsyncMemoryStore + sleep(0.02)"
        )
        results.append(
            {
                "name": f"migrate apply_async {count}x2 c{CONCURRENCY} [{backend}]",
                "value": round(ratio, 3),
                "unit": "x ideal",
                "goal": f"<= {GOAL}",
                "met": ratio <= GOAL,
                "detail": (
                    f"{label}: wall {wall:.2f} s (median of {repeats}; runs {low / ideal:.2f}-"
                    f"{high / ideal:.2f} x ideal), ideal {ideal:.2f} s, "
                    f"{steps} steps, {requests} requests, journal on, CPU {cpu_step:.0f} us/step"
                ),
            }
        )
    return results


if __name__ == "__main__":
    rows = run(quick="--quick" in sys.argv)
    print(f"{'name':<52} {'value':>8} {'unit':<8} {'goal':<7} met   detail")
    for row in rows:
        print(
            f"{row['name']:<52} {row['value']:>8} {row['unit']:<8} {row['goal']:<7} "
            f"{'yes' if row['met'] else 'NO ':<5} {row['detail']}"
        )
