"""The `phonefleet` command: one store per provider name; tables, plain rows or JSON."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

import phonefleet
from phonefleet import Feature

from . import _migrating, _providers, _stores, _values
from ._group import argument, command, exit_with
from ._output import (
    BLOCKER_COLUMNS,
    Column,
    Output,
    blockers_json,
    blockers_rows,
    confirm,
    errors,
    fail,
    numbers_json,
)
from ._params import (
    PathType,
    debug_flag,
    json_flag,
    number_argument,
    options,
    provider_argument,
    store_options,
    subset_options,
    timeout_flag,
    with_timeout,
)

__all__ = [
    "archive_command",
    "blockers_command",
    "diff_command",
    "export_command",
    "forward_command",
    "link_command",
    "migrate_command",
    "providers_command",
    "show_command",
]


@command("providers")
@argument("provider", required=False, help="show this adapter's settings in full")
@json_flag
@debug_flag
def providers_command(*, provider: str | None, as_json: bool, debug: bool) -> None:
    """The installed adapters, their settings and environment variables."""
    out = Output(as_json=as_json)
    with errors(debug):
        if provider is not None:
            _providers.show_settings(out, provider)
            return
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
                        _providers.setting_row(s) for s in phonefleet.provider_settings(name, common=False)
                    ],
                }
            )
        if as_json:
            out.json(rows)
            return
        table: list[list[str | None]] = []
        for row in rows:
            if not row["available"]:
                table.append([row["name"], "unavailable", None, row["problem"]])
                continue
            settings = ", ".join(
                f"{s['name']} ({'/'.join(s['env'])})" if s["env"] else s["name"] for s in row["settings"]
            )
            status = "ok, emulator" if row["emulator"] else "ok"
            table.append([row["name"], status, settings or None, row["description"]])
        columns = (
            Column("provider", whole=True),
            Column("status"),
            Column("settings (env vars)"),
            Column("description", drop=1),
        )
        out.table(columns, table, title="Installed adapters", empty="no adapters installed")


@contextlib.contextmanager
def _looking_up(ref: str | None) -> Iterator[None]:
    """A number or id the vendor does not know; if it was not E.164, say how numbers are written."""
    try:
        yield
    except phonefleet.NotFoundError:
        if ref is not None and not ref.strip().startswith("+"):
            fail(f"no number or id {ref!r} (numbers are E.164, e.g. +12025550100)", code=1)
        raise


@command("show")
@provider_argument
@number_argument
@store_options
def show_command(
    *, provider: str, number: str, option: tuple[str, ...], timeout: str | None, as_json: bool, debug: bool
) -> None:
    """One number, every field."""
    out = Output(as_json=as_json)
    with (
        errors(debug),
        _stores.connect(provider, with_timeout(option, timeout)) as store,
        _looking_up(number),
    ):
        _print_number(out, store.get(number))


def _print_number(out: Output, number: phonefleet.PhoneNumber) -> None:
    from phonefleet.migrate._codec import number_to_json

    data = number_to_json(number)
    if out.as_json:
        out.json(data)
        return
    pairs = [(key, _values.shown(value)) for key, value in data.items()]
    out.record(pairs, title=f"{number.provider} {number.number}")


@command("forward")
@provider_argument
@number_argument
@argument("to", required=False, help="E.164 number to forward calls to")
@click.option("--off", is_flag=True, help="stop forwarding")
@click.option(
    "--yes", "-y", is_flag=True, help="replace a voice handler that is not forwarding without asking"
)
@store_options
def forward_command(
    *,
    provider: str,
    number: str,
    to: str | None,
    off: bool,
    yes: bool,
    option: tuple[str, ...],
    timeout: str | None,
    as_json: bool,
    debug: bool,
) -> None:
    """Forward a number's calls, or stop forwarding with --off.

    Where forwarding is the voice handler (Twilio, SignalWire), it asks
    before replacing a handler that is not forwarding (a SIP trunk, a TwiML
    app, a webhook), unless --yes: --off would not bring that back.
    """
    out = Output(as_json=as_json)
    if (to is None) == (not off):
        fail("give either a number to forward to or --off", code=2)
    with (
        errors(debug),
        _stores.connect(provider, with_timeout(option, timeout)) as store,
        _looking_up(number),
    ):
        target: str | phonefleet.PhoneNumber = number
        if to is not None and getattr(getattr(store, "adapter", None), "forwarding_replaces_voice", False):
            phonefleet.to_e164(to)  # a bad target is refused before anything is read
            found = store.get(number)
            target = found
            replaced = _replaced_by_forwarding(found)
            if (
                replaced
                and not yes
                and not confirm(
                    f"{found.number} on {provider} answers calls with {replaced}; forwarding replaces it "
                    f"(and --off will not bring it back). Forward to {to}?"
                )
            ):
                fail(f"aborted: nothing changed ({found.number} keeps {replaced}; --yes replaces it)", code=1)
        changed = store.set_forwarding(target, None if off else to)
        _print_number(out, changed)


def _replaced_by_forwarding(number: phonefleet.PhoneNumber) -> str | None:
    """The voice handler forwarding would replace, described; None when there is none
    (or when the number already forwards: forwarding replaces forwarding)."""
    voice = number.routing.voice if number.routing is not None else None
    if voice is None or number.forwarding_number is not None:
        return None
    where = voice.url or voice.target
    return f"{voice.kind} {where}" if where else voice.kind


@command("blockers")
@provider_argument
@number_argument
@store_options
def blockers_command(
    *, provider: str, number: str, option: tuple[str, ...], timeout: str | None, as_json: bool, debug: bool
) -> None:
    """What keeps a number from being archived."""
    out = Output(as_json=as_json)
    with (
        errors(debug),
        _stores.connect(provider, with_timeout(option, timeout)) as store,
        _looking_up(number),
    ):
        found = store.archive_blockers(number)
        if as_json:
            out.json(blockers_json(found))
        elif found:
            out.table(BLOCKER_COLUMNS, blockers_rows(found), title=f"{number}: {len(found)} blockers")
        else:
            out.line(f"{number}: nothing blocks archiving")


@command("archive")
@provider_argument
@number_argument
@click.option("--yes", "-y", is_flag=True, help="do not ask for confirmation")
@store_options
def archive_command(
    *,
    provider: str,
    number: str,
    yes: bool,
    option: tuple[str, ...],
    timeout: str | None,
    as_json: bool,
    debug: bool,
) -> None:
    """Archive (release) a number; shows what blocks it, asks first unless --yes."""
    out = Output(as_json=as_json)
    with (
        errors(debug),
        _stores.connect(provider, with_timeout(option, timeout)) as store,
        _looking_up(number),
    ):
        if Feature.ARCHIVE not in store.features:  # refuse before asking anything
            fail(f"{store.provider} does not support archive", code=1)
        found = store.get(number)
        if found.archived:
            _print_number(out, found)
            return
        blockers = store.archive_blockers(found) if Feature.ARCHIVE_BLOCKERS in store.features else []
        if blockers:
            _blocked(out, found.number, blockers)
        if not yes and not confirm(f"Archive {found.number} on {provider}?"):
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
        title = f"{number} cannot be archived: {len(blockers)} blockers"
        out.table(BLOCKER_COLUMNS, blockers_rows(blockers), title=title)
    fail(f"{number} cannot be archived while {len(blockers)} blockers stand in the way", code=1)


@command("link")
@provider_argument
@argument("number", required=False, help="the number; leave out to list linkable lines")
@argument("provider_phone", required=False, help="the provider line to link to: its id or its E.164 number")
@click.option("--unlink", is_flag=True, help="remove the link")
@store_options
def link_command(
    *,
    provider: str,
    number: str | None,
    provider_phone: str | None,
    unlink: bool,
    option: tuple[str, ...],
    timeout: str | None,
    as_json: bool,
    debug: bool,
) -> None:
    """Link a number to a provider line, unlink it, or list the linkable lines."""
    out = Output(as_json=as_json)
    if number is not None and (provider_phone is None) == (not unlink):
        fail("give either a provider line to link to or --unlink", code=2)
    with errors(debug), _stores.connect(provider, with_timeout(option, timeout)) as store:
        if number is None:
            phones = store.linkable()
            if as_json:
                out.json([{"id": p.id, "number": p.number, "assigned": p.assigned} for p in phones])
                return
            columns = (Column("id"), Column("number", whole=True), Column("assigned", whole=True))
            rows = [[p.id, p.number, "yes" if p.assigned else "no"] for p in phones]
            title = f"{provider}: {len(phones)} linkable lines"
            out.table(columns, rows, title=title, empty="no linkable lines")
            return
        line = None if unlink else _line_id(store, provider, provider_phone)
        with _looking_up(number):
            _print_number(out, store.link(number, line))


def _line_id(store: Any, provider: str, line: str | None) -> str | None:
    """A provider line given by id, or by its E.164 number (looked up among the linkable lines)."""
    if line is None or not line.strip().startswith("+"):
        return line
    wanted = phonefleet.to_e164(line)
    if Feature.LINK not in store.features:
        return line  # the store refuses link itself, in its own words
    for phone in store.linkable():
        if phone.number == wanted:
            return str(phone.id)
    fail(f"no linkable line with number {wanted} (see 'phonefleet link {provider}')", code=1)


@command("export")
@provider_argument
@click.option("--format", "-f", "fmt", default="json", help="json or csv")
@click.option("--output", type=PathType, help="write to this file, not stdout")
@click.option("--all", "all_numbers", is_flag=True, help="archived numbers too")
@options
@timeout_flag
@click.option("--json", "as_json", is_flag=True, help="the same as --format json")
@debug_flag
def export_command(
    *,
    provider: str,
    fmt: str,
    output: Path | None,
    all_numbers: bool,
    option: tuple[str, ...],
    timeout: str | None,
    as_json: bool,
    debug: bool,
) -> None:
    """Every number as JSON or CSV (stdout, or --output FILE)."""
    fmt = "json" if as_json else fmt.lower()
    if fmt not in ("json", "csv"):
        fail(f"--format must be json or csv, not {fmt!r}", code=2)
    settings = with_timeout(option, timeout)
    settings.hint = "the file to write to is --output FILE"
    with errors(debug), _stores.connect(provider, settings) as store:
        rows = numbers_json(store.list(archived=None if all_numbers else False))
        if fmt == "json":
            text = json.dumps(rows, indent=2) + "\n"
        else:
            buffer = io.StringIO()
            columns = list(rows[0]) if rows else ["provider", "id", "number"]
            import csv

            writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _values.csv_cell(v) for k, v in row.items()})
            text = buffer.getvalue()
        if output is None:
            click.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            click.echo(f"wrote {len(rows)} numbers to {output}", err=True)


@command("diff")
@argument("a", help="left provider")
@argument("b", help="right provider")
@click.option("--a-option", metavar="KEY=VALUE", multiple=True, help="a setting of A (repeatable)")
@click.option("--b-option", metavar="KEY=VALUE", multiple=True, help="a setting of B (repeatable)")
@click.option("--same", "show_same", is_flag=True, help="list identical numbers too")
@timeout_flag
@json_flag
@debug_flag
def diff_command(
    *,
    a: str,
    b: str,
    a_option: tuple[str, ...],
    b_option: tuple[str, ...],
    show_same: bool,
    timeout: str | None,
    as_json: bool,
    debug: bool,
) -> None:
    """Compare two providers' numbers by E.164: only in one, or differing fields."""
    from phonefleet.migrate import compare

    out = Output(as_json=as_json)
    with (
        errors(debug),
        _stores.connect(a, with_timeout(a_option, timeout, "--a-option")) as left,
        _stores.connect(b, with_timeout(b_option, timeout, "--b-option")) as right,
    ):
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
    counts: dict[str, int] = {}
    for d in differences:
        counts[d.status] = counts.get(d.status, 0) + 1
    summary = ", ".join(f"{counts.get(k, 0)} {names[k]}" for k in names)
    rows = []
    for d in differences:
        if d.status == "same" and not show_same:
            continue
        left = ", ".join(_field(d.left, f) for f in d.fields) if d.left and d.fields else None
        right = ", ".join(_field(d.right, f) for f in d.fields) if d.right and d.fields else None
        rows.append([d.number, names[d.status], ", ".join(d.fields) or None, left, right])
    columns = (
        Column("number", whole=True),
        Column("status", whole=True),
        Column("fields"),
        Column(a),
        Column(b),
    )
    empty = f"no differences ({summary})" if differences else "no numbers"
    out.table(columns, rows, title=f"{a} vs {b}: {summary}", empty=empty)


