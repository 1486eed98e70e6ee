"""A vendor's JSON object kept as its bytes and decoded on first use.

Most callers of a large listing never look at `raw`; keeping each record as
the bytes the vendor sent (`msgspec.Raw` slices of one body) costs far less
than building a dict per record up front, and nothing is lost or changed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from itertools import repeat
from typing import Any

from ._redact import shorten

__all__ = ["JoinedRawJSON", "RawJSON"]


class RawJSON(Mapping[str, Any]):
    """A read-only mapping over one JSON object's bytes, decoded lazily, once."""

    __slots__ = ("_data", "_raw")
    _data: dict[str, Any]
    _raw: Any

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    @classmethod
    def many(cls, raws: Iterable[Any]) -> list[RawJSON]:
        """One RawJSON per JSON object, built in bulk (no per-object __init__)."""
        items = list(raws)
        out = list(map(object.__new__, repeat(cls, len(items))))
        deque(map(_SET_RAW, out, items), maxlen=0)
        return out

    def _load(self) -> dict[str, Any]:
        try:
            return self._data
        except AttributeError:
            import msgspec

            data = msgspec.json.decode(self._raw)
            if not isinstance(data, dict):
                msg = f"raw JSON is not an object: {shorten(bytes(self._raw), 60)}"
                raise TypeError(msg) from None
            self._data = data
            return data

    def __getitem__(self, key: str) -> Any:
        return self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __repr__(self) -> str:
        return f"RawJSON({self._load()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (RawJSON, (bytes(self._raw),))


_SET_RAW = RawJSON.__dict__["_raw"].__set__


class JoinedRawJSON(RawJSON):
    """One record's bytes with a second record's bytes under `key` (a listing
    joined from two endpoints), both decoded on first use."""

    __slots__ = ("_key", "_other")

    def __init__(self, raw: Any, key: str, other: Any) -> None:
        super().__init__(raw)
        self._key = key
        self._other = other

    def _load(self) -> dict[str, Any]:
        try:
            return self._data
        except AttributeError:
            import msgspec

            data = super()._load()
            data[self._key] = msgspec.json.decode(self._other)
            return data

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (self._load(),))
