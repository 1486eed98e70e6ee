"""The `phonefleet` command line (click + rich, imported only here).

`phonefleet demo` runs the whole story offline; `phonefleet --help` lists
the commands. Each command's module loads when that command runs, so
`--help` and `--version` import click and nothing else of weight.
"""

from __future__ import annotations

import click

from ._group import Lazy, LazyGroup, exit_with

__all__ = ["app", "main"]

#: every command: where it is written, and its help's first paragraph (for `phonefleet --help`;
#: tests/test_cli_lazy.py checks each against the command's own docstring)
COMMANDS = {
    "providers": Lazy(
        "._app:providers_command", "The installed adapters, their settings and environment variables."
    ),
    "list": Lazy(
        "._listing:list_command",
        "Every number of a provider, in one normalised table (rows stream into a pipe).",
    ),
    "show": Lazy("._app:show_command", "One number, every field."),
    "forward": Lazy("._app:forward_command", "Forward a number's calls, or stop forwarding with --off."),
    "blockers": Lazy("._app:blockers_command", "What keeps a number from being archived."),
    "archive": Lazy(
        "._app:archive_command", "Archive (release) a number; shows what blocks it, asks first unless --yes."
    ),
    "link": Lazy(
        "._app:link_command", "Link a number to a provider line, unlink it, or list the linkable lines."
    ),
    "export": Lazy("._app:export_command", "Every number as JSON or CSV (stdout, or --output FILE)."),
    "diff": Lazy(
        "._app:diff_command", "Compare two providers' numbers by E.164: only in one, or differing fields."
    ),
    "migrate": Lazy(
        "._app:migrate_command",
        "Plan a migration (dry run), or make it with --apply (resumable with --journal).",
    ),
    "emulate": Lazy(
        "._emulate:emulate_command",
        "Serve PROVIDER's emulator over HTTP until Ctrl-C, for SDKs and apps in any language.",
    ),
    "demo": Lazy(
        "._demo:demo_command",
        "The whole story offline: fleets, one table, diff, plan, apply, a blocked archive.",
    ),
    "port": Lazy(
        "._port:port_app", "Port numbers in from another carrier: check, create, list, show, cancel."
    ),
}


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        import phonefleet

        click.echo(f"phonefleet {phonefleet.__version__}")
        exit_with(0)


@click.group(
    "phonefleet",
    cls=LazyGroup,
    lazy=COMMANDS,
    no_args_is_help=True,
    context_settings={"show_default": True},
)
@click.option(
    "--version",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_print_version,
    help="print the version and exit",
)
def app() -> None:
    """Phone numbers across telephony vendors: list, change, compare and migrate them."""


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
