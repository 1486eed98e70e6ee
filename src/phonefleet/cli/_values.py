"""Values as a user reads them: `voice, sms` and `no` on a terminal, `true` / `false` in CSV.

JSON output keeps JSON's own types; these are for text a person (or a
spreadsheet) reads.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["csv_cell", "shown"]


def shown(value: Any) -> str | None:
    """One field of `show`: None stays empty, booleans are yes/no, lists are words."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(value) if value else "none"
    if isinstance(value, dict):
        if set(value) == {"status", "doc_url"}:  # a reputation
            return value["status"] if not value["doc_url"] else f"{value['status']} ({value['doc_url']})"
        return json.dumps(value, sort_keys=True)
    return str(value)


def csv_cell(value: Any) -> str | int | float:
    """One CSV cell: booleans `true` / `false`, a list of words joined by commas, anything nested as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ",".join(value)
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True)
    return value  # type: ignore[no-any-return]
