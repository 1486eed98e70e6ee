"""An emulator served over plain HTTP on loopback (moto's server mode, for phone numbers).

The in-process emulators are httpx transports; only Python code that can
inject a transport reaches them. Served, the same transport (same state,
same faults, same journal) answers any HTTP client: a vendor's own SDK,
`requests`, curl, an app in another language.

The server is the standard library's threading HTTP server (its header
blocks read by `_head`, which skips the email parser for plain ones). It
routes on the request path only (a client's Host header never matters),
reads each request body (at most `max_request_bytes`, 1 MiB by default: a
larger one is answered 413 in the vendor's error envelope, a chunk size no
client sends 400, and the connection closed), hands it to the emulator's
transport (`handle_served`: an answer in memory is sent as the bytes it
holds) and streams the answer back, and keeps connections alive as
HTTP/1.1 clients expect (one idle for `IDLE_TIMEOUT` is closed: `_idle`).
The transport remembers a bounded record of requests (`RequestRecord`).
Faults that lose the connection (`DROP_BEFORE`, `DROP_AFTER`, `SLOW`) close
it without an answer, which is what the client of a real server would see.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import ipaddress
import logging
import re
import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from typing import Any, Final, Generic, Self

import httpx

from phonefleet._errors import PhoneFleetError
from phonefleet._wire import is_loopback_host

from ._answer import in_memory_body
from ._emulator import AS, Emulator, S
from ._head import QuickHeadHandler
from ._idle import Connections

__all__ = ["AddressInUseError", "EmulatorServer", "is_loopback_host", "serve", "serve_fixture"]

log = logging.getLogger("phonefleet.testing.server")

_CHUNK: Final = 64 * 1024
#: headers the server sets itself (framing is per connection, not per message)
_HOP_BY_HOP: Final = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}
)
_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
#: the methods httpx gives a `Content-Length: 0` when they have no body
_EMPTY_BODY_SIZED: Final = frozenset({"POST", "PUT", "PATCH"})
#: the largest request body a served emulator reads: no vendor API this
#: emulates takes more than a few KB in one request
DEFAULT_MAX_REQUEST_BYTES: Final = 1024 * 1024
#: a chunk size as HTTP/1.1 writes it: hex digits, no sign, at most 15 of them
_CHUNK_SIZE: Final = re.compile(rb"[0-9A-Fa-f]{1,15}")
#: a keep-alive connection idle this many seconds is closed
IDLE_TIMEOUT: Final = 120.0
#: how many parsed request URLs a server keeps (a few KB each at most)
_URLS_KEPT: Final = 512
_URL_KEPT_CHARS: Final = 2048


class AddressInUseError(PhoneFleetError, OSError):
    """The address to serve on is taken by another process."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        super().__init__(f"port {port} on {host} is already in use")


class _BadBody(Exception):  # noqa: N818 - internal signal: answered, then the connection closes
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _read_body(rfile: Any, headers: Any, limit: int) -> bytes:
    """The whole request body, Content-Length or chunked framing, at most `limit` bytes.

    A body declared or found larger is refused (413) before more of it is
    read; a framing no client sends (a negative, non-hex or huge chunk size,
    a bad Content-Length) is refused (400). Either way nothing is buffered
    past `limit`.
    """
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        parts: list[bytes] = []
        size_total = 0
        while True:
            size_line = rfile.readline(1024)
            digits = size_line.split(b";", 1)[0].strip()
            if not _CHUNK_SIZE.fullmatch(digits):
                raise _BadBody(400, "bad chunk size")
            size = int(digits, 16)
            if size == 0:
                while rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers: not passed on
                return b"".join(parts)
            size_total += size
            if size_total > limit:
                raise _BadBody(413, "request body too large")
            piece = rfile.read(size)
            if len(piece) != size:
                raise _BadBody(400, "the body ended inside a chunk")
            parts.append(piece)
            rfile.readline(1024)
    declared = (headers.get("Content-Length") or "0").strip()
    if not declared.isdigit() or len(declared) > 19:
        raise _BadBody(400, "bad Content-Length")
    length = int(declared)
    if length > limit:
        raise _BadBody(413, "request body too large")
    body = rfile.read(length) if length else b""
    if len(body) != length:
        raise _BadBody(400, "the body ended early")
    return body


