"""The listing page, declared for the toolkit's fast path (`phonefleet.adapter.Listing`).

Every documented field of a number is typed in `Record`; a record with any
other field, or a field of another type, is off the declared shape and the
page is read by `_mapping.page_from_wire`. Each column is read by the same
functions as the careful path, once per distinct input in a page.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, Final

import msgspec

from phonefleet import Handler, Routing
from phonefleet.adapter import Listing, column, shared_routing

from ._mapping import (
    _capabilities,
    _datetime,
    country_from_wire,
    forwarding_of,
    handler_from_wire,
    number_type_from_wire,
)
from ._wire import KNOWN_FIELDS, MESSAGE_SIDE, VOICE_SIDE, HandlerSpec, Side

__all__ = ["LISTING", "PROVIDER", "links_next"]

PROVIDER: Final = "signalwire"
#: the rest of the documented fields: typed where the mapping reads them
_TYPED: Final[dict[str, Any]] = {
    "id": str,
    "number": str,
    "name": str | None,
    "capabilities": tuple[str, ...] | None,
    "number_type": str | None,
    "country_code": str | None,
    "created_at": str | None,
    "updated_at": str | None,
}

Record = msgspec.defstruct(
    "Record",
    [
        (name, _TYPED.get(name, str | None), msgspec.NODEFAULT if name in {"id", "number"} else None)
        for name in sorted(KNOWN_FIELDS)
    ],
    forbid_unknown_fields=True,
    kw_only=True,
    gc=False,  # strings and tuples only: nothing for the collector to find
)


class _Links(msgspec.Struct):
    next: str | None = None


class Page(msgspec.Struct):
    data: list[Record]  # type: ignore[valid-type]
    links: _Links | None = None


def links_next(page: Page) -> str | bool | None:
    """`links.next` as `page_from_wire` reads it; False when only the careful path may say."""
    following = page.links.next if page.links is not None else None
    if following == "":
        return None
    if following is not None and not following.strip():
        return False
    return following


def _handler(side: Side) -> Any:
    fields = tuple(sorted(side.fields))
    values = attrgetter(*fields)

    def read(record: Any) -> Handler | None:
        return handler_from_wire(side, dict(zip(fields, values(record), strict=True)))

    return read


def _handler_key(side: Side) -> Any:
    """What a side's handler reads: its kind, the fields of that kind, the side-wide ones."""
    kind_of = attrgetter(side.handler_key)

    def getter(spec: HandlerSpec) -> Any:
        return attrgetter(side.handler_key, *spec.slots.values(), *side.defaults)

    by_kind = {kind: getter(spec) for kind, spec in side.kinds.items()}
    fallback = getter(side.fallback)

    def key(record: Any) -> Any:
        kind = kind_of(record)
        return None if kind is None else by_kind.get(kind, fallback)(record)

    return key


def _capability_set(names: tuple[str, ...] | None) -> Any:
    return _capabilities(None if names is None else list(names))


def _routing(voice: Handler | None, messaging: Handler | None) -> Routing | None:
    return shared_routing(voice, messaging)


LISTING: Final = Listing(
    record=Record,
    page=Page,
    items="data",
    constants={"provider": PROVIDER},
    columns={
        "id": column("id", check="id"),
        "number": column("number", check="e164"),
        "name": column("name"),
        "capabilities": column("capabilities", read=_capability_set),
        "number_type": column("number_type", read=number_type_from_wire),
        "country": column("country_code", read=country_from_wire),
        "_voice": column(read=_handler(VOICE_SIDE), key=_handler_key(VOICE_SIDE)),
        "_messaging": column(read=_handler(MESSAGE_SIDE), key=_handler_key(MESSAGE_SIDE)),
        "routing": column("_voice", "_messaging", read=_routing, identity=True),
        "forwarding_number": column("_voice", read=forwarding_of, identity=True, context=True),
        "created_at": column("created_at", read=_datetime),
        "updated_at": column("updated_at", read=_datetime),
    },
)
