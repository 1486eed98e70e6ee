"""The adapter is written against phonefleet's public API only, like a third party's."""

from __future__ import annotations

import ast
from pathlib import Path

import phonefleet_signalwire

# msgspec: the typed records a listing declares for the toolkit's fast path (phonefleet.adapter.Listing)
ALLOWED_ROOTS = {"phonefleet", "httpx", "attrs", "cattrs", "msgspec", "__future__"}
ALLOWED_PHONEFLEET = {"phonefleet", "phonefleet.adapter", "phonefleet.testing"}


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_only_public_phonefleet_names_and_allowed_libraries() -> None:
    import sys

    package = Path(phonefleet_signalwire.__file__).parent
    stdlib = sys.stdlib_module_names
    files = sorted(package.glob("*.py"))
    assert len(files) >= 7
    for path in files:
        for module in imported_modules(path):
            root = module.split(".")[0]
            if root == "phonefleet":
                assert module in ALLOWED_PHONEFLEET, f"{path.name} imports {module}"
            else:
                assert root in ALLOWED_ROOTS or root in stdlib, f"{path.name} imports {module}"


def test_the_entry_point_finds_the_registration() -> None:
    import phonefleet
    from phonefleet.adapter import registration

    assert "signalwire" in phonefleet.providers()
    found = registration("signalwire")
    assert found is phonefleet_signalwire.registration
    assert found.emulator is not None
    assert {s.name for s in found.settings} >= {"space", "project_id", "api_token", "base_url"}
    assert [s.name for s in found.settings if s.secret] == ["api_token"]
