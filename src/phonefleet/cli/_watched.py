"""The HTTP clients the CLI lends its stores: each attempt is reported to `WATCH`.

Apart from `_watch.py` so that a command that sends nothing (`--help`)
never imports httpx.
"""

from __future__ import annotations

from typing import Any

import httpx

from ._watch import WATCH

__all__ = ["AsyncWatchedClient", "WatchedClient"]


class WatchedClient(httpx.Client):
    """An httpx.Client that reports each attempt to `WATCH`."""

    def __init__(self, provider: str, **options: Any) -> None:
        super().__init__(**options)
        self._provider = provider

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        WATCH.sending(self._provider, request)
        try:
            response = super().send(request, **kwargs)
        except httpx.TransportError as exc:
            WATCH.failed(request, exc)
            raise
        WATCH.answered(request, response)
        return response


class AsyncWatchedClient(httpx.AsyncClient):
    """An httpx.AsyncClient that reports each attempt to `WATCH`."""

    def __init__(self, provider: str, **options: Any) -> None:
        super().__init__(**options)
        self._provider = provider

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        WATCH.sending(self._provider, request)
        try:
            response = await super().send(request, **kwargs)
        except httpx.TransportError as exc:
            WATCH.failed(request, exc)
            raise
        WATCH.answered(request, response)
        return response
