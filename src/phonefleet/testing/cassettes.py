"""One recording configuration for every adapter's cassettes.

Use it as the `vcr_config` fixture of pytest-recording; recording with real
credentials (`pytest --record-mode=once`) then scrubs them before anything is
written:

- credential headers (Authorization, cookies, API-key and token headers) in
  requests and responses, and any header whose value carries a credential
  (a `WWW-Authenticate` or debug header echoing it);
- credential-named query parameters (`token`, `api_token`, `API_KEY`, ...,
  any case) in the request URL and in URLs inside bodies (a next link);
- the credentials themselves wherever they appear: every value seen in an
  `Authorization` header, the `credentials` given and those in the
  `provider`'s secret environment variables, raw, percent-encoded and
  base64 (alone and as an HTTP Basic `user:password` pair); a Basic user
  name too, unless it is the account id in the request's path (a Twilio
  API key sid, SK..., is scrubbed; the AC... account sid stays);
- any text matching the `secrets` regular expressions;
- the values of `secret_fields` (a port's `pin`, `account_number`) in JSON
  bodies, by name at any depth, and with `blank_files` the content of every
  file part of a multipart body (an uploaded bill): short values such as a
  4-digit pin are blanked by where they stand, never by a text search.

Replay scrubs the request the same way before matching it, so a cassette
recorded with real values replays with dummy ones.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from phonefleet._redact import secret_forms

__all__ = ["MATCH_ON", "SECRET_HEADERS", "SECRET_PARAMS", "is_secret_name", "vcr_config"]

SECRET_HEADERS = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "x-auth-token",
)
SECRET_PARAMS = ("api_key", "apikey", "token", "access_token", "key")
#: the body is part of the contract: a write must send exactly what was recorded
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")
REDACTED = "REDACTED"

#: words in a header or parameter name that say it carries a credential
_SECRET_WORDS: Final = re.compile(
    r"token|secret|passw|api[-_]?key|access[-_]?key|signature|credential|session|^auth|^key$|^sig$",
    re.IGNORECASE,
)
#: paging cursors are not credentials (and replays must tell pages apart)
_NOT_SECRET: Final = re.compile(r"page|next|cursor|continuation", re.IGNORECASE)
#: `name=value` in a URL inside a body (a next link)
_PARAM_IN_TEXT: Final = re.compile(rb"([?&])([A-Za-z0-9_.\-]+)=([^&\s\"'#<>]*)")


def is_secret_name(name: str) -> bool:
    """Whether a header or query parameter name says it carries a credential."""
    lowered = name.lower()
    if lowered in SECRET_HEADERS or lowered in SECRET_PARAMS:
        return True
    return bool(_SECRET_WORDS.search(name)) and not _NOT_SECRET.search(name)


def _param_in_text(match: re.Match[bytes]) -> bytes:
    if is_secret_name(match.group(2).decode("ascii", "replace")):
        return match.group(1) + match.group(2) + b"=" + REDACTED.encode()
    return match.group(0)


class _Scrubber:
    """The credentials seen so far, in every form, and how to blank them."""

    def __init__(self, patterns: list[re.Pattern[bytes]], known: Iterable[str]) -> None:
        self.patterns = patterns
        self.values: list[str] = [v for v in known if v]
        self.forms: tuple[bytes, ...] = ()
        self._rebuild()

    def _rebuild(self) -> None:
        self.forms = tuple(form.encode() for form in secret_forms(self.values))

    def learn(self, header_value: str, uri: str | None = None) -> None:
        """Remember the credential an Authorization header carried (and a Basic
        password, and the Basic user name when it is a key).

        A Basic user name that is an account id appears in the request's URL
        path (Twilio's AC... sid, SignalWire's project id): that one is no
        secret and stays. Any other user name is a key (a Twilio API key sid,
        SK..., which the docs declare secret) and is scrubbed in every form.
        """
        scheme, _, credential = header_value.strip().partition(" ")
        found = [credential.strip()] if credential else [scheme]
        if scheme.lower() == "basic" and credential:
            try:
                user, _, password = base64.b64decode(credential, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                pass
            else:
                found.append(password)
                if user and uri is not None and user not in unquote(urlsplit(uri).path):
                    found.append(user)
        new = [value for value in found if value and value != REDACTED and value not in self.values]
        if new:
            self.values += new
            self._rebuild()

    def bytes(self, value: bytes) -> bytes:
        for form in self.forms:
            value = value.replace(form, REDACTED.encode())
        value = _PARAM_IN_TEXT.sub(_param_in_text, value)
        for pattern in self.patterns:
            value = pattern.sub(REDACTED.encode(), value)
        return value

    def text(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.bytes(value.encode()).decode()
        if isinstance(value, bytes):
            return self.bytes(value)
        return value

    def url(self, uri: str) -> str:
        parts = urlsplit(uri)
        params = parse_qsl(parts.query, keep_blank_values=True)
        if any(is_secret_name(name) for name, _ in params):  # else the URL stays byte for byte
            clean = [(name, REDACTED if is_secret_name(name) else value) for name, value in params]
            uri = urlunsplit(parts._replace(query=urlencode(clean, safe=REDACTED)))
        return str(self.text(uri))


def _blank_fields(value: Any, names: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {
            key: REDACTED if key in names and item not in (None, "") else _blank_fields(item, names)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_blank_fields(item, names) for item in value]
    return value


def _json_fields(body: Any, names: frozenset[str]) -> Any:
    """A JSON body with the values of `names` blanked; anything else as it is."""
    if not names or not isinstance(body, str | bytes) or not body:
        return body
    try:
        decoded = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body
    if not isinstance(decoded, dict | list):
        return body
    text = json.dumps(_blank_fields(decoded, names), separators=(",", ":"), ensure_ascii=False)
    return text.encode() if isinstance(body, bytes) else text


_BOUNDARY: Final = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)


def _blank_file_parts(body: Any, content_type: str) -> Any:
    """A multipart body with every file part's content blanked (its headers kept),
    and its boundary (random, per request) made one fixed word, so a replay matches."""
    found = _BOUNDARY.search(content_type)
    if found is None or not isinstance(body, str | bytes) or not body:
        return body
    raw = body.encode("latin-1") if isinstance(body, str) else body
    delimiter = b"--" + found.group(1).encode("latin-1")
    if delimiter not in raw:  # blanked already (a recorded request, scrubbed again on replay)
        return body
    parts = raw.split(delimiter)
    for index, part in enumerate(parts):
        head, separator, _ = part.partition(b"\r\n\r\n")
        if separator and b"filename=" in head.lower():
            parts[index] = head + separator + REDACTED.encode() + b"\r\n"
    blanked = b"--" + REDACTED.encode() + b"-boundary"
    blanked = blanked.join(parts)
    return blanked.decode("latin-1") if isinstance(body, str) else blanked


def _header(headers: Any, name: str) -> str:
    for key, value in dict(headers or {}).items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) and value else value)
    return ""


def _env_credentials(provider: str | None) -> list[str]:
    if provider is None:
        return []
    from phonefleet._registry import registration

    names = [env for setting in registration(provider).settings if setting.secret for env in setting.env]
    return [value for name in names if (value := os.environ.get(name, "").strip())]


def vcr_config(
    *,
    secrets: Iterable[str] = (),
    credentials: Iterable[str] = (),
    provider: str | None = None,
    secret_fields: Iterable[str] = (),
    blank_files: bool = False,
    **overrides: Any,
) -> dict[str, Any]:
    """vcrpy settings that never write a credential.

    `secrets` are regular expressions for credential-shaped text to blank in
    request and response bodies (e.g. `r"gr_[A-Za-z0-9_-]+"`);
    `credentials` are literal credential values; `provider` adds the values
    of that adapter's secret environment variables (what a recording run
    uses). Values seen in Authorization headers are added as they come.
    `secret_fields` names JSON fields whose values are blanked wherever they
    stand; `blank_files` blanks the files of multipart uploads.
    """
    fields = frozenset(secret_fields)
    scrubber = _Scrubber(
        [re.compile(pattern.encode()) for pattern in secrets],
        [*credentials, *_env_credentials(provider)],
    )

    def learn(key: str, value: str, request: Any) -> str:
        uri = getattr(request, "uri", None)
        scrubber.learn(value, uri if isinstance(uri, str) else None)
        return REDACTED

    def scrub_headers(headers: Any, *, drop: bool, uri: str | None = None) -> None:
        for name in list(headers):
            value = headers[name]
            if name.lower() in ("authorization", "proxy-authorization"):
                for item in value if isinstance(value, list) else [value]:
                    scrubber.learn(str(item), uri)
            if name.lower() in SECRET_HEADERS or is_secret_name(name):
                if drop:
                    del headers[name]
                else:
                    headers[name] = REDACTED
            elif isinstance(value, list):
                headers[name] = [scrubber.text(item) for item in value]
            else:
                headers[name] = scrubber.text(value)

    def scrub_request(request: Any) -> Any:
        uri = getattr(request, "uri", None)
        scrub_headers(request.headers, drop=False, uri=uri if isinstance(uri, str) else None)
        if isinstance(getattr(request, "uri", None), str):
            request.uri = scrubber.url(request.uri)
        body = _json_fields(request.body, fields)
        if blank_files and _header(request.headers, "content-type").lower().startswith("multipart/"):
            body = _blank_file_parts(body, _header(request.headers, "content-type"))
        request.body = scrubber.text(body)
        return request

    def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
        scrub_headers(response.get("headers", {}), drop=True)
        body = response.get("body", {})
        if "string" in body:
            body["string"] = scrubber.text(_json_fields(body["string"], fields))
        return response

    config: dict[str, Any] = {
        # Authorization first learns the credential (for the bodies), then is replaced
        "filter_headers": [
            ("authorization", learn),
            ("proxy-authorization", learn),
            *((name, REDACTED) for name in SECRET_HEADERS),
        ],
        "filter_query_parameters": [(name, REDACTED) for name in SECRET_PARAMS],
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "match_on": list(MATCH_ON),
    }
    config.update(overrides)
    return config
