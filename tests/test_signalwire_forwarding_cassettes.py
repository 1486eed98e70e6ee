"""Replays of SignalWire forwarding exchanges (cassettes/signalwire/test_*forwarding*).

The payloads follow the Fabric API spec's SWML script examples and the
relay REST phone-number example. Requests must match including the JSON
body, so these pin what is sent: the script's name and SWML, the binding
(`relay_script` + `request_url`), and the bare `call_handler: null` that
unbinds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import phonefleet
from phonefleet import Handler
from phonefleet.testing import cassettes
from phonefleet_signalwire import SignalWireStore

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes" / "signalwire"
DOC_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
TARGET = "+16505550199"
MADE_URL = "https://example.signalwire.com/relay-bins/f9d13f68-f71e-4042-95bb-b07b9e2f2f92"
HAND_URL = "https://example.signalwire.com/relay-bins/2a6d5e8f-1b40-4d1a-8e9b-7b2e9f0c4d1a"


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return cassettes.vcr_config()


@pytest.fixture
def store() -> Iterator[SignalWireStore]:
    """Real credentials when re-recording (SIGNALWIRE_* set), dummies on replay."""
    settings = {
        "space": os.environ.get("SIGNALWIRE_SPACE") or "example",
        "project_id": os.environ.get("SIGNALWIRE_PROJECT_ID") or "replay-project",
        "api_token": os.environ.get("SIGNALWIRE_API_TOKEN") or "replay-token",
        "page_size": 2,
    }
    with phonefleet.connect("signalwire", **settings) as opened:
        yield opened


@pytest.mark.vcr
def test_forwarding_creates_a_script_and_binds_it(store: SignalWireStore, vcr: Any) -> None:
    forwarded = store.set_forwarding(DOC_ID, "+1 650 555 0199")
    assert forwarded.forwarding_number == TARGET
    assert forwarded.routing is not None
    assert forwarded.routing.voice == Handler("relay_script", url=MADE_URL)
    assert vcr.all_played  # looked, created, looked again (other writers), bound


@pytest.mark.vcr
def test_forwarding_reuses_a_script_made_by_hand(store: SignalWireStore, vcr: Any) -> None:
    forwarded = store.set_forwarding(DOC_ID, TARGET)
    assert forwarded.forwarding_number == TARGET
    assert forwarded.routing is not None
    assert forwarded.routing.voice == Handler("relay_script", url=HAND_URL)
    assert vcr.all_played  # two pages of scripts read, no POST


@pytest.mark.vcr
def test_forwarding_reads_back_on_list(store: SignalWireStore, vcr: Any) -> None:
    forwarded, greeting = list(store.list())
    assert forwarded.forwarding_number == TARGET
    assert greeting.forwarding_number is None  # it runs a script, but one that plays
    assert greeting.routing is not None
    assert greeting.routing.voice is not None
    assert greeting.routing.voice.kind == "relay_script"
    assert vcr.all_played  # one page of numbers, one read of the scripts


@pytest.mark.vcr
def test_clearing_forwarding_unbinds_the_script(store: SignalWireStore, vcr: Any) -> None:
    cleared = store.set_forwarding(DOC_ID, None)
    assert cleared.forwarding_number is None
    assert cleared.routing is not None
    assert cleared.routing.voice is None
    assert cleared.raw["call_relay_script_url"] == MADE_URL  # an inert leftover, as the API keeps it
    assert vcr.all_played
