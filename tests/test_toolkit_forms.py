"""RequestBuilder's form bodies and path suffixes (used by the Twilio adapter)."""

from __future__ import annotations

import pytest

from phonefleet.adapter import RequestBuilder


def test_form_bodies_keep_order_and_send_empty_strings() -> None:
    builder = RequestBuilder("https://api.example.com/v1")
    request = builder.request("POST", "things", "1", form={"VoiceUrl": "", "FriendlyName": "A & B/+1"})
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.content == b"VoiceUrl=&FriendlyName=A+%26+B%2F%2B1"
    pairs = builder.request("POST", "things", form=[("A", "1"), ("A", "2")])
    assert pairs.content == b"A=1&A=2"


def test_json_and_form_together_are_refused() -> None:
    with pytest.raises(ValueError, match="json or form"):
        RequestBuilder("https://api.example.com").request("POST", "x", json={"a": 1}, form={"a": "1"})


def test_a_suffix_follows_the_encoded_segments() -> None:
    builder = RequestBuilder("https://api.example.com/2010-04-01")
    request = builder.request("GET", "Accounts", "AC1", "Numbers", "../x y", suffix=".json")
    assert request.url.raw_path == b"/2010-04-01/Accounts/AC1/Numbers/%2E%2E%2Fx%20y.json"
    assert builder.url("Numbers", suffix=".json").path == "/2010-04-01/Numbers.json"