def _field(number: phonefleet.PhoneNumber, field: str) -> str:
    from phonefleet.migrate._model import format_value

    return format_value(getattr(number, field))


@command("migrate")
@click.option("--from", "source", help="source provider")
@click.option("--to", "target", help="target provider")
@click.option("--apply", "do_apply", is_flag=True, help="make the changes (default: dry run)")
@click.option("--journal", type=PathType, help="resume journal (SQLite)")
@click.option("--concurrency", type=click.IntRange(1, 256), default=16)
@click.option("--carry", default=_migrating.CARRY, help="comma-separated fields")
@click.option("--archive-source", is_flag=True, help="archive on the source after")
@click.option("--create-missing", is_flag=True, help="create missing numbers")
@click.option("--save-plan", type=PathType, help="write the plan as JSON")
@click.option("--plan", "plan_file", metavar="FILE", type=PathType, help="run a plan saved with --save-plan")
@subset_options
@click.option("--port", is_flag=True, help="port the numbers the target lacks")
@click.option("--account", type=PathType, help="the holder's account at the losing carrier (TOML)")
@click.option("--loa", type=PathType, help="the signed letter of authorization")
@click.option("--invoice", type=PathType, help="a recent bill of the losing carrier")
@click.option(
    "--from-option", metavar="KEY=VALUE", multiple=True, help="a setting of the source (repeatable)"
)
@click.option("--to-option", metavar="KEY=VALUE", multiple=True, help="a setting of the target (repeatable)")
@timeout_flag
@json_flag
@debug_flag
def migrate_command(
    *,
    source: str | None,
    target: str | None,
    do_apply: bool,
    journal: Path | None,
    concurrency: int,
    carry: str,
    archive_source: bool,
    create_missing: bool,
    save_plan: Path | None,
    plan_file: Path | None,
    numbers_file: Path | None,
    number: tuple[str, ...],
    port: bool,
    account: Path | None,
    loa: Path | None,
    invoice: Path | None,
    from_option: tuple[str, ...],
    to_option: tuple[str, ...],
    timeout: str | None,
    as_json: bool,
    debug: bool,
) -> None:
    """Plan a migration (dry run), or make it with --apply (resumable with --journal)."""
    out = Output(as_json=as_json)
    with errors(debug):
        from phonefleet.migrate import CARRYABLE

        fields = [part.strip() for part in carry.split(",") if part.strip()]
        unknown = [f for f in fields if f not in CARRYABLE]
        if unknown:
            fail(f"--carry: unknown {', '.join(unknown)}; choose from {', '.join(CARRYABLE)}", code=2)
        source, target, numbers = _migrating.check_migrate_args(
            source,
            target,
            plan_file=plan_file,
            numbers_file=numbers_file,
            number=number,
            planning_options=create_missing or archive_source or port or carry != _migrating.CARRY,
        )
        if source == target and sorted(from_option or ()) == sorted(to_option or ()):
            fail(f"--from and --to name the same store ({source}); a migration needs two", code=2)
        porting = _porting(port, account, loa, invoice)
        import asyncio

        code = asyncio.run(
            _migrate(
                out,
                source=source,
                target=target,
                source_options=with_timeout(from_option, timeout, "--from-option"),
                target_options=with_timeout(to_option, timeout, "--to-option"),
                apply_changes=do_apply,
                journal=journal,
                concurrency=concurrency,
                carry=fields,
                archive_source=archive_source,
                create_missing=create_missing,
                save_plan=save_plan,
                port=porting,
                plan_file=plan_file,
                numbers=numbers,
            )
        )
        if code:
            exit_with(code)


