"""The HTTP clients a store opens for itself: without a cookie jar.

A store builds each request itself and sends it with `client.send`, which
never adds the client's cookies to a request: a cookie a vendor sets is never
sent back. httpx still reads every answer into the client's jar (a urllib
request and an email message per answer, about a tenth of a small request's
cost), so the clients a store opens keep no jar. A caller's own client
(`http_client=`) is left exactly as it is.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["NoJar", "OwnAsyncClient", "OwnClient"]


class NoJar(httpx.Cookies):
    """An empty cookie jar that keeps nothing an answer sets."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class _Jarless:
    """What both clients share: `cookies` is an empty jar, and stays empty."""

    _no_jar: NoJar

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._no_jar = NoJar()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_jar

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        msg = "a store's own HTTP client keeps no cookies; pass http_client= to use your own"
        raise AttributeError(msg)


class OwnClient(_Jarless, httpx.Client):
    """An httpx.Client whose cookie jar stays empty."""


class OwnAsyncClient(_Jarless, httpx.AsyncClient):
    """An httpx.AsyncClient whose cookie jar stays empty."""
