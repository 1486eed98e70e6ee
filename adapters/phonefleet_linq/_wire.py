"""The Linq v3 wire format: what the partner API sends, and nothing more.

Phone numbers are listed 10,000 at a time with no pagination, so their
records skip cattrs and go through the lean path in `_mapping.py`. The
reputation-audit payloads are small and rare: they are structured with one
cattrs converter (kept apart from the classes) onto the frozen attrs classes
below, which are also what the `ex_` methods return.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Literal, TypeVar

import attrs
import cattrs

from phonefleet import ResponseFormatError
from phonefleet.adapter import parse_datetime

__all__ = [
    "PROVIDER",
    "AuditStatus",
    "ReputationActionItem",
    "ReputationAudit",
    "ReputationAuditStarted",
    "ReputationDriver",
    "ReputationReport",
    "structure_audit",
    "structure_audit_started",
]

PROVIDER: Final = "linq"

AuditStatus = Literal["pending", "complete", "error"]
_AUDIT_STATUSES: Final = frozenset({"pending", "complete", "error"})

T = TypeVar("T")


def _frozen(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


@attrs.frozen
class ReputationDriver:
    """One reason the line's reputation moved, highest impact first."""

    key: str | None = None
    metric: str | None = None
    summary: str | None = None


@attrs.frozen
class ReputationActionItem:
    """What to do about it; `priority` 1 is first."""

    title: str | None = None
    detail: str | None = None
    priority: int | None = None
    expected_impact: str | None = None


@attrs.frozen
class ReputationReport:
    """A completed audit's findings (`evidence` kept as Linq sent it)."""

    severity: str | None = None
    primary_driver: str | None = None
    drivers: tuple[ReputationDriver, ...] = ()
    action_items: tuple[ReputationActionItem, ...] = ()
    evidence: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen, eq=False, hash=False)
    summary_markdown: str | None = None


@attrs.frozen
class ReputationAuditStarted:
    """`POST .../reputation_audit`: the audit to poll."""

    audit_id: str
    status: AuditStatus


@attrs.frozen
class ReputationAudit:
    """`GET .../reputation_audit/{audit_id}`: pending, complete (with a report) or error."""

    audit_id: str
    status: AuditStatus
    error: str | None = None
    generated_at: datetime | None = None
    phone: str | None = None
    report: ReputationReport | None = None

    @property
    def finished(self) -> bool:
        return self.status != "pending"


def _audit_status(value: object, _: object) -> str:
    if not isinstance(value, str) or value not in _AUDIT_STATUSES:
        msg = f"unknown audit status {value!r}"
        raise ValueError(msg)
    return value


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=False)

    def text(value: object, _: object) -> str:
        if not isinstance(value, str):
            msg = f"expected a string, got {type(value).__name__}"
            raise TypeError(msg)
        return value

    def optional_text(value: object, _: object) -> str | None:
        return None if value is None else text(value, _)

    def optional_int(value: object, _: object) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            msg = f"expected an integer, got {type(value).__name__}"
            raise TypeError(msg)
        return value

    def when(value: object, _: object) -> datetime | None:
        return parse_datetime(value, provider=PROVIDER)

    def mapping(value: object, _: object) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            msg = f"expected an object, got {type(value).__name__}"
            raise TypeError(msg)
        return value

    converter.register_structure_hook_func(lambda kind: kind == AuditStatus, _audit_status)
    converter.register_structure_hook(str, text)
    converter.register_structure_hook(str | None, optional_text)
    converter.register_structure_hook(int | None, optional_int)
    converter.register_structure_hook(datetime | None, when)
    converter.register_structure_hook_func(lambda kind: kind == Mapping[str, Any], mapping)

    def items(kind: type[T]) -> Any:
        def structure(value: object, _: object) -> tuple[T, ...]:
            if value is None:
                return ()
            if not isinstance(value, list):
                msg = f"expected a list, got {type(value).__name__}"
                raise TypeError(msg)
            return tuple(converter.structure(item, kind) for item in value)

        return structure

    drivers, action_items = tuple[ReputationDriver, ...], tuple[ReputationActionItem, ...]
    converter.register_structure_hook_func(lambda kind: kind == drivers, items(ReputationDriver))
    converter.register_structure_hook_func(lambda kind: kind == action_items, items(ReputationActionItem))
    return converter


_converter: Final = _make_converter()


def _structure(payload: object, kind: type[T]) -> T:
    if not isinstance(payload, dict):
        msg = f"expected a JSON object for {kind.__name__}, got {type(payload).__name__}"
        raise ResponseFormatError(msg, provider=PROVIDER)
    try:
        return _converter.structure(payload, kind)
    except ResponseFormatError:
        raise
    except Exception as exc:  # cattrs wraps field errors in ExceptionGroups
        detail = (
            "; ".join(cattrs.transform_error(exc)) if isinstance(exc, cattrs.BaseValidationError) else exc
        )
        msg = f"unexpected {kind.__name__} payload: {detail}"
        raise ResponseFormatError(msg, provider=PROVIDER) from None


def structure_audit_started(payload: object) -> ReputationAuditStarted:
    return _structure(payload, ReputationAuditStarted)


def structure_audit(payload: object) -> ReputationAudit:
    return _structure(payload, ReputationAudit)
