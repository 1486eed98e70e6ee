"""The `phonefleet` command: tables, --json for scripts, exit codes, one-line errors."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import phonefleet
from phonefleet import ArchiveBlocker, AsyncMemoryStore, Feature, MemoryStore, PhoneNumber, ProviderPhone
from phonefleet.cli import _stores, app

A, B, C = "+12025550100", "+12025550101", "+12025550102"
FWD = "+14155550199"
SECRET = "sk_live_0123456789abcdef"

runner = CliRunner()


def _numbers(provider: str) -> list[PhoneNumber]:
    if provider == "linq":
        return [
            PhoneNumber("linq", "l1", A, name="Sales", forwarding_number=FWD),
            PhoneNumber("linq", "l2", B, name="Support"),
            PhoneNumber("linq", "l3", C, name="Billing"),
        ]
    return [PhoneNumber("gravityrail", "g1", A), PhoneNumber("gravityrail", "g2", B, name="Old")]


@pytest.fixture
def fleet(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Memory stores stand in for the vendors; every command opens them by name."""
    stores: dict[str, Any] = {
        "linq": MemoryStore(_numbers("linq"), provider="linq", features=frozenset(Feature) - {Feature.LINK}),
        "gravityrail": MemoryStore(
            _numbers("gravityrail"),
            provider="gravityrail",
            blockers={B: [ArchiveBlocker("workflow", "wf-9", "Inbound triage", "active")]},
            linkable=[ProviderPhone("pp-1", A), ProviderPhone("pp-2", B, assigned=True)],
        ),
    }
    astores: dict[str, Any] = {}

    def connect(provider: str, options: Any = None) -> Any:
        _stores.parse_options(provider, options)  # the real option checks
        return stores[provider]

    def connect_async(provider: str, options: Any = None) -> Any:
        _stores.parse_options(provider, options)
        if provider not in astores:
            source = stores[provider]
            astores[provider] = AsyncMemoryStore(
                list(source.list(archived=None)),
                provider=provider,
                features=source.features,
                blockers={B: source.archive_blockers(B)} if provider == "gravityrail" else None,
            )
        return astores[provider]

    monkeypatch.setattr(_stores, "connect", connect)
    monkeypatch.setattr(_stores, "connect_async", connect_async)
    return {"sync": stores, "async": astores}


def run(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=input)


