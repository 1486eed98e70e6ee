"""The `phonefleet` command: one store per provider name, tables or JSON."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

import phonefleet
from phonefleet import Feature
from phonefleet.migrate._codec import number_to_json

from . import _stores
from ._output import Output, blockers_json, blockers_table, errors, fail, numbers_json, numbers_table

__all__ = ["app"]

app = typer.Typer(
    name="phonefleet",
    help="Phone numbers across telephony vendors: list, change, compare and migrate them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)

Provider = Annotated[
    str, typer.Argument(metavar="PROVIDER", help="adapter name (see `phonefleet providers`)")
]
Number = Annotated[str, typer.Argument(metavar="NUMBER", help="an E.164 number (+1...) or the provider's id")]
JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON for scripts")]
DebugFlag = Annotated[bool, typer.Option("--debug", help="show the traceback of an error")]
Options = Annotated[
    list[str] | None,
    typer.Option(
        "--option", "-o", metavar="KEY=VALUE", help="a provider setting (else the vendor's env vars)"
    ),
]


def _archived(archived: bool, all_numbers: bool) -> bool | None:
    if all_numbers:
        return None
    return archived


@app.command("providers")
def providers_command(*, as_json: JsonFlag = False, debug: DebugFlag = False) -> None:
    """The installed adapters, their settings and environment variables."""
    out = Output(as_json=as_json)
    with errors(debug):
        rows: list[dict[str, Any]] = []
        for name in phonefleet.providers():
            try:
                found = phonefleet.adapter.registration(name)
            except phonefleet.PhoneFleetError as exc:
                rows.append({"name": name, "available": False, "problem": str(exc)})
                continue
            rows.append(
                {
                    "name": name,
                    "available": True,
                    "description": found.description,
                    "emulator": found.emulator is not None,
                    "settings": [
                        {"name": s.name, "env": list(s.env), "secret": s.secret, "required": s.required}
                        for s in found.settings
                    ],
                }
            )
        if as_json:
            out.json(rows)
            return
        from rich.table import Table

        table = Table(title="Installed adapters", title_justify="left")
        for column in ("provider", "status", "settings (env vars)", "description"):
            table.add_column(column)
        for row in rows:
            if not row["available"]:
                table.add_row(row["name"], "unavailable", "-", row["problem"])
                continue
            settings = ", ".join(
                f"{s['name']} ({'/'.join(s['env'])})" if s["env"] else s["name"] for s in row["settings"]
            )
            status = "ok, emulator" if row["emulator"] else "ok"
            table.add_row(row["name"], status, settings or "-", row["description"])
        out.print(table)


@app.command("list")
def list_command(
    *,
    provider: Provider,
    archived: Annotated[bool, typer.Option("--archived", help="archived numbers only")] = False,
    all_numbers: Annotated[bool, typer.Option("--all", help="active and archived")] = False,
    option: Options = None,
    as_json: JsonFlag = False,
    debug: DebugFlag = False,
) -> None:
    """Every number of a provider, in one normalised table."""
    out = Output(as_json=as_json)
    with errors(debug), _stores.connect(provider, option) as store:
        numbers = list(store.list(archived=_archived(archived, all_numbers)))
        if as_json:
            out.json(numbers_json(numbers))
        else:
            out.print(numbers_table(numbers, title=f"{provider}: {len(numbers)} numbers"))


@app.command("show")
def show_command(
    *,
    provider: Provider,
    number: Number,
    option: Options = None,
    as_json: JsonFlag = False,
    debug: DebugFlag = False,
) -> None:
    """One number, every field."""
    out = Output(as_json=as_json)
    with errors(debug), _stores.connect(provider, option) as store:
        found = store.get(number)
        _print_number(out, found)


def _print_number(out: Output, number: phonefleet.PhoneNumber) -> None:
    data = number_to_json(number)
    if out.as_json:
        out.json(data)
        return
    from rich.table import Table

    table = Table(show_header=False, title=f"{number.provider} {number.number}", title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in data.items():
        table.add_row(
            key, "-" if value is None else json.dumps(value) if isinstance(value, dict) else str(value)
        )
    out.print(table)


@app.command("forward")
def forward_command(
    *,
    provider: Provider,
    number: Number,
    to: Annotated[str | None, typer.Argument(help="E.164 number to forward calls to")] = None,
    off: Annotated[bool, typer.Option("--off", help="stop forwarding")] = False,
    option: Options = None,
    as_json: JsonFlag = False,
    debug: DebugFlag = False,
) -> None:
    """Forward a number's calls, or stop forwarding with --off."""
    out = Output(as_json=as_json)
    if (to is None) == (not off):
        fail("give either a number to forward to or --off", code=2)
    with errors(debug), _stores.connect(provider, option) as store:
        changed = store.set_forwarding(number, None if off else to)
        _print_number(out, changed)


