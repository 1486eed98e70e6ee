"""One recording configuration for every adapter's cassettes.

Use it as the `vcr_config` fixture of pytest-recording; recording with real
credentials (`pytest --record-mode=once`) then scrubs them before anything is
written: credential headers, cookies, token query parameters, and any
credential-shaped text echoed in a body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["MATCH_ON", "SECRET_HEADERS", "SECRET_PARAMS", "vcr_config"]

SECRET_HEADERS = ("authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token")
SECRET_PARAMS = ("api_key", "apikey", "token", "access_token", "key")
#: the body is part of the contract: a write must send exactly what was recorded
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")
REDACTED = "REDACTED"


def _scrub_text(value: Any, patterns: list[re.Pattern[bytes]]) -> Any:
    if isinstance(value, str):
        return _scrub_text(value.encode(), patterns).decode()
    if isinstance(value, bytes):
        for pattern in patterns:
            value = pattern.sub(REDACTED.encode(), value)
    return value


def vcr_config(*, secrets: Iterable[str] = (), **overrides: Any) -> dict[str, Any]:
    """vcrpy settings that never write a credential.

    `secrets` are regular expressions for credential-shaped text to blank in
    request and response bodies (e.g. `r"gr_[A-Za-z0-9_-]+"`).
    """
    patterns = [re.compile(pattern.encode()) for pattern in secrets]

    def scrub_request(request: Any) -> Any:
        for name in list(request.headers):
            if name.lower() in SECRET_HEADERS:
                request.headers[name] = REDACTED
        request.body = _scrub_text(request.body, patterns)
        return request

    def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
        headers = response.get("headers", {})
        for name in list(headers):
            if name.lower() in SECRET_HEADERS:
                del headers[name]
        body = response.get("body", {})
        if "string" in body:
            body["string"] = _scrub_text(body["string"], patterns)
        return response

    config: dict[str, Any] = {
        "filter_headers": [(name, REDACTED) for name in SECRET_HEADERS],
        "filter_query_parameters": [(name, REDACTED) for name in SECRET_PARAMS],
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "match_on": list(MATCH_ON),
    }
    config.update(overrides)
    return config
