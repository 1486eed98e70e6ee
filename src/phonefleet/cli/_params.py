"""Command-line parameters every command spells the same way, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["DebugFlag", "JsonFlag", "Options"]

JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON for scripts")]
DebugFlag = Annotated[bool, typer.Option("--debug", help="show the traceback of an error")]
Options = Annotated[
    list[str] | None,
    typer.Option(
        "--option", "-o", metavar="KEY=VALUE", help="a provider setting (else the vendor's env vars)"
    ),
]
