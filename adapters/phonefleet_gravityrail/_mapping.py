"""Gravity Rail wire classes -> phonefleet's model. Nothing is invented."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from phonefleet import (
    ArchiveBlocker,
    Capability,
    InvalidNumberError,
    PhoneNumber,
    ProviderPhone,
    ResponseFormatError,
    is_e164,
    to_e164,
)
from phonefleet.adapter import parse_datetime, shorten

from ._wire import (
    PROVIDER,
    WireBlockers,
    WirePhoneNumber,
    WireProviderPhone,
)

__all__ = [
    "FORWARDING_MODES",
    "archive_state_known",
    "blockers_block",
    "to_archive_blockers",
    "to_phone_number",
    "to_provider_phone",
    "voice_work_mode",
]

#: the documented voice work modes that forward calls, and the non-forwarding
#: mode phonefleet switches to when forwarding is cleared: the same schedule,
#: with voicemail instead of the forward (no message text is needed for it)
FORWARDING_MODES: Final[Mapping[str, str]] = {
    "always_forward": "voicemail",
    "forward_off_hours": "voicemail_off_hours",
}

_CAPABILITIES: Final = {
    "voice": Capability.VOICE,
    "sms": Capability.SMS,
    "mms": Capability.MMS,
    "fax": Capability.FAX,
}


def _e164(value: str, what: str) -> str:
    if is_e164(value):
        return value
    try:
        return to_e164(value)
    except InvalidNumberError as exc:
        msg = f"{what} {shorten(value, 40, quote=True)} is not an E.164 number: {exc.reason}"
        raise ResponseFormatError(msg, provider=PROVIDER) from None


def _capabilities(value: Mapping[str, Any] | None) -> frozenset[Capability] | None:
    if value is None:
        return None
    return frozenset(cap for key, cap in _CAPABILITIES.items() if value.get(key) is True)


def to_phone_number(wire: WirePhoneNumber) -> PhoneNumber:
    """PhoneNumber.id is the uuid; the numeric id stays in raw (used only when no uuid came)."""
    if wire.uuid:
        ident = wire.uuid
    elif wire.id is not None and wire.id != "":
        ident = str(wire.id)
    else:
        msg = "a phone number came without 'uuid' or 'id'"
        raise ResponseFormatError(msg, provider=PROVIDER)
    if not wire.number:
        msg = "a phone number came without its line ('number', 'phoneNumber' or 'phone_number')"
        raise ResponseFormatError(msg, provider=PROVIDER)
    archived_at = parse_datetime(wire.archived_at, provider=PROVIDER)
    archived = wire.archived if wire.archived is not None else archived_at is not None
    forward = wire.voice_forward_number
    return PhoneNumber(
        provider=PROVIDER,
        id=ident,
        number=_e164(wire.number, "number"),
        name=wire.name,
        forwarding_number=_e164(forward, "voiceForwardNumber") if forward else None,
        capabilities=_capabilities(wire.capabilities),
        archived=archived,
        archived_at=archived_at,
        link=wire.provider_phone_uuid or None,
        created_at=parse_datetime(wire.created_at, provider=PROVIDER),
        updated_at=parse_datetime(wire.updated_at, provider=PROVIDER),
        raw=wire.raw,
    )


_ARCHIVE_KEYS: Final = ("isArchived", "archived", "is_archived", "archivedAt", "archived_at")


def archive_state_known(number: PhoneNumber) -> bool:
    """Whether the payload said anything about archiving (a null `archivedAt` counts)."""
    return any(key in number.raw for key in _ARCHIVE_KEYS)


def voice_work_mode(number: PhoneNumber) -> str | None:
    """The number's voice work mode as Gravity Rail last reported it."""
    mode = number.raw.get("voiceWorkMode", number.raw.get("voice_work_mode"))
    return mode if isinstance(mode, str) else None


def to_provider_phone(wire: WireProviderPhone) -> ProviderPhone:
    number = _e164(wire.number, "linkable phone number") if wire.number else None
    return ProviderPhone(id=wire.id, number=number, assigned=wire.assigned)


def to_archive_blockers(wire: WireBlockers) -> list[ArchiveBlocker]:
    return [ArchiveBlocker(kind=b.kind, id=b.id, name=b.name, detail=b.detail) for b in wire.blockers]


def blockers_block(wire: WireBlockers) -> bool:
    """Whether the answer forbids archiving: `canArchive` decides when sent, else any blocker does."""
    if wire.can_archive is not None:
        return not wire.can_archive
    return bool(wire.blockers)
