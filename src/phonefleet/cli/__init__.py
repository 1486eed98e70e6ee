"""The `phonefleet` command line (typer + rich, imported only here).

`phonefleet demo` runs the whole story offline; `phonefleet --help` lists
the commands.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import app
from ._output import Output, errors

__all__ = ["app", "main"]


@app.command("demo")
def demo_command(
    *,
    stand_ins: Annotated[
        bool, typer.Option("--stand-ins", help="use memory stand-ins even where an emulator is installed")
    ] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64)] = 8,
    debug: Annotated[bool, typer.Option("--debug", help="show the traceback of an error")] = False,
) -> None:
    """The whole story offline: fleets, one table, diff, plan, apply, a blocked archive."""
    import asyncio

    from ._demo import run_demo
    from ._stores import quiet_retries

    quiet_retries()

    out = Output()
    with errors(debug):
        code = asyncio.run(run_demo(out, stand_ins=stand_ins, concurrency=concurrency))
        if code:
            raise typer.Exit(code)


def main() -> None:
    """The console script."""
    import logging

    # stamina announces each retry at WARNING on its own logger; with no
    # logging configured Python would print those bare lines on stderr, and
    # a CLI error must be one line (phonefleet logs retries itself, at INFO)
    logging.getLogger("stamina").addHandler(logging.NullHandler())
    # with structlog installed, stamina would announce retries through it, on
    # stdout: `_stores.quiet_retries` routes them to logging once a store opens
    app()
