"""Every response an SDK test provokes, checked against the vendor's published schema.

The spec slices live beside each emulator (`adapters/<pkg>/_spec/*.json`, cut
by `tests/specs/extract.py`, source and commit on top). `watch(transport,
vendor)` records each (request, response) the emulator answers; `Watch.check()`
validates them with `jsonschema` (draft 2020-12; OpenAPI 3.0's `nullable` made
a `null` type) and fails with every disagreement. A session tally
(`TALLY`, printed at the end of the run) counts, per vendor, the calls tried
and the calls that agree with the spec.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema

_ADAPTERS = Path(__file__).resolve().parents[1] / "adapters"

#: vendor -> (spec file, path prefix the emulator serves before the spec's paths, suffix dropped)
VENDORS: dict[str, tuple[str, str, str]] = {
    "twilio": ("phonefleet_twilio/_spec/twilio_api_v2010.json", "", ""),
    "laml": ("phonefleet_twilio/_spec/signalwire_compatibility.json", "/api/laml/2010-04-01", ".json"),
    "signalwire": ("phonefleet_signalwire/_spec/signalwire_rest.json", "", ""),
    "telnyx": ("phonefleet_telnyx/_spec/telnyx_spec3.json", "/v2", ""),
}

#: Twilio's error body (twilio-python's TwilioRestException reads these), which
#: the 2010 spec does not declare per operation
_TWILIO_ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["code", "message", "more_info", "status"],
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "more_info": {"type": "string"},
        "status": {"type": "integer"},
    },
}

#: where a spec contradicts itself and its vendor's SDK, what the check holds to instead:
#: (vendor, METHOD, template) -> why, and the body is checked against the array's items
#: (SignalWire's `list_swml_scripts` documents an array of list pages; the API and
#: signalwire-sdk's `swml_scripts.list()` answer and read one page object)
UNWRAP_ARRAY: dict[tuple[str, str, str], str] = {
    ("signalwire", "GET", "/api/fabric/resources/swml_scripts"): "one SwmlScriptListResponse, not an array",
}

#: calls tried / calls that agree with the spec, per vendor, over the session
TALLY: dict[str, Counter[str]] = {}


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` as JSON Schema's null type, everywhere."""
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _nullable(value) for key, value in node.items()}
    if out.pop("nullable", False) is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        elif kind is None:
            return {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def spec(vendor: str) -> dict[str, Any]:
    name, _, _ = VENDORS[vendor]
    loaded: dict[str, Any] = json.loads((_ADAPTERS / name).read_text())
    return _nullable(loaded) if str(loaded.get("openapi", "")).startswith("3.0") else loaded


@cache
def _templates(vendor: str) -> list[tuple[re.Pattern[str], str]]:
    paths = spec(vendor)["paths"]
    ordered = sorted(paths, key=lambda p: (p.count("{"), -len(p)))
    return [(re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(p))), p) for p in ordered]


def operation(vendor: str, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """The spec's path template and operation for a request, or None."""
    _, prefix, suffix = VENDORS[vendor]
    if not path.startswith(prefix):
        return None
    path = path.removeprefix(prefix)
    if suffix:
        path = path.removesuffix(suffix)
    for pattern, template in _templates(vendor):
        if pattern.fullmatch(path):
            found = spec(vendor)["paths"][template].get(method.lower())
            return (template, found) if found is not None else None
    return None


def _resolve(node: Any, vendor: str) -> Any:
    while isinstance(node, dict) and "$ref" in node and len(node) == 1:
        target: Any = spec(vendor)
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def problems(vendor: str, request: httpx.Request, response: httpx.Response) -> list[str]:
    """What in this answer disagrees with the vendor's spec (empty: it agrees)."""
    where = f"{request.method} {request.url.path} -> {response.status_code}"
    found = operation(vendor, request.method, request.url.path)
    if found is None:
        return [f"{where}: no such operation in the spec"]
    template, op = found
    responses = op.get("responses", {})
    status = str(response.status_code)
    key = next((k for k in (status, f"{status[0]}XX", "default") if k in responses), None)
    documented = None if key is None else responses[key]
    schema: Any = None
    if documented is not None:
        content = _resolve(documented, vendor).get("content") or {}
        media = content.get("application/json") or next(iter(content.values()), None)
        schema = None if media is None else media.get("schema")
        if schema is None:
            return [] if not response.content else [f"{where}: a body where the spec documents none"]
        if (vendor, request.method, template) in UNWRAP_ARRAY and (schema or {}).get("type") == "array":
            schema = schema["items"]
    elif response.status_code >= 400 and vendor == "twilio":
        schema = _TWILIO_ERROR
    else:
        return [f"{where}: status not documented for {request.method} {template}"]
    try:
        body = response.json()
    except ValueError:
        return [f"{where}: not JSON"]
    validator = jsonschema.Draft202012Validator({**copy.copy(spec(vendor)), **schema})
    answered = _example_values(vendor)
    return [
        f"{where}: {'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message[:200]}"
        for error in validator.iter_errors(body)
        if not _answered(error, answered)
    ]


@cache
def _example_values(vendor: str) -> set[tuple[str, str]]:
    """(field, value) of every scalar in the spec's response examples: what the
    vendor shows itself answering, where its schema says otherwise (Twilio's
    `voice_application_sid: ""` beside its `^AP...` pattern)."""
    found: set[tuple[str, str]] = set()

    def walk(node: Any, key: str) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                walk(value, name)
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        else:
            found.add((key, json.dumps(node)))

    for item in spec(vendor)["paths"].values():
        for op in item.values():
            for documented in (op.get("responses") or {}).values() if isinstance(op, dict) else ():
                media = (documented.get("content") or {}).get("application/json") or {}
                for example in (media.get("examples") or {}).values():
                    walk(example.get("value"), "")
    return found


def _answered(error: jsonschema.ValidationError, answered: set[tuple[str, str]]) -> bool:
    path = [part for part in error.absolute_path if isinstance(part, str)]
    return bool(path) and (path[-1], json.dumps(error.instance)) in answered


class Watch:
    """The calls one test made on one emulator, checked on demand."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.calls: list[tuple[httpx.Request, httpx.Response]] = []

    def disagreements(self) -> list[str]:
        return [
            problem
            for request, response in self.calls
            for problem in problems(self.vendor, request, response)
        ]

    def check(self) -> None:
        """Count every call in the session tally; fail on any disagreement."""
        tally = TALLY.setdefault(self.vendor, Counter())
        found: list[str] = []
        for request, response in self.calls:
            wrong = problems(self.vendor, request, response)
            tally["tried"] += 1
            tally["agree"] += not wrong
            found += wrong
        assert not found, "\n".join(found)


@contextmanager
def watch(transport: Any, vendor: str, *, check: bool = True) -> Iterator[Watch]:
    """Record every answer `transport` (an emulator) gives, then check them all."""
    seen = Watch(vendor)
    handle = transport.handle

    def recording(request: httpx.Request) -> httpx.Response:
        response: httpx.Response = handle(request)
        response.read()
        seen.calls.append((request, response))
        return response

    transport.handle = recording
    try:
        yield seen
    finally:
        transport.handle = handle
    if check:
        seen.check()
