"""The emulator's one validation layer: Twilio's spec (`twilio_api_v2010.json`)
and SignalWire's Compatibility spec, as slices kept in `_spec/`.

A form is checked against its operation's request schema before anything is
looked up or stored (enums, booleans, sid patterns, phone-number format,
lengths; an empty sid or URL clears it), and a record or a number for sale is
shaped by its response schema (SignalWire's closed schemas drop what they do
not declare). Which Twilio code answers which broken rule is said once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from phonefleet.testing import Refusal, SpecSlice

__all__ = ["COUNTRIES", "DialectSpec", "dialect_spec"]

_HERE: Final = Path(__file__).resolve().parent / "_spec"
TWILIO_SPEC: Final = SpecSlice(_HERE / "twilio_api_v2010.json")
LAML_SPEC: Final = SpecSlice(_HERE / "signalwire_compatibility.json")

#: the countries whose numbers the emulator sells: code -> (name, subresources it serves)
COUNTRIES: Final = {"US": ("United States", ("Local", "TollFree"))}


class DialectSpec:
    """One dialect's spec slice and the operations the emulator serves from it."""

    def __init__(self, spec: SpecSlice, *, signalwire: bool) -> None:
        self.spec = spec
        self.signalwire = signalwire
        if signalwire:
            base = "/Accounts/{AccountSid}"
            self._update = (f"{base}/IncomingPhoneNumbers/{{Sid}}", "post")
            self._create = (f"{base}/IncomingPhoneNumbers", "post")
            self.number_schema = spec.component("IncomingPhoneNumber")
            self.available_schema = spec.component("AvailablePhoneNumber")
            self.country_schema = spec.component("CountryResource")
        else:
            base = "/2010-04-01/Accounts/{AccountSid}"
            self._update = (f"{base}/IncomingPhoneNumbers/{{Sid}}.json", "post")
            self._create = (f"{base}/IncomingPhoneNumbers.json", "post")
            self.number_schema = spec.component("api.v2010.account.incoming_phone_number")
            self.available_schema = spec.component(
                "api.v2010.account.available_phone_number_country.available_phone_number_local"
            )
            self.country_schema = spec.component("api.v2010.account.available_phone_number_country")
        self._update_schema = spec.request_schema(*self._update)
        self._create_schema = spec.request_schema(*self._create)

    def refusal(self, form: Mapping[str, str], *, create: bool) -> tuple[int, str] | None:
        """The Twilio code and message refusing a form, or None when the spec allows it."""
        schema = self._create_schema if create else self._update_schema
        if schema is None:
            return None
        fields = dict(form)
        if create and not fields.get("PhoneNumber"):
            fields.pop("PhoneNumber", None)  # an AreaCode purchase: the number is picked here
            if not self.signalwire:
                schema = {**schema, "required": []}
        refused = self.spec.refusal(schema, fields, form=True)
        if refused is None or refused.rule == "unknown":  # a field the dialect lacks is ignored
            return None
        if refused.field == "PhoneNumber" and refused.rule == "required":
            return 21421, "PhoneNumber or AreaCode is required"
        return _code(refused), f"{refused.field} {refused.message}"

    def number(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return self.spec.shape(self.number_schema, payload)

    def available(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return self.spec.shape(self.available_schema, item)

    def country(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return self.spec.shape(self.country_schema, payload)


def _code(refused: Refusal) -> int:
    """Twilio's code for a broken rule: the URL and method codes, the invalid
    phone number code, and 20001 (invalid parameter) for the rest."""
    if refused.field == "PhoneNumber":
        return 21421
    if refused.field.endswith("Method"):
        return 21501
    if refused.rule == "format" or refused.field.endswith("Url") or refused.field == "StatusCallback":
        return 21502
    return 20001


_DIALECTS: Final = {
    False: DialectSpec(TWILIO_SPEC, signalwire=False),
    True: DialectSpec(LAML_SPEC, signalwire=True),
}


def dialect_spec(*, signalwire: bool) -> DialectSpec:
    return _DIALECTS[signalwire]
