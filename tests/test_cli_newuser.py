"""A new user's path through the CLI: honest help, their own spelling, saved plans, subsets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

from phonefleet import AsyncMemoryStore, PhoneNumber
from phonefleet.cli import _stores, app

A, B, C = "+12025550100", "+12025550101", "+12025550102"
runner = CliRunner()


def run(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=input)


@pytest.fixture
def fleet(monkeypatch: pytest.MonkeyPatch) -> dict[str, AsyncMemoryStore]:
    """Memory stand-ins: linq holds A, B, C (named); gravityrail holds A and B."""
    stores = {
        "linq": AsyncMemoryStore(
            [PhoneNumber("linq", f"l{i}", n, name=f"Line {i}") for i, n in enumerate((A, B, C))],
            provider="linq",
        ),
        "gravityrail": AsyncMemoryStore([A, B], provider="gravityrail"),
    }

    def connect_async(provider: str, options: Any = None) -> Any:
        _stores.parse_options(provider, options)
        return stores[provider]

    monkeypatch.setattr(_stores, "connect_async", connect_async)
    return stores


def test_timeout_help_names_no_flag_a_command_lacks() -> None:
    for command in ("diff", "migrate", "list"):
        text = " ".join(run(command, "--help").stdout.split())
        assert "-o timeout" not in text
        assert "for every store the command opens" in text


def test_skip_reasons_name_the_cli_flag(fleet: dict[str, Any]) -> None:
    result = run("migrate", "--from", "linq", "--to", "gravityrail")
    assert result.exit_code == 0, result.output
    assert f"{C}\tcreate\tnot on gravityrail; pass --create-missing to create it" in result.stdout
    assert "create_missing" not in result.stdout


def test_a_temporary_journal_is_called_temporary(tmp_path: Path) -> None:
    result = run("migrate", "--from", "emulator:linq", "--to", "emulator:gravityrail", "--apply")
    assert result.exit_code in (0, 1), result.output
    assert "journal: none kept (emulators start fresh each run" in result.stdout
    assert "journal.sqlite" not in result.stdout
    as_json = run("migrate", "--from", "emulator:linq", "--to", "emulator:gravityrail", "--apply", "--json")
    assert json.loads(as_json.stdout)["journal"] is None


@pytest.mark.parametrize(
    ("given", "suggestion"),
    [("twillio", "twilio"), ("emulatr:linq", "emulator:linq"), ("emulator:telnix", "emulator:telnyx")],
)
def test_provider_typos_get_a_did_you_mean(given: str, suggestion: str) -> None:
    result = run("list", given)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: no phonefleet adapter named {given!r} (did you mean {suggestion!r}?)"
    )


def test_a_saved_plan_is_applied(fleet: dict[str, Any], tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    planned = run("migrate", "--from", "linq", "--to", "gravityrail", "--save-plan", str(saved))
    assert planned.exit_code == 0, planned.output
    source = fleet["linq"].adapter._numbers
    source["l0"] = attrs.evolve(source["l0"], name="Renamed since")  # the saved plan is what runs
    journal = tmp_path / "j.sqlite"
    applied = run("migrate", "--plan", str(saved), "--apply", "--journal", str(journal), "--json")
    assert applied.exit_code == 0, applied.output
    report = json.loads(applied.stdout)["report"]
    assert len(report["done"]) == 2
    target = fleet["gravityrail"].adapter
    assert sorted(n.name for n in target._numbers.values()) == ["Line 0", "Line 1"]


def test_a_saved_plan_refuses_other_stores(fleet: dict[str, Any], tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert run("migrate", "--from", "linq", "--to", "gravityrail", "--save-plan", str(saved)).exit_code == 0
    result = run("migrate", "--plan", str(saved), "--from", "gravityrail", "--to", "linq", "--apply")
    assert result.exit_code == 2
    assert "the plan's source is 'linq', but the source store given is 'gravityrail'" in result.stderr
    mixed = run("migrate", "--plan", str(saved), "--number", A)
    assert mixed.exit_code == 2
    assert "--plan runs a saved plan as it is" in mixed.stderr
    (tmp_path / "junk.json").write_text("{}")
    assert run("migrate", "--plan", str(tmp_path / "junk.json")).exit_code == 2


def test_a_subset_of_numbers(fleet: dict[str, Any], tmp_path: Path) -> None:
    listed = tmp_path / "numbers.txt"
    listed.write_text(f"# the two to move\n{B}\n\n+1 202 555 0199  # not on linq\n")
    result = run(
        "migrate", "--from", "linq", "--to", "gravityrail", "--numbers", str(listed), "--number", A, "--json"
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)["plan"]
    assert sorted({s["number"] for s in plan["steps"]}) == [A, B]
    assert plan["skipped"] == [
        {"number": "+12025550199", "what": "number", "reason": "not an active number on linq"}
    ]
    bad = run("migrate", "--from", "linq", "--to", "gravityrail", "--number", "12")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: --number 12: ")


# -- values as a user reads them, tables at 80 columns (a real terminal) --------------
def test_show_prints_words_not_python_reprs() -> None:
    from test_cli_terminal import in_pipe

    listed = in_pipe("list", "emulator:twilio")
    first = listed.stdout.splitlines()[1].split("\t")[1]
    shown = dict(
        line.split("\t", 1) for line in in_pipe("show", "emulator:twilio", first).stdout.splitlines()
    )
    assert shown["archived"] == "no"
    with _stores.connect("emulator:twilio") as store:  # seeded the same in every process
        capabilities = store.get(first).capabilities
    assert capabilities
    assert shown["capabilities"] == ", ".join(sorted(c.value for c in capabilities))
    assert "False" not in shown.values()


def test_csv_writes_true_false_and_plain_lists() -> None:
    import csv
    import io

    from test_cli_terminal import in_pipe

    rows = list(
        csv.DictReader(io.StringIO(in_pipe("export", "emulator:twilio", "-f", "csv", "--all").stdout))
    )
    assert {row["archived"] for row in rows} <= {"true", "false"}
    assert "false" in {row["archived"] for row in rows}
    assert all("[" not in row["capabilities"] for row in rows)


@pytest.mark.parametrize("provider", ["emulator:linq", "emulator:telnyx"])
def test_eighty_columns_move_a_shared_provider_and_state_into_the_title(provider: str) -> None:
    from test_cli_terminal import on_terminal

    code, screen = on_terminal("list", provider, cols=80)
    assert code == 0, screen
    header = next(line for line in screen.splitlines() if "┃" in line and "number" in line)
    titles = [cell.strip() for cell in header.strip("┃").split("┃")]
    assert "provider" not in titles
    assert "state" not in titles
    title = next(line for line in screen.splitlines() if "number" in line and "┃" not in line)
    assert "active" in title


@pytest.mark.parametrize(
    ("args", "suggestion", "where"),
    [(["lst"], "'list'", "phonefleet"), (["port", "chek"], "'check'", "phonefleet port")],
)
def test_command_typos_get_a_did_you_mean(args: list[str], suggestion: str, where: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: no such command {args[-1]!r} (did you mean {suggestion}?) (see '{where} --help')\n"
    )
    far = run("zzz")
    assert far.exit_code == 2
    assert far.stderr == "error: no such command 'zzz' (see 'phonefleet --help')\n"
