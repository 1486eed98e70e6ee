"""`phonefleet --help` and `--version` start at once: they import no HTTP
client, no event loop and no terminal renderer (a command loads what it needs
when it runs). Checked in fresh interpreters, by what they imported; the
time itself is measured in bench/bench_cli_start.py."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import pytest

HEAVY = ("httpx", "asyncio", "rich", "stamina", "phonefleet.migrate", "phonefleet.testing")
#: what `--help` and `--version` never need: the model (attrs), any command's module, typer and
#: pydantic (no longer dependencies), the entry-point search
COMMAND_MODULES = (
    "attrs",
    "phonefleet._model",
    "phonefleet._registry",
    "phonefleet.cli._app",
    "phonefleet.cli._listing",
    "phonefleet.cli._output",
    "phonefleet.cli._emulate",
    "phonefleet.cli._demo",
    "phonefleet.cli._port",
    "typer",
    "pydantic",
    "importlib.metadata",
)
#: what `list emulator:linq --json` never needs: an event loop, the planner and journal, the
#: entry-point search (linq is one of phonefleet's own adapters), the HTTP server, the other
#: commands' modules, stamina (no retry happened); not rich: httpx imports it when installed
NOT_FOR_LIST = (
    "asyncio",
    "sqlite3",
    "phonefleet.migrate._plan",
    "phonefleet.migrate._journal",
    "phonefleet.migrate._apply",
    "importlib.metadata",
    "http.server",
    "phonefleet.testing._server",
    "phonefleet.cli._app",
    "phonefleet.cli._demo",
    "phonefleet.cli._port",
    "stamina",
    "typer",
    "pydantic",
)


def _imported_after(*args: str, watch: tuple[str, ...] = HEAVY) -> tuple[str, list[str]]:
    code = (
        "import sys\n"
        "from phonefleet.cli import main\n"
        f"sys.argv = ['phonefleet', *{list(args)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('LOADED', *[m for m in {watch!r} if m in sys.modules], file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    line = next(line for line in done.stderr.splitlines() if line.startswith("LOADED"))
    return done.stdout, line.split()[1:]


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("list", "--help")])
def test_help_and_version_load_nothing_heavy(args: tuple[str, ...]) -> None:
    out, loaded = _imported_after(*args)
    assert out.strip()  # it did answer
    assert loaded == []


@pytest.mark.parametrize("args", [("--help",), ("--version",)])
def test_help_and_version_load_no_command(args: tuple[str, ...]) -> None:
    out, loaded = _imported_after(*args, watch=COMMAND_MODULES)
    assert out.strip()
    assert loaded == []


def test_a_command_that_lists_loads_what_it_needs() -> None:
    out, loaded = _imported_after("list", "emulator:linq", "--json")
    assert '"number"' in out
    assert "httpx" in loaded
    out, loaded = _imported_after("list", "emulator:linq", "--json", watch=NOT_FOR_LIST)
    assert len(json.loads(out)) == 25  # every number of the seeded emulator, validated and printed
    assert loaded == []


def test_the_command_list_is_each_commands_own_help() -> None:
    """`phonefleet --help` lists the commands from summaries, without importing them: each
    summary is its command's own first paragraph, and every command is listed."""
    import click

    from phonefleet.cli import COMMANDS, app

    ctx = click.Context(app, info_name="phonefleet")
    for name, lazy in COMMANDS.items():
        command = app.get_command(ctx, name)
        assert command is not None
        assert command.help is not None
        assert lazy.summary == command.help.split("\n\n")[0].strip(), name
        for limit in (30, 45, 80):
            shown = click.Command(name, help=lazy.summary).get_short_help_str(limit)
            assert shown == command.get_short_help_str(limit)
    assert app.list_commands(ctx) == list(COMMANDS)


def test_the_version_read_without_importlib_metadata_is_the_installed_one() -> None:
    from phonefleet._version import installed_version

    assert installed_version() == importlib.metadata.version("phonefleet")
    out, _ = _imported_after("--version")
    assert out.strip() == f"phonefleet {importlib.metadata.version('phonefleet')}"
