"""Settings are declared per registration and checked at connect, before any request."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

import phonefleet
from phonefleet import MissingSettingError, Setting, SettingError, UnknownSettingError
from phonefleet.cli import app
from phonefleet.testing import emulate

runner = CliRunner()

ENV = {
    "twilio": ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET"),
    "telnyx": ("TELNYX_API_KEY", "TELNYX_BASE_URL"),
    "signalwire": ("SIGNALWIRE_SPACE", "SIGNALWIRE_PROJECT_ID", "SIGNALWIRE_API_TOKEN"),
    "linq": ("LINQ_API_V3_API_KEY", "LINQ_API_V3_BASE_URL"),
    "gravityrail": ("GRAVITY_RAIL_API_KEY", "GRAVITY_RAIL_WORKSPACE", "GRAVITY_RAIL_API_URL"),
}


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for names in ENV.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)
    for provider in ENV:
        monkeypatch.delenv(f"PHONEFLEET_{provider.upper()}_BASE_URL", raising=False)


class Recorder(httpx.BaseTransport):
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(500)


def test_a_misspelt_setting_is_named_with_the_closest_and_the_valid_ones() -> None:
    recorder = Recorder()
    with pytest.raises(UnknownSettingError) as caught:
        phonefleet.connect("twilio", acount_sid="AC1", auth_token="t", transport=recorder)
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.provider, error.setting, error.suggestion) == ("twilio", "acount_sid", "account_sid")
    assert str(error).startswith("twilio has no setting 'acount_sid' (did you mean 'account_sid'?); valid ")
    assert {"account_sid", "auth_token", "page_size", "timeout", "retry"} <= set(error.valid)
    assert recorder.requests == []


def test_the_async_door_checks_the_same_way() -> None:
    with pytest.raises(UnknownSettingError, match="did you mean 'api_key'"):
        phonefleet.connect_async("telnyx", apikey="k")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"timeout": "abc"}, "telnyx setting timeout must be a number above 0, got 'abc'"),
        ({"timeout": 0}, "telnyx setting timeout must be a number above 0, got 0.0"),
        ({"timeout": float("nan")}, "timeout must be a number above 0"),
        ({"page_size": 251}, "telnyx setting page_size must be an integer from 1 to 250, got 251"),
        ({"page_size": True}, "page_size must be an integer from 1 to 250, got True"),
        ({"max_response_bytes": "lots"}, "max_response_bytes must be an integer of at least 1"),
        ({"retry": 3}, "telnyx setting retry must be a RetryPolicy, got 3"),
        ({"http_client": "client"}, "must be an httpx.Client or an httpx.AsyncClient, got 'client'"),
        ({"api_key": 12345678}, "telnyx setting api_key must be text, got a value of type int"),
    ],
)
def test_types_and_ranges_are_checked_at_connect(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingError, match=re.escape(message)) as caught:
        phonefleet.connect("telnyx", **{"api_key": "k", **settings})
    assert "12345678" not in str(caught.value)  # a secret's value is never echoed


def test_text_is_converted_by_the_declared_type_for_every_adapter() -> None:
    store = emulate("signalwire").connect(page_size="5", timeout="2.5")
    assert store.adapter.page_size == 5
    assert [n.number for n in store.list()][:1]
    for name in ("twilio", "telnyx"):
        assert emulate(name).connect(page_size=" 7 ").adapter.page_size == 7


@pytest.mark.usefixtures("no_env")
@pytest.mark.parametrize("provider", sorted(ENV))
def test_a_missing_credential_has_one_message_shape(provider: str) -> None:
    with pytest.raises(MissingSettingError) as caught:
        phonefleet.connect(provider)
    assert re.fullmatch(rf"{provider} needs \w+: pass \w+=\.\.\. or set [A-Z0-9_]+(, .*)?", str(caught.value))
    assert caught.value.message("-o {name}=...").startswith(
        f"{provider} needs {caught.value.setting}: pass -o "
    )


def test_each_registration_declares_its_settings() -> None:
    settings = {s.name: s for s in phonefleet.provider_settings("twilio")}
    sid = settings["account_sid"]
    assert (sid.required, sid.secret, sid.env) == (True, False, ("TWILIO_ACCOUNT_SID",))
    assert settings["auth_token"].secret
    page = settings["page_size"]
    assert (page.type_name, page.default, page.minimum, page.maximum) == ("int", 1000, 1, 1000)
    assert settings["base_url"].env[0] == "PHONEFLEET_TWILIO_BASE_URL"
    assert {"timeout", "retry", "http_client", "transport", "max_response_bytes"} <= set(settings)
    vendor_only = phonefleet.provider_settings("twilio", common=False)
    assert "timeout" not in {s.name for s in vendor_only}
    assert all(isinstance(s, Setting) for s in vendor_only)
    assert phonefleet.providers() == sorted(phonefleet.providers())  # still bare names, as before


@pytest.mark.parametrize("provider", sorted(ENV))
def test_every_emulators_settings_are_declared(provider: str) -> None:
    declared = {s.name for s in phonefleet.provider_settings(provider)}
    assert set(emulate(provider).settings) <= declared


@pytest.mark.usefixtures("no_env")
def test_phonefleet_reads_one_base_url_variable_for_every_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url.copy_with(query=None)))
        return httpx.Response(404, json={"errors": [{"code": "10005", "title": "Resource not found"}]})

    monkeypatch.setenv("PHONEFLEET_TELNYX_BASE_URL", "http://127.0.0.1:8123/v2")
    with (
        phonefleet.connect("telnyx", api_key="k", transport=httpx.MockTransport(answer)) as store,
        pytest.raises(phonefleet.NotFoundError),
    ):
        store.get("+12025550100")
    assert seen
    assert all(url.startswith("http://127.0.0.1:8123/v2/") for url in seen)


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_cli_converts_page_size_for_signalwire() -> None:
    result = cli("list", "emulator:signalwire", "-o", "page_size=5", "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 25


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["-o", "acount_sid=AC1"], "error: twilio has no setting 'acount_sid' (did you mean 'account_sid'?)"),
        (
            ["-o", "page_size=abc"],
            "error: twilio setting page_size must be an integer from 1 to 1000, got 'abc'",
        ),
        (["-o", "page_size=0"], "error: twilio setting page_size must be an integer from 1 to 1000, got 0"),
        (["--timeout", "abc"], "error: the timeout must be a number of seconds above 0"),
    ],
)
def test_cli_setting_mistakes_are_usage_errors(options: list[str], message: str) -> None:
    result = cli("list", "emulator:twilio", *options)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message)


@pytest.mark.usefixtures("no_env")
def test_cli_names_its_own_spelling_of_a_missing_setting() -> None:
    result = cli("list", "telnyx")
    assert result.exit_code == 2
    assert result.stderr == "error: telnyx needs api_key: pass -o api_key=... or set TELNYX_API_KEY\n"
    diff = cli("diff", "telnyx", "emulator:linq")
    assert diff.exit_code == 2
    assert "pass --a-option api_key=... or set TELNYX_API_KEY" in diff.stderr


def test_cli_providers_shows_each_setting() -> None:
    rows = {row["name"]: row for row in json.loads(cli("providers", "--json").stdout)}
    page = next(s for s in rows["signalwire"]["settings"] if s["name"] == "page_size")
    assert (page["type"], page["default"], page["required"]) == ("int", 1000, False)
    shown = cli("providers", "twilio")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0].split("\t") == ["setting", "type", "required", "env", "default", "help"]
    sid = next(line.split("\t") for line in lines if line.startswith("account_sid\t"))
    assert sid[:4] == ["account_sid", "str", "yes", "TWILIO_ACCOUNT_SID"]
    assert any(line.startswith("timeout\tfloat\tno\t-\t30") for line in lines)


def test_an_emulators_address_without_its_transport_fails_at_once() -> None:
    settings = emulate("linq").settings
    with pytest.raises(SettingError, match=r"emulate\('linq'\)\.connect\(\), or pass transport=") as caught:
        phonefleet.connect("linq", **settings)
    assert caught.value.setting == "base_url"
    emulator = emulate("linq", numbers=2)
    with phonefleet.connect("linq", transport=emulator.transport, **emulator.settings) as store:
        assert len(list(store.list())) == 2


def test_cli_providers_fits_eighty_columns_without_cutting_a_variable() -> None:
    from test_cli_terminal import on_terminal

    code, screen = on_terminal("providers", "telnyx", cols=80)
    assert code == 0, screen
    assert max(len(line.rstrip()) for line in screen.splitlines()) <= 80
    for name in ("TELNYX_API_KEY", "PHONEFLEET_TELNYX_BASE_URL", "TELNYX_BASE_URL"):
        assert name in screen
