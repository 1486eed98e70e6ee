"""The provider-neutral domain model.

Every class is a small frozen attrs class: values, not objects with behaviour,
so they hash, compare, pickle and cross threads and event loops freely.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs

from ._raw import RawJSON

__all__ = [
    "UNSET",
    "ArchiveBlocker",
    "Capability",
    "Feature",
    "Handler",
    "NumberChanges",
    "NumberType",
    "PhoneNumber",
    "ProviderPhone",
    "Reputation",
    "ReputationStatus",
    "Routing",
    "Unset",
]

_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


class Unset(enum.Enum):
    """The type of `UNSET`: "not given", as opposed to `None` ("clear it")."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


UNSET: Final = Unset.UNSET


class Capability(enum.Enum):
    VOICE = "voice"
    SMS = "sms"
    MMS = "mms"
    FAX = "fax"


class NumberType(enum.Enum):
    LOCAL = "local"
    TOLL_FREE = "toll_free"
    MOBILE = "mobile"
    UNKNOWN = "unknown"


class ReputationStatus(enum.Enum):
    HEALTHY = "HEALTHY"
    AT_RISK = "AT_RISK"
    CRITICAL = "CRITICAL"


class Feature(enum.Enum):
    """What a store can do; a store refuses the rest before sending anything."""

    LIST = "list"
    GET = "get"
    SET_FORWARDING = "set_forwarding"
    UPDATE_NAME = "update_name"
    UPDATE_ROUTING = "update_routing"
    CREATE = "create"
    ARCHIVE = "archive"
    ARCHIVE_BLOCKERS = "archive_blockers"
    LINK = "link"
    REPUTATION = "reputation"
    PORT_IN = "port_in"


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not value:
        return _EMPTY
    if isinstance(value, (MappingProxyType, RawJSON)):  # read-only already: no copy
        return value
    return MappingProxyType(dict(value))


@attrs.frozen
class Reputation:
    status: ReputationStatus
    doc_url: str | None = None


@attrs.frozen
class Handler:
    """How one side (voice or messaging) of a number is handled.

    `kind` is the vendor's own handler name; `extra` keeps every vendor field
    that has no neutral slot, so a handler round-trips without loss.
    """

    kind: str
    url: str | None = None
    method: str | None = None
    fallback_url: str | None = None
    fallback_method: str | None = None
    status_callback_url: str | None = None
    status_callback_method: str | None = None
    target: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=_EMPTY, converter=_frozen_mapping, eq=False, hash=False)
    # `extra` takes part in equality through this key so that frozen
    # instances stay hashable although a mapping is not.
    _extra_key: tuple[tuple[str, str], ...] = attrs.field(init=False, repr=False, eq=True, hash=True)

    @_extra_key.default
    def _make_extra_key(self) -> tuple[tuple[str, str], ...]:
        # a canonical encoding: nested key order and 1 vs True vs 1.0 are told apart
        return tuple(sorted((key, _canonical(value)) for key, value in self.extra.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        # `extra` is a read-only proxy, which pickle cannot take: hand it a dict
        values = {field.name: getattr(self, field.name) for field in attrs.fields(Handler) if field.init}
        values["extra"] = dict(self.extra)
        return (_rebuild_handler, (values,))


def _canonical(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=repr) + ":" + type(value).__name__


def _rebuild_handler(values: dict[str, Any]) -> Handler:
    return Handler(**values)


@attrs.frozen
class Routing:
    """Inbound handling; a side that is None is not configured (or, in a
    change, left as it is)."""

    voice: Handler | None = None
    messaging: Handler | None = None


@attrs.frozen
class PhoneNumber:
    """One phone number as any vendor reports it.

    A field the vendor did not send is None (or UNKNOWN): never a guess.
    """

    provider: str
    id: str
    number: str
    name: str | None = None
    forwarding_number: str | None = None
    capabilities: frozenset[Capability] | None = None
    number_type: NumberType = NumberType.UNKNOWN
    country: str | None = None
    archived: bool = False
    archived_at: datetime | None = None
    reputation: Reputation | None = None
    routing: Routing | None = None
    link: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = attrs.field(
        default=_EMPTY, eq=False, hash=False, repr=False, converter=_frozen_mapping
    )

    def __reduce__(self) -> tuple[Any, ...]:
        # `raw` is a read-only proxy, which pickle cannot take: hand it a dict
        values = {field.name: getattr(self, field.name) for field in attrs.fields(PhoneNumber)}
        values["raw"] = dict(values["raw"])
        return (_rebuild_phone_number, (values,))

    def __getattr__(self, name: str) -> Any:
        # Reached only for a slot left unset by `phonefleet.adapter.build_numbers`,
        # which stores just the fields a vendor sent: the rest read as defaults.
        try:
            return _PHONE_NUMBER_DEFAULTS[name]
        except KeyError:
            msg = f"{type(self).__name__!r} object has no attribute {name!r}"
            raise AttributeError(msg) from None


def _rebuild_phone_number(values: dict[str, Any]) -> PhoneNumber:
    return PhoneNumber(**values)


_PHONE_NUMBER_DEFAULTS: Final[Mapping[str, Any]] = MappingProxyType(
    {field.name: field.default for field in attrs.fields(PhoneNumber) if field.default is not attrs.NOTHING}
)


@attrs.frozen
class NumberChanges:
    """What an update asks for: UNSET leaves a field alone, None clears it.

    A `Routing` replaces each side it gives and leaves a side that is None as
    it is.
    """

    name: str | Unset | None = UNSET
    forwarding_number: str | Unset | None = UNSET
    routing: Routing | Unset | None = UNSET

    def __attrs_post_init__(self) -> None:
        if self.is_empty():
            msg = "NumberChanges needs at least one of name, forwarding_number or routing"
            raise ValueError(msg)
        if self.routing not in (UNSET, None) and not isinstance(self.routing, Routing):
            msg = f"routing must be a Routing or None, not {type(self.routing).__name__}"
            raise TypeError(msg)

    def is_empty(self) -> bool:
        return self.name is UNSET and self.forwarding_number is UNSET and self.routing is UNSET

    def given(self) -> dict[str, object]:
        """The fields that were given, by name (None included: it clears)."""
        return {
            field.name: value
            for field in attrs.fields(NumberChanges)
            if (value := getattr(self, field.name)) is not UNSET
        }


@attrs.frozen
class ArchiveBlocker:
    """One thing (a workflow, say) that keeps a number from being archived."""

    kind: str
    id: str
    name: str | None = None
    detail: str | None = None


@attrs.frozen
class ProviderPhone:
    """A provider line that a number can be linked to."""

    id: str
    number: str | None = None
    assigned: bool = False
