"""The emulator's one validation layer: SignalWire's REST spec
(`fern/apis/signalwire-rest/openapi.yaml` in signalwire/docs), as the slice
kept in `_spec/signalwire_rest.json`.

Every record leaves the emulator shaped by its response schema: the closed
`PhoneNumberResponse` and `AvailablePhoneNumber` drop what they do not declare
(`cnam`, a write-only `message_relay_application`) and an optional string
that is not nullable is left out rather than sent as `null` (a toll-free
number's `region`, `city`, `rate_center`, `lata`). A request body is checked
against its operation's schema (enums, types) before the emulator's own
handler rules; a field the schema does not declare is ignored, as the API
ignores what the SDK sends beyond it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from phonefleet.testing import Refusal, SpecSlice

__all__ = ["SPEC", "available", "number", "refusal"]

SPEC: Final = SpecSlice(Path(__file__).resolve().parent / "_spec" / "signalwire_rest.json")
_NUMBER: Final = SPEC.component("PhoneNumberResponse")
_AVAILABLE: Final = SPEC.component("AvailablePhoneNumber")
_REQUEST: Final = SPEC.request_schema("/api/relay/rest/phone_numbers/{id}", "put") or {}
#: the update's schema, its `call_handler` widened to the handlers the spec's own
#: `PhoneNumberCallHandler` reports (signalwire-sdk's `set_ai_agent` and
#: `set_call_flow` send `ai_agent` and `call_flow`; the emulator's handler rules
#: then refuse what only Fabric may set)
_UPDATE: Final = {
    **_REQUEST,
    "properties": {
        **_REQUEST.get("properties", {}),
        "call_handler": {"$ref": "#/components/schemas/PhoneNumberCallHandler"},
    },
}


def number(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A phone number as `PhoneNumberResponse` has it."""
    return SPEC.shape(_NUMBER, payload)


def available(item: Mapping[str, Any]) -> dict[str, Any]:
    """A number for sale as `AvailablePhoneNumber` has it."""
    return SPEC.shape(_AVAILABLE, item)


def refusal(body: Mapping[str, Any]) -> Refusal | None:
    """What in a number's update breaks `UpdatePhoneNumberRequest`, or None
    (a `null` clears a field: the emulator's handler rules judge it)."""
    refused = SPEC.refusal(_UPDATE, {key: value for key, value in body.items() if value is not None})
    return None if refused is None or refused.rule == "unknown" else refused
