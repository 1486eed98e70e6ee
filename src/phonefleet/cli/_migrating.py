"""What `migrate` adds to the library's planning: a subset of numbers, a saved plan, the CLI's words."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import phonefleet

from ._stores import CliUsageError

__all__ = ["CARRY", "TEMPORARY_JOURNAL", "check_migrate_args", "cli_spelling", "load_plan", "read_numbers"]

#: what `--carry` carries unless told
CARRY = "name,forwarding,routing"
#: what `migrate` says of the journal of a run on fresh emulators, deleted as it exits
TEMPORARY_JOURNAL = (
    "journal: none kept (emulators start fresh each run, so it was temporary; "
    "pass --journal FILE to keep one)"
)

#: the library's keyword spelling of an option -> the flag that sets it on the command line
FLAGS = {
    "create_missing=True": "--create-missing",
    "archive_source=True": "--archive-source",
    "carry=": "--carry ",
    "numbers=": "--number ",
    "journal=": "--journal ",
}
_KEYWORDS = re.compile("|".join(re.escape(word) for word in FLAGS))


def cli_spelling(text: str) -> str:
    """A library message in the command line's words: `create_missing=True` -> `--create-missing`."""
    return _KEYWORDS.sub(lambda match: FLAGS[match.group(0)], text)


def read_numbers(path: Path | None, given: Iterable[str] | None) -> list[str] | None:
    """The numbers `--numbers FILE` (one a line, `#` comments; `-` is stdin) and `--number N` name.

    Each is checked as a phone number first; None when neither flag was given.
    """
    if path is None and not given:
        return None
    entries: list[tuple[str, str]] = [(f"--number {item}", item) for item in given or ()]
    if path is not None:
        text = sys.stdin.read() if str(path) == "-" else _read(path)
        for line_number, line in enumerate(text.splitlines(), start=1):
            item = line.split("#", 1)[0].strip()
            if item:
                entries.append((f"{path}:{line_number}", item))
    numbers: list[str] = []
    for where, item in entries:
        try:
            numbers.append(phonefleet.to_e164(item))
        except phonefleet.InvalidNumberError as exc:
            msg = f"{where}: {exc}"
            raise CliUsageError(msg) from None
    if not numbers:
        msg = f"--numbers {path}: no numbers in it (one E.164 number a line)"
        raise CliUsageError(msg)
    return numbers


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror or exc}"
        raise CliUsageError(msg) from None


def check_migrate_args(
    source: str | None,
    target: str | None,
    *,
    plan_file: Path | None,
    numbers_file: Path | None,
    number: Sequence[str] | None,
    planning_options: bool,
) -> tuple[str, str, list[str] | None]:
    """--from / --to (from a saved plan when not given), and the numbers to limit the plan to."""
    if plan_file is None:
        if source is None or target is None:
            msg = "migrate needs --from and --to (or --plan FILE, a plan saved with --save-plan)"
            raise CliUsageError(msg)
        return source, target, read_numbers(numbers_file, number)
    if numbers_file is not None or number or planning_options:
        msg = "--plan runs a saved plan as it is: --number, --numbers, --carry, --create-missing, "
        msg += "--archive-source and --port shape a new plan"
        raise CliUsageError(msg)
    planned = plan_providers(plan_file)
    return source or planned[0], target or planned[1], None


def plan_providers(path: Path) -> tuple[str, str]:
    """The source and target providers a saved plan names (before any store is opened)."""
    from phonefleet.migrate import Plan

    try:
        plan = Plan.from_json(_read(path))
    except phonefleet.PhoneFleetError as exc:
        msg = f"--plan {path}: {exc}"
        raise CliUsageError(msg) from None
    return plan.source_provider, plan.target_provider


def load_plan(path: Path, source: Any, target: Any) -> Any:
    """The saved plan, bound to the stores opened for it; refused if they are not its stores."""
    from phonefleet.migrate import Plan

    try:
        return Plan.from_json(_read(path), source=source, target=target)
    except phonefleet.PhoneFleetError as exc:
        msg = f"--plan {path}: {exc}"
        raise CliUsageError(msg) from None
