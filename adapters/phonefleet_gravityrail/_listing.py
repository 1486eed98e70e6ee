"""The listing (a bare JSON array), declared for the toolkit's fast path.

`Record` types every field the mapping reads, in the spelling Gravity Rail's
API documents (camelCase, `phoneNumber`); the other spellings `_wire.py`
accepts must be absent (typed `UnsetType`), so a record that uses one goes
the careful way, as does any record off this shape
(`_wire.structure_phone_number` + `to_phone_number`). Timestamps are
decoded by msgspec (RFC 3339); other text goes the careful way too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import msgspec

from phonefleet import PhoneNumber
from phonefleet.adapter import Listing, column

from ._mapping import _capabilities, archived_from_wire
from ._wire import PROVIDER

__all__ = ["LISTING", "numbers_from_body"]

_Absent = msgspec.UnsetType


class Record(msgspec.Struct, gc=False):
    uuid: str | None = None
    id: int | str | None = None
    phoneNumber: str | None = None  # noqa: N815 - the vendor's names
    name: str | None = None
    voiceForwardNumber: str | None = None  # noqa: N815
    voiceWorkMode: str | None = None  # noqa: N815 - read (checked) though not mapped
    #: UNSET when not sent: a null says the state, silence does not
    isArchived: bool | _Absent | None = msgspec.UNSET  # noqa: N815
    archivedAt: datetime | _Absent | None = msgspec.UNSET  # noqa: N815
    providerPhoneUuid: str | None = None  # noqa: N815
    capabilities: Any = None
    createdAt: datetime | None = None  # noqa: N815
    updatedAt: datetime | None = None  # noqa: N815
    # the other spellings `_wire.py` reads: a record with any goes the careful way
    number: _Absent = msgspec.UNSET
    phone_number: _Absent = msgspec.UNSET
    voice_forward_number: _Absent = msgspec.UNSET
    voice_work_mode: _Absent = msgspec.UNSET
    archived: _Absent = msgspec.UNSET
    is_archived: _Absent = msgspec.UNSET
    archived_at: _Absent = msgspec.UNSET
    provider_phone_uuid: _Absent = msgspec.UNSET
    created_at: _Absent = msgspec.UNSET
    updated_at: _Absent = msgspec.UNSET


def _archived(listed: bool, flag: Any, at: Any) -> bool:
    """The state the payload says; when it says nothing, the filter the server applied."""
    if flag is msgspec.UNSET and at is msgspec.UNSET:
        return listed
    return archived_from_wire(None if flag is msgspec.UNSET else flag, None if at is msgspec.UNSET else at)


def _unset_is_none(value: Any) -> Any:
    return None if value is msgspec.UNSET else value


def _capability_set(value: Any) -> Any:
    return _capabilities(value if isinstance(value, Mapping) else None)


LISTING: Final = Listing(
    record=Record,
    constants={"provider": PROVIDER},
    columns={
        # the uuid (a record without one, named by its numeric id, goes the careful way)
        "id": column("uuid", check="id"),
        "number": column("phoneNumber", check="e164"),
        "name": column("name"),
        "forwarding_number": column("voiceForwardNumber", empty_is_none=True, check="e164_or_none"),
        "capabilities": column("capabilities", read=_capability_set),
        "archived": column("isArchived", "archivedAt", read=_archived, context=True),
        "archived_at": column("archivedAt", read=_unset_is_none),
        "link": column("providerPhoneUuid", empty_is_none=True),
        "created_at": column("createdAt"),
        "updated_at": column("updatedAt"),
    },
)


def numbers_from_body(body: bytes, archived: bool) -> list[PhoneNumber] | None:
    """The numbers of a listing filtered by `archived`; None: read it the careful way."""
    read = LISTING.read(body)
    if read is None:
        return None
    numbers = read.numbers(archived)
    if numbers is None:
        return None
    # a server ignoring the filter must not leak the other kind
    flags = read.values("archived", archived)
    if flags.count(archived) == len(flags):
        return numbers
    return [number for number, flag in zip(numbers, flags, strict=True) if flag == archived]
