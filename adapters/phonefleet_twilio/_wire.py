"""Twilio's 2010-04-01 wire format: the IncomingPhoneNumber fields we read, and
the form names we write.

Responses are JSON with snake_case names; requests are form-encoded with
PascalCase names. Listing pages are decoded straight into `msgspec` structs
(only the fields a `PhoneNumber` needs, typed, so a wrong type is caught in C);
the payload itself is kept as its bytes in `raw`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs
import msgspec

from phonefleet import Capability

__all__ = [
    "AvailableNumber",
    "FORM_NAMES",
    "NumberRecord",
    "PROVIDER",
    "RecordPage",
]

PROVIDER: Final = "twilio"
API_VERSION: Final = "2010-04-01"
HTTP_METHODS: Final = frozenset({"GET", "POST"})
#: capability keys, in any case (public fixtures write `SMS`, `MMS`)
CAPABILITIES: Final = {c.value: c for c in Capability}

#: response field -> form name, for every field phonefleet writes
FORM_NAMES: Final = {
    "friendly_name": "FriendlyName",
    "voice_url": "VoiceUrl",
    "voice_method": "VoiceMethod",
    "voice_fallback_url": "VoiceFallbackUrl",
    "voice_fallback_method": "VoiceFallbackMethod",
    "status_callback": "StatusCallback",
    "status_callback_method": "StatusCallbackMethod",
    "voice_application_sid": "VoiceApplicationSid",
    "trunk_sid": "TrunkSid",
    "sms_url": "SmsUrl",
    "sms_method": "SmsMethod",
    "sms_fallback_url": "SmsFallbackUrl",
    "sms_fallback_method": "SmsFallbackMethod",
    "sms_application_sid": "SmsApplicationSid",
}


class NumberRecord(msgspec.Struct, frozen=True, gc=False):
    """The fields of `api.v2010.account.incoming_phone_number` a PhoneNumber needs.

    Everything is optional: SignalWire's dialect leaves some out (`type`,
    `trunk_sid` is always null) and adds others (`country_code`).
    """

    sid: str | None = None
    phone_number: str | None = None
    friendly_name: str | None = None
    #: kept as its bytes: a fleet has a handful of distinct sets, each read once
    capabilities: msgspec.Raw = msgspec.Raw(b"null")
    type: str | None = None
    country_code: str | None = None
    date_created: str | None = None
    date_updated: str | None = None
    voice_url: str | None = None
    voice_method: str | None = None
    voice_fallback_url: str | None = None
    voice_fallback_method: str | None = None
    status_callback: str | None = None
    status_callback_method: str | None = None
    voice_application_sid: str | None = None
    trunk_sid: str | None = None
    sms_url: str | None = None
    sms_method: str | None = None
    sms_fallback_url: str | None = None
    sms_fallback_method: str | None = None
    sms_application_sid: str | None = None


class RecordPage(msgspec.Struct, frozen=True):
    """A list page, typed: the records, and the raw bytes of each."""

    incoming_phone_numbers: list[NumberRecord]
    next_page_uri: str | None = None


class RawPage(msgspec.Struct, frozen=True, gc=False):
    incoming_phone_numbers: list[msgspec.Raw]


@attrs.frozen
class AvailableNumber:
    """A number `ex_search_available` found for sale.

    `capabilities` is None when Twilio did not say; `raw` is its item, untouched.
    """

    number: str
    friendly_name: str | None = None
    capabilities: frozenset[Capability] | None = None
    region: str | None = None
    locality: str | None = None
    rate_center: str | None = None
    lata: str | None = None
    postal_code: str | None = None
    country: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
