"""Process-wide memos of values read from vendor text, bounded by size.

A fleet shares a few configurations (one voice URL, one capability set), so
adapters read each once and share the result across a listing of thousands.
Such a memo lives as long as the process, so it is bounded by the size of
what it holds, not by a count: a key longer than `max_entry_chars` is never
kept (a 100 KB voice URL is read every time), and the memo empties itself
when its keys would pass `max_chars` in all. And it keeps nothing of a closed
store: when the last open store closes, every memo is emptied.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Final, TypeVar

__all__ = ["Memo", "store_closed", "store_opened", "text_size"]

K = TypeVar("K")
V = TypeVar("V")

#: what every memo holds at most, in characters of its keys (a few MB of memory)
DEFAULT_MAX_CHARS: Final = 4_000_000
#: how many entries a memo holds at most (a 100,000-number fleet has a few thousand
#: distinct configurations)
DEFAULT_MAX_ENTRIES: Final = 65_536
#: the longest key a memo keeps, in characters
DEFAULT_MAX_ENTRY_CHARS: Final = 2048

_MEMOS: list[Memo[Any, Any]] = []
_OPEN: weakref.WeakSet[object] = weakref.WeakSet()
_lock = threading.Lock()


def text_size(key: object, _depth: int = 0) -> int:
    """The characters a key holds: its strings and bytes, inside tuples too."""
    if isinstance(key, str | bytes):
        return len(key)
    if isinstance(key, tuple) and _depth < 4:
        return sum(text_size(item, _depth + 1) for item in key) + 8
    return 8


class Memo(dict[K, V]):
    """A dict for memoised vendor values; look up with `get`, store with `keep`."""

    __slots__ = ("chars", "max_chars", "max_entries", "max_entry_chars")

    def __init__(
        self,
        *,
        max_chars: int = DEFAULT_MAX_CHARS,
        max_entry_chars: int = DEFAULT_MAX_ENTRY_CHARS,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        super().__init__()
        self.max_chars = max_chars
        self.max_entry_chars = max_entry_chars
        self.max_entries = max_entries
        self.chars = 0
        with _lock:
            _MEMOS.append(self)

    def keep(self, key: K, value: V) -> V:
        """Remember `value` for `key` unless the key is too large; returns `value`."""
        size = text_size(key)
        if size > self.max_entry_chars:
            return value
        if self.chars + size > self.max_chars or len(self) >= self.max_entries:
            self.clear()
        self[key] = value
        self.chars += size
        return value

    def clear(self) -> None:
        super().clear()
        self.chars = 0


def store_opened(owner: object) -> None:
    """A store (its driver) is open: memos may serve it."""
    with _lock:
        _OPEN.add(owner)


def store_closed(owner: object) -> None:
    """A store closed: once none is open, no memo keeps anything read for one."""
    with _lock:
        _OPEN.discard(owner)
        if len(_OPEN):
            return
        memos = list(_MEMOS)
    for memo in memos:
        memo.clear()