async def _migrate(
    out: Output,
    *,
    source: str,
    target: str,
    source_options: list[str],
    target_options: list[str],
    apply_changes: bool,
    journal: Path | None,
    concurrency: int,
    carry: list[str],
    archive_source: bool,
    create_missing: bool,
    save_plan: Path | None,
    port: Any = None,
    plan_file: Path | None = None,
    numbers: list[str] | None = None,
) -> int:
    import asyncio

    from phonefleet import migrate

    async with (
        _stores.connect_async(source, source_options) as source_store,
        _stores.connect_async(target, target_options) as target_store,
    ):
        # a port run's journal may hold orders filed on earlier days
        ordered_before = plan_file is None and port is not None and journal is not None and journal.exists()
        if plan_file is not None:
            plan = _migrating.load_plan(plan_file, source_store, target_store)
        else:
            if ordered_before and journal is not None:
                port = _in_flight(port, journal, source_store, target_store)
            plan = await migrate.plan_async(
                source_store,
                target_store,
                carry=carry,
                archive_source=archive_source,
                create_missing=create_missing,
                port=port,
                concurrency=concurrency,
                numbers=numbers,
            )
        if save_plan is not None:
            save_plan.write_text(plan.to_json(), encoding="utf-8")
        print_plan(out, plan, plain_title=True)  # two tables: each says what it is
        if not apply_changes:
            # orders filed on earlier days: the journal's record of them, read only
            earlier = (
                await migrate.apply_async(plan, journal=journal, dry_run=True)
                if ordered_before and journal is not None
                else None
            )
            waiting = [] if earlier is None else earlier.to_dict()["waiting"]
            if out.as_json:
                shown: dict[str, Any] = {"plan": json.loads(plan.to_json()), "report": None}
                if waiting:
                    shown["waiting"] = waiting
                out.json(shown)
            else:
                if earlier is not None and earlier.waiting:
                    from ._portfile import print_waiting

                    print_waiting(out, earlier)
                out.line(f"dry run: {len(plan.steps)} steps would run; pass --apply to make them")
            return 0
        with contextlib.ExitStack() as scratch:
            temporary = journal is None and _stores.EMULATOR_PREFIX in source + target
            if temporary:
                # a fresh emulator each run: a journal kept in the folder would lie next time
                import tempfile

                path = Path(scratch.enter_context(tempfile.TemporaryDirectory())) / "journal.sqlite"
            else:
                path = journal or _default_journal(source, target, source_store, target_store)
            try:
                report = await apply_with_progress(out, plan, journal=path, concurrency=concurrency)
            except asyncio.CancelledError as interrupted:  # Ctrl-C: say what was done, then exit 130
                _print_interrupted(
                    out, plan, getattr(interrupted, "report", None), None if temporary else path
                )
                raise
        if out.as_json:
            kept = None if temporary else str(path)
            out.json({"plan": json.loads(plan.to_json()), "report": report.to_dict(), "journal": kept})
        else:
            print_report(out, report)
            out.line(_migrating.TEMPORARY_JOURNAL if temporary else f"journal: {path}")
            if report.waiting:
                out.line(
                    "the ports complete on their FOC dates: run the same command again (daily) to carry on"
                )
        # numbers waiting for their port are not a failure: a daily job exits 0 until something fails
        return 0 if report.ok or not (report.failed or report.pending or report.interrupted) else 1


