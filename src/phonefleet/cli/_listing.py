"""`phonefleet list`: one order for every vendor, the common filters, rows streamed into a pipe.

Numbers come out in E.164 order whichever vendor answers (SignalWire lists
newest first) unless `--order vendor` is asked for. In a pipe, rows are
written as pages arrive whenever no reordering is needed: with `--order
vendor`, or when the vendor itself sorts by number (the adapter's
`listing_order`). A terminal table and `--json` need every row first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from ._output import NUMBER_COLUMNS, Output, numbers_json, numbers_rows

if TYPE_CHECKING:
    from phonefleet import PhoneNumber

__all__ = ["ORDERS", "list_numbers"]

ORDERS = ("number", "vendor")


def _by_number(number: PhoneNumber) -> str:
    return number.number


def _already_ordered(store: Any) -> bool:
    adapter = getattr(store, "adapter", None)
    return getattr(adapter, "listing_order", None) == "number"


def list_numbers(
    out: Output, store: Any, provider: str, listing: Iterable[PhoneNumber], *, order: str
) -> None:
    """Print `listing` (already filtered by the store) in the order asked for."""
    if order not in ORDERS:
        from ._stores import CliUsageError

        msg = f"--order must be {' or '.join(ORDERS)}, not {order!r}"
        raise CliUsageError(msg)
    streaming = out.console is None and not out.as_json
    if streaming and (order == "vendor" or _already_ordered(store)):
        _stream(listing)
        return
    numbers = list(listing) if order == "vendor" else sorted(listing, key=_by_number)
    if out.as_json:
        out.json(numbers_json(numbers))
        return
    out.table(
        NUMBER_COLUMNS, numbers_rows(numbers), title=f"{provider}: {len(numbers)} numbers", empty="no numbers"
    )


def _stream(listing: Iterable[PhoneNumber]) -> None:
    """Plain rows as they arrive: the header with the first, `no numbers` if none came."""
    from ._output import _plain, _text

    wrote = False
    for number in listing:
        if not wrote:
            click.echo("\t".join(column.name for column in NUMBER_COLUMNS))
            wrote = True
        (row,) = numbers_rows([number])
        click.echo("\t".join(_plain(_text(cell)) for cell in row))
    if not wrote:
        click.echo("no numbers")
