"""The served emulator reads request heads exactly as the standard library does.

`QuickHeadHandler` skips the email parser for plain header blocks; for every
head here, plain or not, valid or not, it must leave the handler as the
standard library's `parse_request` does (the same command, path, version,
connection handling and headers, down to the message's internals) and
write the same bytes back (errors, `100 Continue`).
"""

from __future__ import annotations

import io
import time
from email.message import Message
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from phonefleet.testing._head import QuickHeadHandler, read_headers

PLAIN = b"Host: 127.0.0.1:8000\r\nAccept-Encoding: identity\r\nAuthorization: Bearer k\r\n\r\n"
HEADS = [
    b"GET /api/x HTTP/1.1\r\n" + PLAIN,
    b"PUT /api/x?a=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}",
    b"GET /a HTTP/1.1\nHost: h\nX-Bare-LF: 1\n\n",  # bare line feeds
    b"GET /a HTTP/1.1\r\nHost: h\r\nX-Blank:   \r\nX-Tail: v  \r\nX-Tab:\tv\r\n\r\n",
    b"GET /a HTTP/1.1\r\nHost: h\r\nX-Same: 1\r\nx-same: 2\r\n\r\n",
    b"GET /a HTTP/1.1\r\nHost: h\r\nX-Folded: one\r\n  two\r\n\r\n",  # obsolete line folding
    b"GET /a HTTP/1.1\r\nHost: h\r\nX-Latin: caf\xe9\r\n\r\n",
    b"GET /a HTTP/1.1\r\nHost: h\r\nX-Cr: a\rb\r\n\r\n",
    b"GET /a HTTP/1.1\r\nHost: h\r\nX-Ctl: a\x0bb\x85c\r\n\r\n",
    b"GET /a HTTP/1.1\r\nHost: h\r\nno colon here\r\nX-After: 1\r\n\r\n",
    b"GET /a HTTP/1.1\r\n: empty name\r\nHost: h\r\n\r\n",
    b"GET /a HTTP/1.1\r\nFrom x@y: 1\r\nHost: h\r\n\r\n",
    b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=zz\r\n\r\n",
    b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Type: message/rfc822\r\n\r\n",
    b"GET /a HTTP/1.1\r\nHost: h\r\nX-Cut: no end",  # the stream ends inside the block
    b"GET /a HTTP/1.1\r\nHost: h\r\n",  # no blank line
    b"GET /a HTTP/1.1\r\nHost: h\r\nX-Long: " + b"x" * 70000 + b"\r\n\r\n",
    b"GET /a HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % n for n in range(101)) + b"\r\n",
    b"GET /a HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % n for n in range(99)) + b"\r\n",
    b"GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    b"GET /a HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n",
    b"GET /a HTTP/1.0\r\nHost: h\r\n\r\n",
    b"PUT /a HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
    b"GET //evil.example/a HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /a\r\n",  # HTTP/0.9
    b"POST /a\r\n",
    b"GET /a HTTP/2.0\r\nHost: h\r\n\r\n",
    b"GET /a HTTP/1.x\r\nHost: h\r\n\r\n",
    b"GET /a HTTP/1.1.1\r\n\r\n",
    b"GET /a b HTTP/1.1\r\n\r\n",
    b"GET\r\n",
    b"\r\n",
]


class _Stdlib(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"


class _Quick(QuickHeadHandler):
    protocol_version = "HTTP/1.1"


def _state(value: Any) -> Any:
    """A message as plain data: its attributes, nested messages opened, defects by kind."""
    if isinstance(value, list):
        return [_state(item) for item in value]
    if isinstance(value, Message):
        state = {key: _state(item) for key, item in vars(value).items() if key != "defects"}
        return {**state, "defects": [type(defect) for defect in value.defects]}
    return value


def _parse(cls: type[BaseHTTPRequestHandler], raw: bytes) -> dict[str, Any]:
    handler: Any = cls.__new__(cls)
    handler.rfile = io.BytesIO(raw)
    handler.wfile = io.BytesIO()
    handler.client_address = ("127.0.0.1", 1)
    handler.request = None
    handler.raw_requestline = handler.rfile.readline(65537)
    ok = handler.parse_request()
    seen = {
        name: getattr(handler, name, None)
        for name in ("command", "path", "request_version", "close_connection", "requestline")
    }
    headers = getattr(handler, "headers", None)
    return {
        "ok": ok,
        **seen,
        "headers": _state(headers),
        "written": handler.wfile.getvalue(),
        "left": handler.rfile.read(),
    }


@pytest.mark.parametrize("raw", HEADS, ids=range(len(HEADS)))
def test_a_head_parses_as_the_standard_library_parses_it(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_767_225_600.0)  # error answers carry a Date
    assert _parse(_Quick, raw) == _parse(_Stdlib, raw)


def test_plain_blocks_skip_the_email_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    import email.parser

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the email parser was used for a plain block")

    monkeypatch.setattr(email.parser.Parser, "parsestr", refuse)
    message = read_headers(io.BytesIO(PLAIN), _Stdlib.MessageClass)
    assert message.items() == [
        ("Host", "127.0.0.1:8000"),
        ("Accept-Encoding", "identity"),
        ("Authorization", "Bearer k"),
    ]
    with pytest.raises(AssertionError, match="email parser"):
        read_headers(io.BytesIO(b"X-Folded: a\r\n b\r\n\r\n"), _Stdlib.MessageClass)
