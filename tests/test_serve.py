"""Server mode: an emulator answering plain HTTP on loopback, the same state in-process."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import phonefleet
from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
from phonefleet import PhoneFleetError
from phonefleet.testing import (
    AddressInUseError,
    Emulator,
    EmulatorServer,
    Fault,
    FaultPlan,
    ProviderMismatchError,
    emulate,
    serve,
    serve_fixture,
)

linq_server = serve_fixture("linq", numbers=4)


def _raw(server: EmulatorServer, method: str, path: str, **kwargs: Any) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    connection.request(method, path, **kwargs)
    return connection.getresponse()


def _bearer(server: EmulatorServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.settings['api_key']}"}


# -- what serve() yields --------------------------------------------------------------------
def test_serve_yields_loopback_settings_that_connect_accepts() -> None:
    with serve("linq", numbers=5) as server:
        assert server.provider == "linq"
        assert server.origin == f"http://127.0.0.1:{server.port}"
        assert server.port > 0
        assert server.netloc == f"127.0.0.1:{server.port}"
        assert server.base_url == f"{server.origin}/api/partner"
        assert server.settings == {"api_key": "linq-emulator-key", "base_url": server.base_url}
        with phonefleet.connect("linq", **server.settings) as store:
            numbers = list(store.list())
            changed = store.set_forwarding(numbers[0], "+12025550199")
        assert len(numbers) == 5
        assert changed.forwarding_number == "+12025550199"
        # the same emulator, in-process: its state and its journal
        record = server.emulator.transport.numbers[numbers[0].id]
        assert record["forwarding_number"] == "+12025550199"
        assert [r.method for r in server.emulator.transport.applied] == ["GET", "PUT"]
        assert "127.0.0.1" in repr(server)


def test_fixture_factory_serves_for_the_test(linq_server: EmulatorServer) -> None:
    assert isinstance(linq_server, EmulatorServer)
    with linq_server.connect() as store:
        assert len(list(store.list())) == 4


def test_async_store_over_the_socket() -> None:
    async def main(server: EmulatorServer) -> list[str]:
        async with server.connect_async() as store:
            return [n.number async for n in store.list()]

    with serve("gravityrail", numbers=3) as server:
        numbers = asyncio.run(main(server))
    assert len(numbers) == 3


def test_serve_takes_an_emulator_already_built() -> None:
    emulator = emulate("linq", numbers=2, audit_polls=0)
    with serve(emulator) as server:
        assert server.emulator is emulator
        with server.connect() as store:
            assert len(list(store.list())) == 2
    assert len(emulator.transport.requests) == 1


def test_serve_refuses_an_emulator_without_its_vendor_or_with_options() -> None:
    built = emulate("linq", numbers=1)
    anonymous = Emulator(transport=built.transport, settings=built.settings)
    with pytest.raises(ValueError, match="does not know its provider"):
        serve(anonymous).__enter__()
    with pytest.raises(TypeError, match="emulator options"):
        serve(built, numbers=3).__enter__()


def test_the_server_stops_with_the_block() -> None:
    with serve("linq", numbers=1) as server:
        origin = server.base_url
        client = httpx.Client(headers=_bearer(server))
        assert client.get(f"{origin}/v3/phone_numbers").status_code == 200
    with pytest.raises(httpx.TransportError):
        client.get(f"{origin}/v3/phone_numbers")  # even on the kept-alive connection
    client.close()


# -- HTTP as clients send it ----------------------------------------------------------------
@pytest.mark.parametrize("host", ["example.com", "api.linqapp.com", "", "bad host[", "localhost:1"])
def test_routing_ignores_the_host_header(linq_server: EmulatorServer, host: str) -> None:
    headers = {**_bearer(linq_server), "Host": host}
    response = _raw(linq_server, "GET", "/api/partner/v3/phone_numbers", headers=headers)
    assert response.status == 200
    assert len(json.loads(response.read())["phone_numbers"]) == 4


def test_a_chunked_request_body_is_streamed_to_the_emulator(linq_server: EmulatorServer) -> None:
    ident = next(iter(linq_server.emulator.transport.numbers))
    pieces = [b'{"forwarding_', b'number": "+1202', b'5550123"}']
    with httpx.Client(headers=_bearer(linq_server)) as client:
        response = client.put(f"{linq_server.base_url}/v3/phone_numbers/{ident}", content=iter(pieces))
        assert response.status_code == 200
        assert response.json()["forwarding_number"] == "+12025550123"
        # the connection stays usable for the next request
        assert client.get(f"{linq_server.base_url}/v3/phone_numbers").status_code == 200
    applied = linq_server.emulator.transport.applied[0]
    assert applied.headers.get("Transfer-Encoding") == "chunked"
    assert applied.content == b"".join(pieces)


def test_unread_bodies_do_not_break_the_next_request_on_the_connection(
    linq_server: EmulatorServer,
) -> None:
    with httpx.Client(headers=_bearer(linq_server)) as client:
        # a GET with a body the route never reads, then a normal GET on the same connection
        first = client.request("GET", f"{linq_server.base_url}/v3/phone_numbers", content=b"x" * 100_000)
        second = client.get(f"{linq_server.base_url}/v3/phone_numbers")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content


def test_head_answers_headers_only(linq_server: EmulatorServer) -> None:
    response = _raw(linq_server, "HEAD", "/api/partner/v3/phone_numbers", headers=_bearer(linq_server))
    assert response.status == 405  # Linq has no HEAD route: its envelope, no body on the wire
    assert int(response.headers["Content-Length"]) > 0
    assert response.read() == b""


def test_the_vendor_error_envelope_crosses_the_wire(linq_server: EmulatorServer) -> None:
    response = _raw(linq_server, "GET", "/api/partner/v3/phone_numbers")
    assert response.status == 401
    assert json.loads(response.read())["error"]["code"] == 2004


# -- faults over the wire -------------------------------------------------------------------
def test_injected_http_faults_are_answers_and_are_retried_away() -> None:
    plan = FaultPlan(script=[Fault.RATE_LIMIT, Fault.SERVER_ERROR])
    with serve("linq", numbers=3, faults=plan) as server:
        raw = httpx.get(f"{server.base_url}/v3/phone_numbers", headers=_bearer(server))
        assert raw.status_code == 429
        assert raw.headers["Retry-After"] == "1"
        assert raw.json()["error"]["code"] == 1007
        with server.connect() as store:
            assert len(list(store.list())) == 3  # the 5xx, retried
    assert [fault for _, _, fault in plan.injected] == [Fault.RATE_LIMIT, Fault.SERVER_ERROR]


@pytest.mark.parametrize(
    ("fault", "applied"), [(Fault.DROP_BEFORE, False), (Fault.DROP_AFTER, True), (Fault.SLOW, True)]
)
def test_dropped_connection_faults_close_it_without_an_answer(fault: Fault, applied: bool) -> None:
    plan = FaultPlan(script=[fault])
    with serve("linq", numbers=2, faults=plan) as server:
        ident = next(iter(server.emulator.transport.numbers))
        url = f"{server.base_url}/v3/phone_numbers/{ident}"
        with httpx.Client(headers=_bearer(server)) as client:
            with pytest.raises(httpx.RemoteProtocolError):
                client.put(url, json={"forwarding_number": "+12025550144"})
            # the server goes on answering
            assert client.get(f"{server.base_url}/v3/phone_numbers").status_code == 200
        record = server.emulator.transport.numbers[ident]
        assert (record["forwarding_number"] == "+12025550144") is applied
        assert [r.method for r in server.emulator.transport.requests] == ["PUT", "GET"]


def test_an_emulator_bug_is_a_500_in_the_vendor_envelope() -> None:
    emulator = emulate("linq", numbers=1)

    def broken(request: httpx.Request) -> httpx.Response:
        raise KeyError("bug")

    emulator.transport.handle = broken  # type: ignore[method-assign]
    with serve(emulator) as server:
        response = httpx.get(f"{server.base_url}/v3/phone_numbers")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == 3006


class _Streaming(httpx.BaseTransport):
    """A third party's emulator answering with a body still streaming."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        def body() -> Iterator[bytes]:
            yield b'{"data": ['
            yield b'"a", "b"'
            yield b"]}"

        return httpx.Response(200, content=body(), headers={"Content-Type": "application/json"})


