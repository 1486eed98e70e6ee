"""Migrating numbers between stores: plan, look, apply, resume.

```python
from phonefleet import migrate

plan = migrate.plan(source, target, archive_source=True)
print(plan)                      # the steps, and what cannot be carried
report = migrate.apply(plan, journal="migration.sqlite")
```

Rerun `apply` with the same journal after a crash or Ctrl-C: what is done
is skipped, what was in flight is checked before anything is sent again.
A journal serves one run at a time: a second run on it is refused with
`JournalBusyError` (`take_over=True` takes over from a run that is gone),
and one pair of stores: another pair is refused with `JournalMismatchError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from phonefleet._lazy import by_name, load

if TYPE_CHECKING:
    from ._apply import apply, apply_async
    from ._journal import (
        Journal,
        JournalBusyError,
        JournalCorruptError,
        JournalMismatchError,
        JournalTakenOverError,
    )
    from ._model import Action, Failure, Plan, Report, Skipped, SkippedStep, Step, Waiting
    from ._plan import CARRYABLE, Difference, build_plan, compare, plan, plan_async
    from ._porting import Porting
    from ._steps import StepNotAppliedError

# Each name loads from its module on first use, so a submodule (the number
# codec the CLI's `list --json` prints with) is importable without the planner,
# the journal (sqlite3) and the async applier.
_MODULES = {
    "._apply": ("apply", "apply_async"),
    "._journal": (
        "Journal",
        "JournalBusyError",
        "JournalCorruptError",
        "JournalMismatchError",
        "JournalTakenOverError",
    ),
    "._model": ("Action", "Failure", "Plan", "Report", "Skipped", "SkippedStep", "Step", "Waiting"),
    "._plan": ("CARRYABLE", "Difference", "build_plan", "compare", "plan", "plan_async"),
    "._porting": ("Porting",),
    "._steps": ("StepNotAppliedError",),
}
_LAZY = by_name(_MODULES)


def __getattr__(name: str) -> Any:
    return load(globals(), _LAZY, name)


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "CARRYABLE",
    "Action",
    "Difference",
    "Failure",
    "Journal",
    "JournalBusyError",
    "JournalCorruptError",
    "JournalMismatchError",
    "JournalTakenOverError",
    "Plan",
    "Porting",
    "Report",
    "Skipped",
    "SkippedStep",
    "Step",
    "StepNotAppliedError",
    "Waiting",
    "apply",
    "apply_async",
    "build_plan",
    "compare",
    "plan",
    "plan_async",
]