@app.command("blockers")
def blockers_command(
    *,
    provider: Provider,
    number: Number,
    option: Options = None,
    as_json: JsonFlag = False,
    debug: DebugFlag = False,
) -> None:
    """What keeps a number from being archived."""
    out = Output(as_json=as_json)
    with errors(debug), _stores.connect(provider, option) as store:
        found = store.archive_blockers(number)
        if as_json:
            out.json(blockers_json(found))
        elif found:
            out.print(blockers_table(found, title=f"{number}: {len(found)} blockers"))
        else:
            out.print(f"{number}: nothing blocks archiving")


@app.command("archive")
def archive_command(
    *,
    provider: Provider,
    number: Number,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
    option: Options = None,
    as_json: JsonFlag = False,
    debug: DebugFlag = False,
) -> None:
    """Archive (release) a number; shows what blocks it, asks first unless --yes."""
    out = Output(as_json=as_json)
    with errors(debug), _stores.connect(provider, option) as store:
        if Feature.ARCHIVE not in store.features:  # refuse before asking anything
            fail(f"{store.provider} does not support archive", code=1)
        found = store.get(number)
        if found.archived:
            _print_number(out, found)
            return
        blockers = store.archive_blockers(found) if Feature.ARCHIVE_BLOCKERS in store.features else []
        if blockers:
            _blocked(out, found.number, blockers)
        if not yes and not typer.confirm(f"Archive {found.number} on {provider}?", err=True):
            fail("aborted: nothing archived", code=1)
        try:
            archived = store.archive(found)
        except phonefleet.ArchiveBlockedError as exc:
            _blocked(out, found.number, exc.blockers)
        _print_number(out, archived)


def _blocked(out: Output, number: str, blockers: list[phonefleet.ArchiveBlocker]) -> None:
    if out.as_json:
        out.json({"number": number, "archived": False, "blockers": blockers_json(blockers)})
    else:
        out.print(blockers_table(blockers, title=f"{number} cannot be archived: {len(blockers)} blockers"))
    fail(f"{number} cannot be archived while {len(blockers)} blockers stand in the way", code=1)


@app.command("link")
def link_command(
    *,
    provider: Provider,
    number: Annotated[str | None, typer.Argument(help="the number; leave out to list linkable lines")] = None,
    provider_phone: Annotated[str | None, typer.Argument(help="the provider line to link to")] = None,
    unlink: Annotated[bool, typer.Option("--unlink", help="remove the link")] = False,
    option: Options = None,
    as_json: JsonFlag = False,
    debug: DebugFlag = False,
) -> None:
    """Link a number to a provider line, unlink it, or list the linkable lines."""
    out = Output(as_json=as_json)
    if number is not None and (provider_phone is None) == (not unlink):
        fail("give either a provider line to link to or --unlink", code=2)
    with errors(debug), _stores.connect(provider, option) as store:
        if number is None:
            phones = store.linkable()
            if as_json:
                out.json([{"id": p.id, "number": p.number, "assigned": p.assigned} for p in phones])
                return
            from rich.table import Table

            table = Table(title=f"{provider}: {len(phones)} linkable lines", title_justify="left")
            for column in ("id", "number", "assigned"):
                table.add_column(column)
            for phone in phones:
                table.add_row(phone.id, phone.number or "-", "yes" if phone.assigned else "no")
            out.print(table)
            return
        _print_number(out, store.link(number, None if unlink else provider_phone))


