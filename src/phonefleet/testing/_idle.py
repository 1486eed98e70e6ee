"""A served emulator's open connections, an idle one closed without a socket timeout.

A socket timeout closes a keep-alive connection nobody uses, but costs on
every request: each read and write first waits in `poll()`, handing the
interpreter lock over twice as often, a sixth of a served emulator's
throughput. So its sockets block, and `Connections` keeps a deadline for
each: while its handler waits for a request (or writes an answer) it must
make progress within `timeout` seconds; while the emulator works on a
request it has none. The serving thread shuts a connection down past its
deadline (`close_expired`), which ends its handler's wait as a client's
close would, and `expired` tells the handler not to act on what it read.
"""

from __future__ import annotations

import contextlib
import math
import socket
import threading
import time
from collections.abc import Callable

__all__ = ["Connections"]


class Connections:
    """The open connections of one server and the deadline of each."""

    def __init__(self, timeout: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout = timeout
        self._clock = clock
        self._deadlines: dict[socket.socket, float] = {}
        self._expired: set[socket.socket] = set()
        self._lock = threading.Lock()

    def opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._deadlines[connection] = self._clock() + self.timeout

    def closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._deadlines.pop(connection, None)
            self._expired.discard(connection)

    # the handler's own thread, once or twice a request: one store each, no lock
    def waiting(self, connection: socket.socket) -> None:
        """Its handler waits on the client (a request to read, an answer to write)."""
        self._deadlines[connection] = self._clock() + self.timeout

    def working(self, connection: socket.socket) -> None:
        """The emulator works on a request: no deadline."""
        self._deadlines[connection] = math.inf

    def expired(self, connection: socket.socket) -> bool:
        """Whether it was shut down for idling (what its handler read since is cut short)."""
        return connection in self._expired

    # the serving thread
    def next_check(self) -> float:
        """Seconds until the earliest deadline (at most `timeout`: a connection opened
        or going back to waiting after this is due no sooner than that)."""
        now = self._clock()
        with self._lock:
            soonest = min(self._deadlines.values(), default=math.inf)
        return max(0.0, min(soonest - now, self.timeout))

    def close_expired(self) -> list[socket.socket]:
        """Shut down every connection past its deadline; the ones shut."""
        now = self._clock()
        with self._lock:
            due = [connection for connection, deadline in self._deadlines.items() if deadline <= now]
            for connection in due:
                self._deadlines[connection] = math.inf
                self._expired.add(connection)
        for connection in due:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        return due

    def open(self) -> list[socket.socket]:
        with self._lock:
            return list(self._deadlines)

    def close_all(self) -> None:
        """Wake every handler blocked on its connection (the server stops)."""
        for connection in self.open():
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
