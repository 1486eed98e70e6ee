"""The documented Linq exchanges, replayed from cassettes/linq (record mode none).

The list, 401/2004 and 500/3006 cassettes hold the docs' exact example
payloads. With LINQ_API_V3_API_KEY set, `--record-mode=rewrite` re-records
the ones a live account can produce (see docs/adapters/linq.md); recording
scrubs the Authorization header.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import phonefleet
from phonefleet import (
    AuthenticationError,
    RateLimitError,
    Reputation,
    ReputationStatus,
    RetryPolicy,
    ServerError,
)
from phonefleet.testing import cassettes

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes" / "linq"
API_KEY = os.environ.get("LINQ_API_V3_API_KEY", "test-key")
FIRST = "550e8400-e29b-41d4-a716-446655440000"
SECOND = "550e8400-e29b-41d4-a716-446655440001"


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return cassettes.vcr_config()


def _connect(**options: Any) -> phonefleet.PhoneNumberStore:
    return phonefleet.connect(
        "linq", api_key=API_KEY, base_url="https://api.linqapp.com/api/partner", **options
    )


@pytest.mark.vcr
def test_list_seed_example_health_status_only() -> None:
    with _connect() as store:
        numbers = list(store.list())
    assert [(n.id, n.number) for n in numbers] == [(FIRST, "+12025551234"), (SECOND, "+12025559876")]
    assert numbers[0].reputation == Reputation(
        ReputationStatus.HEALTHY, "https://docs.linqapp.com/guides/phone-numbers/phone-health#healthy"
    )
    assert numbers[1].reputation is not None
    assert numbers[1].reputation.status is ReputationStatus.AT_RISK
    # the old payload says nothing about forwarding, names or capabilities: nothing is invented
    assert all(n.forwarding_number is None for n in numbers)
    assert all(n.name is None and n.capabilities is None for n in numbers)
    assert all(n.number_type is phonefleet.NumberType.UNKNOWN for n in numbers)
    assert "health_status" in numbers[0].raw


@pytest.mark.vcr
def test_list_current_payload() -> None:
    with _connect() as store:
        numbers = list(store.list())
    first, second = numbers
    assert first.forwarding_number == "+12025559999"
    assert second.forwarding_number is None
    assert first.reputation == Reputation(
        ReputationStatus.HEALTHY, "https://docs.linqapp.com/guides/phone-numbers/phone-reputation#healthy"
    )
    assert second.reputation == Reputation(
        ReputationStatus.AT_RISK, "https://docs.linqapp.com/guides/phone-numbers/phone-reputation#at-risk"
    )
    assert first.provider == "linq"
    assert not first.archived


@pytest.mark.vcr("test_list_current_payload.yaml")
def test_list_current_payload_get_by_number_lists() -> None:
    # the API has no get-by-id: get() lists and picks
    with _connect() as store:
        found = store.get("+1 202 555 9876")
    assert found.id == SECOND


@pytest.mark.vcr("test_list_current_payload.yaml")
def test_get_by_id_replays_the_listing() -> None:
    with _connect() as store:
        assert store.get(FIRST).number == "+12025551234"


@pytest.mark.vcr
def test_unauthorized_2004() -> None:
    with _connect() as store, pytest.raises(AuthenticationError) as caught:
        list(store.list())
    error = caught.value
    assert error.status == 401
    assert error.code == 2004
    assert error.message == "Unauthorized - missing or invalid authentication token"
    assert error.doc_url == "https://docs.linqapp.com/error/codes/2xxx/2004/"
    assert API_KEY not in str(error)


@pytest.mark.vcr
def test_server_error_3006() -> None:
    with _connect(retry=RetryPolicy.never()) as store, pytest.raises(ServerError) as caught:
        list(store.list())
    assert caught.value.status == 500
    assert caught.value.code == 3006
    assert caught.value.doc_url == "https://docs.linqapp.com/error/codes/3xxx/3006/"


@pytest.mark.vcr
def test_server_error_3006_then_ok() -> None:
    with _connect() as store:
        assert len(list(store.list())) == 2


@pytest.mark.vcr
def test_set_forwarding() -> None:
    with _connect() as store:
        changed = store.set_forwarding(FIRST, "+1 202-555-9999")
    assert changed.id == FIRST
    assert changed.number == "+12025551234"
    assert changed.forwarding_number == "+12025559999"
    assert changed.reputation is None  # the PUT answer carries none


@pytest.mark.vcr
def test_clear_forwarding() -> None:
    with _connect() as store:
        cleared = store.set_forwarding(FIRST, None)
    assert cleared.forwarding_number is None


@pytest.mark.vcr
def test_rate_limited_1007_then_ok() -> None:
    with _connect() as store:
        assert len(list(store.list())) == 2


@pytest.mark.vcr
def test_rate_limited_1007() -> None:
    with _connect(retry=RetryPolicy.never()) as store, pytest.raises(RateLimitError) as caught:
        list(store.list())
    error = caught.value
    assert error.retry_after == 2.0
    assert error.code == 1007
    assert error.request_id == "2eff5df5c6f688733c007523c4d61cd9"


def test_cassettes_hold_no_credentials() -> None:
    for path in CASSETTES.glob("*.yaml"):
        text = path.read_text()
        assert "Bearer" not in text, path.name
        if API_KEY != "test-key":
            assert API_KEY not in text, path.name
