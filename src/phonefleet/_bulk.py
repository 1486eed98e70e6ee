"""Building many PhoneNumbers at once, for listings of thousands.

A frozen attrs class sets every field through one call each; for a listing
of 10,000 numbers with 16 fields that is most of the cost of a listing. Here
each given field is one C-level pass over all the new objects, and a field
the vendor did not send is not stored at all (it reads as its default).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from itertools import repeat
from typing import Any, Final

import attrs

from ._memo import Memo
from ._model import Handler, PhoneNumber, Routing

__all__ = ["build_numbers", "shared_routing"]

_FIELDS: Final = {field.name: field for field in attrs.fields(PhoneNumber)}
_REQUIRED: Final = frozenset({"provider", "id", "number"})


def _setters() -> dict[str, Callable[[object, object], None]]:
    found = {}
    for name in _FIELDS:
        descriptor = PhoneNumber.__dict__.get(name)
        setter = getattr(descriptor, "__set__", None)
        if setter is not None and type(descriptor).__name__ == "member_descriptor":
            found[name] = setter
    return found


_SETTERS: Final = _setters()
_consume: Final = deque[object](maxlen=0).extend


def build_numbers(
    count: int,
    columns: Mapping[str, Iterable[Any]],
    constants: Mapping[str, Any] | None = None,
) -> list[PhoneNumber]:
    """`count` PhoneNumbers, field by field.

    `columns` maps a field name to its `count` values in order; `constants`
    maps a field name to one value for all. `provider`, `id` and `number` are
    required; any other field left out reads as its default (None, UNKNOWN,
    False, empty raw). Values are taken as they are: check them first (ids,
    E.164), and give `raw` read-only mappings (`types.MappingProxyType`).
    """
    constants = dict(constants or {})
    given = set(columns) | set(constants)
    unknown = given - set(_FIELDS)
    if unknown:
        msg = f"PhoneNumber has no field(s) {sorted(unknown)}"
        raise ValueError(msg)
    missing = _REQUIRED - given
    if missing:
        msg = f"build_numbers needs {sorted(missing)}"
        raise ValueError(msg)
    if len(_SETTERS) != len(_FIELDS):  # pragma: no cover - a model without slots
        rows = zip(*(columns[name] for name in columns), strict=False)
        return [PhoneNumber(**constants, **dict(zip(columns, row, strict=True))) for row in rows]
    out: list[PhoneNumber] = list(map(object.__new__, repeat(PhoneNumber, count)))
    for name, value in constants.items():
        if value != _FIELDS[name].default or name in _REQUIRED:
            _consume(map(_SETTERS[name], out, repeat(value, count)))
    for name, values in columns.items():
        if isinstance(values, list) and _FIELDS[name].default is None and values.count(None) == count:
            continue  # nothing sent: the slot reads as its default
        _consume(map(_SETTERS[name], out, values))
    return out


_ROUTINGS: Memo[tuple[int, int], tuple[Handler | None, Handler | None, Routing]] = Memo()


def shared_routing(voice: Handler | None, messaging: Handler | None) -> Routing | None:
    """One `Routing` per pair of (memoised) handlers, for listings of thousands.

    Adapters that memoise their handlers get one shared Routing per pair;
    the pair is checked by identity, so a reused id() can never hand back
    another number's routing. None when neither side is set.
    """
    if voice is None and messaging is None:
        return None
    key = (id(voice), id(messaging))
    entry = _ROUTINGS.get(key)
    if entry is not None and entry[0] is voice and entry[1] is messaging:
        return entry[2]
    routing = Routing(voice=voice, messaging=messaging)
    _ROUTINGS.keep(key, (voice, messaging, routing))
    return routing
