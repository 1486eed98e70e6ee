"""`phonefleet port check|create|list|show|cancel`: port numbers in from another carrier.

The account file is TOML holding the `PortAccount` fields, the service
address as a table (read by `_portfile`, as `migrate --port` reads it):

    name = "Acme Dental LLC"
    authorized_name = "Pat Example"
    authorized_email = "pat@example.com"
    account_number = "1234-5678"      # optional; a secret
    pin = "8642"                      # optional; or PHONEFLEET_PORT_PIN
    billing_number = "+13125550100"   # optional
    kind = "business"                 # or "individual"

    [address]
    street = "100 Main St"
    city = "Springfield"
    region = "IL"
    postal_code = "62701"
    country = "US"

The pin and the account number never appear in anything printed: they are
scrubbed from errors, and an order's `raw` is never shown. Bad input (a
number that is not E.164 or repeated, an unreadable document, an account file
missing a field) exits 2 before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import click

import phonefleet
from phonefleet import Feature, Portability, PortAccount, PortDocuments, PortIn

from . import _portfile, _stores
from ._group import Command, LazyGroup, argument
from ._output import Column, Output, confirm, errors, fail
from ._params import PathType, store_flags, with_timeout

__all__ = ["PIN_ENV", "load_account", "port_app"]

#: the environment variable a pin may come from instead of the account file
PIN_ENV: Final = _portfile.PIN_VARIABLE


@click.group("port", cls=LazyGroup, no_args_is_help=True)
def port_app() -> None:
    """Port numbers in from another carrier: check, create, list, show, cancel."""


provider_argument = argument("provider", help="adapter name, or emulator:NAME (see `phonefleet providers`)")
numbers_argument = argument(
    "numbers", nargs=-1, required=True, metavar="NUMBER...", help="E.164 numbers (+1...)"
)
port_id_argument = argument("port_id", metavar="ID", help="the order's id at the provider")
_common = store_flags("give up on the vendor after this long, retries included")


# -- the account file and the documents: one loader, shared with `migrate --port` ----------------------
def load_account(path: Path, *, environ: Mapping[str, str] | None = None) -> PortAccount:
    """The `PortAccount` of a TOML file (see `_portfile`); a problem is a usage error naming the field."""
    try:
        return _portfile.load_account(path, environ)
    except _portfile.AccountFileError as exc:
        raise _stores.CliUsageError(str(exc)) from None


def _documents(loa: Path | None, invoice: Path | None) -> PortDocuments:
    try:
        return _portfile.load_documents(loa, invoice)
    except _portfile.AccountFileError as exc:
        raise _stores.CliUsageError(str(exc)) from None


def _numbers(numbers: tuple[str, ...]) -> list[str]:
    """The numbers as E.164, none repeated: checked before anything is sent."""
    canonical = [phonefleet.to_e164(number) for number in numbers]
    repeated = sorted(n for n, count in Counter(canonical).items() if count > 1)
    if repeated:
        msg = f"numbers repeated: {', '.join(repeated)}"
        raise _stores.CliUsageError(msg)
    return canonical


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        msg = f"--date takes a date as YYYY-MM-DD, got {text!r}"
        raise _stores.CliUsageError(msg) from None


def _require(store: Any) -> None:
    if Feature.PORT_IN not in store.features:  # refuse before asking or sending anything
        fail(f"{store.provider} does not support porting (port_in)", code=1)


# -- rows and JSON ------------------------------------------------------------------------------
PORTABILITY_COLUMNS: Final = (
    Column("number", whole=True),
    Column("portable", whole=True),
    Column("fast", whole=True, optional=True, drop=2),
    Column("reason"),
)
ORDER_COLUMNS: Final = (
    Column("id", whole=True),
    Column("status", whole=True),
    Column("numbers"),
    Column("foc date", whole=True, optional=True),
    Column("problems", optional=True, drop=1),
)


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def portability_json(results: list[Portability]) -> list[dict[str, Any]]:
    return [{"number": r.number, "portable": r.portable, "reason": r.reason, "fast": r.fast} for r in results]


def _when(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def order_json(order: PortIn) -> dict[str, Any]:
    """An order for scripts: every field but `raw` (the vendor's payload stays unprinted)."""
    return {
        "provider": order.provider,
        "id": order.id,
        "status": order.status.value,
        "numbers": [
            {"number": n.number, "status": n.status.value, "reason": n.reason} for n in order.numbers
        ],
        "foc_date": _when(order.foc_date),
        "problems": list(order.problems),
        "created_at": _when(order.created_at),
        "updated_at": _when(order.updated_at),
    }


def _numbers_cell(order: PortIn) -> str:
    shown = " ".join(n.number for n in order.numbers[:3])
    more = len(order.numbers) - 3
    return f"{shown} (+{more} more)" if more > 0 else shown


def _foc(order: PortIn) -> str | None:
    value = order.foc_date
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return None if value is None else value.isoformat()


def orders_rows(orders: list[PortIn]) -> list[list[str | None]]:
    return [[o.id, o.status.value, _numbers_cell(o), _foc(o), "; ".join(o.problems) or None] for o in orders]


def _print_orders(out: Output, orders: list[PortIn], title: str, empty: str) -> None:
    if out.as_json:
        out.json([order_json(order) for order in orders])
        return
    out.table(ORDER_COLUMNS, orders_rows(orders), title=title, empty=empty)


def _print_order(out: Output, order: PortIn) -> None:
    data = order_json(order)
    if out.as_json:
        out.json(data)
        return
    pairs: list[tuple[str, str | None]] = [
        ("provider", order.provider),
        ("id", order.id),
        ("status", order.status.value),
        ("foc_date", data["foc_date"]),
        ("created_at", data["created_at"]),
        ("updated_at", data["updated_at"]),
    ]
    pairs += [
        (f"number {n.number}", n.status.value + (f" ({n.reason})" if n.reason else "")) for n in order.numbers
    ]
    pairs += [("problem", problem) for problem in order.problems]
    out.record(pairs, title=f"{order.provider} port {order.id}")


# -- commands ------------------------------------------------------------------------------------
@port_app.command("check", cls=Command)
@provider_argument
@numbers_argument
@_common
def check_command(
    *,
    provider: str,
    numbers: tuple[str, ...],
    option: tuple[str, ...],
    timeout: str | None,
    as_json: bool,
    debug: bool,
) -> None:
    """Whether each number can be ported to PROVIDER, and why not."""
    out = Output(as_json=as_json)
    with errors(debug):
        wanted = _numbers(numbers)
        with _stores.connect(provider, with_timeout(option, timeout)) as store:
            _require(store)
            results = store.check_portability(wanted)
        if as_json:
            out.json(portability_json(results))
            return
        rows = [[r.number, _yes_no(r.portable), _yes_no(r.fast), r.reason] for r in results]
        portable = sum(r.portable for r in results)
        out.table(PORTABILITY_COLUMNS, rows, title=f"{provider}: {portable} of {len(results)} portable")


@port_app.command("create", cls=Command)
@provider_argument
@numbers_argument
@click.option(
    "--account",
    metavar="FILE",
    type=PathType,
    required=True,
    help=f"TOML file of the holder's account (pin: or {PIN_ENV})",
)
@click.option("--loa", metavar="FILE", type=PathType, help="the signed letter of authorization")
@click.option("--invoice", metavar="FILE", type=PathType, help="a recent bill from the losing carrier")
@click.option("--date", metavar="YYYY-MM-DD", help="the port date to ask for")
@click.option("--yes", "-y", is_flag=True, help="do not ask for confirmation")
@_common
def create_command(
    *,
    provider: str,
    numbers: tuple[str, ...],
    account: Path,
    loa: Path | None,
    invoice: Path | None,
    date: str | None,
    yes: bool,
    option: tuple[str, ...],
    timeout: str | None,
    as_json: bool,
    debug: bool,
) -> None:
    """Create and submit port-in orders for NUMBERs at PROVIDER; asks first unless --yes."""
    out = Output(as_json=as_json)
    with errors(debug):
        wanted = _numbers(numbers)
        holder = load_account(account)
        documents = _documents(loa, invoice)
        when = _date(date)
        with _stores.connect(provider, with_timeout(option, timeout)) as store:
            _require(store)
            check = getattr(getattr(store, "adapter", None), "check_port_in", None)
            if check is not None:  # what this vendor requires, refused before asking
                try:
                    check(tuple(wanted), account=holder, documents=documents, date=when)
                except ValueError as exc:
                    hint = "; on the command line: --loa FILE, --invoice FILE"
                    raise _stores.CliUsageError(f"{exc}{hint}") from None
            count = f"{len(wanted)} number{'s' if len(wanted) != 1 else ''}"
            question = f"Port {count} to {provider} for {holder.name}?"
            if not yes and not confirm(question):
                fail("aborted: no order created", code=1)
            try:
                orders = store.port_in(wanted, account=holder, documents=documents, date=when)
            except phonefleet.NotPortableError as exc:
                if as_json:
                    out.json({"created": [], "not_portable": portability_json(list(exc.results))})
                else:
                    rows = [[r.number, "no", _yes_no(r.fast), r.reason] for r in exc.results]
                    out.table(PORTABILITY_COLUMNS, rows, title="cannot be ported: no order created")
                raise
            except ValueError as exc:
                if isinstance(exc, phonefleet.PhoneFleetError):
                    raise
                raise _stores.CliUsageError(str(exc)) from None
        _print_orders(out, orders, f"{provider}: {len(orders)} orders submitted", "no orders")


@port_app.command("list", cls=Command)
@provider_argument
@click.option("--open", "open_only", is_flag=True, help="only orders still under way")
@_common
def list_command(
    *,
    provider: str,
    open_only: bool,
    option: tuple[str, ...],
    timeout: str | None,
    as_json: bool,
    debug: bool,
) -> None:
    """PROVIDER's port-in orders, newest first."""
    out = Output(as_json=as_json)
    with errors(debug), _stores.connect(provider, with_timeout(option, timeout)) as store:
        _require(store)
        orders = list(store.list_port_ins(open_only=open_only))
        kind = "open orders" if open_only else "orders"
        _print_orders(out, orders, f"{provider}: {len(orders)} {kind}", f"no {kind}")


@port_app.command("show", cls=Command)
@provider_argument
@port_id_argument
@_common
def show_command(
    *, provider: str, port_id: str, option: tuple[str, ...], timeout: str | None, as_json: bool, debug: bool
) -> None:
    """One port-in order: its status, numbers, FOC date and problems."""
    out = Output(as_json=as_json)
    with errors(debug), _stores.connect(provider, with_timeout(option, timeout)) as store:
        _require(store)
        _print_order(out, store.get_port_in(_id(port_id)))


@port_app.command("cancel", cls=Command)
@provider_argument
@port_id_argument
@_common
def cancel_command(
    *, provider: str, port_id: str, option: tuple[str, ...], timeout: str | None, as_json: bool, debug: bool
) -> None:
    """Cancel a port-in order."""
    out = Output(as_json=as_json)
    with errors(debug), _stores.connect(provider, with_timeout(option, timeout)) as store:
        _require(store)
        _print_order(out, store.cancel_port_in(_id(port_id)))


def _id(port_id: str) -> str:
    if not port_id.strip():
        msg = "the order id is empty"
        raise _stores.CliUsageError(msg)
    return port_id.strip()