def _in_flight(port: Any, journal: Path, source_store: Any, target_store: Any) -> Any:
    """`port` knowing the numbers the journal has orders for: planned as ports without asking again.

    Read only: planning (a dry run above all) never writes to a journal; `apply` claims it later.
    """
    import attrs

    from phonefleet import StoreIdentity
    from phonefleet.migrate import Journal
    from phonefleet.migrate._porting import in_flight

    with Journal(
        journal,
        source=StoreIdentity.of(source_store),
        target=StoreIdentity.of(target_store),
        read_only=True,
    ) as book:
        return attrs.evolve(port, in_flight=in_flight(book))


def _porting(port: bool, account: Path | None, loa: Path | None, invoice: Path | None) -> Any:
    """The `migrate.Porting` the --port options describe (None without --port); usage errors exit 2."""
    if not port:
        if account or loa or invoice:
            fail("--account, --loa and --invoice go with --port", code=2)
        return None
    if account is None:
        fail("--port needs --account FILE: the holder's account at the losing carrier (TOML)", code=2)
    from phonefleet.migrate import Porting

    from ._portfile import AccountFileError, load_account, load_documents

    try:
        return Porting(load_account(account), documents=load_documents(loa, invoice))
    except AccountFileError as exc:
        fail(str(exc), code=2)


