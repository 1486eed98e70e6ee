"""E.164: one strict entry point for people's input, one cheap check for vendors'.

`phonenumbers` carries megabytes of metadata, so it is imported on first use,
never at `import phonefleet`.
"""

from __future__ import annotations

import functools
import re
from typing import Final

from ._errors import InvalidNumberError

__all__ = ["is_e164", "to_e164"]

_E164: Final = re.compile(r"\+[1-9][0-9]{1,14}")
_ALLOWED: Final = re.compile(r"[0-9+\-.() \t/]*(?:(?:ext|x|#)\.?\s*[0-9]+)?", re.IGNORECASE)


def is_e164(text: object) -> bool:
    """Whether `text` is already shaped like canonical E.164.

    The cheap check for data a vendor sends; it does not know numbering plans.
    """
    return isinstance(text, str) and _E164.fullmatch(text) is not None


def to_e164(text: str, region: str | None = None) -> str:
    """Canonical E.164 for a number a person gave, or InvalidNumberError.

    Validates fully against the numbering plan: `+1` or `+1 555 0100` are
    rejected. A national number needs `region` (ISO 3166-1 alpha-2).
    """
    if not isinstance(text, str):
        raise InvalidNumberError(text, f"expected a string, got {type(text).__name__}")
    stripped = text.strip()
    if _E164.fullmatch(stripped) and _is_valid_canonical(stripped):
        return stripped  # canonical already: no formatting pass
    if not stripped:
        raise InvalidNumberError(text, "it is empty")
    if not _ALLOWED.fullmatch(stripped):
        raise InvalidNumberError(text, "it contains letters or symbols a phone number cannot have")
    digits = sum(ch.isdigit() for ch in stripped)
    if digits < 3:
        raise InvalidNumberError(text, "too short")
    if digits > 17:
        raise InvalidNumberError(text, "too long")
    if not stripped.startswith("+") and region is None:
        raise InvalidNumberError(text, "a national number needs a region (e.g. region='US') or a leading '+'")

    import phonenumbers

    try:
        parsed = phonenumbers.parse(stripped, region.upper() if region else None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumberError(text, _parse_reason(exc)) from None
    if parsed.extension:
        raise InvalidNumberError(text, "extensions cannot be dialled as E.164")
    if not phonenumbers.is_possible_number(parsed):
        reason = _length_reason(phonenumbers.is_possible_number_with_reason(parsed))
        raise InvalidNumberError(text, reason)
    if not phonenumbers.is_valid_number(parsed):
        country = phonenumbers.region_code_for_number(parsed) or f"+{parsed.country_code}"
        raise InvalidNumberError(text, f"not a valid number for {country}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=16384)
def _is_valid_canonical(text: str) -> bool:
    """Full numbering-plan validation of a canonical E.164 string, cached."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed))


def _parse_reason(exc: Exception) -> str:
    import phonenumbers

    assert isinstance(exc, phonenumbers.NumberParseException)
    reasons = {
        phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code or region",
        phonenumbers.NumberParseException.NOT_A_NUMBER: "not a phone number",
        phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
        phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
        phonenumbers.NumberParseException.TOO_LONG: "too long",
    }
    return reasons.get(exc.error_type, str(exc))


def _length_reason(code: int) -> str:
    import phonenumbers

    result = phonenumbers.ValidationResult
    return {
        result.TOO_SHORT: "too short",
        result.TOO_LONG: "too long",
        result.INVALID_COUNTRY_CODE: "unknown country code",
        result.INVALID_LENGTH: "wrong length for its country",
    }.get(code, "not a possible number")
