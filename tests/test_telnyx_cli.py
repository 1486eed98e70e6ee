"""`phonefleet list/show/forward emulator:telnyx`: the CLI over the Telnyx adapter,
every field from the emulator's records (forwarding only where it is `always`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from phonefleet.cli import _stores, app
from phonefleet.testing import emulate

runner = CliRunner()


def _seeded() -> Any:
    """The emulator `emulator:telnyx` builds, to compare the CLI's output with."""
    return emulate("telnyx", numbers=25, seed=_stores.SEED, **_stores.SEEDING.get("telnyx", {})).transport


def _expected_forwarding(emu: Any) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for ident, record in emu.records.items():
        settings = emu.voice[ident]["call_forwarding"]
        on = settings["call_forwarding_enabled"] and settings["forwarding_type"] == "always"
        found[record["phone_number"]] = (settings["forwards_to"] or None) if on else None
    return found


def test_list_shows_every_number_with_forwarding_only_when_always() -> None:
    emu = _seeded()
    result = runner.invoke(app, ["list", "emulator:telnyx", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert {n["provider"] for n in listed} == {"telnyx"}
    assert {n["number"]: n["forwarding_number"] for n in listed} == _expected_forwarding(emu)
    assert {n["id"] for n in listed} == set(emu.records)
    names = {r["phone_number"]: r["customer_reference"] for r in emu.records.values()}
    assert {n["number"]: n["name"] for n in listed} == names


def test_show_reads_one_number_by_e164() -> None:
    emu = _seeded()
    forwarded = {n: f for n, f in _expected_forwarding(emu).items() if f}
    number, target = next(iter(sorted(forwarded.items())))
    result = runner.invoke(app, ["show", "emulator:telnyx", number, "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert (shown["number"], shown["forwarding_number"], shown["country"]) == (number, target, "US")


@pytest.mark.parametrize("args", [["+1 (303) 555-9123"], ["--off"]])
def test_forward_sets_or_stops_forwarding(args: list[str]) -> None:
    emu = _seeded()
    number = next(n for n, f in sorted(_expected_forwarding(emu).items()) if f)
    result = runner.invoke(app, ["forward", "emulator:telnyx", number, *args, "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["number"] == number
    assert shown["forwarding_number"] == ("+13035559123" if args != ["--off"] else None)


def test_forward_to_a_bad_number_is_a_usage_error() -> None:
    result = runner.invoke(app, ["forward", "emulator:telnyx", "+12022000003", "not a number"])
    assert result.exit_code == 2
    assert "not a valid phone number" in result.output
