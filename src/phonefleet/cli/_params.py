"""Command-line parameters every command spells the same way, declared once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from ._group import argument
from ._stores import FlagValues

__all__ = [
    "PathType",
    "debug_flag",
    "json_flag",
    "number_argument",
    "options",
    "provider_argument",
    "store_flags",
    "store_options",
    "subset_options",
    "timeout_flag",
    "timeout_option",
    "with_timeout",
]

#: a file argument, handed to the command as a `Path`
PathType = click.Path(path_type=Path)

json_flag = click.option("--json", "as_json", is_flag=True, help="print JSON for scripts")
debug_flag = click.option("--debug", is_flag=True, help="show the traceback of an error")
options = click.option(
    "--option",
    "-o",
    "option",
    metavar="KEY=VALUE",
    multiple=True,
    help="a provider setting (else the vendor's env vars)",
)


def timeout_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--timeout SECONDS`, with what it bounds in this command."""
    return click.option("--timeout", metavar="SECONDS", help=help_text)


def store_flags(timeout_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """-o, --timeout, --json and --debug: the flags of every command that opens one store."""
    flags = (options, timeout_option(timeout_help), json_flag, debug_flag)

    def apply(function: Callable[..., Any]) -> Callable[..., Any]:
        for flag in reversed(flags):  # as if stacked: the first listed shows first in --help
            function = flag(function)
        return function

    return apply


provider_argument = argument("provider", help="adapter name (see `phonefleet providers`)")
number_argument = argument("number", help="an E.164 number (+1...) or the provider's id")
_TIMEOUT = "give up on a vendor after this long, retries included (for every store the command opens)"
timeout_flag = timeout_option(_TIMEOUT)
store_options = store_flags(_TIMEOUT)


def with_timeout(options: Sequence[str] | None, timeout: str | None, flag: str = "-o/--option") -> FlagValues:
    """The settings a flag gave; `--timeout N` is `-o timeout=N`: one setting, one meaning."""
    given = [*(options or ()), *(() if timeout is None else [f"timeout={timeout}"])]
    return FlagValues(flag, given)


_number = click.option("--number", metavar="NUMBER", multiple=True, help="only this number (repeatable)")
_numbers = click.option(
    "--numbers",
    "numbers_file",
    metavar="FILE",
    type=PathType,
    help="only these numbers (one a line; - for stdin)",
)


def subset_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """--number N (repeatable) and --numbers FILE: the numbers a command is limited to."""
    return _number(_numbers(function))