def _request(method: str, url: httpx.URL, headers: list[tuple[str, str]], body: bytes) -> httpx.Request:
    """`httpx.Request(method, url, headers=headers, content=body or None)`, the same
    request once read (the same headers httpx adds: Host first if missing, a
    Content-Length), built from a stream: httpx's content encoding and reading
    pass cost more than the rest of the request. The emulator reads it."""
    names = {key.lower() for key, _ in headers}
    first: list[tuple[str, str]] = []
    last: list[tuple[str, str]] = []
    if body and "content-length" not in names:
        last.append(("Content-Length", str(len(body))))
        names.add("content-length")
    if "host" not in names and url.host:
        first.append(("Host", url.netloc.decode("ascii")))
    if method in _EMPTY_BODY_SIZED and "content-length" not in names and "transfer-encoding" not in names:
        first.append(("Content-Length", "0"))
    request = httpx.Request(method, url, headers=first + headers + last, stream=httpx.ByteStream(body))
    # every value was encoded as ASCII (a header that is not is a 400), so httpx would find
    # "ascii" on first use, after decoding every header once more to see
    request.headers.encoding = "ascii"
    return request


_reason_phrase: Final = functools.cache(httpx.codes.get_reason_phrase)


class _Handler(QuickHeadHandler):
    """Hands every request to the emulator's transport, whatever its method."""

    protocol_version = "HTTP/1.1"
    server: _Server
    #: sockets block: an idle connection is closed by the server (`_idle`), not by a timeout
    timeout = None

    def setup(self) -> None:
        super().setup()
        # headers and body leave in separate writes: without this, Nagle's
        # algorithm and the client's delayed ACK add ~40 ms to every answer
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.connections.opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.connections.closed(self.connection)

    def handle_one_request(self) -> None:
        connections = self.server.connections
        connections.waiting(self.connection)
        try:
            super().handle_one_request()
        except OSError:
            if not connections.expired(self.connection):
                raise
        if connections.expired(self.connection):
            log.debug("closed a connection idle for %g s", connections.timeout)
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if log.isEnabledFor(logging.DEBUG):  # the stdlib formats the line before logging it
            super().log_request(code, size)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header: the stdlib's, formatted once a second (it names whole seconds)."""
        if timestamp is not None:
            return super().date_time_string(timestamp)
        second = int(time.time())
        last = self.server.last_date  # swapped whole, so threads need no lock
        if last[0] != second:
            last = self.server.last_date = (second, super().date_time_string(second))
        return last[1]

    def _url(self) -> httpx.URL:
        """The request's URL: its path as sent, on the origin the client used."""
        target = self.path
        host = self.headers.get("Host") or ""
        key = (host, target)
        found = self.server.urls.get(key)  # a client asks for the same few URLs again and again
        if found is not None:
            return found
        if not target.startswith("/"):  # absolute-form: keep only the path and query
            parsed = httpx.URL(target)
            target = parsed.raw_path.decode("ascii")
        url: httpx.URL | None = None
        with contextlib.suppress(httpx.InvalidURL, UnicodeError):
            url = httpx.URL(f"http://{host}{target}")
        if url is None or not url.host:
            url = httpx.URL(f"{self.server.origin}{target}")
        if len(target) <= _URL_KEPT_CHARS:
            if len(self.server.urls) >= _URLS_KEPT:
                self.server.urls.clear()
            self.server.urls[key] = url
        return url

    def _refuse(self, status: int) -> None:
        """The vendor's error envelope for `status`; the connection closes (its body is left unread)."""
        self.close_connection = True
        make_error = getattr(self.server.transport, "error_response", None)
        response = make_error(status) if make_error is not None else httpx.Response(status)
        response.headers["Connection"] = "close"
        self._answer(response)

    def _forward(self) -> None:
        headers = [
            (key, value)
            # raw: the values `items()` gives (text decoded from latin-1 has no surrogates to wrap)
            for key, value in self.headers.raw_items()
            if key.lower() not in {"connection", "keep-alive"}  # the framing as the client sent it
        ]
        try:
            url = self._url()
        except (httpx.InvalidURL, ValueError):
            self.close_connection = True  # its body, if any, is never read
            self.send_error(400, "Bad request target")
            return
        try:
            body = _read_body(self.rfile, self.headers, self.server.max_request_bytes)
        except _BadBody as refused:
            log.debug("refusing %s %s: %s", self.command, self.path, refused)
            self._refuse(refused.status)
            return
        try:
            request = _request(self.command, url, headers, body)
        except (httpx.InvalidURL, ValueError):
            self.close_connection = True
            self.send_error(400, "Bad request target")
            return
        connections = self.server.connections
        if connections.expired(self.connection):  # cut short by the idle timeout: never applied
            return
        connections.working(self.connection)
        try:
            response = self.server.handle(request)
        except httpx.TransportError as fault:  # an injected drop: no answer at all
            log.debug("closing the connection without an answer: %s", fault)
            self.close_connection = True
            return
        except Exception:
            log.exception("the emulator failed on %s %s", self.command, self.path)
            make_error = getattr(self.server.transport, "error_response", None)
            response = make_error(500) if make_error is not None else httpx.Response(500)
        connections.waiting(self.connection)
        self._answer(response)

    def send_header_bytes_then(self, body: bytes) -> None:
        """End the headers and send them with `body` after them, in one write."""
        if self.request_version == "HTTP/0.9":  # no headers at all
            self.wfile.write(body)
        else:
            pending: list[bytes] = self._headers_buffer  # type: ignore[attr-defined] # the stdlib's, set by send_response
            pending += (b"\r\n", body)
            self.flush_headers()
        self.wfile.flush()

    def _answer(self, response: httpx.Response) -> None:
        """Status, headers and body; a body still streaming goes out chunked as it comes."""
        body = in_memory_body(response)  # most answers: sent as they are
        status = response.status_code
        # httpx's phrase (a vendor's own if it gave one), looked up once per status
        phrase = response.reason_phrase if response.extensions else _reason_phrase(status)
        self.send_response(status, phrase)
        for key, value in response.headers.multi_items():
            if key.lower() not in _HOP_BY_HOP:
                self.send_header(key, value)
        if body is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            # one write with a Content-Length (a ByteStream holds nothing to close)
            self.send_header("Content-Length", str(len(body)))
            if self.command != "HEAD":
                # headers and body in one write: one segment for a small answer, one syscall
                self.send_header_bytes_then(body)
                return
        self.end_headers()
        try:
            if self.command == "HEAD":
                return
            for chunk in response.iter_raw(_CHUNK):
                if chunk:
                    self.server.connections.waiting(self.connection)  # each write has its deadline
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        finally:
            response.close()
            self.wfile.flush()


