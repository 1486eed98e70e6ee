"""phonefleet's version, read from its installed metadata without importing
`importlib.metadata` (which costs more than `phonefleet --version` may take)."""

from __future__ import annotations

import os
import sys

__all__ = ["installed_version"]


def installed_version(name: str = "phonefleet") -> str:
    """The `Version:` of the first `NAME-*.dist-info` on sys.path (as importlib.metadata
    finds it); importlib.metadata itself when none is found there."""
    prefix = name + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for item in sorted(names):
            if not (item.startswith(prefix) and item.endswith(".dist-info")):
                continue
            try:
                with open(os.path.join(entry or ".", item, "METADATA"), encoding="utf-8") as metadata:
                    for line in metadata:
                        if line.startswith("Version:"):
                            return line.split(":", 1)[1].strip()
                        if not line.strip():
                            break  # the headers ended
            except OSError:
                continue
    from importlib.metadata import version

    return version(name)
