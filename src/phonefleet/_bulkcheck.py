"""Checks for large listings, done in bulk: one regex over all numbers, no GC passes."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final

__all__ = ["all_e164", "gc_paused"]

_E164_LINES: Final = re.compile(r"(?:\+[1-9][0-9]{1,14}\n)*")


def all_e164(values: Sequence[object]) -> bool:
    """Whether every value is a canonical E.164 string: one C-level match for all."""
    if not values:
        return True
    try:
        text = "\n".join(values) + "\n"  # type: ignore[arg-type]
    except TypeError:  # a value that is not a string
        return False
    # a value holding a newline could pass for two numbers: count the lines too
    return text.count("\n") == len(values) and _E164_LINES.fullmatch(text) is not None


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic GC while a listing is decoded and built.

    Tens of thousands of fresh containers (none in a cycle) would otherwise
    set off collections that walk every live object, again and again. The
    previous state is restored, so a caller who disabled GC keeps it off.
    """
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