@app.command("export")
def export_command(
    *,
    provider: Provider,
    fmt: Annotated[str, typer.Option("--format", "-f", help="json or csv")] = "json",
    output: Annotated[Path | None, typer.Option("--output", help="write to this file")] = None,
    all_numbers: Annotated[bool, typer.Option("--all", help="archived numbers too")] = False,
    option: Options = None,
    debug: DebugFlag = False,
) -> None:
    """Every number as JSON or CSV (stdout, or --output FILE)."""
    fmt = fmt.lower()
    if fmt not in ("json", "csv"):
        fail(f"--format must be json or csv, not {fmt!r}", code=2)
    with errors(debug), _stores.connect(provider, option) as store:
        rows = numbers_json(store.list(archived=None if all_numbers else False))
        if fmt == "json":
            text = json.dumps(rows, indent=2) + "\n"
        else:
            buffer = io.StringIO()
            columns = list(rows[0]) if rows else ["provider", "id", "number"]
            writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _csv_cell(v) for k, v in row.items()})
            text = buffer.getvalue()
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            typer.echo(f"wrote {len(rows)} numbers to {output}", err=True)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else value


@app.command("diff")
def diff_command(
    *,
    a: Annotated[str, typer.Argument(help="left provider")],
    b: Annotated[str, typer.Argument(help="right provider")],
    a_option: Annotated[
        list[str] | None, typer.Option("--a-option", metavar="KEY=VALUE", help="a setting of A (repeatable)")
    ] = None,
    b_option: Annotated[
        list[str] | None, typer.Option("--b-option", metavar="KEY=VALUE", help="a setting of B (repeatable)")
    ] = None,
    show_same: Annotated[bool, typer.Option("--same", help="list identical numbers too")] = False,
    as_json: JsonFlag = False,
    debug: DebugFlag = False,
) -> None:
    """Compare two providers' numbers by E.164: only in one, or differing fields."""
    from phonefleet.migrate import compare

    out = Output(as_json=as_json)
    with errors(debug), _stores.connect(a, a_option) as left, _stores.connect(b, b_option) as right:
        differences = compare(left.list(), right.list())
        _print_diff(out, a, b, differences, show_same=show_same)


def _print_diff(out: Output, a: str, b: str, differences: list[Any], *, show_same: bool) -> None:
    names = {"only_left": f"only {a}", "only_right": f"only {b}", "differs": "differs", "same": "same"}
    if out.as_json:
        out.json(
            [
                {"number": d.number, "status": names[d.status].replace(" ", "_"), "fields": list(d.fields)}
                for d in differences
            ]
        )
        return
    from rich.table import Table

    counts: dict[str, int] = {}
    for d in differences:
        counts[d.status] = counts.get(d.status, 0) + 1
    summary = ", ".join(f"{counts.get(k, 0)} {names[k]}" for k in names)
    table = Table(title=f"{a} vs {b}: {summary}", title_justify="left")
    for column in ("number", "status", "fields", a, b):
        table.add_column(column, no_wrap=column == "number")
    for d in differences:
        if d.status == "same" and not show_same:
            continue
        left = ", ".join(_field(d.left, f) for f in d.fields) if d.left and d.fields else "-"
        right = ", ".join(_field(d.right, f) for f in d.fields) if d.right and d.fields else "-"
        table.add_row(d.number, names[d.status], ", ".join(d.fields) or "-", left, right)
    out.print(table)


def _field(number: phonefleet.PhoneNumber, field: str) -> str:
    from phonefleet.migrate._model import format_value

    return format_value(getattr(number, field))