def _print_interrupted(out: Output, plan: Any, report: Any, path: Path | None) -> None:
    """What an interrupted apply did, so the user knows the journal resumes it."""
    if report is None:
        return
    if out.as_json:
        out.json(
            {
                "plan": json.loads(plan.to_json()),
                "report": report.to_dict(),
                "journal": None if path is None else str(path),
                "interrupted": True,
            }
        )
    else:
        print_report(out, report)
        if path is None:
            out.line(_migrating.TEMPORARY_JOURNAL)
        else:
            out.line(f"journal: {path} (interrupted: run the same command again to resume)")


PLAN_COLUMNS = (
    Column("#", whole=True, justify="right"),
    Column("number", whole=True),
    Column("store", whole=True, fold=True),
    Column("action", whole=True),
    Column("change"),
)
SKIPPED_COLUMNS = (Column("number", whole=True), Column("what", whole=True), Column("reason"))


def print_plan(out: Output, plan: Any, *, plain_title: bool = False) -> None:
    """A plan's steps, then what it cannot carry."""
    head = f"Plan {plan.source_provider} -> {plan.target_provider}"
    if not plan.steps:
        out.line(f"{head}: nothing to do")
    else:
        title = f"{head}: {len(plan.steps)} steps"
        out.table(PLAN_COLUMNS, plan._rows(), title=title, plain_title=plain_title)
    if plan.skipped:
        rows = [[item.number, item.what, _migrating.cli_spelling(item.reason)] for item in plan.skipped]
        title = f"Cannot carry ({len(plan.skipped)})"
        out.table(SKIPPED_COLUMNS, rows, title=title, plain_title=plain_title)


