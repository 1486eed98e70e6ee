"""Loopback sockets for the tests of served emulators; every other address still refused.

A module that imports `loopback_only` replaces the suite's `_no_network`
for its tests: clients may connect to 127.0.0.0/8, ::1 and localhost (the
servers those tests start), and nowhere else.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from phonefleet.testing._server import is_loopback_host


def _check(address: Any) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str) or not is_loopback_host(host):
        msg = f"tests never touch the network (only loopback is allowed here), not {host!r}"
        raise RuntimeError(msg)


@pytest.fixture(autouse=True, name="_no_network")
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connections to loopback only (overrides the suite-wide `_no_network`)."""
    connect = socket.socket.connect
    create_connection = socket.create_connection

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _check(address)
        return connect(self, address)

    def guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        _check(address)
        return create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", guarded_create_connection)
