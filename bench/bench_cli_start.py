"""How fast the `phonefleet` command starts, against `python -c "import httpx"`.

Each command runs in a fresh interpreter; the figure is its CPU time (the
child's user + system time, which other work on a loaded machine does not
inflate the way it inflates wall time), median of interleaved runs, as a
ratio to `import httpx` measured the same way. Goals (issue 25): `--help`
and `--version` within 1.0x, `list emulator:linq --json` within 2.0x.

Both sides start from bytecode, as installed packages do (pip compiles a
wheel's modules when it installs them; httpx's are): the children share a
fresh `PYTHONPYCACHEPREFIX` that the warm-up runs fill. Without it, an
editable install under `PYTHONDONTWRITEBYTECODE` compiles phonefleet's
sources at every start, and the figure measures the compiler; `--source`
measures that case (no bytecode written, none read from the prefix).

    python bench/bench_cli_start.py [--quick] [--source]
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
from typing import Any

_PYTHON = sys.executable
_CLI = [_PYTHON, "-c", "from phonefleet.cli import main; main()"]
COMMANDS: dict[str, tuple[list[str], float | None]] = {
    "import httpx": ([_PYTHON, "-c", "import httpx"], None),
    "phonefleet --help": ([*_CLI, "--help"], 1.0),
    "phonefleet --version": ([*_CLI, "--version"], 1.0),
    "phonefleet list emulator:linq --json": ([*_CLI, "list", "emulator:linq", "--json"], 2.0),
}


def _cpu_seconds(command: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run(quick: bool = False, source: bool = False) -> list[dict[str, Any]]:
    repeats = 5 if quick else 15
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as pycache:
        env = {**os.environ, "COLUMNS": "100"}
        if not source:
            env["PYTHONPYCACHEPREFIX"] = pycache
        warm = {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}
        for command, _ in COMMANDS.values():
            _cpu_seconds(command, env if source else warm)  # warm the file cache (and write the bytecode)
        for _ in range(repeats):
            for name, (command, _) in COMMANDS.items():
                samples[name].append(_cpu_seconds(command, env))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    baseline = medians["import httpx"]
    rows: list[dict[str, Any]] = []
    for name, (_, goal) in COMMANDS.items():
        if goal is None:
            continue
        ratio = medians[name] / baseline
        rows.append(
            {
                "name": f"{name} / import httpx",
                "value": ratio,
                "unit": "x",
                "goal": f"<= {goal}",
                "met": ratio <= goal,
                "detail": f"{medians[name] * 1000:.0f} ms vs {baseline * 1000:.0f} ms CPU "
                f"(fresh interpreters, {'from source' if source else 'bytecode'}, "
                f"median of {repeats} interleaved)",
            }
        )
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv, source="--source" in sys.argv):
        met = "yes" if row["met"] else "NO"
        print(f"{row['name']}: {row['value']:.2f}{row['unit']} (goal {row['goal']}, {met}) {row['detail']}")
