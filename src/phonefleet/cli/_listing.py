"""`phonefleet list`: one order for every vendor, the common filters, rows streamed into a pipe.

Numbers come out in E.164 order whichever vendor answers (SignalWire lists
newest first) unless `--order vendor` is asked for. In a pipe, rows are
written as pages arrive whenever no reordering is needed: with `--order
vendor`, or when the vendor itself sorts by number (the adapter's
`listing_order`). A terminal table and `--json` need every row first.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import _migrating, _stores
from ._group import command
from ._output import NUMBER_COLUMNS, Output, errors, fail, numbers_json, numbers_rows
from ._params import provider_argument, store_options, subset_options, with_timeout

if TYPE_CHECKING:
    from phonefleet import PhoneNumber

__all__ = ["ORDERS", "list_command", "list_numbers"]

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


@command("list")
@provider_argument
@click.option("--archived", is_flag=True, help="archived numbers only")
@click.option("--all", "all_numbers", is_flag=True, help="active and archived")
@click.option("--country", metavar="CC", help="only numbers of this country (ISO, e.g. US)")
@click.option("--capability", metavar="CAP", help="only numbers with voice, sms, mms or fax")
@subset_options
@click.option("--order", default="number", help="number (E.164, the default for every vendor) or vendor")
@store_options
def list_command(
    *,
    provider: str,
    archived: bool,
    all_numbers: bool,
    country: str | None,
    capability: str | None,
    number: tuple[str, ...],
    numbers_file: Path | None,
    order: str,
    option: tuple[str, ...],
    timeout: str | None,
    as_json: bool,
    debug: bool,
) -> None:
    """Every number of a provider, in one normalised table (rows stream into a pipe)."""
    out = Output(as_json=as_json)
    if archived and all_numbers:
        fail("--archived and --all cannot be used together (--all includes the archived)", code=2)
    with errors(debug):
        chosen = _migrating.read_numbers(numbers_file, number)
        with _stores.connect(provider, with_timeout(option, timeout)) as store:
            try:
                listing = store.list(
                    archived=None if all_numbers else archived,
                    numbers=chosen,
                    country=country,
                    capability=capability,
                )
            except ValueError as exc:  # a filter the user gave: a usage error
                fail(str(exc), code=2)
            list_numbers(out, store, provider, listing, order=order)
