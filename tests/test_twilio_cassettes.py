"""Replays of documented Twilio exchanges (cassettes/twilio/*.yaml).

The payloads are the spec's own examples (twilio-oai `twilio_api_v2010.json`,
as twilio-python's fixtures carry them) and SignalWire's Compatibility spec
examples. Requests must match the cassette including the form body, so these
tests also pin what is sent. Re-record against a real account with
`pytest --record-mode=once` and TWILIO_* set (see docs/adapters/twilio.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
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
    RateLimitError,
    Routing,
)
from phonefleet.testing import cassettes
from phonefleet_twilio import TwilioStore

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes" / "twilio"
SID = "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
BOUGHT = "PNbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
SW_SID = "b3877c40-da60-4998-90ad-b792e98472pn"


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return cassettes.vcr_config()


@pytest.fixture
def store() -> Iterator[TwilioStore]:
    """Real credentials when re-recording (TWILIO_* set), dummies on replay."""
    settings = {
        "account_sid": os.environ.get("TWILIO_ACCOUNT_SID") or "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "auth_token": os.environ.get("TWILIO_AUTH_TOKEN") or "replay-token",
        "page_size": 2,
    }
    with phonefleet.connect("twilio", **settings) as opened:
        yield opened


@pytest.fixture
def signalwire() -> Iterator[TwilioStore]:
    settings = {
        "account_sid": "b3877c40-da60-4998-90ad-b792e98472af",
        "auth_token": "replay-token",
        "base_url": "https://example.signalwire.com/api/laml",
        "page_size": 1,
    }
    with phonefleet.connect("twilio", **settings) as opened:
        yield opened


@pytest.mark.vcr
def test_list_follows_next_page_uri(store: TwilioStore) -> None:
    numbers = list(store.list())
    assert [n.number for n in numbers] == ["+18089255327", "+14155550142", "+14155550143"]
    first, second, third = numbers
    assert second.forwarding_number == "+16505550199"  # the Twimlet, with an extra Timeout
    assert second.routing == Routing(
        messaging=Handler("twiml_webhook", url="https://example.com/sms", method="GET")
    )
    assert second.capabilities == frozenset(
        {Capability.VOICE, Capability.SMS, Capability.MMS}
    )  # "SMS", "MMS"
    assert second.number_type is NumberType.TOLL_FREE
    # a trunk overrides the application, which overrides the voice URL
    assert third.routing == Routing(voice=Handler("sip_trunk", target="TKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
    assert third.number_type is NumberType.MOBILE
    assert first.routing is None


@pytest.mark.vcr
def test_fetch_maps_the_spec_example(store: TwilioStore) -> None:
    number = store.get(SID)
    assert (number.id, number.number, number.name) == (SID, "+18089255327", "(808) 925-5327")
    assert number.capabilities == frozenset({Capability.VOICE, Capability.MMS})
    assert number.created_at == datetime(2015, 7, 30, 23, 19, 4, tzinfo=UTC)
    assert number.number_type is NumberType.LOCAL
    assert number.country is None  # Twilio does not say; not guessed from +1
    assert number.forwarding_number is None
    assert number.routing is None  # "" and null are "not set"
    assert number.raw["bundle_sid"] == "BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"


@pytest.mark.vcr
def test_update_name_sends_only_the_name(store: TwilioStore) -> None:
    changed = store.update(SID, NumberChanges(name="Main Office"))
    assert changed.name == "Main Office"
    assert changed.updated_at == datetime(2015, 7, 31, 8, 0, tzinfo=UTC)


@pytest.mark.vcr
def test_set_forwarding_writes_the_forward_twimlet(store: TwilioStore) -> None:
    assert store.set_forwarding(SID, "+1 650-555-0199").forwarding_number == "+16505550199"


@pytest.mark.vcr
def test_clear_forwarding_sends_an_empty_voice_url(store: TwilioStore) -> None:
    cleared = store.set_forwarding(SID, None)
    assert cleared.forwarding_number is None
    assert cleared.raw["voice_url"] == ""


@pytest.mark.vcr
def test_purchase_posts_the_number(store: TwilioStore) -> None:
    bought = store.create("+1 510-555-0100")
    assert (bought.id, bought.number) == (BOUGHT, "+15105550100")


@pytest.mark.vcr
def test_release_deletes_the_number(store: TwilioStore) -> None:
    released = store.archive(BOUGHT)
    assert released.archived
    assert released.archived_at == datetime(2015, 7, 30, 23, 19, 4, tzinfo=UTC)


@pytest.mark.vcr
def test_search_available_local_numbers(store: TwilioStore) -> None:
    found = store.ex_search_available("us", "local", area_code=510, sms=True, limit=2)
    assert [a.number for a in found] == ["+15105647903", "+15104884379"]
    assert found[0].capabilities == frozenset({Capability.VOICE, Capability.SMS, Capability.MMS})
    assert (found[0].locality, found[0].region, found[0].postal_code) == ("Oakland", "CA", "94703")


@pytest.mark.vcr
def test_wrong_credentials_are_401(store: TwilioStore) -> None:
    with pytest.raises(AuthenticationError) as caught:
        list(store.list())
    error = caught.value
    assert (error.status, error.code, error.message) == (401, 20003, "Authenticate")
    assert error.doc_url == "https://www.twilio.com/docs/errors/20003"
    assert error.request_id == "RQ0123456789abcdef0123456789abcdef"
    assert "replay-token" not in str(error)


@pytest.mark.vcr
def test_unknown_number_is_404(store: TwilioStore) -> None:
    with pytest.raises(NotFoundError) as caught:
        store.get("PN00000000000000000000000000000000")
    assert caught.value.code == 20404
    assert "was not found" in caught.value.message


@pytest.mark.vcr
def test_rate_limited_fetch_is_retried(store: TwilioStore) -> None:
    assert store.get(SID).id == SID  # a 429 without Retry-After, then the answer


@pytest.mark.vcr
def test_rate_limited_update_is_waited_out(store: TwilioStore) -> None:
    assert store.update(SID, NumberChanges(name="Main Office")).name == "Main Office"


def test_rate_limit_is_typed_when_retries_are_spent() -> None:
    import httpx

    from phonefleet import RetryPolicy

    def answer(request: httpx.Request) -> httpx.Response:
        body = {"code": 20429, "message": "Too Many Requests", "status": 429}
        return httpx.Response(429, json=body, headers={"Retry-After": "3"})

    with (
        phonefleet.connect(
            "twilio",
            account_sid="AC1",
            auth_token="t",
            transport=httpx.MockTransport(answer),
            retry=RetryPolicy(attempts=2),
        ) as store,
        pytest.raises(RateLimitError) as caught,
    ):
        store.get(SID)
    assert (caught.value.code, caught.value.retry_after) == (20429, 3.0)


@pytest.mark.vcr
def test_signalwire_list_follows_the_laml_prefix(signalwire: TwilioStore) -> None:
    numbers = list(signalwire.list())
    assert [n.number for n in numbers] == ["+13103386745", "+13103386746"]
    assert numbers[0].id == SW_SID  # not a PN sid: never validated
    assert numbers[0].country == "US"
    assert numbers[0].created_at == datetime(2018, 9, 25, 23, 0, tzinfo=UTC)  # the spec's "Sept"
    assert numbers[0].updated_at == datetime(2018, 9, 26, 22, 0, tzinfo=UTC)
    assert numbers[0].capabilities == frozenset(Capability)
    assert numbers[0].number_type is NumberType.UNKNOWN  # the dialect has no type
    assert numbers[1].routing == Routing(
        voice=Handler("twiml_webhook", url="https://example.com/voice", method="POST")
    )


@pytest.mark.vcr
def test_signalwire_release_in_cooldown_is_409(signalwire: TwilioStore) -> None:
    with pytest.raises(ArchiveBlockedError) as caught:
        signalwire.archive(SW_SID)
    error = caught.value
    assert (error.status, error.code) == (409, 21450)
    assert [b.kind for b in error.blockers] == ["release_cooldown"]
    assert "14 days" in error.message


@pytest.mark.vcr
def test_signalwire_errors_array_is_read(signalwire: TwilioStore) -> None:
    with pytest.raises(ProviderError) as caught:
        signalwire.update(SW_SID, NumberChanges(name="Front desk"))
    error = caught.value
    assert (error.status, error.code, error.message) == (422, 21402, "FriendlyName is invalid")
    assert error.doc_url == "https://signalwire.com/docs/rest/compatibility-api/error-codes"