for _method in _METHODS:
    setattr(_Handler, f"do_{_method}", _Handler._forward)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    #: the stdlib's default backlog (5) resets clients that open many connections at once
    request_queue_size = socket.SOMAXCONN

    def __init__(
        self, address: tuple[str, int], transport: Any, *, ipv6: bool, max_request_bytes: int
    ) -> None:
        self.address_family = socket.AF_INET6 if ipv6 else socket.AF_INET
        self.transport = transport
        #: the open connections; one idle this long is closed
        self.connections = Connections(IDLE_TIMEOUT)
        #: the emulator's answer to a request (unread when its body is in memory)
        self.handle: Callable[[httpx.Request], httpx.Response] = getattr(
            transport, "handle_served", transport.handle_request
        )
        self.max_request_bytes = max_request_bytes
        #: the second the last Date header named, and the header
        self.last_date: tuple[int, str] = (-1, "")
        #: (Host, request target) -> URL, parsed once (URLs are immutable)
        self.urls: dict[tuple[str, str], httpx.URL] = {}
        self._stopping = threading.Event()
        self._wake_read, self._wake_write = socket.socketpair()
        try:
            super().__init__(address, _Handler)
        except BaseException:
            self._wake_read.close()
            self._wake_write.close()
            raise
        host, port = self.server_address[:2]
        self.host = str(host)
        self.port = int(port)
        self.origin = f"http://{'[' + self.host + ']' if ipv6 else self.host}:{self.port}"

    def serve_until_stopped(self) -> None:
        """Accept connections until `stop_serving()` (woken at once) and close idle ones
        (woken when the first may be due)."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            while not self._stopping.is_set():
                for key, _ in selector.select(self.connections.next_check()):
                    if key.fileobj is self.socket and not self._stopping.is_set():
                        self.handle_request()  # ready: accepts without waiting
                self.connections.close_expired()

    def stop_serving(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._wake_write.send(b"x")

    def server_close(self) -> None:
        super().server_close()
        self._wake_read.close()
        self._wake_write.close()

    def close_connections(self) -> None:
        """Wake every handler blocked on an idle keep-alive connection."""
        self.connections.close_all()


def client_origin(given: str, bound: str, port: int) -> str:
    """`http://HOST:PORT` as a client reaches a server bound to `bound` on request
    of `given`: the loopback address for every-address binds (`0.0.0.0`, `::`),
    the name given for a name, else the address bound."""
    host = bound
    try:
        address = ipaddress.ip_address(bound.strip("[]"))
    except ValueError:
        address = None
    if address is not None and address.is_unspecified:
        host = "::1" if address.version == 6 else "127.0.0.1"
    elif not is_loopback_host(given) and _is_name(given):
        host = given
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _is_name(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return bool(host)
    return False


class _ToAddress(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Sends each request to one address over plain HTTP, its Host header as it was
    (so the server's links stay on the origin the store knows)."""

    def __init__(self, host: str, *, sync: bool) -> None:
        self._host = host
        self._sync = httpx.HTTPTransport() if sync else None
        self._async = None if sync else httpx.AsyncHTTPTransport()

    def _moved(self, request: httpx.Request) -> httpx.Request:
        request.url = request.url.copy_with(host=self._host)
        return request

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert self._sync is not None
        return self._sync.handle_request(self._moved(request))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert self._async is not None
        return await self._async.handle_async_request(self._moved(request))

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()


