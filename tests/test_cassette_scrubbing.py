"""Recording against a server that echoes the credential writes no credential.

The server under the recorder echoes the Authorization header in response
headers (`WWW-Authenticate`, a debug header), the raw token and its Basic
form in the body, and a next link carrying `API_TOKEN=`; the cassette file
must hold none of it, in any form.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import vcr
from vcr.request import Request

import phonefleet
from phonefleet.testing import emulate
from phonefleet.testing.cassettes import is_secret_name, vcr_config


def _echoing(emulator: Any) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        response = emulator.transport.handle_request(request)
        auth = request.headers.get("authorization", "")
        token = emulator.settings["api_token"]
        body = json.loads(response.content)
        body["echo"] = {
            "authorization": auth,
            "token": token,
            "hint": f"https://signalwire.emulator.invalid/x?API_TOKEN={quote(token)}&page=2&Api-Key={token}",
        }
        headers = {
            "Content-Type": "application/json",
            "WWW-Authenticate": f'Basic realm="x", echo="{auth}"',
            "X-Debug-Echo": token,
            "X-Request-Id": "req-1",
        }
        return httpx.Response(response.status_code, json=body, headers=headers)

    return httpx.MockTransport(answer)


def test_a_recorded_cassette_holds_no_echoed_credential(tmp_path: Path) -> None:
    emulator = emulate("signalwire", numbers=3)
    settings = emulator.settings
    token, project = settings["api_token"], settings["project_id"]
    basic = base64.b64encode(f"{project}:{token}".encode()).decode()
    config = vcr_config()
    recorder = vcr.VCR(record_mode="all")
    path = tmp_path / "echo.yaml"
    with recorder.use_cassette(str(path), **config):
        client = httpx.Client(transport=_echoing(emulator))
        store = phonefleet.connect("signalwire", http_client=client, **settings)
        assert len(list(store.list())) == 3
        client.get(
            f"{settings['base_url']}/phone_numbers?ApiToken={token}&page_size=1", auth=(project, token)
        )
        client.close()
    text = path.read_text()
    assert "phone_numbers" in text  # something was recorded
    for secret in (token, basic, quote(token, safe=""), base64.b64encode(token.encode()).decode()):
        assert secret not in text
    assert "REDACTED" in text


def test_query_parameters_named_like_credentials_are_scrubbed_in_any_case() -> None:
    config = vcr_config()
    request = Request(
        "GET",
        "https://api.example.test/x?API_TOKEN=abc123&apiKey=def456&Page=2&PageToken=p2&access_token=ghi",
        b"",
        {"Accept": "application/json"},
    )
    scrubbed = config["before_record_request"](request)
    assert "abc123" not in scrubbed.uri
    assert "def456" not in scrubbed.uri
    assert "ghi" not in scrubbed.uri
    assert "Page=2" in scrubbed.uri
    assert "PageToken=p2" in scrubbed.uri  # a paging cursor is not a credential


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("api_token", True),
        ("X-Auth-Token", True),
        ("Authorization", True),
        ("client_secret", True),
        ("Signature", True),
        ("page_token", False),
        ("PageToken", False),
        ("page_size", False),
        ("Content-Type", False),
        ("X-Request-Id", False),
    ],
)
def test_credential_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_the_providers_own_secrets_are_scrubbed_from_bodies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINQ_API_V3_API_KEY", "sk_live_from_the_env_0123")
    config = vcr_config(provider="linq")
    response = {"headers": {}, "body": {"string": b'{"echo": "sk_live_from_the_env_0123"}'}}
    assert b"sk_live" not in config["before_record_response"](response)["body"]["string"]


def test_a_twilio_api_key_sid_used_as_the_basic_user_is_scrubbed(tmp_path: Path) -> None:
    """api_key is declared secret: a vendor echoing the SK... sid leaves it in no cassette,
    in any form; the AC... account sid in every path stays (replays need it)."""
    from phonefleet_twilio.emulator import ACCOUNT_SID, API_KEY, API_SECRET

    emulator = emulate("twilio", numbers=2)

    def answer(request: httpx.Request) -> httpx.Response:
        response = emulator.transport.handle_request(request)
        body = json.loads(response.read())
        body["echo"] = {
            "key": API_KEY,
            "quoted": quote(API_KEY),
            "b64": base64.b64encode(API_KEY.encode()).decode(),
        }
        headers = {"Content-Type": "application/json", "X-Debug-Key": API_KEY}
        return httpx.Response(response.status_code, json=body, headers=headers)

    path = tmp_path / "twilio-key.yaml"
    with vcr.VCR(record_mode="all").use_cassette(str(path), **vcr_config()):
        client = httpx.Client(transport=httpx.MockTransport(answer))
        store = phonefleet.connect(
            "twilio",
            http_client=client,
            account_sid=ACCOUNT_SID,
            api_key=API_KEY,
            api_secret=API_SECRET,
            base_url=emulator.settings["base_url"],
        )
        assert len(list(store.list())) == 2
        client.close()
    text = path.read_text()
    assert "IncomingPhoneNumbers" in text
    for secret in (API_KEY, API_SECRET, base64.b64encode(API_KEY.encode()).decode()):
        assert secret not in text
    assert ACCOUNT_SID in text
