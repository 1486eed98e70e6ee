"""to_e164: strict for people's input; is_e164: the cheap check for vendors'."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonefleet import InvalidNumberError, is_e164, to_e164


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("+12025550100", None, "+12025550100"),
        ("+1 (202) 555-0100", None, "+12025550100"),
        ("202-555-0100", "US", "+12025550100"),
        ("  +44 20 7946 0958 ", None, "+442079460958"),
        ("020 7946 0958", "gb", "+442079460958"),
        ("+33 1 42 68 53 00", None, "+33142685300"),
    ],
)
def test_canonicalises(text: str, region: str | None, expected: str) -> None:
    assert to_e164(text, region) == expected


@pytest.mark.parametrize(
    ("text", "region", "reason"),
    [
        ("", None, "empty"),
        ("+1", None, "too short"),
        ("call me", None, "letters"),
        ("+1 202 CALL NOW", None, "letters"),
        ("2025550100", None, "needs a region"),
        ("+1202555010012345678", None, "too long"),
        ("+1 202 555 01", None, "short"),
        ("+1 123 555 0100", None, "not a valid number for"),
        ("+999 1234 5678", None, "country code"),
        ("+1 202 555 0100 ext 12", None, "extension"),
    ],
)
def test_rejects_with_a_reason(text: str, region: str | None, reason: str) -> None:
    with pytest.raises(InvalidNumberError, match=reason) as caught:
        to_e164(text, region)
    assert isinstance(caught.value, ValueError)
    assert caught.value.text == text


def test_rejects_non_strings() -> None:
    with pytest.raises(InvalidNumberError, match="expected a string"):
        to_e164(12025550100)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_gives_e164_or_invalid_number(text: str) -> None:
    try:
        result = to_e164(text, "US")
    except InvalidNumberError:
        return
    assert is_e164(result)
    assert phonenumbers.is_valid_number(phonenumbers.parse(result))


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["US", "GB", "FR", "DE", "AU", "JP", "BR", "IN"]))
    example = phonenumbers.example_number(region)
    assert example is not None
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


@given(valid_numbers(), st.sampled_from(["INTERNATIONAL", "E164", "RFC3966_STRIPPED"]))
def test_round_trips_every_formatting(number: str, style: str) -> None:
    parsed = phonenumbers.parse(number)
    if style == "RFC3966_STRIPPED":
        text = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.RFC3966)[4:]
    else:
        text = phonenumbers.format_number(parsed, getattr(phonenumbers.PhoneNumberFormat, style))
    assert to_e164(text) == number
    assert to_e164(to_e164(text)) == number  # idempotent


@given(st.from_regex(r"\+[1-9][0-9]{1,14}", fullmatch=True))
def test_is_e164_accepts_the_shape(text: str) -> None:
    assert is_e164(text)


@pytest.mark.parametrize("text", ["12025550100", "+02025550100", "+1202555010012345", "+1 202", None, 5, ""])
def test_is_e164_refuses_everything_else(text: object) -> None:
    assert not is_e164(text)