def _served_settings(settings: Any, origin: str) -> dict[str, Any]:
    """The emulator's settings with each absolute URL moved onto the server's origin."""
    served: dict[str, Any] = {}
    for key, value in dict(settings).items():
        if isinstance(value, str | httpx.URL) and str(value).startswith(("https://", "http://")):
            url = httpx.URL(str(value))
            path = url.raw_path.decode("ascii").split("?", 1)[0].rstrip("/")
            served[key] = origin + path
        else:
            served[key] = value
    return served


class EmulatorServer(Generic[S, AS]):
    """An emulator answering HTTP on a local port.

    `base_url` and `settings` are what a client needs: `settings` is the
    emulator's, with its base URL on this server, so
    `phonefleet.connect(server.provider, **server.settings)` talks to it over
    the socket. `emulator` is the same object in-process: its transport's
    `faults`, `requests` and `applied` are live. A request body larger than
    `max_request_bytes` is refused with 413 in the vendor's error envelope.
    Typed by its emulator's stores: the server of `emulate("twilio")` (or of
    `serve("twilio")`) connects a `TwilioStore`.
    """

    def __init__(
        self,
        emulator: Emulator[S, AS],
        *,
        provider: str,
        host: str = "127.0.0.1",
        port: int = 0,
        allow_remote: bool = False,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    ) -> None:
        if (
            isinstance(max_request_bytes, bool)
            or not isinstance(max_request_bytes, int)
            or max_request_bytes < 0
        ):
            msg = f"max_request_bytes must be a non-negative integer, got {max_request_bytes!r}"
            raise ValueError(msg)
        if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
            msg = f"port must be an integer from 0 to 65535, got {port!r}"
            raise ValueError(msg)
        if not allow_remote and not is_loopback_host(host):
            msg = (
                f"{host!r} is not a loopback address: the emulator accepts its documented fake "
                "credentials, so serving it beyond this machine needs allow_remote=True"
            )
            raise ValueError(msg)
        self.provider = provider
        self.emulator: Emulator[S, AS] = emulator
        bind = "127.0.0.1" if host.lower() == "localhost" else host.strip("[]")
        try:
            self._server = _Server(
                (bind, port), emulator.transport, ipv6=":" in bind, max_request_bytes=max_request_bytes
            )
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise AddressInUseError(host, port) from None
            raise
        self.host = self._server.host
        self.port = self._server.port
        #: `http://HOST:PORT` as bound (`0.0.0.0` when listening on every address)
        self.listening = self._server.origin
        #: `http://HOST:PORT`, the server as a client reaches it: the loopback
        #: address when it listens on every address, else the host given
        self.origin = client_origin(host, self._server.host, self.port)
        #: `HOST:PORT` (what SDKs that take a host, such as SignalWire's, want)
        self.netloc = self.origin.removeprefix("http://")
        self.settings: dict[str, Any] = _served_settings(emulator.settings, self.origin)
        base = self.settings.get("base_url")
        #: the API's base URL on this server (the origin if the emulator names none)
        self.base_url: str = base if isinstance(base, str) else self.origin
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"<EmulatorServer {self.provider} on {self.listening}>"

    # -- running --------------------------------------------------------------
    def serve_forever(self) -> None:
        """Answer requests on this thread until `stop()` (or KeyboardInterrupt)."""
        self._server.serve_until_stopped()

    def start(self) -> Self:
        """Answer requests on a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.serve_forever, name=f"phonefleet-emulate-{self.provider}", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering, close every connection and the listening socket."""
        self._server.stop_serving()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._server.close_connections()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- clients --------------------------------------------------------------
    def _client_settings(self, *, sync: bool) -> dict[str, Any]:
        """`settings`, or for a server on a remote address (plain http to which a
        store refuses), settings on a loopback origin with a transport that
        carries each request to the server's own address."""
        if is_loopback_host(httpx.URL(self.origin).host):
            return self.settings
        loopback = f"http://127.0.0.1:{self.port}"
        transport: Any = _ToAddress(self._server.host, sync=sync)
        return {**_served_settings(self.emulator.settings, loopback), "transport": transport}

    def connect(self, **common: Any) -> S:
        """A sync store on this server, over the socket (the vendor's store class)."""
        from phonefleet._typed import connect

        store: Any = connect(self.provider, **{**self._client_settings(sync=True), **common})
        return store  # type: ignore[no-any-return]

    def connect_async(self, **common: Any) -> AS:
        """An async store on this server, over the socket (the vendor's store class)."""
        from phonefleet._typed import connect_async

        store: Any = connect_async(self.provider, **{**self._client_settings(sync=False), **common})
        return store  # type: ignore[no-any-return]


