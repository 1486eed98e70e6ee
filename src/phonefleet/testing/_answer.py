"""An emulator's answer whose body is already bytes, built at little cost.

`httpx.Response(status, content=body)` reads its body through httpx's
decoders as it is built: for a served emulator that pass cost more than the
rest of the request. `bytes_response` builds the same response (the same
headers, a `Content-Length` for a body) around a `ByteStream` instead; its
body is read on first use (`content`, `json()`, `text`), so code holding it
sees what it always saw, and the served emulator sends the bytes as they are.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

__all__ = ["InMemoryResponse", "bytes_response", "in_memory_body"]


class InMemoryResponse(httpx.Response):
    """A response around bytes in memory, read when its content is first asked for."""

    @property
    def content(self) -> bytes:
        return self.read()


def bytes_response(status: int, content: bytes, headers: Mapping[str, str] | None = None) -> httpx.Response:
    """`httpx.Response(status, content=content, headers=headers)`, read on first use."""
    items = list((headers or {}).items())
    if content and not any(key.lower() == "content-length" for key, _ in items):
        items.append(("Content-Length", str(len(content))))
    return InMemoryResponse(status, headers=items, stream=httpx.ByteStream(content))


def in_memory_body(response: httpx.Response) -> bytes | None:
    """The whole body of `response` if it is in memory (read, or bytes not read yet), else None."""
    if response.is_stream_consumed:
        return response.content
    if isinstance(response.stream, httpx.ByteStream):
        return b"".join(response.stream)
    return None
