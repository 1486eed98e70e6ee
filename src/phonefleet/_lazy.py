"""A package's names loaded from their modules on first use (PEP 562), so importing
the package costs next to nothing and each name costs only its own module."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["by_name", "load"]


def by_name(modules: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """{module: names} turned round: each name's module."""
    return {name: module for module, names in modules.items() for name in names}


def load(namespace: dict[str, Any], lazy: Mapping[str, str], name: str) -> Any:
    """`name` from the module `lazy` gives for it (relative to the package whose
    `namespace` this is), kept there so it loads once; AttributeError if it has none."""
    package = namespace["__name__"]
    module = lazy.get(name)
    if module is None:
        msg = f"module {package!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module, package), name)
    namespace[name] = value
    return value