def _server_for(
    provider: str | Emulator[Any, Any], host: str, port: int, allow_remote: bool, options: dict[str, Any]
) -> EmulatorServer[Any, Any]:
    from . import emulate

    if isinstance(provider, str):
        emulator = emulate(provider, **options)
        name = emulator.provider or provider
    else:
        if options:
            msg = "emulator options go to serve(provider, ...), not with an emulator already built"
            raise TypeError(msg)
        emulator = provider
        known = getattr(emulator, "provider", None)
        if not isinstance(known, str):
            msg = "this emulator does not know its provider: serve(provider_name, ...) builds one that does"
            raise ValueError(msg)
        name = known
    return EmulatorServer(emulator, provider=name, host=host, port=port, allow_remote=allow_remote)


@contextlib.contextmanager
def serve(
    provider: str | Emulator[Any, Any],
    /,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    allow_remote: bool = False,
    **emulator_options: Any,
) -> Iterator[EmulatorServer[Any, Any]]:
    """Serve a provider's emulator over HTTP on a background thread.

    `serve("linq", numbers=50)` builds the emulator as `emulate` does (or
    pass one you built); `port=0` picks a free port. Yields an
    `EmulatorServer` (`base_url`, `settings`, `emulator`); the server stops
    when the block ends.
    """
    server = _server_for(provider, host, port, allow_remote, emulator_options)
    with server:
        yield server


def serve_fixture(
    provider: str,
    *,
    scope: str = "function",
    name: str | None = None,
    **emulator_options: Any,
) -> Any:
    """A pytest fixture serving `provider`'s emulator for each test (or `scope`).

    In a test module or conftest.py: `linq_server = serve_fixture("linq",
    numbers=30)`; a test asking for `linq_server` gets the `EmulatorServer`.
    """
    import pytest

    def fixture() -> Iterator[EmulatorServer[Any, Any]]:
        with serve(provider, **emulator_options) as server:
            yield server

    fixture.__doc__ = f"The {provider} emulator served over HTTP on loopback."
    return pytest.fixture(scope=scope, name=name)(fixture)  # type: ignore[call-overload]
