"""Replays of documented SignalWire exchanges (cassettes/signalwire/*.yaml).

The payloads are the SignalWire docs' own examples. Requests must match the
cassette including the JSON body, so these tests also pin what is sent (a
name change sends the name alone). See docs/adapters/signalwire.md to
re-record them against a real space.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import phonefleet
from phonefleet import (
    ArchiveBlockedError,
    AuthenticationError,
    Capability,
    Handler,
    NotFoundError,
    NumberChanges,
    NumberType,
    ProviderError,
    Routing,
)
from phonefleet.testing import cassettes
from phonefleet_signalwire import SignalWireStore

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes" / "signalwire"
DOC_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
BOUGHT_ID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"


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
def test_list_follows_relative_and_absolute_next_links(store: SignalWireStore) -> None:
    numbers = list(store.list())
    assert [n.number for n in numbers] == ["+15558675309", "+15558675310", "+15558675311"]
    assert numbers[2].routing == Routing(
        voice=Handler("ai_agent", target="0b6e3f1a-9c8d-4e7f-a6b5-c4d3e2f1a0b9")
    )
    assert numbers[2].name is None


@pytest.mark.vcr
def test_get_maps_the_documented_example(store: SignalWireStore) -> None:
    number = store.get(DOC_ID)
    assert number.number == "+15558675309"
    assert number.name == "Jenny"
    assert number.capabilities == frozenset(Capability)
    assert number.number_type is NumberType.TOLL_FREE
    assert number.country == "US"
    assert number.forwarding_number is None
    assert number.created_at is not None
    assert number.created_at.isoformat() == "2024-03-11T14:07:31+00:00"
    assert number.routing == Routing(
        voice=Handler(
            "relay_context",
            target="my_relay_app",
            status_callback_url="https://myapplication/handle_relay_callbacks",
        ),
        # responses do not carry message_relay_application: the target is unknown, not guessed
        messaging=Handler("relay_application"),
    )
    assert number.raw["next_billed_at"] == "2024-04-11T14:07:31Z"
    assert number.raw["calling_handler_resource_id"] == "fe4093d9-58c2-4931-b4b9-5679f82652c6"


@pytest.mark.vcr
def test_update_name_sends_only_the_name(store: SignalWireStore) -> None:
    changed = store.update(DOC_ID, NumberChanges(name="Main Office Line"))
    assert changed.name == "Main Office Line"
    assert changed.updated_at is not None
    assert changed.updated_at.minute == 20


@pytest.mark.vcr
def test_update_handlers_laml_webhooks_then_relay_topic(store: SignalWireStore) -> None:
    webhooks = Handler(
        "laml_webhooks",
        url="https://example.com/voice/incoming",
        method="POST",
        fallback_url="https://example.com/voice/fallback",
        fallback_method="GET",
        status_callback_url="https://example.com/voice/status",
        status_callback_method="POST",
    )
    topic = Handler("relay_topic", target="office")
    first = store.update(DOC_ID, NumberChanges(routing=Routing(voice=webhooks, messaging=topic)))
    assert first.routing == Routing(voice=webhooks, messaging=topic)
    voice_topic = Handler(
        "relay_topic", target="office", status_callback_url="https://myapplication/handle_relay_callbacks"
    )
    second = store.update(DOC_ID, NumberChanges(routing=Routing(voice=voice_topic)))
    assert second.routing == Routing(voice=voice_topic, messaging=topic)
    assert second.raw["call_request_url"] == "https://example.com/voice/incoming"  # inert leftover


@pytest.mark.vcr
def test_purchase_posts_the_number(store: SignalWireStore) -> None:
    bought = store.create("+1 213 555 0142")
    assert bought.id == BOUGHT_ID
    assert bought.number == "+12135550142"
    assert bought.routing is None
    assert bought.number_type is NumberType.LOCAL


@pytest.mark.vcr
def test_release_deletes_the_number(store: SignalWireStore) -> None:
    released = store.archive(BOUGHT_ID)
    assert released.archived
    assert released.number == "+12135550142"
    assert released.archived_at is not None
    assert released.archived_at.isoformat() == "2024-03-11T14:20:00+00:00"


@pytest.mark.vcr
def test_search_available_numbers(store: SignalWireStore) -> None:
    found = store.ex_search_available(areacode="213", max_results=2)
    assert [a.number for a in found] == ["+12135550142", "+12135550143"]
    assert found[0].capabilities == frozenset({Capability.VOICE, Capability.SMS, Capability.MMS})
    assert found[1].capabilities == frozenset({Capability.VOICE, Capability.SMS, Capability.FAX})
    assert (found[0].region, found[0].city, found[0].lata) == ("CA", "Los Angeles", "730")


@pytest.mark.vcr
def test_wrong_credentials_are_401(store: SignalWireStore) -> None:
    with pytest.raises(AuthenticationError) as caught:
        list(store.list())
    assert caught.value.status == 401
    assert caught.value.request_id == "7b2e9f0c-4d1a-4e8b-9c3f-2a6d5e8f1b40"
    assert "replay-token" not in str(caught.value)


@pytest.mark.vcr
def test_unknown_number_is_404(store: SignalWireStore) -> None:
    with pytest.raises(NotFoundError) as caught:
        store.get("00000000-0000-4000-8000-000000000000")
    assert caught.value.message == "Not Found"


@pytest.mark.vcr
def test_release_refused_too_recently_is_422(store: SignalWireStore) -> None:
    with pytest.raises(ArchiveBlockedError) as caught:
        store.archive(BOUGHT_ID)
    error = caught.value
    assert error.status == 422
    assert error.code == "purchased_too_recently"
    assert "14 days" in error.message
    assert [b.kind for b in error.blockers] == ["purchased_too_recently"]


@pytest.mark.vcr
def test_invalid_update_is_422(store: SignalWireStore) -> None:
    with pytest.raises(ProviderError) as caught:
        store.update(DOC_ID, NumberChanges(routing=Routing(voice=Handler("relay_topic", target=""))))
    assert caught.value.status == 422
    assert caught.value.message == "Call relay topic can't be blank"
    assert not isinstance(caught.value, ArchiveBlockedError)


def test_cassettes_hold_no_credentials() -> None:
    for cassette in CASSETTES.glob("*.yaml"):
        text = cassette.read_text()
        assert "Basic " not in text, cassette.name
        assert "REDACTED" in text, cassette.name
