"""A request's header block, read as the standard library reads it, at a fraction of the cost.

`http.server` hands every header block to the `email` package's parser:
about 20 µs a request, as much as a served emulator's own work on it. Nearly
every block is lines of `Name: value` in printable ASCII, for which that
parser's result is plain: each line's name, and its value with the blanks
before it and the line end cut. `read_headers` builds that result itself
and gives any other block (a folded line, a byte outside printable ASCII, a
multipart or message content type, a block cut short) to the standard
library's parser, so the `HTTPMessage` it returns is always the one
`http.client.parse_headers` returns. `QuickHeadHandler.parse_request` is the
standard library's, with the header block read by `read_headers`.
"""

from __future__ import annotations

import email.parser
import http.client
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, Final

__all__ = ["QuickHeadHandler", "read_headers"]

#: a header line whose parse is plain: a token, a colon, printable ASCII or tabs, the line end
_PLAIN_LINE: Final = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e]*\r?\n")
#: http.client's limits on a header block: a line's length, the number of lines
_MAX_LINE: Final = 65536
_MAX_HEADERS: Final = 100
_ENDS: Final = (b"\r\n", b"\n", b"")


def read_headers(rfile: Any, message_class: type[http.client.HTTPMessage]) -> http.client.HTTPMessage:
    """`http.client.parse_headers(rfile, _class=message_class)`: the same message, the same errors."""
    lines: list[bytes] = []
    while True:
        line = rfile.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("header line")
        lines.append(line)
        if len(lines) > _MAX_HEADERS:
            raise http.client.HTTPException(f"got more than {_MAX_HEADERS} headers")
        if line in _ENDS:
            break
    if lines[-1]:  # a blank line ended the block (not the end of the stream)
        message = _plain(lines, message_class)
        if message is not None:
            return message
    text = b"".join(lines).decode("iso-8859-1")
    return email.parser.Parser(_class=message_class).parsestr(text)


def _plain(
    lines: list[bytes], message_class: type[http.client.HTTPMessage]
) -> http.client.HTTPMessage | None:
    """The message the email parser makes of plain lines, or None when they are not all plain."""
    fields: list[tuple[str, str]] = []
    for line in lines[:-1]:
        if _PLAIN_LINE.fullmatch(line) is None:
            return None
        name, _, value = line.decode("ascii").partition(":")
        value = value.lstrip(" \t").rstrip("\r\n")
        if name.lower() == "content-type" and ("multipart" in value.lower() or "message" in value.lower()):
            return None  # the email parser goes on to parse a body for these
        fields.append((name, value))
    message = message_class()
    for name, value in fields:
        message.set_raw(name, value)
    message.set_payload("")
    return message


class QuickHeadHandler(BaseHTTPRequestHandler):
    """A request handler whose header blocks are read by `read_headers`."""

    raw_requestline: bytes

    def parse_request(self) -> bool:
        """The standard library's `parse_request` (Python 3.11 to 3.13), word for word
        but for the header block: the same checks, errors and connection handling."""
        return self._request_line() and self._header_block()

    def _request_line(self) -> bool:
        self.command = None  # type: ignore[assignment] # set in case of error on the first line
        self.request_version = version = self.default_request_version
        self.close_connection = True
        requestline = str(self.raw_requestline, "iso-8859-1")
        requestline = requestline.rstrip("\r\n")
        self.requestline = requestline
        words = requestline.split()
        if len(words) == 0:
            return False

        if len(words) >= 3:  # Enough to determine protocol version
            version = words[-1]
            try:
                if not version.startswith("HTTP/"):
                    raise ValueError
                base_version_number = version.split("/", 1)[1]
                version_number = base_version_number.split(".")
                if len(version_number) != 2:
                    raise ValueError
                if any(not component.isdigit() for component in version_number):
                    raise ValueError("non digit in http version")
                if any(len(component) > 10 for component in version_number):
                    raise ValueError("unreasonable length http version")
                major_minor = int(version_number[0]), int(version_number[1])
            except (ValueError, IndexError):
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
                return False
            if major_minor >= (1, 1) and self.protocol_version >= "HTTP/1.1":
                self.close_connection = False
            if major_minor >= (2, 0):
                self.send_error(
                    HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({base_version_number})"
                )
                return False
            self.request_version = version

        if not 2 <= len(words) <= 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({requestline!r})")
            return False
        command, path = words[:2]
        if len(words) == 2:
            self.close_connection = True
            if command != "GET":
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({command!r})")
                return False
        self.command, self.path = command, path

        # gh-87389: a path starting with '//' is reduced to a single '/'
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")
        return True

    def _header_block(self) -> bool:
        try:
            self.headers = read_headers(self.rfile, self.MessageClass)
        except http.client.LineTooLong as err:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long", str(err))
            return False
        except http.client.HTTPException as err:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers", str(err))
            return False

        conntype = self.headers.get("Connection", "")
        if conntype.lower() == "close":
            self.close_connection = True
        elif conntype.lower() == "keep-alive" and self.protocol_version >= "HTTP/1.1":
            self.close_connection = False
        expect = self.headers.get("Expect", "")
        if (
            expect.lower() == "100-continue"
            and self.protocol_version >= "HTTP/1.1"
            and self.request_version >= "HTTP/1.1"
        ):
            return bool(self.handle_expect_100())
        return True
