"""The porting inputs of the CLI: the account file (TOML), the documents, the waiting list.

Shared by `phonefleet migrate --port` and `phonefleet port create`: one
loader of the account file, so both read it the same way.

```toml
name = "Acme Inc"                 # the account holder, as on the bill
authorized_name = "Pat Doe"
authorized_email = "pat@acme.example"
account_number = "123456789"      # secret
pin = "4321"                      # secret; or PHONEFLEET_PORT_PIN
billing_number = "+12025550100"
kind = "business"                 # or "individual"

[address]
street = "1 Main St"
city = "Springfield"
region = "IL"
postal_code = "62701"
country = "US"
```

The pin and the account number are registered as secrets as soon as they
are read, so nothing the CLI prints shows them; an error about the file
names the field, never its value.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from phonefleet import PortAccount, PortAddress, PortDocuments

from . import _stores
from ._output import Column, Output

__all__ = ["PIN_VARIABLE", "load_account", "load_documents", "print_waiting"]

#: the environment variable that may hold the pin instead of the file
PIN_VARIABLE = "PHONEFLEET_PORT_PIN"

_ACCOUNT_FIELDS = (
    "name",
    "authorized_name",
    "authorized_email",
    "account_number",
    "pin",
    "billing_number",
    "kind",
)
_ADDRESS_FIELDS = ("street", "street_2", "city", "region", "postal_code", "country")


class AccountFileError(ValueError):
    """The account file cannot be used; the message names the field, never a secret value."""


def load_account(path: Path, environ: Mapping[str, str] | None = None) -> PortAccount:
    """The `PortAccount` in a TOML file; the pin may come from PHONEFLEET_PORT_PIN instead."""
    env = os.environ if environ is None else environ
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"cannot read the account file {str(path)!r}: {exc.strerror or exc}"
        raise AccountFileError(msg) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"the account file {str(path)!r} is not valid TOML: {exc}"
        raise AccountFileError(msg) from None
    for secret in ("pin", "account_number"):
        value = data.get(secret)
        if isinstance(value, int) and not isinstance(value, bool):  # pin = 4321 written unquoted
            data[secret] = str(value)
        if isinstance(data.get(secret), str):
            _stores.SECRETS.add(data[secret])
    if not data.get("pin") and env.get(PIN_VARIABLE):
        data["pin"] = env[PIN_VARIABLE]
        _stores.SECRETS.add(data["pin"])
    unknown = sorted(set(data) - {*_ACCOUNT_FIELDS, "address"})
    if unknown:
        msg = f"the account file {str(path)!r} has unknown fields: {', '.join(unknown)}"
        raise AccountFileError(msg)
    address = data.get("address")
    if not isinstance(address, dict):
        msg = f"the account file {str(path)!r} needs an [address] table ({', '.join(_ADDRESS_FIELDS)})"
        raise AccountFileError(msg)
    wrong = sorted(set(address) - set(_ADDRESS_FIELDS))
    if wrong:
        msg = f"the account file's [address] has unknown fields: {', '.join(wrong)}"
        raise AccountFileError(msg)
    try:
        return PortAccount(
            address=PortAddress(**_strings(address, "address.")),
            **_strings({k: v for k, v in data.items() if k != "address"}, ""),
        )
    except TypeError as exc:  # a required field missing
        msg = f"the account file {str(path)!r} is incomplete: {_stores.SECRETS.scrub(str(exc))}"
        raise AccountFileError(msg) from None
    except ValueError as exc:
        msg = f"the account file {str(path)!r}: {_stores.SECRETS.scrub(str(exc))}"
        raise AccountFileError(msg) from None


def _strings(values: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    for key, value in values.items():
        if value is not None and not isinstance(value, str):
            msg = f"{prefix}{key} must be a string, not {type(value).__name__}"
            raise AccountFileError(msg)
    return dict(values)


def load_documents(loa: Path | None, invoice: Path | None) -> PortDocuments:
    """The documents, read now: an unreadable file is a clear error before anything is sent."""
    try:
        return PortDocuments(loa=loa, invoice=invoice).read()
    except ValueError as exc:
        raise AccountFileError(str(exc)) from None


WAITING_COLUMNS = (
    Column("number", whole=True),
    Column("order", whole=True, fold=True),
    Column("status", whole=True),
    Column("FOC", whole=True),
    Column("problems"),
)


def print_waiting(out: Output, report: Any) -> None:
    """One row per number whose port is waited for: its order, status, FOC date and problems."""
    rows: dict[str, list[str]] = {}
    for item in report.waiting:
        if item.step.number in rows:
            continue
        foc = "-" if item.foc_date is None else item.foc_date.isoformat()[:10]
        problems = _stores.SECRETS.scrub("; ".join(item.problems)) or "-"
        rows[item.step.number] = [item.step.number, item.order_id or "-", item.status.value, foc, problems]
    if rows:
        out.table(
            WAITING_COLUMNS, list(rows.values()), title=f"Waiting for a port ({len(rows)})", plain_title=True
        )