@app.command("migrate")
def migrate_command(
    *,
    source: Annotated[str, typer.Option("--from", help="source provider")],
    target: Annotated[str, typer.Option("--to", help="target provider")],
    do_apply: Annotated[bool, typer.Option("--apply", help="make the changes (default: dry run)")] = False,
    journal: Annotated[Path | None, typer.Option("--journal", help="resume journal (SQLite)")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=256)] = 16,
    carry: Annotated[str, typer.Option("--carry", help="comma-separated fields")] = "name,forwarding,routing",
    archive_source: Annotated[
        bool, typer.Option("--archive-source", help="archive on the source after")
    ] = False,
    create_missing: Annotated[bool, typer.Option("--create-missing", help="create missing numbers")] = False,
    save_plan: Annotated[Path | None, typer.Option("--save-plan", help="write the plan as JSON")] = None,
    from_option: Annotated[
        list[str] | None,
        typer.Option("--from-option", metavar="KEY=VALUE", help="a setting of the source (repeatable)"),
    ] = None,
    to_option: Annotated[
        list[str] | None,
        typer.Option("--to-option", metavar="KEY=VALUE", help="a setting of the target (repeatable)"),
    ] = None,
    as_json: JsonFlag = False,
    debug: DebugFlag = False,
) -> None:
    """Plan a migration (dry run), or make it with --apply (resumable with --journal)."""
    out = Output(as_json=as_json)
    with errors(debug):
        from phonefleet.migrate import CARRYABLE

        fields = [part.strip() for part in carry.split(",") if part.strip()]
        unknown = [f for f in fields if f not in CARRYABLE]
        if unknown:
            fail(f"--carry: unknown {', '.join(unknown)}; choose from {', '.join(CARRYABLE)}", code=2)
        code = asyncio.run(
            _migrate(
                out,
                source=source,
                target=target,
                source_options=from_option,
                target_options=to_option,
                apply_changes=do_apply,
                journal=journal,
                concurrency=concurrency,
                carry=fields,
                archive_source=archive_source,
                create_missing=create_missing,
                save_plan=save_plan,
            )
        )
        if code:
            raise typer.Exit(code)


async def _migrate(
    out: Output,
    *,
    source: str,
    target: str,
    source_options: list[str] | None,
    target_options: list[str] | None,
    apply_changes: bool,
    journal: Path | None,
    concurrency: int,
    carry: list[str],
    archive_source: bool,
    create_missing: bool,
    save_plan: Path | None,
) -> int:
    from phonefleet import migrate

    async with (
        _stores.connect_async(source, source_options) as source_store,
        _stores.connect_async(target, target_options) as target_store,
    ):
        plan = await migrate.plan_async(
            source_store,
            target_store,
            carry=carry,
            archive_source=archive_source,
            create_missing=create_missing,
        )
        if save_plan is not None:
            save_plan.write_text(plan.to_json(), encoding="utf-8")
        out.print(plan)
        if not apply_changes:
            if out.as_json:
                out.json({"plan": json.loads(plan.to_json()), "report": None})
            else:
                out.print(f"dry run: {len(plan.steps)} steps would run; pass --apply to make them")
            return 0
        with contextlib.ExitStack() as scratch:
            if journal is None and _stores.EMULATOR_PREFIX in source + target:
                # a fresh emulator each run: a journal kept in the folder would lie next time
                path = Path(scratch.enter_context(tempfile.TemporaryDirectory())) / "journal.sqlite"
            else:
                path = journal or Path(f"phonefleet-{_slug(source)}-to-{_slug(target)}.journal.sqlite")
            report = await apply_with_progress(out, plan, journal=path, concurrency=concurrency)
        if out.as_json:
            out.json({"plan": json.loads(plan.to_json()), "report": report.to_dict(), "journal": str(path)})
        else:
            print_report(out, report)
            out.print(f"journal: {path}")
        return 0 if report.ok else 1


async def apply_with_progress(out: Output, plan: Any, *, journal: Path | str, concurrency: int) -> Any:
    """`apply_async` with a progress bar on a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from phonefleet import migrate

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out.console,
        disable=out.as_json,
    )
    with progress:
        task = progress.add_task(f"{plan.source_provider} -> {plan.target_provider}", total=len(plan.steps))
        return await migrate.apply_async(
            plan,
            journal=journal,
            concurrency=concurrency,
            progress=lambda step, outcome: progress.advance(task),
        )


def print_report(out: Output, report: Any) -> None:
    from rich.table import Table

    out.print(f"[bold]{report.summary()}[/bold]")
    if report.failed:
        table = Table(title="Failed", title_justify="left")
        for column in ("number", "store", "action", "error"):
            table.add_column(column, no_wrap=column == "number")
        for failure in report.failed:
            step = failure.step
            table.add_row(step.number, step.store, step.action.value, _stores.SECRETS.scrub(failure.message))
        out.print(table)


def _slug(provider: str) -> str:
    """A provider name as a file-name part (no ':' for emulator:NAME)."""
    return provider.replace(":", "-")


from ._emulate import emulate_command  # noqa: E402 - registered here, written in its own module

app.command("emulate")(emulate_command)
