"""`list(numbers=, country=, capability=)`: the vendor's filters where it has them, one answer everywhere."""

from __future__ import annotations

import asyncio
import json

import pytest
from click.testing import CliRunner

from phonefleet import Capability, MemoryStore, PhoneNumber
from phonefleet.cli import app
from phonefleet.testing import emulate

runner = CliRunner()
US, GB = "+12025550100", "+442071838750"


def _store() -> MemoryStore:
    return MemoryStore(
        [
            PhoneNumber("memory", "1", US, capabilities=frozenset({Capability.VOICE, Capability.SMS})),
            PhoneNumber("memory", "2", GB, country="GB", capabilities=frozenset({Capability.VOICE})),
            PhoneNumber("memory", "3", "+12025550101"),  # capabilities unknown
        ]
    )


def test_filters_narrow_the_listing() -> None:
    store = _store()
    assert [n.number for n in store.list(country="gb")] == [GB]
    assert sorted(n.number for n in store.list(country="US")) == [US, "+12025550101"]  # read from the number
    assert [n.number for n in store.list(capability="sms")] == [US]  # unknown is not "yes"
    assert [n.number for n in store.list(capability=Capability.VOICE, country="US")] == [US]
    assert [n.number for n in store.list(numbers=["+1 202 555 0100", GB])] == [US, GB]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"country": "USA"}, "country must be a two-letter ISO code"),
        ({"country": "XX"}, "no such region"),
        ({"capability": "telepathy"}, "capability must be one of voice, sms, mms, fax"),
        ({"numbers": ["12"]}, "12"),
    ],
)
def test_bad_filters_are_refused_before_any_request(kwargs: dict[str, object], message: str) -> None:
    emulator = emulate("twilio")
    store = emulator.connect()
    with pytest.raises(ValueError, match=message):
        store.list(**kwargs)  # type: ignore[arg-type]
    assert emulator.transport.requests == []


def test_twilio_asks_the_vendor_for_one_number() -> None:
    emulator = emulate("twilio", numbers=30)
    store = emulator.connect()
    wanted = [n.number for n in store.list()][7]
    before = len(emulator.transport.requests)
    assert [n.number for n in store.list(numbers=[wanted])] == [wanted]
    (request,) = emulator.transport.requests[before:]
    assert request.url.params["PhoneNumber"] == wanted


@pytest.mark.parametrize("provider", ["twilio", "telnyx", "signalwire", "linq", "gravityrail"])
def test_every_vendor_answers_the_same_filter_the_same_way(provider: str) -> None:
    store = emulate(provider, numbers=12).connect()
    everything = list(store.list())
    some = [n.number for n in everything][2:5]
    assert sorted(n.number for n in store.list(numbers=some)) == sorted(some)
    with_sms = [n.number for n in everything if n.capabilities and Capability.SMS in n.capabilities]
    assert sorted(n.number for n in store.list(capability="sms")) == sorted(with_sms)


def test_async_stores_filter_too() -> None:
    async def main() -> list[str]:
        async with emulate("signalwire", numbers=10).connect_async() as store:
            wanted = [n.number async for n in store.list()][:2]
            return [n.number async for n in store.list(numbers=wanted)]

    assert len(asyncio.run(main())) == 2


# -- the CLI: one order, the same filters, rows streamed into a pipe ---------------------------
def test_cli_lists_every_vendor_in_number_order() -> None:
    for provider in ("emulator:signalwire", "emulator:twilio"):
        lines = runner.invoke(app, ["list", provider]).stdout.splitlines()[1:]
        numbers = [line.split("\t")[1] for line in lines]
        assert numbers == sorted(numbers)
        assert len(numbers) == 25
    vendor = runner.invoke(app, ["list", "emulator:signalwire", "--order", "vendor"]).stdout.splitlines()[1:]
    assert [line.split("\t")[1] for line in vendor] != sorted(line.split("\t")[1] for line in vendor)


def test_cli_filters() -> None:
    result = runner.invoke(
        app, ["list", "emulator:twilio", "--capability", "fax", "--country", "US", "--json"]
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found
    assert all("fax" in row["capabilities"] for row in found)
    bad = runner.invoke(app, ["list", "emulator:twilio", "--capability", "telepathy"])
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: capability must be one of")


def test_cli_streams_rows_into_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first row is written before the second page is asked for."""
    from phonefleet.cli import _stores

    store = MemoryStore([f"+1202555{i:04d}" for i in range(5)], page_size=2)
    pages: list[int] = []
    written: list[str] = []
    original = store._driver.run

    def run(flow: object) -> object:
        pages.append(len(written))
        return original(flow)  # type: ignore[arg-type]

    monkeypatch.setattr(store._driver, "run", run)
    monkeypatch.setattr(_stores, "connect", lambda provider, options=None: store)
    import click

    echo = click.echo

    def record(message: object = None, **kwargs: object) -> None:
        written.append(str(message))
        echo(message, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(click, "echo", record)
    result = runner.invoke(app, ["list", "memory", "--order", "vendor"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 6
    assert pages[:3] == [0, 3, 5]  # page 2 was fetched after the header and two rows were out
