"""Telnyx's v2 numbers API on the wire: names and value tables from its OpenAPI spec.

`PhoneNumberDetailed` (`/phone_numbers`), `PhoneNumberWithVoiceSettings`
(`/phone_numbers/voice`) with its `CallForwarding`, and the error envelope
`numbers_Errors`. Records are read as plain dicts on the hot path
(`_mapping.py`); this module holds only what both directions share.
"""

from __future__ import annotations

from typing import Final

from phonefleet import Capability, NumberType

__all__ = [
    "ALWAYS",
    "CONNECTION",
    "DELETED",
    "FEATURES_OF",
    "MAX_PAGE_SIZE",
    "MESSAGING_PROFILE",
    "NUMBER_TYPES",
    "ON_FAILURE",
    "PROVIDER",
    "SEARCH_TYPES",
]

PROVIDER: Final = "telnyx"
#: `page[size]` is 1-250 on every numbers listing (numbers_PageConsolidated)
MAX_PAGE_SIZE: Final = 250
#: `status` of a released number; the pending states are kept in raw only
DELETED: Final = "deleted"
#: `CallForwarding.forwarding_type`: only `always` is where calls go
ALWAYS: Final = "always"
ON_FAILURE: Final = "on-failure"
#: `Handler.kind` of the voice side (a connection) and of the messaging side
CONNECTION: Final = "connection"
MESSAGING_PROFILE: Final = "messaging_profile"

#: `phone_number_type`, current and legacy (`tollfree`, `longcode`) values;
#: national, shared_cost, landline and shortcode are none of ours: UNKNOWN
NUMBER_TYPES: Final = {
    "local": NumberType.LOCAL,
    "longcode": NumberType.LOCAL,
    "toll_free": NumberType.TOLL_FREE,
    "tollfree": NumberType.TOLL_FREE,
    "mobile": NumberType.MOBILE,
}
#: `filter[phone_number_type]` of `/available_phone_numbers`
SEARCH_TYPES: Final = frozenset({"local", "toll_free", "mobile", "national", "shared_cost"})
#: `AvailablePhoneNumber.features[].name` -> Capability (the rest stay in raw)
FEATURES_OF: Final = {
    "voice": Capability.VOICE,
    "sms": Capability.SMS,
    "mms": Capability.MMS,
    "fax": Capability.FAX,
}