def test_a_streaming_answer_is_sent_chunked() -> None:
    emulator = Emulator(transport=_Streaming(), settings={}, provider="linq")  # type: ignore[arg-type]
    with serve(emulator) as server:
        assert server.base_url == server.origin  # no URL in its settings
        response = _raw(server, "GET", "/anything")
        assert response.headers["Transfer-Encoding"] == "chunked"
        assert json.loads(response.read()) == {"data": ["a", "b"]}


# -- where it listens -----------------------------------------------------------------------
def test_a_port_in_use_is_one_clear_error() -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        with pytest.raises(AddressInUseError) as caught, serve("linq", port=port):
            pass
    finally:
        taken.close()
    assert caught.value.port == port
    assert str(caught.value) == f"port {port} on 127.0.0.1 is already in use"
    assert isinstance(caught.value, PhoneFleetError)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_a_non_loopback_address_needs_allow_remote(host: str) -> None:
    with pytest.raises(ValueError, match="allow_remote=True"), serve("linq", host=host):
        pass


@pytest.mark.parametrize("port", [-1, 65536, "80", True])
def test_a_bad_port_is_refused(port: Any) -> None:
    with pytest.raises(ValueError, match="port must be"), serve("linq", port=port):
        pass


def test_localhost_is_loopback() -> None:
    with serve("linq", host="localhost", numbers=1) as server:
        assert server.host == "127.0.0.1"
        assert httpx.get(f"{server.base_url}/v3/phone_numbers", headers=_bearer(server)).status_code == 200


