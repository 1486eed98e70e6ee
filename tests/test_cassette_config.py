"""The shared recording configuration scrubs credentials before writing."""

from __future__ import annotations

from vcr.request import Request

from phonefleet.testing.cassettes import vcr_config


def test_requests_are_scrubbed() -> None:
    config = vcr_config(secrets=[r"gr_[A-Za-z0-9_-]+"])
    request = Request(
        "POST",
        "https://api.example.test/x?token=abc123&page=2",
        b'{"key": "gr_live_0123456789"}',
        {"Authorization": "Bearer gr_live_0123456789", "Cookie": "s=1", "Accept": "application/json"},
    )
    scrubbed = config["before_record_request"](request)
    assert scrubbed.headers["Authorization"] == "REDACTED"
    assert scrubbed.headers["Cookie"] == "REDACTED"
    assert scrubbed.headers["Accept"] == "application/json"
    assert b"gr_live" not in scrubbed.body
    assert ("token", "REDACTED") in config["filter_query_parameters"]


def test_responses_are_scrubbed() -> None:
    config = vcr_config(secrets=[r"sk_[a-z0-9]+"])
    response = {
        "headers": {"Set-Cookie": ["s=1"], "Content-Type": ["application/json"]},
        "body": {"string": '{"echo": "sk_abc123"}'},
    }
    scrubbed = config["before_record_response"](response)
    assert "Set-Cookie" not in scrubbed["headers"]
    assert "sk_abc123" not in scrubbed["body"]["string"]
    assert "body" in config["match_on"]
