"""The CLI's output layer and flags, in-process (CliRunner's stdout is a pipe, as a script's is)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

import phonefleet
from phonefleet.cli import _stores, app
from phonefleet.cli._output import NUMBER_COLUMNS, Column, fit, numbers_rows
from phonefleet.cli._watch import Watch
from phonefleet.testing import seeded_numbers

runner = CliRunner()
SECRET = "sk_live_0123456789abcdef"


def run(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=input)


# -- fitting a table to a terminal ---------------------------------------------------
def _rows(provider: str = "gravityrail", *, link: bool = True, reputation: bool = False) -> list[list[Any]]:
    numbers = list(seeded_numbers(6))
    rows = []
    for index, number in enumerate(numbers):
        rows.append(
            [
                provider,
                number,
                ("Clinic intake", "Main line", None)[index % 3],
                numbers[-1] if index % 2 else None,
                None,
                None,
                "active",
                "HEALTHY" if reputation else None,
                "36f675cc-81e7-4ef5-a8e2-5d940ed90475" if link and index % 2 == 0 else None,
            ]
        )
    return rows


def _width(columns: Any, fitted: Any, rows: list[list[Any]]) -> int:
    if fitted.widths is None:
        widths = [max(len(columns[i].name), *(len(r[i] or "-") for r in rows)) for i in fitted.keep]
    else:
        widths = fitted.widths
    return sum(widths) + 3 * len(fitted.keep) + 1


def test_a_wide_terminal_shows_every_column_with_a_value() -> None:
    rows = _rows()
    fitted = fit(NUMBER_COLUMNS, rows, 200, "gravityrail: 6 numbers")
    names = [NUMBER_COLUMNS[i].name for i in fitted.keep]
    assert names == [
        "provider",
        "number",
        "name",
        "forwarding",
        "state",
        "link",
    ]  # no empty type/caps/reputation
    assert fitted.widths is None
    assert fitted.title == "gravityrail: 6 numbers"


@pytest.mark.parametrize("width", [60, 70, 80, 90, 100, 120])
def test_a_narrow_terminal_folds_and_drops_but_never_cuts(width: int) -> None:
    rows = _rows(reputation=True)
    fitted = fit(NUMBER_COLUMNS, rows, width, "emulator:gravityrail: 6 numbers")
    names = [NUMBER_COLUMNS[i].name for i in fitted.keep]
    assert {"number", "name", "forwarding"} <= set(names)  # never dropped
    assert _width(NUMBER_COLUMNS, fitted, rows) <= width
    if fitted.widths is not None:
        for i, size in zip(fitted.keep, fitted.widths, strict=True):
            column = NUMBER_COLUMNS[i]
            assert size >= len(column.name)  # a title is never cut
            if column.whole:  # nor an E.164 number
                assert size >= max(len(r[i] or "-") for r in rows)
    if width <= 100:
        assert "provider" not in names  # one value on every row: it goes into the title
        assert "gravityrail" in str(fitted.title)


def test_a_shared_value_not_already_in_the_title_is_added_to_it() -> None:
    rows = _rows(provider="linq")
    fitted = fit(NUMBER_COLUMNS, rows, 80, "Every number")
    assert fitted.title == "Every number, provider linq, state active"


def test_mixed_providers_keep_their_column() -> None:
    rows = _rows(provider="linq", link=False)
    rows[0][0] = "gravityrail"
    fitted = fit(NUMBER_COLUMNS, rows, 80, None)
    assert NUMBER_COLUMNS[0] in [NUMBER_COLUMNS[i] for i in fitted.keep]


def test_a_foldable_column_wraps_instead_of_going() -> None:
    columns = (Column("id", whole=True), Column("detail"))
    rows = [["wf-1", "an active workflow still uses this number and more words follow"]]
    fitted = fit(columns, rows, 40, None)
    assert fitted.keep == [0, 1]
    assert fitted.widths is not None
    assert fitted.widths[0] == 4
    assert _width(columns, fitted, rows) <= 40


def test_numbers_rows_leave_unknowns_empty() -> None:
    number = phonefleet.PhoneNumber("linq", "l1", "+12025550100")
    (row,) = numbers_rows([number])
    assert row == ["linq", "+12025550100", None, None, None, None, "active", None, None]


# -- plain output in a pipe -------------------------------------------------------------
def test_show_blockers_providers_and_diff_are_plain_rows() -> None:
    number = next(iter(seeded_numbers(1)))
    shown = run("show", "emulator:gravityrail", number)
    assert shown.exit_code == 0, shown.output
    assert f"number\t{number}" in shown.stdout.splitlines()
    blockers = run("blockers", "emulator:gravityrail", number)
    assert blockers.exit_code == 0, blockers.output
    lines = blockers.stdout.splitlines()
    assert lines[0] == "kind\tid\tname\tdetail"
    assert len(lines) >= 2  # seeded as the demo is: the first numbers are blocked
    diff = run("diff", "emulator:linq", "emulator:gravityrail")
    assert diff.stdout.splitlines()[0] == "number\tstatus\tfields\temulator:linq\temulator:gravityrail"
    for result in (shown, blockers, run("providers"), diff):
        assert result.exit_code == 0, result.output
        assert all(line == line.rstrip() for line in result.stdout.splitlines())
        assert not set(result.stdout) & set("│┃━─")


def test_an_empty_list_is_one_line() -> None:
    result = run("list", "emulator:linq", "--archived")
    assert (result.exit_code, result.stdout) == (0, "no numbers\n")


def test_a_blocked_archive_on_the_emulator_is_refused_with_its_blockers() -> None:
    number = next(iter(seeded_numbers(1)))
    result = run("archive", "emulator:gravityrail", number, "--yes")
    assert result.exit_code == 1
    assert result.stdout.startswith("kind\tid\tname\tdetail\n")
    assert result.stderr.startswith(f"error: {number} cannot be archived")


# -- flags and errors -------------------------------------------------------------------
def test_export_takes_json_and_its_file_flag_does_not_collide_with_option(tmp_path: Any) -> None:
    exported = run("export", "emulator:linq", "--json")
    assert exported.exit_code == 0, exported.output
    assert len(json.loads(exported.stdout)) == 25
    out = tmp_path / "numbers.csv"
    wrong = run("export", "emulator:linq", "-o", str(out))
    assert wrong.exit_code == 2
    assert wrong.stderr.startswith("error: -o/--option takes key=value")
    assert str(out) not in wrong.stderr
    assert not out.exists()
    right = run("export", "emulator:linq", "-f", "csv", "--output", str(out))
    assert right.exit_code == 0, right.output
    assert out.read_text().startswith("provider,id,number")


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (("list", "emulator:linq", "-o", SECRET), "-o/--option"),
        (("list", "emulator:linq", "--option", f"={SECRET}"), "-o/--option"),
        (("list", "emulator:linq", "-o", f"{SECRET} key=1"), "-o/--option"),
        (("diff", "emulator:linq", "emulator:linq", "--b-option", SECRET), "--b-option"),
        (
            ("migrate", "--from", "emulator:linq", "--to", "emulator:gravityrail", "--to-option", SECRET),
            "--to-option",
        ),
    ],
)
def test_a_malformed_option_names_the_flag_and_shape_never_the_value(
    args: tuple[str, ...], flag: str
) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert SECRET not in result.output
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {flag} takes key=value")


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf"])
def test_a_bad_timeout_is_a_usage_error(value: str) -> None:
    for args in (("--timeout", value), ("-o", f"timeout={value}")):
        result = run("list", "emulator:linq", *args)
        assert result.exit_code == 2
        assert "timeout must be a number of seconds above 0" in result.stderr


def test_the_timeout_is_the_stores_overall_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def connect(provider: str, **settings: Any) -> Any:
        seen.update(settings)
        raise phonefleet.PhoneFleetError("stop here")

    monkeypatch.setattr(phonefleet, "connect", connect)
    for args in (("--timeout", "2.5"), ("-o", "timeout=2.5")):
        seen.clear()
        result = run("list", "linq", "-o", "api_key=k1234567", *args)
        assert result.exit_code == 1
        assert seen["retry"] == phonefleet.RetryPolicy(deadline=2.5)
        assert seen["timeout"] == 1.25  # each attempt gets half: one retry fits in the bound
        assert isinstance(seen["http_client"], httpx.Client)
        assert seen["http_client"].is_closed  # the CLI closes what it lent


def test_click_usage_errors_are_one_line() -> None:
    for args in (("nosuch",), ("show", "emulator:linq"), ("list", "emulator:linq", "--bogus")):
        result = run(*args)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.startswith("error: ")
        assert result.stderr.count("\n") == 1
    assert "Usage:" in run("list", "--help").stdout  # --help is as it was


def test_archived_with_all_is_a_usage_error() -> None:
    result = run("list", "emulator:linq", "--archived", "--all")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --archived and --all")


def test_a_number_that_is_not_e164_says_how_numbers_are_written() -> None:
    result = run("show", "emulator:linq", "555-1234")
    assert result.exit_code == 1
    assert result.stderr == "error: no number or id '555-1234' (numbers are E.164, e.g. +12025550100)\n"


def test_migrate_refuses_the_same_store_on_both_sides() -> None:
    result = run("migrate", "--from", "emulator:linq", "--to", "emulator:linq")
    assert result.exit_code == 2
    assert "the same store" in result.stderr
    assert result.stdout == ""


def test_link_takes_the_provider_phones_number_or_its_id(monkeypatch: pytest.MonkeyPatch) -> None:
    store = phonefleet.MemoryStore(
        [phonefleet.PhoneNumber("gravityrail", "g1", "+12025550100")],
        provider="gravityrail",
        linkable=[phonefleet.ProviderPhone("pp-1", "+12025550101"), phonefleet.ProviderPhone("pp-2", None)],
    )
    monkeypatch.setattr(_stores, "connect", lambda provider, options=None: store)
    linked = run("link", "gravityrail", "+12025550100", "+1 202 555 0101", "--json")
    assert linked.exit_code == 0, linked.output
    assert json.loads(linked.stdout)["link"] == "pp-1"
    missing = run("link", "gravityrail", "+12025550100", "+12025550199")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error: no linkable line with number +12025550199")
    by_id = run("link", "gravityrail", "+12025550100", "pp-2", "--json")
    assert json.loads(by_id.stdout)["link"] == "pp-2"


def test_closed_stdin_and_a_piped_yes(monkeypatch: pytest.MonkeyPatch) -> None:
    number = list(seeded_numbers(25))[-1]
    refused = run("archive", "emulator:gravityrail", number, input="")
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == "error: no answer to confirm; pass --yes\n"
    accepted = run("archive", "emulator:gravityrail", number, "--json", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.stdout)["archived"] is True


# -- the words for a vendor that does not answer -------------------------------------------
def _request() -> httpx.Request:
    return httpx.Request("GET", "http://127.0.0.1:9/v3/phone_numbers")


def test_explain_counts_attempts_and_names_the_bound() -> None:
    watch = Watch()
    watch.deadlines["linq"] = 2.0
    request = _request()
    for _ in range(3):
        watch.sending("linq", request)
        watch.failed(request, httpx.ReadTimeout("timed out"))
    error = phonefleet.DeadlineExceededError("linq: GET ... failed: ReadTimeout")
    assert watch.explain(error) == "linq did not answer within 2 s (3 attempts)"


def test_explain_without_a_timeout_uses_the_default_deadline() -> None:
    watch = Watch()
    request = _request()
    watch.sending("linq", request)
    watch.failed(request, httpx.ReadTimeout("timed out"))
    error = phonefleet.TransportError("linq: GET ... failed: ReadTimeout")
    assert watch.explain(error) == "linq did not answer within 60 s (1 attempt)"


def test_explain_a_refused_connection_and_an_answered_request() -> None:
    watch = Watch()
    request = _request()
    for _ in range(2):
        watch.sending("linq", request)
        watch.failed(request, httpx.ConnectError("refused"))
    error = phonefleet.TransportError("linq: GET ... failed: ConnectError")
    assert watch.explain(error) == "could not connect to linq at 127.0.0.1:9 (2 attempts)"
    watch.answered(request, httpx.Response(200, request=request))
    assert watch.explain(error) == str(error)  # nothing pending: the error's own words


def test_when_even_whole_words_do_not_fit_long_words_fold_but_titles_and_numbers_stay() -> None:
    columns = (
        Column("number", whole=True),
        Column("status", whole=True),
        Column("fields"),
        Column("emulator:linq"),
        Column("emulator:gravityrail"),
    )
    rows = [
        [
            "+12022000000",
            "differs",
            "name, forwarding_number",
            "-, +12025550791",
            "Front desk 1, +12025550148",
        ]
    ]
    fitted = fit(columns, rows, 80, None)
    assert fitted.keep == [0, 1, 2, 3, 4]
    assert fitted.widths is not None
    assert _width(columns, fitted, rows) <= 80
    assert fitted.widths[:2] == [12, 7]
    assert all(size >= len(columns[i].name) for i, size in zip(fitted.keep, fitted.widths, strict=True))


def test_the_demo_in_a_pipe_is_plain_text() -> None:
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert not set(result.stdout) & set("│┃━─┏┗\r\x1b")
    assert all(line == line.rstrip() for line in result.stdout.splitlines())
    assert "Plan linq -> gravityrail: " in result.stdout
    assert "#\tnumber\tstore\taction\tchange" in result.stdout.splitlines()
