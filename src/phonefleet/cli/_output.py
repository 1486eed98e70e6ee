"""The CLI's one output layer: rows and columns in, the right drawing out.

Commands hand it data; none draws its own table. On a terminal it draws a
rich table fitted to the width (on a narrow one, a value every row shares
moves into the title and low-value columns go, but a column title or an
E.164 number is never cut); in a pipe, plain tab-separated rows (no
padding, no trailing spaces, no progress frames); with `--json`, JSON.
Errors are one line on stderr.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
import traceback
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import attrs
import click
from click.exceptions import Exit

import phonefleet
from phonefleet import ArchiveBlocker, PhoneNumber

from ._printable import printable
from ._stores import SECRETS, CliUsageError
from ._watch import WATCH

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "Column",
    "Output",
    "confirm",
    "blockers_rows",
    "errors",
    "fail",
    "fit",
    "isatty",
    "numbers_rows",
]

Cell = str | None
Row = Sequence[Cell]

_NONE = "-"
#: the widest a folded column shrinks to before it is dropped instead
_FOLD_MIN = 18


@attrs.frozen
class Column:
    """One column: how it behaves when the terminal is too narrow for all.

    `whole`: never wrapped or cut (E.164 numbers, short values). `optional`:
    shown only when some row has a value. `drop`: on a narrow terminal,
    columns with a higher value go first; 0 never goes. `fold`: on a narrow
    terminal, a value every row shares moves into the title.
    """

    name: str
    whole: bool = False
    optional: bool = False
    drop: int = 0
    fold: bool = False
    justify: Literal["left", "right"] = "left"


def _text(cell: Cell) -> str:
    return _NONE if cell is None else printable(cell)


def _overhead(count: int) -> int:
    """rich's default box: a border and one space of padding either side of each cell."""
    return 3 * count + 1


def _longest_word(values: Iterable[str]) -> int:
    return max((len(word) for value in values for word in value.split()), default=0)


@attrs.frozen
class Fitted:
    """The columns a terminal shows, their widths (None: natural), and the title."""

    keep: list[int]
    widths: list[int] | None
    title: str | None


#: a terminal this wide or narrower folds shared values into the title, even when all would fit
NARROW = 100


def fit(columns: Sequence[Column], rows: Sequence[Row], width: int, title: str | None = None) -> Fitted:
    """Choose the columns and widths for a terminal `width` columns wide."""
    keep = [
        i
        for i, column in enumerate(columns)
        if not column.optional or any(row[i] is not None for row in rows)
    ]
    texts = [[_text(row[i]) for row in rows] for i in range(len(columns))]
    natural = [max([len(columns[i].name), *(len(t) for t in texts[i])]) for i in range(len(columns))]
    minimum = [
        natural[i]
        if columns[i].whole
        else max(len(columns[i].name), min(_longest_word(texts[i]), _FOLD_MIN, natural[i]))
        for i in range(len(columns))
    ]
    # at most two lines per wrapped cell before a low-value column is given up
    comfortable = [
        natural[i] if columns[i].whole else max(minimum[i], math.ceil(natural[i] / 2))
        for i in range(len(columns))
    ]

    def total(sizes: list[int], kept: list[int]) -> int:
        return sum(sizes[i] for i in kept) + _overhead(len(kept))

    if total(natural, keep) <= width and width > NARROW:
        return Fitted(keep, None, title)
    shared: list[str] = []  # on a narrow terminal, a value every row shares goes into the title
    for i in list(keep):
        values = {row[i] for row in rows}
        if columns[i].fold and len(values) == 1 and None not in values and len(keep) > 1:
            keep.remove(i)
            (value,) = values
            if value is not None and (title is None or value not in title):
                shared.append(f"{columns[i].name} {value}")
    if shared:
        title = ", ".join([title, *shared] if title else shared)
    droppable = sorted((i for i in keep if columns[i].drop), key=lambda i: (columns[i].drop, i))
    for sizes in (comfortable, minimum):
        while total(sizes, keep) > width and droppable and len(keep) > 1:
            keep.remove(droppable.pop())
    if total(natural, keep) <= width:
        return Fitted(keep, None, title)
    widths = {i: minimum[i] for i in keep}
    spare = width - total(minimum, keep)
    while spare < 0:  # still too wide: fold long words, the widest column first, never below its title
        shrinkable = [i for i in keep if not columns[i].whole and widths[i] > len(columns[i].name)]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i] - len(columns[i].name))
        widths[widest] -= 1
        spare += 1
    growable = [i for i in keep if natural[i] > widths[i]]
    while spare > 0 and growable:  # share what is left, a column at a time, up to each one's natural width
        for i in list(growable):
            if spare <= 0:
                break
            widths[i] += 1
            spare -= 1
            if widths[i] >= natural[i]:
                growable.remove(i)
    return Fitted(keep, [widths[i] for i in keep], title)


