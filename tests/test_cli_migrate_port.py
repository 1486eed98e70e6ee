"""`phonefleet migrate --port --account FILE --loa FILE --invoice FILE`: the daily job from the shell."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from phonefleet import AsyncMemoryStore, PortAccount
from phonefleet.cli import _stores, app
from phonefleet.cli._portfile import AccountFileError, load_account
from phonefleet.testing import Network

NUMBERS = ["+12025550100", "+12025550101"]
PIN = "8642"
ACCOUNT_NUMBER = "ACCT-5551234"

runner = CliRunner()


def _account_file(tmp_path: Path, *, pin: bool = True, name: str = "Acme Inc") -> Path:
    path = tmp_path / "account.toml"
    lines = [
        f'name = "{name}"',
        'authorized_name = "Pat Doe"',
        'authorized_email = "pat@acme.example"',
        f'account_number = "{ACCOUNT_NUMBER}"',
        *([f"pin = {PIN}"] if pin else []),
        "",
        "[address]",
        'street = "1 Main St"',
        'city = "Springfield"',
        'region = "IL"',
        'postal_code = "62701"',
        'country = "US"',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def net(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Network:
    """Two memory stores on one network stand in for the vendors; the holder's bill matches the file."""
    network = Network()
    stores: dict[str, Any] = {
        "twilio": AsyncMemoryStore(NUMBERS, provider="twilio", network=network),
        "telnyx": AsyncMemoryStore(provider="telnyx", network=network),
    }
    bill = load_account(_account_file(tmp_path))
    for number in NUMBERS:
        network.hold(stores["twilio"].adapter.network_key, number, bill)

    def connect_async(provider: str, options: Any = None) -> Any:
        _stores.parse_options(provider, options)
        return stores[provider]

    monkeypatch.setattr(_stores, "connect_async", connect_async)
    return network


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def _args(tmp_path: Path, account: Path, *more: str) -> list[str]:
    loa, invoice = tmp_path / "loa.pdf", tmp_path / "invoice.pdf"
    loa.write_bytes(b"%PDF-1.4 loa")
    invoice.write_bytes(b"%PDF-1.4 bill")
    return [
        "migrate",
        "--from",
        "twilio",
        "--to",
        "telnyx",
        "--port",
        "--account",
        str(account),
        "--loa",
        str(loa),
        "--invoice",
        str(invoice),
        "--journal",
        str(tmp_path / "journal.sqlite"),
        *more,
    ]


def test_plan_shows_port_steps_and_sends_nothing(net: Network, tmp_path: Path) -> None:
    result = run(*_args(tmp_path, _account_file(tmp_path)))
    assert result.exit_code == 0, result.output
    assert result.stdout.count("port_in") == len(NUMBERS)
    assert "dry run" in result.stdout
    assert PIN not in result.output
    assert ACCOUNT_NUMBER not in result.output


def test_apply_waits_exit_0_then_completes_on_a_later_run(net: Network, tmp_path: Path) -> None:
    args = _args(tmp_path, _account_file(tmp_path), "--apply")
    first = run(*args, "--json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert data["report"]["ok"] is False
    assert {w["number"] for w in data["report"]["waiting"]} == set(NUMBERS)
    assert {w["status"] for w in data["report"]["waiting"]} == {"scheduled"}
    assert PIN not in first.stdout
    assert ACCOUNT_NUMBER not in first.stdout

    table = run(*args)
    assert table.exit_code == 0, table.output
    assert "waiting for 2 ports, next FOC date 2026-01-08" in table.stdout
    assert "Waiting for a port (2)" in table.stdout
    assert "Cannot carry" not in table.stdout  # the numbers in flight are not asked about again
    assert "run the same command again" in table.stdout

    net.advance(days=5)
    done = run(*args, "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)["report"]
    assert report["ok"] is True
    assert {d["number"] for d in report["done"]} == set(NUMBERS)


def test_a_rejected_port_exits_1_without_showing_the_pin(net: Network, tmp_path: Path) -> None:
    args = _args(tmp_path, _account_file(tmp_path, name="Wrong Holder"), "--apply")
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert "Failed" in result.stdout
    assert "name does not match" in result.stdout
    assert PIN not in result.output


def test_usage_errors_exit_2_and_never_show_the_pin(net: Network, tmp_path: Path) -> None:
    base = ["migrate", "--from", "twilio", "--to", "telnyx"]
    assert run(*base, "--port").exit_code == 2  # no --account
    assert run(*base, "--account", str(_account_file(tmp_path))).exit_code == 2  # no --port
    missing = run(*base, "--port", "--account", str(tmp_path / "nope.toml"))
    assert missing.exit_code == 2
    assert "cannot read the account file" in missing.output
    account = _account_file(tmp_path)
    unreadable = run(*base, "--port", "--account", str(account), "--loa", str(tmp_path / "no.pdf"))
    assert unreadable.exit_code == 2
    assert "cannot read the loa document" in unreadable.output
    bad = tmp_path / "bad.toml"
    bad.write_text(f'name = "x"\npin = "{PIN}"\n[address]\nstreet = "1"\n', encoding="utf-8")
    result = run(*base, "--port", "--account", str(bad))
    assert result.exit_code == 2
    assert "incomplete" in result.output
    assert PIN not in result.output


def test_the_pin_may_come_from_the_environment(tmp_path: Path) -> None:
    account = load_account(_account_file(tmp_path, pin=False), {"PHONEFLEET_PORT_PIN": "2468"})
    assert isinstance(account, PortAccount)
    assert account.pin == "2468"
    assert load_account(_account_file(tmp_path), {"PHONEFLEET_PORT_PIN": "2468"}).pin == PIN  # the file wins
    path = tmp_path / "odd.toml"
    path.write_text(_account_file(tmp_path).read_text().replace("[address]", 'colour = "red"\n[address]'))
    with pytest.raises(AccountFileError, match="unknown fields: colour"):
        load_account(path)


def _files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.glob("journal.sqlite*"))}


def test_a_dry_run_reads_the_journal_of_earlier_orders_writes_nothing(net: Network, tmp_path: Path) -> None:
    account = _account_file(tmp_path)
    filed = run(*_args(tmp_path, account, "--apply"))
    assert filed.exit_code == 0, filed.output
    with contextlib.closing(sqlite3.connect(tmp_path / "journal.sqlite")) as db, db:
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")  # as an older phonefleet left it
    before = _files(tmp_path)
    assert "journal.sqlite" in before

    dry = run(*_args(tmp_path, account))
    assert dry.exit_code == 0, dry.output
    assert "dry run" in dry.stdout
    assert dry.stdout.count("port_in") == len(NUMBERS)  # the numbers in flight stay ports
    assert "Cannot carry" not in dry.stdout  # not asked about again
    assert "Waiting for a port (2)" in dry.stdout  # the orders filed earlier, as the journal has them
    as_json = run(*_args(tmp_path, account, "--json"))
    assert as_json.exit_code == 0, as_json.output
    shown = json.loads(as_json.stdout)
    assert shown["report"] is None
    assert {item["number"] for item in shown["waiting"]} == set(NUMBERS)
    assert {item["status"] for item in shown["waiting"]} == {"scheduled"}
    assert _files(tmp_path) == before  # not upgraded, not claimed: nothing written
