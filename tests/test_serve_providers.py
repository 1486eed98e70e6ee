"""Every installed adapter's emulator, served: phonefleet over the socket sees what it sees in-process.

Generic on purpose: an adapter that registers an emulator is covered here
the day it is installed, with no code of its own (its SDK-driven test is
one more small file, like tests/test_sdk_signalwire.py).
"""

from __future__ import annotations

import asyncio

import pytest

import phonefleet
from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
from phonefleet.adapter import registration
from phonefleet.testing import EmulatorServer, emulate, serve

EMULATED = [name for name in phonefleet.providers() if registration(name).emulator is not None]


def test_the_first_party_emulators_are_all_served() -> None:
    assert {"linq", "signalwire", "gravityrail"} <= set(EMULATED)


def _same(served: list[phonefleet.PhoneNumber], local: list[phonefleet.PhoneNumber]) -> None:
    assert len(served) == len(local) == 30
    assert served == local  # equality leaves `raw` out; every model field counts


@pytest.mark.parametrize("provider", EMULATED)
def test_served_listing_equals_the_in_process_one(provider: str) -> None:
    with emulate(provider, numbers=30, seed=2).connect() as store:
        local = list(store.list())
    with serve(provider, numbers=30, seed=2) as server:
        assert server.provider == provider
        assert server.base_url.startswith(f"{server.origin}/") or server.base_url == server.origin
        for value in server.settings.values():
            if isinstance(value, str) and "://" in value:
                assert value.startswith(server.origin)
        with phonefleet.connect(provider, **server.settings) as store:
            served = list(store.list())
        requests = server.emulator.transport.applied
        assert requests
        assert {r.headers["Host"] for r in requests} == {server.netloc}
    _same(served, local)


@pytest.mark.parametrize("provider", EMULATED)
def test_served_async_listing_and_get(provider: str) -> None:
    async def main(server: EmulatorServer) -> tuple[list[phonefleet.PhoneNumber], phonefleet.PhoneNumber]:
        async with server.connect_async() as store:
            numbers = [n async for n in store.list()]
            return numbers, await store.get(numbers[-1].id)

    with serve(provider, numbers=30, seed=2) as server:
        numbers, last = asyncio.run(main(server))
    with emulate(provider, numbers=30, seed=2).connect() as store:
        _same(numbers, list(store.list()))
    assert last == numbers[-1]


def test_signalwire_absolute_next_links_follow_the_served_origin() -> None:
    with serve("signalwire", numbers=7, absolute_links=True) as served, served.connect(page_size=3) as store:
        numbers = [n.number for n in store.list()]
    assert len(numbers) == len(set(numbers)) == 7
    pages = [r for r in served.emulator.transport.requests if r.url.path.endswith("/phone_numbers")]
    assert len(pages) == 3
