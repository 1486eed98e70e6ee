"""Run every benchmark, print one table, write bench/results.md.

    python bench/run_all.py            # full
    python bench/run_all.py --quick    # fewer repeats, for a smoke run

Each bench_*.py exposes run(quick) -> rows; every figure is a ratio against
a baseline measured in the same run.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import importlib.util
import pathlib
import platform
import sys
import traceback
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent


def _load(path: pathlib.Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _versions() -> str:
    names = (
        "phonefleet",
        "httpx",
        "attrs",
        "cattrs",
        "stamina",
        "msgspec",
        "phonenumbers",
        "twilio",
        "telnyx",
    )
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def main() -> int:
    quick = "--quick" in sys.argv
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    rows: list[dict[str, Any]] = []
    for path in sorted(HERE.glob("bench_*.py")):
        if only and not any(word in path.stem for word in only):
            continue
        print(f"running {path.name} ...", file=sys.stderr)
        try:
            for row in _load(path).run(quick=quick):
                rows.append({"bench": path.stem, **row})
        except Exception as exc:
            traceback.print_exc()
            rows.append(
                {
                    "bench": path.stem,
                    "name": "failed",
                    "value": float("nan"),
                    "unit": "",
                    "goal": "-",
                    "met": False,
                    "detail": repr(exc),
                }
            )
    header = "| benchmark | figure | goal | met | detail |\n| --- | ---: | --- | --- | --- |"
    lines = [
        f"| {r['name']} | {r['value']:.2f} {r['unit']} | {r['goal']} | "
        f"{'yes' if r['met'] else 'NO'} | {r['detail']} |"
        for r in rows
    ]
    table = "\n".join([header, *lines])
    print(table)
    machine = (
        f"{platform.platform()}, {platform.machine()}, Python {platform.python_version()}, "
        f"{__import__('os').cpu_count()} CPUs"
    )
    text = (
        "# Benchmark results\n\n"
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC{' (quick)' if quick else ''} with "
        "`python bench/run_all.py`.\n\n"
        f"- Machine: {machine}\n- Versions: {_versions()}\n\n{table}\n"
    )
    if not only:
        (HERE / "results.md").write_text(text)
    return 0 if all(r["met"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
