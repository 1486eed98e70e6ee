"""Every ```python sample in the README and docs/ runs, so samples cannot rot.

Samples that open a real vendor with `phonefleet.connect(...)` run against
that vendor's emulator instead: same adapter, same drivers, no network.
"""

from __future__ import annotations

import importlib.util
import pathlib
import re
from typing import Any

import pytest

import phonefleet
from _loopback import loopback_only  # noqa: F401 - samples of server mode use loopback sockets
from phonefleet.testing import emulate

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _samples(page: pathlib.Path) -> list[str]:
    return FENCE.findall(page.read_text())


@pytest.fixture
def emulated_vendors(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect, real_connect_async = phonefleet.connect, phonefleet.connect_async

    def connect(provider: str, **settings: Any) -> Any:
        if provider == "memory":
            return real_connect(provider, **settings)
        return emulate(provider, numbers=5).connect(provider, **settings)

    def connect_async(provider: str, **settings: Any) -> Any:
        if provider == "memory":
            return real_connect_async(provider, **settings)
        return emulate(provider, numbers=5).connect_async(provider, **settings)

    monkeypatch.setattr(phonefleet, "connect", connect)
    monkeypatch.setattr(phonefleet, "connect_async", connect_async)


@pytest.mark.parametrize("page", [p for p in PAGES if _samples(p)], ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.usefixtures("emulated_vendors")
def test_samples_run(page: pathlib.Path, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": f"docs_sample_{page.stem}"}
    for number, sample in enumerate(_samples(page), 1):
        try:
            exec(compile(sample, f"{page.name}#sample{number}", "exec"), namespace)
        except Exception as exc:
            pytest.fail(f"{page.relative_to(ROOT)} sample {number} failed: {exc!r}\n{sample}")


def test_the_pages_have_samples() -> None:
    assert sum(len(_samples(p)) for p in PAGES) >= 10


def _hooks() -> Any:
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_feature_matrix_matches_the_adapters() -> None:
    table = _hooks().feature_matrix()
    header, _, *rows = table.splitlines()
    assert [c.strip(" `") for c in header.strip("|").split("|")][1:] == phonefleet.providers()
    assert len(rows) == len(phonefleet.Feature)
    memory_column = phonefleet.providers().index("memory") + 1
    assert all(row.strip("|").split("|")[memory_column].strip() == "yes" for row in rows)


def test_settings_tables_come_from_the_registrations() -> None:
    text = _hooks().provider_settings()
    assert "### `twilio`" in text
    assert "| `account_sid` | str | yes | `TWILIO_ACCOUNT_SID` | - |" in text
    assert "| `page_size` | int | no | - | `250` |" in text  # telnyx
    assert "`PHONEFLEET_LINQ_BASE_URL`, `LINQ_API_V3_BASE_URL`" in text
    assert (
        text.count("### ")
        == len([p for p in phonefleet.providers() if phonefleet.provider_settings(p, common=False)]) + 1
    )