def test_list_as_json_and_as_a_table(fleet: dict[str, Any]) -> None:
    result = run("list", "linq", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [n["number"] for n in data] == [A, B, C]
    assert data[0]["forwarding_number"] == FWD
    assert data[0]["provider"] == "linq"
    table = run("list", "linq")  # not a terminal: plain tab-separated rows under a header
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split("\t")[:4] == ["provider", "number", "name", "forwarding"]
    assert lines[1].split("\t")[:4] == ["linq", A, "Sales", FWD]
    assert len(lines) == 4


def test_list_archived_and_all(fleet: dict[str, Any]) -> None:
    fleet["sync"]["linq"].archive(C)
    assert [n["number"] for n in json.loads(run("list", "linq", "--json").stdout)] == [A, B]
    assert [n["number"] for n in json.loads(run("list", "linq", "--archived", "--json").stdout)] == [C]
    assert len(json.loads(run("list", "linq", "--all", "--json").stdout)) == 3


def test_show_and_forward(fleet: dict[str, Any]) -> None:
    shown = json.loads(run("show", "linq", A, "--json").stdout)
    assert shown["name"] == "Sales"
    assert "forwarding_number" in run("show", "linq", A).stdout
    changed = run("forward", "linq", B, "(415) 555-0123", "--json")
    assert changed.exit_code == 2  # not E.164 without a region: a usage error
    changed = run("forward", "linq", B, "+14155550123", "--json")
    assert changed.exit_code == 0
    assert json.loads(changed.stdout)["forwarding_number"] == "+14155550123"
    off = run("forward", "linq", B, "--off", "--json")
    assert json.loads(off.stdout)["forwarding_number"] is None
    assert run("forward", "linq", B).exit_code == 2


def test_blockers_and_archive(fleet: dict[str, Any]) -> None:
    blockers = json.loads(run("blockers", "gravityrail", B, "--json").stdout)
    assert blockers == [{"kind": "workflow", "id": "wf-9", "name": "Inbound triage", "detail": "active"}]
    blocked = run("archive", "gravityrail", B, "--yes")
    assert blocked.exit_code == 1
    assert "Inbound triage" in blocked.stdout
    assert blocked.stderr.strip().startswith("error: +12025550101 cannot be archived")
    assert len(blocked.stderr.strip().splitlines()) == 1
    assert "nothing blocks" in run("blockers", "gravityrail", A).stdout
    # asks first; "n" keeps the number
    declined = run("archive", "gravityrail", A, input="n\n")
    assert declined.exit_code == 1
    assert not fleet["sync"]["gravityrail"].get(A).archived
    accepted = run("archive", "gravityrail", A, "--json", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    # click's runner echoes the typed answer on stdout; the JSON follows it
    assert json.loads(accepted.stdout[accepted.stdout.index("{") :])["archived"] is True
    assert fleet["sync"]["gravityrail"].get(A).archived


def test_link_lists_links_and_unlinks(fleet: dict[str, Any]) -> None:
    lines = json.loads(run("link", "gravityrail", "--json").stdout)
    assert {line["id"] for line in lines} == {"pp-1", "pp-2"}
    linked = run("link", "gravityrail", A, "pp-1", "--json")
    assert linked.exit_code == 0
    assert json.loads(linked.stdout)["link"] == "pp-1"
    unlinked = run("link", "gravityrail", A, "--unlink", "--json")
    assert json.loads(unlinked.stdout)["link"] is None
    assert run("link", "gravityrail", A).exit_code == 2
    unsupported = run("link", "linq", A, "pp-1")
    assert unsupported.exit_code == 1
    assert unsupported.stderr.strip() == "error: linq does not support link"


def test_export_json_and_csv(fleet: dict[str, Any], tmp_path: Path) -> None:
    exported = json.loads(run("export", "linq").stdout)
    assert [n["number"] for n in exported] == [A, B, C]
    as_csv = run("export", "linq", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [row["number"] for row in rows] == [A, B, C]
    assert rows[0]["forwarding_number"] == FWD
    assert rows[1]["forwarding_number"] == ""
    out = tmp_path / "numbers.csv"
    written = run("export", "linq", "-f", "csv", "--output", str(out))
    assert written.exit_code == 0
    assert "wrote 3 numbers" in written.stderr
    assert out.read_text().startswith("provider,id,number")
    assert run("export", "linq", "--format", "xml").exit_code == 2


def test_diff(fleet: dict[str, Any]) -> None:
    result = run("diff", "linq", "gravityrail", "--json")
    assert result.exit_code == 0
    rows = {row["number"]: row for row in json.loads(result.stdout)}
    assert rows[A] == {"number": A, "status": "differs", "fields": ["name", "forwarding_number"]}
    assert rows[C]["status"] == "only_linq"
    table = run("diff", "linq", "gravityrail")
    assert f"{C}\tonly linq\t" in table.stdout
    assert table.stdout.count("\tdiffers\t") == 2


def test_migrate_is_a_dry_run_by_default(fleet: dict[str, Any], tmp_path: Path) -> None:
    result = run(
        "migrate", "--from", "linq", "--to", "gravityrail", "--json", "--save-plan", str(tmp_path / "p.json")
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["report"] is None
    assert [s["action"] for s in data["plan"]["steps"]] == ["set_name", "set_forwarding", "set_name"]
    assert data["plan"]["skipped"][0]["what"] == "create"
    assert json.loads((tmp_path / "p.json").read_text())["steps"] == data["plan"]["steps"]
    target = fleet["async"]["gravityrail"]
    assert target.adapter._numbers["g1"].name is None  # nothing changed
    text = run("migrate", "--from", "linq", "--to", "gravityrail")
    assert "dry run: 3 steps would run" in text.stdout


def test_migrate_apply_with_journal(fleet: dict[str, Any], tmp_path: Path) -> None:
    journal = tmp_path / "m.sqlite"
    args = [
        "migrate",
        "--from",
        "linq",
        "--to",
        "gravityrail",
        "--apply",
        "--create-missing",
        "--journal",
        str(journal),
    ]
    result = run(*args, "--json", "--concurrency", "2")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["report"]
    assert report["ok"] is True
    assert len(report["done"]) == 4
    assert journal.exists()
    again = run(*args)
    assert again.exit_code == 0
    assert "Plan linq -> gravityrail: nothing to do" in again.stdout
    assert "0 done" in again.stdout


def test_migrate_apply_reports_failures_with_exit_1(fleet: dict[str, Any], tmp_path: Path) -> None:
    args = ["migrate", "--from", "gravityrail", "--to", "linq", "--apply", "--archive-source"]
    result = run(*args, "--carry", "name", "--journal", str(tmp_path / "j.sqlite"))
    assert result.exit_code == 1
    assert "Failed" in result.stdout
    assert "Inbound triage" in result.stdout


def test_migrate_usage_errors(fleet: dict[str, Any]) -> None:
    assert run("migrate", "--from", "linq", "--to", "gravityrail", "--carry", "colour").exit_code == 2
    assert run("migrate", "--from", "linq").exit_code == 2
    assert run("migrate", "--from", "linq", "--to", "gravityrail", "--concurrency", "0").exit_code == 2


def test_providers_lists_adapters_with_settings() -> None:
    result = run("providers", "--json")
    assert result.exit_code == 0
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert set(phonefleet.providers()) == set(rows)
    assert rows["memory"]["available"] is True
    assert run("providers").stdout.startswith("provider\tstatus\t")


def test_unknown_provider_is_a_usage_error_in_one_line() -> None:
    result = run("list", "nosuch")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: no phonefleet adapter named 'nosuch'; installed: {', '.join(phonefleet.providers())}\n"
    )
    assert "Traceback" not in result.output


def test_bad_options_are_usage_errors_and_never_echo_values() -> None:
    result = run("list", "linq", "-o", f"nonsense={SECRET}")
    assert result.exit_code == 2
    assert "no setting 'nonsense'" in result.stderr
    assert SECRET not in result.output
    result = run("list", "linq", "-o", "no-equals-sign")
    assert result.exit_code == 2


def test_errors_are_one_line_and_credentials_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    def connect(provider: str, options: Any = None) -> Any:
        _stores.parse_options(provider, options)
        message = f"rejected key {SECRET}"  # even if a store leaked it, the CLI scrubs it
        raise phonefleet.AuthenticationError(message, provider="linq", status=401)

    monkeypatch.setattr(_stores, "connect", connect)
    result = run("list", "linq", "-o", f"api_key={SECRET}")
    assert result.exit_code == 1
    assert SECRET not in result.output
    assert result.stderr.count("\n") == 1
    assert "HTTP 401" in result.stderr
    assert "***" in result.stderr
    with pytest.raises(phonefleet.AuthenticationError):
        runner.invoke(app, ["list", "linq", "--debug"], catch_exceptions=False)


def test_unexpected_errors_are_one_line_unless_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    def connect(provider: str, options: Any = None) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(_stores, "connect", connect)
    result = run("list", "linq")
    assert result.exit_code == 1
    assert result.stderr == "error: RuntimeError: boom (rerun with --debug for the traceback)\n"
    debug = run("list", "linq", "--debug")
    assert isinstance(debug.exception, RuntimeError)


def test_missing_argument_is_exit_2_and_help_works() -> None:
    assert run("show", "linq").exit_code == 2
    helped = run("--help")
    assert helped.exit_code == 0
    for command in (
        "list",
        "show",
        "forward",
        "archive",
        "blockers",
        "link",
        "export",
        "diff",
        "migrate",
        "providers",
        "demo",
    ):
        assert command in helped.stdout


def test_real_connect_reports_missing_credentials_as_usage(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LINQ_API_V3_API_KEY", "LINQ_API_V3_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    result = run("list", "linq")
    assert result.exit_code == 2
    expected = "error: linq needs api_key: pass -o api_key=... or set LINQ_API_V3_API_KEY"
    assert result.stderr.startswith(expected)
    assert "linq: linq" not in result.stderr  # named once


def test_import_phonefleet_does_not_import_the_cli() -> None:
    import subprocess
    import sys

    code = (
        "import sys, phonefleet; "
        "print('click' in sys.modules, 'rich' in sys.modules, 'phonefleet.migrate' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "False"]
    code = "import sys, phonefleet.migrate; print('click' in sys.modules, 'rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_not_found_is_exit_1_and_a_bad_number_exit_2(fleet: dict[str, Any]) -> None:
    missing = run("show", "linq", "+12025550199")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error: linq")
    assert "no number +12025550199" in missing.stderr
    invalid = run("show", "linq", "+1202")
    assert invalid.exit_code == 2
    assert "is not a valid phone number" in invalid.stderr
    assert len(invalid.stderr.splitlines()) == 1


def test_emulator_providers_need_no_credentials() -> None:
    result = runner.invoke(app, ["list", "emulator:linq", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert len(listed) == 25
    assert {n["provider"] for n in listed} == {"linq"}
    diff = runner.invoke(app, ["diff", "emulator:linq", "emulator:gravityrail", "--json"])
    assert diff.exit_code == 0, diff.output
    unknown = runner.invoke(app, ["list", "emulator:nope"])
    assert unknown.exit_code == 2
    assert "nope" in unknown.output


def test_export_format_is_case_insensitive_and_the_table_splits_state_and_reputation() -> None:
    exported = runner.invoke(app, ["export", "emulator:linq", "-f", "CSV"])
    assert exported.exit_code == 0, exported.output
    assert exported.stdout.splitlines()[0].startswith("provider,id,number")
    listed = runner.invoke(app, ["list", "emulator:linq"])
    assert listed.exit_code == 0, listed.output
    assert "state" in listed.stdout
    assert "reputation" in listed.stdout


def test_an_interrupted_apply_prints_what_it_did_and_exits_130(
    fleet: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from phonefleet import migrate

    real_apply = migrate.apply_async

    async def interrupted(plan: Any, **options: Any) -> Any:
        report = await real_apply(plan, **options)  # the steps run, then Ctrl-C lands
        cancelled = asyncio.CancelledError()
        cancelled.report = report  # type: ignore[attr-defined] # as apply_async attaches it
        raise cancelled

    monkeypatch.setattr(migrate, "apply_async", interrupted)
    journal = tmp_path / "m.sqlite"
    args = ["migrate", "--from", "linq", "--to", "gravityrail", "--apply", "--journal", str(journal)]
    result = run(*args)
    assert result.exit_code == 130
    assert "done" in result.stdout
    assert f"journal: {journal} (interrupted" in result.stdout
    assert "error: interrupted" in result.stderr
    as_json = run(*args, "--json")
    assert as_json.exit_code == 130
    assert json.loads(as_json.stdout)["interrupted"] is True


def test_forward_asks_before_replacing_a_voice_handler_that_is_not_forwarding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On Twilio forwarding is the voice URL: a SIP trunk would silently go."""
    from phonefleet import Handler, NumberChanges, Routing
    from phonefleet.testing import emulate

    emulator = emulate("twilio", numbers=3)
    monkeypatch.setattr(_stores, "connect", lambda provider, options=None: emulator.connect("twilio"))
    with emulator.connect("twilio") as store:
        trunked, plain, _ = list(store.list())
        trunk = Handler("sip_trunk", target="TK0123456789abcdef0123456789abcdef")
        store.update(trunked.id, NumberChanges(routing=Routing(voice=trunk)))
        declined = run("forward", "twilio", trunked.number, FWD, input="n\n")
        assert declined.exit_code == 1
        assert "sip_trunk TK0123456789abcdef0123456789abcdef" in declined.output
        assert "aborted: nothing changed" in declined.stderr
        kept = store.get(trunked.id)
        assert kept.forwarding_number is None
        assert kept.routing is not None
        assert kept.routing.voice == trunk
        accepted = run("forward", "twilio", trunked.number, FWD, "--yes", "--json")
        assert accepted.exit_code == 0, accepted.output
        assert json.loads(accepted.stdout)["forwarding_number"] == FWD
        asked_nothing = run("forward", "twilio", plain.number, FWD, "--json")  # no handler to lose
        assert asked_nothing.exit_code == 0, asked_nothing.output
        assert json.loads(asked_nothing.stdout)["forwarding_number"] == FWD
