"""The emulator's one validation layer: Telnyx's spec (`openapi/spec3.yml` of
team-telnyx/openapi), as the slice kept in `_spec/telnyx_spec3.json`.

Query strings are read the way the spec declares them (`filter[...]` and
`page[...]` as deepObject): a key the operation does not declare is a 400, a
value its schema rules out a 422, both in Telnyx's `errors[]` envelope.
Request bodies are checked against their schema (a `null` clears a field and
is left to the handlers). Records leave shaped by their response schema: an
optional string that is not nullable is left out rather than sent as `null`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import httpx

from phonefleet.testing import SpecSlice

__all__ = [
    "DELETED",
    "MESSAGING",
    "NUMBER",
    "ORDER",
    "SPEC",
    "VOICE",
    "body_refusal",
    "query_refusal",
    "shape",
]

SPEC: Final = SpecSlice(Path(__file__).resolve().parent / "_spec" / "telnyx_spec3.json")
NUMBER: Final = SPEC.component("PhoneNumberDetailed")
VOICE: Final = SPEC.component("PhoneNumberWithVoiceSettings")
MESSAGING: Final = SPEC.component("PhoneNumberWithMessagingSettings")
ORDER: Final = SPEC.component("NumberOrderWithPhoneNumbers")
DELETED: Final = SPEC.component("PhoneNumberDeletedDetailed")
_KEY: Final = re.compile(r"(?P<top>[^\[\]]+)(?P<rest>(?:\[[^\[\]]*\])*)")
_PART: Final = re.compile(r"\[([^\[\]]*)\]")


def shape(schema: Any, record: Mapping[str, Any]) -> dict[str, Any]:
    """`record` as its response schema has it (no `null` for an optional, non-nullable field)."""
    return SPEC.shape(schema, record)


def _leaf(schema: Any, parts: list[str]) -> Any:
    """The schema a deepObject key's `[a][b]` parts lead to, or None when one is undeclared."""
    for part in parts:
        schema = SPEC.resolve(schema)
        if part == "" and isinstance(schema, dict) and schema.get("type") == "array":
            schema = schema.get("items", {})
            continue
        declared = SPEC.properties(schema)
        if part not in declared:
            return None
        schema = declared[part]
    return schema


def query_refusal(template: str, method: str, params: httpx.QueryParams) -> tuple[int, str, str] | None:
    """(status, detail, parameter) for the first query key the operation does not
    declare (400) or whose value its schema rules out (422), or None."""
    declared = SPEC.parameters(template, method)
    for key in params:
        value = params[key]
        schema: Any = declared.get(key)
        if schema is None:
            match = _KEY.fullmatch(key)
            if match is None:
                continue
            top = match["top"]
            families = top in declared or any(name.startswith(top + "[") for name in declared)
            if not families:
                continue  # not a family of keys the spec declares: not this layer's to judge
            if top not in declared:
                return 400, f"{key} is not a parameter of this operation.", key
            schema = _leaf(declared[top], _PART.findall(match["rest"]))
            if schema is None:
                return 400, f"{key} is not a parameter of this operation.", key
        resolved = SPEC.resolve(schema)
        sent: Any = value
        if isinstance(resolved, dict) and resolved.get("type") == "array":
            sent = [item.strip() for item in value.split(",") if item.strip()]
        problem = SPEC.problem(schema, sent, form=True)
        if problem is not None:
            return 422, f"{key} {problem}.", key
    return None


def body_refusal(template: str, method: str, body: Mapping[str, Any]) -> tuple[str, str] | None:
    """(detail, pointer) for the first body field its request schema rules out, or None."""
    schema = SPEC.request_schema(template, method)
    if schema is None:
        return None
    refused = SPEC.refusal(schema, {key: value for key, value in body.items() if value is not None})
    if refused is None or refused.rule == "unknown":
        return None
    return f"{refused.field} {refused.message}.", f"/{refused.field}"
