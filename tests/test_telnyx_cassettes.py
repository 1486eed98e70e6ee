"""Replays of Telnyx exchanges (cassettes/telnyx/*.yaml), record mode "none".

The number at their heart is the spec's own `PhoneNumberDetailed` and
`PhoneNumberWithVoiceSettings` example. Requests must match the cassette
including the JSON body, so these tests also pin what is sent. Re-record
against a real account with TELNYX_API_KEY set: delete a cassette and run
`pytest tests/test_telnyx_cassettes.py --record-mode=once`; Authorization
headers are filtered and any `KEY...` token in a body is scrubbed first.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest

import phonefleet
from phonefleet import (
    AuthenticationError,
    Handler,
    NotFoundError,
    NumberType,
    RateLimitError,
    Routing,
)
from phonefleet.testing import cassettes

CASSETTES = pathlib.Path(__file__).resolve().parent.parent / "cassettes" / "telnyx"
EXAMPLE_ID = "1293384261075731499"
EXAMPLE_NUMBER = "+19705555098"


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return cassettes.vcr_config(secrets=[r"KEY[A-Za-z0-9_]{8,}"])


@pytest.fixture
def store() -> Iterator[Any]:
    """Real credentials when re-recording (TELNYX_API_KEY set), a dummy on replay."""
    settings = {"api_key": os.environ.get("TELNYX_API_KEY") or "replay-key", "page_size": 2}
    with phonefleet.connect("telnyx", **settings) as opened:
        yield opened


@pytest.mark.vcr
def test_list_pages_through_numbers_and_voice_settings(store: Any) -> None:
    numbers = list(store.list())
    assert [n.number for n in numbers] == ["+19705555098", "+19705555099", "+19705555100", "+19705555101"]
    assert [n.forwarding_number for n in numbers] == ["+13035559123", None, None, "+13035559125"]
    # an on-failure forward is conditional: in raw, not forwarding
    assert numbers[1].raw["voice"]["call_forwarding"]["forwarding_type"] == "on-failure"
    assert numbers[1].name == "Front desk"
    assert numbers[3].number_type is NumberType.TOLL_FREE  # the legacy "tollfree"
    assert numbers[3].raw["status"] == "purchase-pending"


@pytest.mark.vcr
def test_get_maps_the_documented_example(store: Any) -> None:
    number = store.get(EXAMPLE_ID)
    assert number.number == EXAMPLE_NUMBER
    assert number.name == "customer-reference"
    assert number.forwarding_number == "+13035559123"
    assert number.country == "US"
    assert number.number_type is NumberType.LOCAL
    assert number.capabilities is None
    assert number.routing == Routing(
        voice=Handler("connection", target="1293384261075731499"),
        messaging=Handler("messaging_profile", target="abc85f64-5717-4562-b3fc-2c9600000000"),
    )
    assert number.created_at is not None
    assert number.created_at.isoformat() == "2019-10-23T18:10:00+00:00"
    assert number.updated_at is not None
    assert number.updated_at.isoformat() == "2019-10-24T18:10:00+00:00"
    assert number.raw["tags"] == ["tag_1", "tag_2"]
    assert number.raw["purchased_at"] == "2019-10-23T18:10:00.000Z"


@pytest.mark.vcr
def test_get_by_number_filters_by_digits(store: Any) -> None:
    number = store.get(EXAMPLE_NUMBER)
    assert number.id == EXAMPLE_ID
    assert number.forwarding_number == "+13035559123"


@pytest.mark.vcr
def test_set_and_clear_forwarding(store: Any) -> None:
    forwarded = store.set_forwarding(EXAMPLE_ID, "+1 303 555 0100")
    assert forwarded.forwarding_number == "+13035550100"
    cleared = store.set_forwarding(EXAMPLE_ID, None)
    assert cleared.forwarding_number is None
    assert cleared.raw["voice"]["call_forwarding"]["call_forwarding_enabled"] is False


@pytest.mark.vcr
def test_order_returns_the_number_purchase_pending(store: Any) -> None:
    created = store.create("+19705550142", name="New line")
    assert created.number == "+19705550142"
    assert created.name == "New line"
    assert created.raw["status"] == "purchase-pending"
    assert not created.archived


@pytest.mark.vcr
def test_delete_releases_the_number(store: Any) -> None:
    released = store.archive(EXAMPLE_ID)
    assert released.archived
    assert released.raw["status"] == "deleted"


@pytest.mark.vcr
def test_wrong_key_is_401_10009(store: Any) -> None:
    with pytest.raises(AuthenticationError) as caught:
        list(store.list())
    assert caught.value.code == "10009"
    assert caught.value.doc_url == "https://developers.telnyx.com/docs/overview/errors/10009"


@pytest.mark.vcr
def test_unknown_number_is_404_10005(store: Any) -> None:
    with pytest.raises(NotFoundError) as caught:
        store.get("1293384261075799999")
    assert caught.value.code == "10005"
    assert caught.value.request_id


@pytest.mark.vcr
def test_rate_limited_429_then_ok(store: Any) -> None:
    assert store.get(EXAMPLE_ID).number == EXAMPLE_NUMBER


@pytest.mark.vcr
def test_rate_limited_past_the_cap_is_10011_with_the_reset(store: Any) -> None:
    with pytest.raises(RateLimitError) as caught:
        store.get(EXAMPLE_ID)
    assert caught.value.code == "10011"
    assert caught.value.retry_after == 120.0
