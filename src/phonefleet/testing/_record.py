"""A bounded record of the requests an emulator received.

An emulator keeps what it was sent, so tests can ask "was this write sent
twice?". Kept without bound, a long run (or one hostile 300 MB POST to a
served emulator) holds every body for the emulator's lifetime. The record
keeps the newest requests only: at most `max_requests` of them, and their
bodies at most `max_bytes` together (the newest request is always kept).
`total` counts every request ever recorded, dropped ones included.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from typing import Final, overload

import httpx

__all__ = ["DEFAULT_MAX_RECORDED_BYTES", "DEFAULT_MAX_RECORDED_REQUESTS", "RequestRecord"]

#: how many requests an emulator remembers, newest first kept
DEFAULT_MAX_RECORDED_REQUESTS: Final = 50_000
#: how many body bytes, all kept requests together, an emulator remembers
DEFAULT_MAX_RECORDED_BYTES: Final = 64 * 1024 * 1024


def _size(request: httpx.Request) -> int:
    try:
        return len(request.content)
    except httpx.RequestNotRead:
        return 0


class RequestRecord(Sequence[httpx.Request]):
    """The newest requests, oldest first; reads like a list (index, slice, ==)."""

    def __init__(
        self,
        *,
        max_requests: int = DEFAULT_MAX_RECORDED_REQUESTS,
        max_bytes: int = DEFAULT_MAX_RECORDED_BYTES,
    ) -> None:
        if max_requests < 1 or max_bytes < 0:
            msg = "max_requests must be at least 1 and max_bytes not negative"
            raise ValueError(msg)
        self.max_requests = max_requests
        self.max_bytes = max_bytes
        #: every request ever recorded, including those no longer kept
        self.total = 0
        self._items: deque[tuple[httpx.Request, int]] = deque()
        self._bytes = 0

    def append(self, request: httpx.Request) -> None:
        size = _size(request)
        self._items.append((request, size))
        self._bytes += size
        self.total += 1
        while len(self._items) > 1 and (len(self._items) > self.max_requests or self._bytes > self.max_bytes):
            _, dropped = self._items.popleft()
            self._bytes -= dropped

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0

    @property
    def body_bytes(self) -> int:
        """The body bytes of the requests kept."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[httpx.Request]:
        return (request for request, _ in list(self._items))

    @overload
    def __getitem__(self, index: int) -> httpx.Request: ...
    @overload
    def __getitem__(self, index: slice) -> list[httpx.Request]: ...
    def __getitem__(self, index: int | slice) -> httpx.Request | list[httpx.Request]:
        if isinstance(index, slice):
            return [request for request, _ in list(self._items)[index]]
        return self._items[index][0]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RequestRecord | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<RequestRecord {len(self)} kept of {self.total}, {self._bytes:,} body bytes>"
