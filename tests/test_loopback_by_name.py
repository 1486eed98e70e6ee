"""Names are not addresses: plain http:// and an unguarded emulator only for
`localhost` and loopback address literals, never for a name such as
`api.localhost` that /etc/hosts or a resolver may send anywhere."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import phonefleet
from phonefleet.adapter import check_base_url
from phonefleet.cli import app
from phonefleet.testing import EmulatorServer, emulate
from phonefleet.testing._server import is_loopback_host

NAMES = ["api.localhost", "emu.localhost", "localhost.evil.example", "LOCALHOST.example"]


@pytest.mark.parametrize("host", NAMES)
def test_a_localhost_subdomain_is_not_loopback(host: str) -> None:
    assert not is_loopback_host(host)
    with pytest.raises(ValueError, match="plain http"):
        check_base_url(f"http://{host}:8080/api")


@pytest.mark.parametrize("host", NAMES)
def test_no_store_sends_a_key_in_plain_text_to_a_name(host: str) -> None:
    with pytest.raises(ValueError, match="plain http"):
        phonefleet.connect("linq", api_key="k", base_url=f"http://{host}:8080/api/partner")


@pytest.mark.parametrize("host", ["localhost", "LocalHost", "127.0.0.1", "127.8.9.10", "[::1]"])
def test_loopback_literals_are_still_loopback(host: str) -> None:
    assert is_loopback_host(host.strip("[]"))
    assert check_base_url(f"http://{host}:8080/api").scheme == "http"


@pytest.mark.parametrize("host", ["emu.localhost", "api.localhost"])
def test_the_emulator_refuses_to_serve_on_a_name_without_allow_remote(host: str) -> None:
    with pytest.raises(ValueError, match="allow_remote"):
        EmulatorServer(emulate("linq", numbers=1), provider="linq", host=host)


def test_phonefleet_emulate_refuses_a_localhost_subdomain() -> None:
    result = CliRunner().invoke(app, ["emulate", "linq", "--host", "emu.localhost"])
    assert result.exit_code == 2
    assert "--allow-remote" in result.output