# -- an emulator knows its vendor -----------------------------------------------------------
@pytest.mark.parametrize("provider", ["linq", "gravityrail", "signalwire"])
def test_an_emulator_connects_without_its_name(provider: str) -> None:
    emulator = emulate(provider, numbers=2)
    assert emulator.provider == provider
    with emulator.connect() as store:
        assert store.provider == provider
        assert len(list(store.list())) == 2

    async def main() -> int:
        async with emulator.connect_async() as store:
            return len([n async for n in store.list()])

    assert asyncio.run(main()) == 2
    with emulator.connect(provider) as store:  # naming it still works
        assert store.provider == provider


@pytest.mark.parametrize(("provider", "other"), [("linq", "gravityrail"), ("gravityrail", "signalwire")])
def test_a_mismatched_name_is_refused_before_any_request(provider: str, other: str) -> None:
    emulator = emulate(provider, numbers=1)
    for opener in (emulator.connect, emulator.connect_async):
        with pytest.raises(ProviderMismatchError) as caught:
            opener(other)
        assert f"emulates {provider!r}, not {other!r}" in str(caught.value)
        assert isinstance(caught.value, PhoneFleetError)
        assert isinstance(caught.value, ValueError)
    assert emulator.transport.requests == []


def test_an_emulator_built_without_its_vendor_asks_for_the_name() -> None:
    built = emulate("linq", numbers=1)
    anonymous = Emulator(transport=built.transport, settings=built.settings)
    with pytest.raises(TypeError, match="pass its name"):
        anonymous.connect()
    with anonymous.connect("linq") as store:
        assert len(list(store.list())) == 1


def test_concurrent_clients_share_one_state() -> None:
    async def main(server: EmulatorServer, idents: list[str]) -> list[int]:
        async with httpx.AsyncClient(headers=_bearer(server)) as client:
            answers = await asyncio.gather(
                *(
                    client.put(
                        f"{server.base_url}/v3/phone_numbers/{ident}",
                        json={"forwarding_number": f"+1202555{index:04d}"},
                    )
                    for index, ident in enumerate(idents)
                )
            )
        return [answer.status_code for answer in answers]

    with serve("linq", numbers=40) as server:
        idents = list(server.emulator.transport.numbers)
        assert asyncio.run(main(server, idents)) == [200] * 40
        with server.connect() as store:
            read = {n.id: n.forwarding_number for n in store.list()}
    assert read == {ident: f"+1202555{index:04d}" for index, ident in enumerate(idents)}


def test_answers_are_not_held_back_by_nagle(linq_server: EmulatorServer) -> None:
    """Headers and body go out in two writes: TCP_NODELAY keeps the second from waiting an ACK."""
    with httpx.Client(headers=_bearer(linq_server)) as client:
        assert client.get(f"{linq_server.base_url}/v3/phone_numbers").status_code == 200
        open_connections = linq_server._server.connections.open()
        assert len(open_connections) == 1  # kept alive
        assert open_connections[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


@pytest.mark.skipif(not socket.has_ipv6, reason="this Python was built without IPv6")
@pytest.mark.parametrize("host", ["::1", "[::1]"])
def test_ipv6_loopback(host: str) -> None:
    with serve("linq", host=host, numbers=2) as server:
        assert server.origin == f"http://[::1]:{server.port}"
        assert server.netloc == f"[::1]:{server.port}"
        assert server.base_url == f"http://[::1]:{server.port}/api/partner"
        with server.connect() as store:
            assert len(list(store.list())) == 2


@pytest.mark.parametrize("origin", ["http://example.com", "https://api.linqapp.com:8443"])
def test_an_absolute_form_target_routes_on_its_path(linq_server: EmulatorServer, origin: str) -> None:
    connection = http.client.HTTPConnection(linq_server.host, linq_server.port, timeout=10)
    connection.putrequest("GET", f"{origin}/api/partner/v3/phone_numbers", skip_host=True)
    connection.putheader("Authorization", _bearer(linq_server)["Authorization"])
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 200
    assert len(json.loads(response.read())["phone_numbers"]) == 4
    connection.close()
