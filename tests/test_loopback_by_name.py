"""Names are not addresses: plain http:// and an unguarded emulator only for
`localhost` and loopback address literals, never for a name such as
`api.localhost` that /etc/hosts or a resolver may send anywhere."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import phonefleet
from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
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


@pytest.mark.parametrize(
    ("given", "bound", "expected"),
    [
        ("0.0.0.0", "0.0.0.0", "http://127.0.0.1:8097"),  # every address: a client uses loopback
        ("::", "::", "http://[::1]:8097"),
        ("127.0.0.1", "127.0.0.1", "http://127.0.0.1:8097"),
        ("localhost", "127.0.0.1", "http://127.0.0.1:8097"),
        ("192.0.2.10", "192.0.2.10", "http://192.0.2.10:8097"),
        ("emu.example", "192.0.2.10", "http://emu.example:8097"),  # the host given
    ],
)
def test_the_printed_base_url_is_one_a_client_can_use(given: str, bound: str, expected: str) -> None:
    from phonefleet.testing._server import client_origin

    assert client_origin(given, bound, 8097) == expected


def test_server_connect_reaches_a_server_on_another_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bound to an address a store refuses plain http to, `connect()` still works. 127.0.0.2
    stands in for a remote address (it is loopback, so nothing leaves the machine): the
    server is told it is not."""
    import asyncio

    from phonefleet.testing import _server

    emulator = emulate("signalwire", numbers=3)
    with EmulatorServer(emulator, provider="signalwire", host="127.0.0.2", allow_remote=True) as server:
        monkeypatch.setattr(_server, "is_loopback_host", lambda host: host in ("127.0.0.1", "localhost"))
        with server.connect() as store:
            numbers = list(store.list())  # pages follow links.next: the server's links stay usable
        assert len(numbers) == 3
        assert {r.headers["Host"] for r in emulator.transport.requests} == {f"127.0.0.1:{server.port}"}

        async def main() -> int:
            async with server.connect_async() as store:
                return len([n async for n in store.list()])

        assert asyncio.run(main()) == 3
