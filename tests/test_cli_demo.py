"""`phonefleet demo`: the whole story, offline, in-process."""

from __future__ import annotations

import re
from typing import Any

import pytest
from click.testing import CliRunner

import phonefleet
from phonefleet.cli import _demo, app

runner = CliRunner()

SECTIONS = (
    "phonefleet demo",
    "1. The fleets",
    "2. Every number, one normalised table",
    "3. Diff linq vs gravityrail",
    "4. Plan linq -> signalwire",
    "5. Plan linq -> gravityrail",
    "6. Applying",
    "Rerun with the same journal: 0 done",
    "Plan again after the migration: 0 steps left",
    "7. Archiving +12022000003 on gravityrail",
    "cannot be archived: blocked by",
    "8. Porting a number from twilio to telnyx",
    "9. Summary",
)


def _check_story(output: str) -> None:
    for section in SECTIONS:
        assert section in output, section
    # linq's forwarding is carried to signalwire too (SWML connect scripts)
    assert re.search(r"4\. Plan linq -> signalwire.*?set_forwarding", output, re.DOTALL)
    assert "Traceback" not in output
    # the migration left nothing failed, and the rerun sent nothing
    match = re.search(
        r"migration linq -> gravityrail\s*[│\t]\s*(\d+) done, 0 already done, 0 skipped, 0 failed", output
    )
    assert match
    assert int(match.group(1)) > 0
    # the port: submitted, then five days on the number has moved vendors
    assert re.search(r"order \S+ for \+12022000040: (submitted|scheduled)", output)
    assert "completed; telnyx lists it: yes; twilio no longer does: yes" in output
    assert re.search(r"port twilio -> telnyx\s*[│\t]\s*\+12022000040: completed", output)


def test_demo_runs_the_story_on_whatever_is_installed() -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    _check_story(result.stdout)
    for name in ("linq", "signalwire", "gravityrail"):
        assert re.search(rf"{name}\s*[│\t]\s*(emulator|memory stand-in)", result.stdout)


def test_demo_with_memory_stand_ins_is_labelled() -> None:
    result = runner.invoke(app, ["demo", "--stand-ins"])
    assert result.exit_code == 0, result.output
    _check_story(result.stdout)
    assert result.stdout.count("memory stand-in (requested)") >= 3
    assert "five days on (memory stand-ins)" in result.stdout
    assert "Inbound triage" in result.stdout
    assert "linq: 12, signalwire: 10, gravityrail: 10" in result.stdout
    # the stand-ins share the seeded numbers: 9 overlap between linq (0-11) and gravityrail (3-12)
    assert "3 only on linq, 1 only on gravityrail" in result.stdout


def test_demo_falls_back_when_an_adapter_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    real = _demo.emulate

    def emulate(provider: str, **options: Any) -> Any:
        if provider == "signalwire":
            raise phonefleet.UnknownProviderError(provider, ["linq", "gravityrail"])
        return real(provider, **options)

    monkeypatch.setattr(_demo, "emulate", emulate)
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    _check_story(result.stdout)
    assert "memory stand-in (no phonefleet adapter named 'signalwire'" in result.stdout
