"""Gravity Rail's JSON, as private attrs classes and one cattrs converter.

The workspace phone-number schema is only partly documented, so each class
mirrors the fields a real payload may carry under any of the names seen in
Gravity Rail's API, CLI and SDK (camelCase first, snake_case accepted). The
structuring hooks live on the converter, apart from the classes; they check
every type and raise ResponseFormatError, never KeyError or TypeError, so
random JSON can only ever produce a value or that one error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs
import cattrs

from phonefleet import ResponseFormatError

__all__ = [
    "PROVIDER",
    "WireBlocker",
    "WireBlockers",
    "WirePhoneNumber",
    "WireProviderPhone",
    "converter",
    "structure_blockers",
    "structure_list",
    "structure_phone_number",
    "structure_provider_phones",
]

PROVIDER: Final = "gravityrail"

_NUMBER_KEYS: Final = ("number", "phoneNumber", "phone_number")
_LIST_KEYS: Final = ("items", "data", "phoneNumbers", "phone_numbers")


@attrs.frozen
class WirePhoneNumber:
    """PhoneNumberResponse: the fields phonefleet reads; the rest stays in `raw`."""

    uuid: str | None
    id: int | str | None
    number: str | None
    name: str | None
    voice_forward_number: str | None
    voice_work_mode: str | None
    archived: bool | None
    archived_at: str | None
    provider_phone_uuid: str | None
    capabilities: Mapping[str, Any] | None
    created_at: str | None
    updated_at: str | None
    raw: Mapping[str, Any]


@attrs.frozen
class WireProviderPhone:
    """One item of GET /linkable-phones (a dict the docs do not describe)."""

    id: str
    number: str | None
    assigned: bool


@attrs.frozen
class WireBlocker:
    """One item of an ArchiveBlockersResponse: a workflow, usually."""

    id: str
    name: str | None
    kind: str
    detail: str | None


@attrs.frozen
class WireBlockers:
    """ArchiveBlockersResponse: the blockers and, when sent, the verdict."""

    blockers: Sequence[WireBlocker]
    can_archive: bool | None


# -- small checked accessors -------------------------------------------------
def _fail(message: str) -> ResponseFormatError:
    return ResponseFormatError(message, provider=PROVIDER)


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        msg = f"expected {what} to be a JSON object, got {type(value).__name__}"
        raise _fail(msg)
    return value


def _pick(data: Mapping[str, Any], keys: Sequence[str]) -> tuple[str, Any]:
    """The first of `keys` present with a non-null value (or the first key, None)."""
    for key in keys:
        value = data.get(key)
        if value is not None:
            return key, value
    return keys[0], None


def _str(data: Mapping[str, Any], *keys: str) -> str | None:
    key, value = _pick(data, keys)
    if value is None or isinstance(value, str):
        return value
    msg = f"expected {key!r} to be a string, got {type(value).__name__}"
    raise _fail(msg)


def _bool(data: Mapping[str, Any], *keys: str) -> bool | None:
    key, value = _pick(data, keys)
    if value is None or isinstance(value, bool):
        return value
    msg = f"expected {key!r} to be true or false, got {type(value).__name__}"
    raise _fail(msg)


def _ident(data: Mapping[str, Any], *keys: str) -> int | str | None:
    key, value = _pick(data, keys)
    if value is None or (isinstance(value, int | str) and not isinstance(value, bool)):
        return value
    msg = f"expected {key!r} to be an integer or a string, got {type(value).__name__}"
    raise _fail(msg)


# -- hooks -------------------------------------------------------------------
def _structure_phone_number(value: Any, _: type) -> WirePhoneNumber:
    data = _mapping(value, "a phone number")
    capabilities = data.get("capabilities")
    return WirePhoneNumber(
        uuid=_str(data, "uuid"),
        id=_ident(data, "id"),
        number=_str(data, *_NUMBER_KEYS),
        name=_str(data, "name"),
        voice_forward_number=_str(data, "voiceForwardNumber", "voice_forward_number"),
        voice_work_mode=_str(data, "voiceWorkMode", "voice_work_mode"),
        archived=_bool(data, "isArchived", "archived", "is_archived"),
        archived_at=_str(data, "archivedAt", "archived_at"),
        provider_phone_uuid=_str(data, "providerPhoneUuid", "provider_phone_uuid"),
        capabilities=capabilities if isinstance(capabilities, Mapping) else None,
        created_at=_str(data, "createdAt", "created_at"),
        updated_at=_str(data, "updatedAt", "updated_at"),
        raw=data,
    )


def _structure_provider_phone(value: Any, _: type) -> WireProviderPhone:
    data = _mapping(value, "a linkable phone")
    ident = _ident(data, "uuid", "id")
    if ident is None or ident == "":
        msg = "a linkable phone came without 'uuid' or 'id'"
        raise _fail(msg)
    owner = _pick(data, ("workspaceUuid", "assignedWorkspaceUuid", "workspacePhoneUuid"))[1]
    flag = _bool(data, "assigned", "isAssigned")
    return WireProviderPhone(
        id=str(ident),
        number=_str(data, *_NUMBER_KEYS),
        assigned=bool(owner) or flag is True,
    )


_BLOCKER_KEYS: Final = frozenset({"id", "uuid", "name", "type", "kind"})


def _structure_blocker(value: Any, _: type) -> WireBlocker:
    data = _mapping(value, "an archive blocker")
    ident = _ident(data, "id", "uuid")
    if ident is None or ident == "":
        msg = "an archive blocker came without an 'id'"
        raise _fail(msg)
    rest = {key: item for key, item in data.items() if key not in _BLOCKER_KEYS}
    detail: str | None
    if not rest:
        detail = None
    elif len(rest) == 1 and isinstance(next(iter(rest.values())), str):
        detail = next(iter(rest.values()))
    else:
        detail = "; ".join(f"{key}={rest[key]}" for key in sorted(rest))
    return WireBlocker(
        id=str(ident),
        name=_str(data, "name"),
        kind=_str(data, "type", "kind") or "workflow",
        detail=detail,
    )


def _structure_blockers(value: Any, _: type) -> WireBlockers:
    can_archive: bool | None = None
    if isinstance(value, Mapping):
        key, items = _pick(value, ("blockers", "workflows"))
        can_archive = _bool(value, "canArchive", "can_archive")
        if items is None:
            items = []
        if not isinstance(items, list):
            msg = f"expected {key!r} to be a list, got {type(items).__name__}"
            raise _fail(msg)
    elif isinstance(value, list):
        items = value
    else:
        msg = f"expected the archive blockers as a list or an object, got {type(value).__name__}"
        raise _fail(msg)
    return WireBlockers(
        blockers=[_structure_blocker(item, WireBlocker) for item in items],
        can_archive=can_archive,
    )


#: the one converter of this adapter; the hooks above are its only logic
converter: Final = cattrs.Converter()
converter.register_structure_hook(WirePhoneNumber, _structure_phone_number)
converter.register_structure_hook(WireProviderPhone, _structure_provider_phone)
converter.register_structure_hook(WireBlocker, _structure_blocker)
converter.register_structure_hook(WireBlockers, _structure_blockers)


def structure_list(body: Any, what: str) -> list[Any]:
    """A documented bare JSON array (an object wrapping one is tolerated)."""
    if isinstance(body, list):
        return body
    if isinstance(body, Mapping):
        items = _pick(body, _LIST_KEYS)[1]
        if isinstance(items, list):
            return items
    msg = f"expected {what} as a JSON array, got {type(body).__name__}"
    raise _fail(msg)


def structure_phone_number(body: Any) -> WirePhoneNumber:
    return converter.structure(body, WirePhoneNumber)


def structure_provider_phones(body: Any) -> list[WireProviderPhone]:
    return [converter.structure(item, WireProviderPhone) for item in structure_list(body, "linkable phones")]


def structure_blockers(body: Any) -> WireBlockers:
    return converter.structure(body, WireBlockers)
