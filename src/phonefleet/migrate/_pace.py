"""How a run went against the vendors' limits: requests, 429s and time, from the stores' pacers."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

__all__ = ["Pace", "current_pace"]


def _pacers(stores: Iterable[Any]) -> list[Any]:
    """Each distinct pacer once (two stores on one account share one)."""
    found: dict[int, Any] = {}
    for store in stores:
        driver = getattr(store, "_driver", None)
        pacer = getattr(driver, "pacer", None)
        if pacer is not None:
            found[id(pacer)] = pacer
    return list(found.values())


class Pace:
    """Counters at the start of a run; `so_far()` is what the run added."""

    def __init__(self, stores: Iterable[Any]) -> None:
        self._pacers = _pacers(store for store in stores if store is not None)
        self._start = time.monotonic()
        self._base = self._totals()

    def _totals(self) -> tuple[int, int]:
        stats = [pacer.stats() for pacer in self._pacers]
        return sum(s.requests for s in stats), sum(s.throttled for s in stats)

    def so_far(self) -> tuple[int, int, float]:
        """Requests sent, answers that were 429, seconds since the start."""
        requests, throttled = self._totals()
        return requests - self._base[0], throttled - self._base[1], time.monotonic() - self._start


def current_pace(stores: Iterable[Any]) -> str:
    """The target's pace as a progress bar shows it, e.g. "95/s" or "8 in flight"."""
    texts = [pacer.describe() for pacer in _pacers(stores)]
    return "; ".join(text for text in texts if text != "unpaced")
