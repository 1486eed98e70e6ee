"""`phonefleet port check|create|list|show|cancel` against a Telnyx emulator on a Network.

Every command opens the same emulator (the CLI's `connect` is replaced), so
an order created by one invocation is listed, shown and cancelled by the
next. Bad input exits 2 with nothing sent; the pin is never printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from phonefleet import PortAccount, PortStatus
from phonefleet.cli import _stores, app
from phonefleet.cli._port import PIN_ENV, load_account
from phonefleet.testing import Emulator, Network, emulate
from phonefleet_telnyx.emulator import TelnyxEmulator

runner = CliRunner()


def _records(emu: Emulator) -> list[str]:
    assert isinstance(emu.transport, TelnyxEmulator)
    return sorted(r["phone_number"] for r in emu.transport.records.values())


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    network = Network()
    losing = emulate("telnyx", numbers=3, offset=900, seed=5, network=network)
    winning = emulate("telnyx", numbers=2, seed=1, network=network)

    def connect(provider: str, options: Any = None) -> Any:
        assert provider in ("telnyx", "emulator:telnyx")
        return winning.connect()

    monkeypatch.setattr(_stores, "connect", connect)
    monkeypatch.delenv(PIN_ENV, raising=False)
    number = _records(losing)[0]
    holder = network.account(number)
    loa, invoice = tmp_path / "loa.pdf", tmp_path / "bill.pdf"
    loa.write_bytes(b"%PDF-1.4 signed letter")
    invoice.write_bytes(b"%PDF-1.4 latest bill")
    transport = winning.transport
    assert isinstance(transport, TelnyxEmulator)
    return {
        "network": network,
        "losing": losing,
        "winning": winning,
        "transport": transport,
        "number": number,
        "holder": holder,
        "account": _account_file(tmp_path / "account.toml", holder),
        "loa": str(loa),
        "invoice": str(invoice),
    }


def _account_file(path: Path, holder: PortAccount, *, pin: bool = True, extra: str = "") -> str:
    address = holder.address
    lines = [
        f'name = "{holder.name}"',
        f'authorized_name = "{holder.authorized_name}"',
        f'authorized_email = "{holder.authorized_email}"',
        f'account_number = "{holder.account_number}"',
        f'billing_number = "{holder.billing_number}"',
        *([f'pin = "{holder.pin}"'] if pin else []),
        extra,
        "[address]",
        f'street = "{address.street}"',
        f'city = "{address.city}"',
        f'region = "{address.region}"',
        f'postal_code = "{address.postal_code}"',
        f'country = "{address.country}"',
    ]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), input=input, env=env)


def _create(world: dict[str, Any], *more: str, input: str | None = None, **kw: Any) -> Any:
    args = ["port", "create", "emulator:telnyx", world["number"], "--account", world["account"]]
    return run(*args, "--loa", world["loa"], "--invoice", world["invoice"], *more, input=input, **kw)


def _secrets_absent(world: dict[str, Any], *outputs: str) -> None:
    holder: PortAccount = world["holder"]
    for text in outputs:
        assert holder.pin is not None
        assert f'"{holder.pin}"' not in text
        assert f"\t{holder.pin}" not in text
        assert holder.account_number is not None
        assert holder.account_number not in text


def test_check_prints_a_row_per_number_and_json(world: dict[str, Any]) -> None:
    held = _records(world["winning"])[0]
    table = run("port", "check", "emulator:telnyx", world["number"], held)
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split("\t") == ["number", "portable", "fast", "reason"]
    assert lines[1].split("\t")[:2] == [world["number"], "yes"]
    assert lines[2].split("\t") == [held, "no", "no", "The phone number is already on your account"]
    data = json.loads(run("port", "check", "telnyx", world["number"], "--json").stdout)
    assert data == [{"number": world["number"], "portable": True, "reason": None, "fast": False}]


def test_create_list_show_cancel(world: dict[str, Any]) -> None:
    created = _create(world, "--yes", "--json", "--date", "2026-01-20")
    assert created.exit_code == 0, created.output
    [order] = json.loads(created.stdout)
    assert order["status"] == PortStatus.SUBMITTED.value
    assert [n["number"] for n in order["numbers"]] == [world["number"]]
    assert "raw" not in order
    _secrets_absent(world, created.output)

    listed = run("port", "list", "emulator:telnyx", "--open")
    assert listed.exit_code == 0, listed.output
    rows = listed.stdout.splitlines()
    assert rows[0].split("\t") == ["id", "status", "numbers", "foc date", "problems"]
    assert rows[1].split("\t")[:4] == [order["id"], "scheduled", world["number"], "2026-01-20"]

    shown = run("port", "show", "emulator:telnyx", order["id"], "--json")
    assert json.loads(shown.stdout)["foc_date"] == "2026-01-20T16:00:00+00:00"
    plain = run("port", "show", "emulator:telnyx", order["id"])
    assert f"number {world['number']}\tscheduled" in plain.stdout
    _secrets_absent(world, shown.output, plain.output, listed.output)

    cancelled = run("port", "cancel", "emulator:telnyx", order["id"], "--json")
    assert cancelled.exit_code == 0, cancelled.output
    assert json.loads(cancelled.stdout)["status"] == "cancelled"
    assert run("port", "list", "emulator:telnyx", "--open").stdout.strip() == "no open orders"
    everything = json.loads(run("port", "list", "emulator:telnyx", "--json").stdout)
    assert [(o["id"], o["status"]) for o in everything] == [(order["id"], "cancelled")]


def test_create_asks_first_and_a_no_creates_nothing(world: dict[str, Any]) -> None:
    declined = _create(world, input="n\n")
    assert declined.exit_code == 1
    assert "aborted: no order created" in declined.stderr
    assert world["transport"].porting.orders == {}
    accepted = _create(world, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert len(world["transport"].porting.orders) == 1
    world["network"].advance(days=7)
    assert world["number"] in _records(world["winning"])


def test_the_pin_may_come_from_the_environment_and_is_never_printed(
    world: dict[str, Any], tmp_path: Path
) -> None:
    holder: PortAccount = world["holder"]
    assert holder.pin is not None
    world["account"] = _account_file(tmp_path / "nopin.toml", holder, pin=False)
    account = load_account(Path(world["account"]), environ={PIN_ENV: holder.pin})
    assert account.pin == holder.pin
    created = _create(world, "--yes", "--json", env={PIN_ENV: holder.pin})
    assert created.exit_code == 0, created.output
    [order] = json.loads(created.stdout)
    shown = json.loads(run("port", "show", "telnyx", order["id"], "--json").stdout)
    assert shown["status"] == "scheduled"  # the pin matched the holder's bill
    wrong = run("port", "show", "telnyx", order["id"])
    _secrets_absent(world, created.output, wrong.output)


def test_a_mismatch_shows_the_vendors_words_and_no_secret(world: dict[str, Any], tmp_path: Path) -> None:
    holder: PortAccount = world["holder"]
    world["account"] = _account_file(tmp_path / "wrong.toml", holder, pin=False)
    wrong = "9731" if holder.pin != "9731" else "9732"
    created = _create(world, "--yes", "--json", env={PIN_ENV: wrong})
    [order] = json.loads(created.stdout)
    shown = run("port", "show", "telnyx", order["id"], "--json")
    assert json.loads(shown.stdout)["problems"] == [
        "PASSCODE_PIN_INVALID: Passcode/PIN does not match that on the CSR"
    ]
    assert wrong not in created.output + shown.output
    _secrets_absent(world, created.output, shown.output)


def test_not_portable_exits_1_with_the_reasons_and_creates_nothing(world: dict[str, Any]) -> None:
    world["network"].not_portable(world["number"], "the losing carrier refuses")
    result = _create(world, "--yes")
    assert result.exit_code == 1
    assert "the losing carrier refuses" in result.stdout
    assert result.stderr.startswith("error: 1 number cannot be ported")
    assert world["transport"].porting.orders == {}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"number": "555-0100"}, "555-0100"),
        ({"repeat": True}, "repeated"),
        ({"loa": None}, "letter of authorization (loa)"),
        ({"invoice": "/nonexistent/bill.pdf"}, "cannot read the invoice"),
        ({"account": "/nonexistent/account.toml"}, "cannot read the account file"),
        ({"account_extra": "colour = 'blue'"}, "unknown fields: colour"),
        ({"account_extra": "kind = 3"}, "kind must be a string"),
        ({"account_drop": "name"}, "'name'"),
        ({"date": "next tuesday"}, "--date takes a date"),
    ],
)
def test_bad_input_exits_2_and_sends_nothing(
    world: dict[str, Any], tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    holder: PortAccount = world["holder"]
    numbers = [change.get("number", world["number"])]
    if change.get("repeat"):
        numbers.append(world["number"])
    account = change.get("account", world["account"])
    if "account_extra" in change:
        account = _account_file(tmp_path / "extra.toml", holder, pin=False, extra=change["account_extra"])
    if "account_drop" in change:
        text = Path(world["account"]).read_text().splitlines()
        account = str(tmp_path / "dropped.toml")
        Path(account).write_text("\n".join(line for line in text if not line.startswith("name =")) + "\n")
    args = ["port", "create", "telnyx", *numbers, "--account", account, "--yes"]
    loa = change.get("loa", world["loa"])
    args += ["--loa", loa] if loa else []
    args += ["--invoice", change.get("invoice", world["invoice"])]
    args += ["--date", change["date"]] if "date" in change else []
    before = world["transport"].count()
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stderr.startswith("error: ")
    if "loa" not in change:
        assert "--loa FILE" not in result.stderr
    else:
        assert result.stderr.rstrip().endswith("on the command line: --loa FILE, --invoice FILE")
    assert world["transport"].count() == before
    _secrets_absent(world, result.output)


def test_a_provider_without_porting_is_refused_before_anything(
    monkeypatch: pytest.MonkeyPatch, world: dict[str, Any]
) -> None:
    from phonefleet import Feature, MemoryStore

    def connect(provider: str, options: Any = None) -> Any:
        return MemoryStore([], provider="linq", features=frozenset({Feature.LIST}))

    monkeypatch.setattr(_stores, "connect", connect)
    result = run("port", "list", "linq")
    assert result.exit_code == 1
    assert "does not support porting" in result.stderr
