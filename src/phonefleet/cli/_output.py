"""Output for the CLI: rich tables on a terminal, JSON for scripts, one-line errors."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NoReturn

import click
import typer
from rich.console import Console
from rich.table import Table

import phonefleet
from phonefleet import ArchiveBlocker, PhoneNumber
from phonefleet.migrate._codec import number_to_json

from ._stores import SECRETS, CliUsageError

__all__ = ["Output", "blockers_table", "errors", "numbers_table"]

_WIDTH_OFF_TERMINAL = 130


class Output:
    """Where a command writes: `console` (stdout), `err` (stderr), or JSON."""

    def __init__(self, *, as_json: bool = False) -> None:
        self.as_json = as_json
        self.console = _console(sys.stdout, stderr=False)
        self.err = _console(sys.stderr, stderr=True)

    def json(self, data: Any) -> None:
        typer.echo(json.dumps(data, indent=2, default=str))

    def print(self, *items: Any) -> None:
        if not self.as_json:
            self.console.print(*items)

    def warn(self, text: str) -> None:
        self.err.print(SECRETS.scrub(text), markup=False, highlight=False)


def _console(file: Any, *, stderr: bool) -> Console:
    terminal = bool(getattr(file, "isatty", lambda: False)())
    return Console(
        file=file,
        stderr=stderr,
        width=None if terminal else _WIDTH_OFF_TERMINAL,
        force_terminal=None,
        soft_wrap=False,
    )


def fail(message: str, *, code: int = 1) -> NoReturn:
    """One line on stderr, then the exit code."""
    click.echo(f"error: {SECRETS.scrub(message)}", err=True)
    raise typer.Exit(code)


@contextlib.contextmanager
def errors(debug: bool) -> Iterator[None]:
    """Typed errors become one line and an exit code; --debug shows the traceback."""
    try:
        yield
    except (typer.Exit, click.exceptions.Exit, click.Abort, click.ClickException):
        raise
    except CliUsageError as exc:
        if debug:
            raise
        fail(str(exc), code=2)
    except (phonefleet.UnknownProviderError, phonefleet.InvalidNumberError) as exc:
        if debug:
            raise
        fail(str(exc), code=2)
    except phonefleet.PhoneFleetError as exc:
        if debug:
            raise
        fail(str(exc), code=1)
    except KeyboardInterrupt:
        if debug:
            raise
        fail("interrupted", code=1)
    except Exception as exc:
        if debug:
            raise
        fail(f"{type(exc).__name__}: {exc} (rerun with --debug for the traceback)", code=1)


def _capabilities(number: PhoneNumber) -> str:
    if number.capabilities is None:
        return "?"
    return ",".join(sorted(c.value for c in number.capabilities)) or "-"


def _state(number: PhoneNumber) -> str:
    return "archived" if number.archived else "active"


def _reputation(number: PhoneNumber) -> str:
    return number.reputation.status.value if number.reputation is not None else "-"


def numbers_table(numbers: Iterable[PhoneNumber], *, title: str | None = None) -> Table:
    """One normalised table, whichever vendor the numbers come from."""
    table = Table(title=title, title_justify="left")
    columns = ("provider", "number", "name", "forwarding", "type", "caps", "state", "reputation", "link")
    for name in columns:
        table.add_column(name, no_wrap=name in ("number", "forwarding", "provider"))
    for number in numbers:
        table.add_row(
            number.provider,
            number.number,
            number.name or "-",
            number.forwarding_number or "-",
            number.number_type.value,
            _capabilities(number),
            _state(number),
            _reputation(number),
            number.link or "-",
        )
    return table


def blockers_table(blockers: Sequence[ArchiveBlocker], *, title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left")
    for name in ("kind", "id", "name", "detail"):
        table.add_column(name)
    for blocker in blockers:
        table.add_row(blocker.kind, blocker.id, blocker.name or "-", blocker.detail or "-")
    return table


def blockers_json(blockers: Sequence[ArchiveBlocker]) -> list[dict[str, Any]]:
    return [{"kind": b.kind, "id": b.id, "name": b.name, "detail": b.detail} for b in blockers]


def numbers_json(numbers: Iterable[PhoneNumber]) -> list[dict[str, Any]]:
    return [number_to_json(number) for number in numbers]
