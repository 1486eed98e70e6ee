"""phonefleet's version and its own entry points, read from its installed metadata
without importing `importlib.metadata` (which costs more than `phonefleet --version`
or a listing of a built-in adapter may take)."""

from __future__ import annotations

import os
import sys

__all__ = ["installed_version", "own_entry_points"]


def _dist_info(name: str) -> str | None:
    """The first `NAME-*.dist-info` folder on sys.path, as importlib.metadata finds it."""
    prefix = name + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for item in sorted(names):
            if item.startswith(prefix) and item.endswith(".dist-info"):
                return os.path.join(entry or ".", item)
    return None


def _read(name: str, file: str) -> list[str] | None:
    folder = _dist_info(name)
    if folder is None:
        return None
    try:
        with open(os.path.join(folder, file), encoding="utf-8") as text:
            return text.read().splitlines()
    except OSError:
        return None


def installed_version(name: str = "phonefleet") -> str:
    """The `Version:` of the first `NAME-*.dist-info` on sys.path; importlib.metadata
    itself when none is found there."""
    for line in _read(name, "METADATA") or ():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
        if not line.strip():
            break  # the headers ended
    from importlib.metadata import version

    return version(name)


def own_entry_points(group: str, name: str = "phonefleet") -> dict[str, str]:
    """`{entry point name: "module:attribute"}` of `group`, as NAME's own
    `entry_points.txt` declares it (empty when it cannot be read)."""
    found: dict[str, str] = {}
    section = None
    for raw in _read(name, "entry_points.txt") or ():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == group and "=" in line:
            key, _, value = line.partition("=")
            found[key.strip()] = value.strip()
    return found
