"""The command group on click: commands load when they run; every error is one line.

The root group knows each command's name, the module it lives in and its
one-line help, so `phonefleet --help` lists them all without importing any
(click's "lazily loading subcommands" pattern); a command's module loads
only when that command is asked for.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, NoReturn

import click
from click.exceptions import Exit, NoArgsIsHelpError

__all__ = ["Argument", "Command", "Lazy", "LazyGroup", "argument", "command", "exit_with"]


class Argument(click.Argument):
    """A positional argument with a help line, shown under `Arguments:` in its command's help."""

    def __init__(self, param_decls: Sequence[str], *, help: str | None = None, **options: Any) -> None:
        super().__init__(param_decls, **options)
        self.what = help


class Command(click.Command):
    """A command whose help says what each argument is (click lists only options)."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (param.human_readable_name, param.what or "")
            for param in self.get_params(ctx)
            if isinstance(param, Argument)
        ]
        if rows:
            with formatter.section("Arguments"):
                formatter.write_dl(rows)
        super().format_options(ctx, formatter)


def command(name: str, **settings: Any) -> Callable[[Callable[..., Any]], Command]:
    """`@click.command` making a `Command`."""
    return click.command(name, cls=Command, **settings)


def argument(name: str, **settings: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`@click.argument` with a `help=` line."""
    return click.argument(name, cls=Argument, **settings)


def exit_with(code: int) -> NoReturn:
    """End the command with this exit code (click's way, so the group's `main` returns it)."""
    raise Exit(code)


class Lazy(NamedTuple):
    """A command the group loads when it runs: `module:attribute`, and its help's first paragraph."""

    target: str
    summary: str

    def load(self) -> click.Command:
        module, _, name = self.target.partition(":")
        found = getattr(importlib.import_module(module, __package__), name)
        assert isinstance(found, click.Command)
        return found


class LazyGroup(click.Group):
    """The command group, with errors every command shares made one line.

    click's own usage errors (an unknown flag, a missing argument) become
    `error: ...` and exit 2 like ours; Ctrl-C anywhere is exit 130 with one
    line; a reader that closed the pipe (`phonefleet demo | head -2`) ends
    the command quietly.
    """

    def __init__(self, *args: Any, lazy: Mapping[str, Lazy] | None = None, **settings: Any) -> None:
        super().__init__(*args, **settings)
        self.lazy = dict(lazy or {})

    # -- the commands, loaded on demand, listed in the order they were declared -----------------
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy, *(name for name in self.commands if name not in self.lazy)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(self.lazy[cmd_name].load(), cmd_name)
        return self.commands.get(cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """click's, with the nearest command names offered for a mistyped one."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            import difflib  # only for a mistyped command

            name = args[0] if args else ""
            near = difflib.get_close_matches(name, self.list_commands(ctx), n=2, cutoff=0.6)
            if not near:
                raise
            msg = f"no such command {name!r} (did you mean {' or '.join(map(repr, near))}?)"
            raise click.UsageError(msg, ctx) from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the summaries: no command module is imported to print it."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            # a loaded command, or a stand-in carrying the summary: shortened as click shortens help
            shown = self.commands.get(name) or click.Command(name, help=self.lazy[name].summary)
            rows.append((name, shown.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    # -- errors ---------------------------------------------------------------------------------
    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        extra["windows_expand_args"] = windows_expand_args
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else "", err=True)
            code = 2
        except click.UsageError as exc:
            code = _usage_error(exc)
        except click.ClickException as exc:
            click.echo(f"error: {_one_line(exc.format_message())}", err=True)
            code = exc.exit_code
        except click.Abort:
            click.echo("error: interrupted", err=True)
            code = 130
        except BrokenPipeError:
            code = _closed_pipe()
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise Exit(_closed_pipe()) from None
        except BaseException as exc:
            if not isinstance(exc, (KeyboardInterrupt, *_cancelled())):
                raise
            # Ctrl-C outside a command's own handling
            click.echo("error: interrupted", err=True)
            raise Exit(130) from None


def _cancelled() -> tuple[type[BaseException], ...]:
    """asyncio's CancelledError, if a command loaded asyncio (none is raised otherwise)."""
    asyncio = sys.modules.get("asyncio")
    return (asyncio.CancelledError,) if asyncio is not None else ()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _usage_error(exc: click.UsageError) -> int:
    from ._printable import printable

    if isinstance(exc, click.NoSuchOption):  # in the same words whichever click release is installed
        message = f"no such option: {exc.option_name}"
        if exc.possibilities:
            message += f" (did you mean {' or '.join(sorted(exc.possibilities))}?)"
    else:
        message = exc.format_message()
    message = printable(_one_line(message))
    message = message[:1].lower() + message[1:]
    where = exc.ctx.command_path if exc.ctx is not None else "phonefleet"
    click.echo(f"error: {message.rstrip('.')} (see '{where} --help')", err=True)
    return exc.exit_code


def _closed_pipe() -> int:
    """The reader went away: say nothing, and keep Python from saying it at exit."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 141  # 128 + SIGPIPE, as a shell reports a command a closed pipe ended
