"""One validation layer for every emulator, driven by the vendor's own OpenAPI rules.

An emulator keeps the slice of its vendor's spec it follows (`_spec/*.json`
beside it, cut by `tests/specs/extract.py`) and asks a `SpecSlice` two things:
is a request body allowed (`refusal`: types, enums, patterns, lengths,
bounds, required fields, closed objects), and what does a record look like
on the wire (`shape`: properties a closed schema does not declare are left
out, and so is a `null` where the property is optional and not nullable).
The rules are the spec's, so an emulator cannot drift from them field by
field. A subset of JSON Schema, enough for the vendors' request and record
schemas; no dependency beyond the standard library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import attrs

__all__ = ["Refusal", "SpecSlice"]

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "object": (dict,),
    "array": (list,),
}


_E164 = re.compile(r"\+[1-9]\d{1,14}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@attrs.frozen
class Refusal:
    """Why a request body breaks the spec: the field (a dotted path) and the rule."""

    field: str
    rule: str
    message: str


@cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


class SpecSlice:
    """A vendor spec slice: its operations' request schemas and its record schemas."""

    def __init__(self, path: str | Path) -> None:
        self.document: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
        #: where the slice comes from: repository, path, commit
        self.source: Mapping[str, str] = self.document.get("x-source", {})
        self._plans: dict[int, tuple[frozenset[str], bool, frozenset[str], dict[str, Any]]] = {}

    # -- lookups ---------------------------------------------------------------------
    def resolve(self, node: Any) -> Any:
        """`node` with its `$ref` (and any `$ref` it lands on) followed."""
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def component(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.resolve(self.document["components"]["schemas"][name])
        return found

    def request_schema(self, template: str, method: str) -> dict[str, Any] | None:
        """The request body schema of an operation (its first media type), if any."""
        op = self.document["paths"][template][method.lower()]
        body = self.resolve(op.get("requestBody") or {})
        for media in (body.get("content") or {}).values():
            found: dict[str, Any] = self.resolve(media.get("schema") or {})
            return found
        return None

    def parameters(self, template: str, method: str, where: str = "query") -> dict[str, dict[str, Any]]:
        """An operation's parameters in `where` (query, path...), by name, their schemas resolved."""
        item = self.document["paths"][template]
        found: dict[str, dict[str, Any]] = {}
        for raw in [*item.get("parameters", []), *item[method.lower()].get("parameters", [])]:
            param = self.resolve(raw)
            if param.get("in") == where:
                found[param["name"]] = self.resolve(param.get("schema") or {})
        return found

    # -- the rules -------------------------------------------------------------------
    def properties(self, schema: Any) -> dict[str, Any]:
        """Every property a schema declares (through allOf, anyOf and oneOf too)."""
        schema = self.resolve(schema)
        found: dict[str, Any] = {}
        if not isinstance(schema, dict):
            return found
        for key in ("allOf", "anyOf", "oneOf"):
            for part in schema.get(key, []):
                found.update(self.properties(part))
        found.update(schema.get("properties") or {})
        return found

    def closed(self, schema: Any) -> bool:
        """Whether a schema rules out properties it does not declare."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return False
        if schema.get("additionalProperties") is False:
            return True
        if schema.get("unevaluatedProperties") in (False, {"not": {}}):
            return True
        return any(self.closed(part) for part in schema.get("allOf", []))

    def required(self, schema: Any) -> set[str]:
        schema = self.resolve(schema)
        found = set(schema.get("required", [])) if isinstance(schema, dict) else set()
        for part in schema.get("allOf", []) if isinstance(schema, dict) else []:
            found |= self.required(part)
        return found

    def nullable(self, schema: Any) -> bool:
        schema = self.resolve(schema)
        if not isinstance(schema, dict) or not schema:
            return True
        kind = schema.get("type")
        if schema.get("nullable") is True or kind == "null" or (isinstance(kind, list) and "null" in kind):
            return True
        if any(self.nullable(part) for key in ("anyOf", "oneOf") for part in schema.get(key, [])):
            return True
        parts = schema.get("allOf", [])
        return bool(parts) and kind is None and all(self.nullable(part) for part in parts)

    def problem(self, schema: Any, value: Any, *, form: bool = False) -> str | None:
        """What in `value` breaks `schema`, or None. `form`: the value is form text
        (a boolean is `true`/`false`, an integer digits, an empty string clears)."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return None
        for part in schema.get("allOf", []):
            if (found := self.problem(part, value, form=form)) is not None:
                return found
        for key in ("anyOf", "oneOf"):
            parts = schema.get(key)
            if parts and all(self.problem(part, value, form=form) is not None for part in parts):
                return self.problem(parts[0], value, form=form)
        if value is None:
            return None if self.nullable(schema) else "must not be null"
        kinds = schema.get("type")
        kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
        if form and isinstance(value, str):
            if "boolean" in kinds:
                if value.lower() not in {"true", "false"}:
                    return "must be true or false"
                return None
            if "integer" in kinds or "number" in kinds:
                try:
                    value = int(value) if "integer" in kinds else float(value)
                except ValueError:
                    return "must be a number"
            elif value == "" and (schema.get("pattern") or schema.get("format") or not kinds):
                return None  # an empty form field clears an optional id or URL
        wanted = tuple(t for kind in kinds if kind != "null" for t in _TYPES.get(kind, ()))
        if wanted and (not isinstance(value, wanted) or (isinstance(value, bool) and bool not in wanted)):
            return f"must be {' or '.join(k for k in kinds if k != 'null')}"
        if "enum" in schema and value not in schema["enum"]:
            return "must be one of " + ", ".join(
                str(choice) for choice in schema["enum"] if choice is not None
            )
        if "const" in schema and value != schema["const"]:
            return f"must be {schema['const']}"
        if isinstance(value, str):
            if len(value) < schema.get("minLength", 0):
                return (
                    "must not be empty"
                    if schema["minLength"] == 1
                    else f"is shorter than {schema['minLength']}"
                )
            if "maxLength" in schema and len(value) > schema["maxLength"]:
                return f"is longer than {schema['maxLength']} characters"
            if "pattern" in schema and _pattern(schema["pattern"]).search(value) is None:
                return f"must match {schema['pattern']}"
            if schema.get("format") == "uri" and value and ":" not in value:
                return "must be a URL"
            if schema.get("format") == "phone-number" and _E164.fullmatch(value) is None:
                return "must be a phone number in E.164 format"
            if schema.get("format") == "uuid" and _UUID.fullmatch(value) is None:
                return "must be a UUID"
        if isinstance(value, int | float) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                return f"must be at least {schema['minimum']}"
            if "maximum" in schema and value > schema["maximum"]:
                return f"must be at most {schema['maximum']}"
        if isinstance(value, dict):
            refused = self.refusal(schema, value, form=form)
            if refused is not None:
                return f"{refused.field}: {refused.message}"
        if isinstance(value, list) and "items" in schema:
            for index, item in enumerate(value):
                if (found := self.problem(schema["items"], item, form=form)) is not None:
                    return f"[{index}]: {found}"
        return None

    def refusal(self, schema: Any, body: Mapping[str, Any], *, form: bool = False) -> Refusal | None:
        """The first field of an object body that breaks `schema`, or None."""
        declared = self.properties(schema)
        for name in sorted(self.required(schema)):
            if name not in body:
                return Refusal(name, "required", "is required")
        closed = self.closed(schema)
        for name, value in body.items():
            if name not in declared:
                if closed:
                    return Refusal(name, "unknown", "is not a known field")
                continue
            found = self.problem(declared[name], value, form=form)
            if found is not None:
                return Refusal(name, _rule(found), found)
        return None

    def shape(self, schema: Any, record: Mapping[str, Any]) -> dict[str, Any]:
        """`record` as the spec has it on the wire: no property a closed schema
        lacks, no `null` for an optional property that is not nullable."""
        declared, closed, optional, nested = self._plan(schema)
        out: dict[str, Any] = {}
        for name, value in record.items():
            if name not in declared:
                if not closed:
                    out[name] = value
            elif value is None:
                if name not in optional:
                    out[name] = value
            elif name in nested and isinstance(value, dict):
                out[name] = self.shape(nested[name], value)
            else:
                out[name] = value
        return out

    def _plan(self, schema: Any) -> tuple[frozenset[str], bool, frozenset[str], dict[str, Any]]:
        """What `shape` needs of a schema, worked out once: its properties,
        whether it is closed, the optional non-nullable ones, the nested objects."""
        schema = self.resolve(schema)
        key = id(schema)
        plan = self._plans.get(key)
        if plan is None:
            declared = self.properties(schema)
            required = self.required(schema)
            optional = frozenset(
                name for name, sub in declared.items() if name not in required and not self.nullable(sub)
            )
            nested = {name: self.resolve(sub) for name, sub in declared.items() if self.properties(sub)}
            plan = (frozenset(declared), self.closed(schema), optional, nested)
            self._plans[key] = plan
        return plan


def _rule(message: str) -> str:
    for word, rule in (
        ("one of", "enum"),
        ("match", "pattern"),
        ("true or false", "type"),
        ("URL", "format"),
    ):
        if word in message:
            return rule
    return "invalid"
