"""`phonefleet --help` and `--version` start at once: they import no HTTP
client, no event loop and no terminal renderer (a command loads what it needs
when it runs). Checked in fresh interpreters, by what they imported; the
time itself is measured in bench/bench_cli_start.py."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest

HEAVY = ("httpx", "asyncio", "rich", "stamina", "phonefleet.migrate", "phonefleet.testing")


def _imported_after(*args: str) -> tuple[str, list[str]]:
    code = (
        "import sys\n"
        "from phonefleet.cli import main\n"
        f"sys.argv = ['phonefleet', *{list(args)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('LOADED', *[m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)\n"
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


def test_a_command_that_lists_loads_what_it_needs() -> None:
    out, loaded = _imported_after("list", "emulator:linq", "--json")
    assert '"number"' in out
    assert "httpx" in loaded


def test_the_version_read_without_importlib_metadata_is_the_installed_one() -> None:
    from phonefleet._version import installed_version

    assert installed_version() == importlib.metadata.version("phonefleet")
    out, _ = _imported_after("--version")
    assert out.strip() == f"phonefleet {importlib.metadata.version('phonefleet')}"