async def apply_with_progress(out: Output, plan: Any, *, journal: Path | str, concurrency: int) -> Any:
    """`apply_async` with a progress bar on a terminal (nothing in a pipe)."""
    from phonefleet import migrate
    from phonefleet.migrate._pace import current_pace

    from ._watch import WATCH

    progress = out.progress()
    WATCH.quiet = not progress.disable  # one live display at a time: the bar, not the spinner
    try:
        with progress:
            description = f"{plan.source_provider} -> {plan.target_provider}"
            task = progress.add_task(description, total=len(plan.steps))

            def advance(step: Any, outcome: str) -> None:  # the bar shows the target's current pace
                pace = current_pace([plan.target])
                progress.update(task, advance=1, description=f"{description} {pace}".rstrip())

            return await migrate.apply_async(plan, journal=journal, concurrency=concurrency, progress=advance)
    finally:
        WATCH.quiet = False


def print_report(out: Output, report: Any) -> None:
    out.line(f"[bold]{report.summary()}[/bold]", markup=True)
    if report.requests and not report.dry_run:
        rate = report.requests_per_second
        pace = f" ({rate:,.0f} requests/s)" if rate else ""
        out.line(
            f"{report.requests:,} requests in {report.seconds:.1f}s{pace}, {report.throttled} answered 429"
        )
    if report.failed:
        columns = (
            Column("number", whole=True),
            Column("store", whole=True),
            Column("action", whole=True),
            Column("error"),
        )
        rows = [
            [f.step.number, f.step.store, f.step.action.value, _stores.SECRETS.scrub(f.message)]
            for f in report.failed
        ]
        out.table(columns, rows, title="Failed", plain_title=True)
    if getattr(report, "waiting", ()):
        from ._portfile import print_waiting

        print_waiting(out, report)


def _default_journal(source: str, target: str, source_store: Any, target_store: Any) -> Path:
    """The journal of this pair of accounts: named by providers and a digest of both
    stores' identities (never a credential), so another pair never reuses it."""
    import hashlib

    from phonefleet import StoreIdentity

    both = "\n".join(StoreIdentity.of(store).to_json() for store in (source_store, target_store))
    digest = hashlib.sha256(both.encode()).hexdigest()[:12]
    return Path(f"phonefleet-{_slug(source)}-to-{_slug(target)}-{digest}.journal.sqlite")


def _slug(provider: str) -> str:
    """A provider name as a file-name part (no ':' for emulator:NAME)."""
    return provider.replace(":", "-")
