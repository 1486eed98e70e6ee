"""The two credential schemes our vendors use, as httpx auth flows.

The drivers apply an adapter's auth to its own origin only; these classes
keep the credential a `Secret`, so no repr shows it.
"""

from __future__ import annotations

import base64
from collections.abc import Generator

import httpx

from ._wire import Secret

__all__ = ["BasicAuth", "BearerAuth"]


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer <token>`."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request

    def credential_text(self) -> str:
        """What this scheme puts on the wire, for redaction."""
        return self._token.reveal()

    def __repr__(self) -> str:
        return "BearerAuth(***)"


class BasicAuth(httpx.Auth):
    """HTTP Basic `user:password`; either part may be a `Secret`."""

    def __init__(self, username: str | Secret, password: Secret) -> None:
        user = username.reveal() if isinstance(username, Secret) else username
        pair = f"{user}:{password.reveal()}".encode()
        self._header = Secret("Basic " + base64.b64encode(pair).decode("ascii"))

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header.reveal()
        yield request

    def credential_text(self) -> str:
        """The base64 `user:password` this scheme puts on the wire, for redaction."""
        return self._header.reveal().removeprefix("Basic ")

    def __repr__(self) -> str:
        return "BasicAuth(***)"