def _plain(value: str) -> str:
    """A cell for a tab-separated row: one line, no tab inside."""
    return " ".join(value.split())


class Output:
    """Where a command writes: a terminal (rich), a pipe (plain rows), or JSON."""

    def __init__(self, *, as_json: bool = False) -> None:
        self.as_json = as_json
        self.terminal = isatty(sys.stdout)
        self.console: Console | None = None
        if self.terminal:  # rich loads only to draw on a terminal
            from rich.console import Console

            self.console = Console(file=sys.stdout, soft_wrap=False)

    # -- data ---------------------------------------------------------------
    def json(self, data: Any) -> None:
        click.echo(json.dumps(data, indent=2, default=str))

    def table(
        self,
        columns: Sequence[Column],
        rows: Iterable[Row],
        *,
        title: str | None = None,
        empty: str | None = None,
        plain_title: bool = False,
    ) -> None:
        """Rows under column titles; `empty` is the one line printed when there are none.

        In a pipe the title is left out (the rows are the data) unless
        `plain_title` says it is part of the story, as in the demo.
        """
        if self.as_json:
            return
        rows = [list(row) for row in rows]
        if not rows and empty is not None:
            self.line(empty)
            return
        if self.console is None:
            if plain_title and title:
                self.line(title)
            self._rows([[c.name for c in columns], *([_text(cell) for cell in row] for row in rows)])
            return
        from rich.table import Table

        fitted = fit(columns, rows, self.console.width, title)
        table = Table(title=fitted.title, title_justify="left")
        for position, i in enumerate(fitted.keep):
            column = columns[i]
            table.add_column(
                column.name,
                no_wrap=column.whole,
                overflow="fold",
                justify=column.justify,
                min_width=len(column.name),
                width=None if fitted.widths is None else fitted.widths[position],
            )
        for row in rows:
            table.add_row(*(_text(row[i]) for i in fitted.keep))
        self.console.print(table)

    def record(self, pairs: Iterable[tuple[str, Cell]], *, title: str | None = None) -> None:
        """One thing's fields, a line each (`show`)."""
        if self.as_json:
            return
        pairs = list(pairs)
        if self.console is None:
            self._rows([[key, _text(value)] for key, value in pairs])
            return
        from rich.table import Table

        columns = (Column("field", whole=True), Column("value"))
        fitted = fit(columns, pairs, self.console.width, title)
        table = Table(show_header=False, title=title, title_justify="left")
        table.add_column("field", style="bold", no_wrap=True)
        table.add_column("value", overflow="fold", width=None if fitted.widths is None else fitted.widths[-1])
        for key, value in pairs:
            table.add_row(printable(key), _text(value))
        self.console.print(table)

    def line(self, text: str, *, markup: bool = False) -> None:
        """A line of text; `markup` (rich's [bold]) only styles it on a terminal."""
        if self.as_json:
            return
        text = printable(text)
        if self.console is None:
            if markup:
                from rich.text import Text

                text = Text.from_markup(text).plain
            click.echo(text.rstrip())
            return
        self.console.print(text, markup=markup, highlight=False)

    def _rows(self, rows: Iterable[Sequence[str]]) -> None:
        click.echo("\n".join("\t".join(_plain(cell) for cell in row) for row in rows))

    # -- progress and messages ----------------------------------------------
    def progress(self) -> Any:
        """A rich progress bar on a terminal; nothing at all in a pipe or with --json."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        return Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            disable=self.console is None or self.as_json,
        )


def isatty(file: Any) -> bool:
    try:
        return bool(file.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed file
        return False


def confirm(question: str) -> bool:
    """Ask on stderr (a piped answer is read without the question).

    Closed stdin is an answer missing: neither a yes nor a crash.
    """
    asking = isatty(sys.stdin)
    if asking:
        click.echo(f"{printable(question)} [y/N]: ", err=True, nl=False)
    answer = sys.stdin.readline() if sys.stdin is not None else ""
    if not answer:
        if asking:
            click.echo("", err=True)
        fail("no answer to confirm; pass --yes", code=1)
    return answer.strip().lower() in ("y", "yes")


# -- errors --------------------------------------------------------------------
def fail(message: str, *, code: int = 1) -> NoReturn:
    """One line on stderr, then the exit code."""
    WATCH.stop()
    click.echo(f"error: {' '.join(printable(SECRETS.scrub(message)).split())}", err=True)
    raise Exit(code)


@contextlib.contextmanager
def errors(debug: bool) -> Iterator[None]:
    """Typed errors become one line and an exit code; --debug shows the traceback too.

    Ctrl-C is exit 130 with one line; a reader that closed the pipe ends
    the command quietly (the group's `main` handles BrokenPipeError).
    """
    WATCH.start()
    try:
        yield
    except (Exit, click.Abort, click.ClickException, BrokenPipeError):
        raise
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        fail("interrupted", code=130)
    except (
        CliUsageError,
        phonefleet.UnknownProviderError,
        phonefleet.InvalidNumberError,
        phonefleet.SettingError,
    ) as exc:
        if debug:
            raise
        fail(str(exc), code=2)
    except phonefleet.TransportError as exc:
        if debug:
            raise
        fail(WATCH.explain(exc), code=1)
    except phonefleet.PhoneFleetError as exc:
        if debug:
            raise
        fail(str(exc), code=1)
    except Exception as exc:
        if debug:
            raise
        fail(f"{type(exc).__name__}: {exc} (rerun with --debug for the traceback)", code=1)
    finally:
        WATCH.stop()


# -- rows of the domain's things -----------------------------------------------
NUMBER_COLUMNS = (
    Column("provider", whole=True, fold=True),
    Column("number", whole=True),
    Column("name"),
    Column("forwarding", whole=True),
    Column("type", optional=True, drop=3),
    Column("caps", optional=True, drop=4),
    Column("state", whole=True, fold=True, drop=1),
    Column("reputation", optional=True, drop=2),
    Column("link", optional=True, drop=5),
)


def _capabilities(number: PhoneNumber) -> Cell:
    if number.capabilities is None:
        return None
    return ",".join(sorted(c.value for c in number.capabilities)) or "none"


def numbers_rows(numbers: Iterable[PhoneNumber]) -> list[list[Cell]]:
    """One normalised row per number, whichever vendor it comes from."""
    return [
        [
            number.provider,
            number.number,
            number.name,
            number.forwarding_number,
            None if number.number_type.value == "unknown" else number.number_type.value,
            _capabilities(number),
            "archived" if number.archived else "active",
            number.reputation.status.value if number.reputation is not None else None,
            number.link,
        ]
        for number in numbers
    ]


BLOCKER_COLUMNS = (Column("kind", whole=True), Column("id"), Column("name"), Column("detail", drop=1))


def blockers_rows(blockers: Sequence[ArchiveBlocker]) -> list[list[Cell]]:
    return [[b.kind, b.id, b.name, b.detail] for b in blockers]


def blockers_json(blockers: Sequence[ArchiveBlocker]) -> list[dict[str, Any]]:
    return [{"kind": b.kind, "id": b.id, "name": b.name, "detail": b.detail} for b in blockers]


def numbers_json(numbers: Iterable[PhoneNumber]) -> list[dict[str, Any]]:
    from phonefleet.migrate._codec import number_to_json

    return [number_to_json(number) for number in numbers]
