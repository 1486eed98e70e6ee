"""Replays of the documented exchanges (cassettes/gravityrail), with record mode "none".

Re-record with real credentials (see docs/adapters/gravityrail.md): set
GRAVITY_RAIL_API_KEY and GRAVITY_RAIL_WORKSPACE, delete the cassette to
renew, and run `pytest tests/test_gravityrail_cassettes.py --record-mode=once`.
Authorization headers are filtered and any `gr_` key in a body is scrubbed before a cassette is written.
"""

from __future__ import annotations

import os
import pathlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

import phonefleet
from phonefleet import (
    ArchiveBlockedError,
    ArchiveBlocker,
    AuthenticationError,
    NotFoundError,
    NumberChanges,
    PermissionDeniedError,
    ProviderError,
    ProviderPhone,
)
from phonefleet.testing import cassettes

CASSETTES = pathlib.Path(__file__).resolve().parent.parent / "cassettes" / "gravityrail"
WORKSPACE = "5b1f3c7e-2a4d-4e8f-9b6a-0c1d2e3f4a5b"
MAIN = "8e0f6b52-7c1a-4d3e-9f2b-5a6c7d8e9f01"
SUPPORT = "2d4b6f80-1e3c-4a5b-8c7d-9e0f1a2b3c4d"
_KEY = re.compile(rb"gr_[A-Za-z0-9_\-]+")


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return cassettes.vcr_config(secrets=[_KEY.pattern.decode()])


@pytest.fixture
def store() -> Iterator[Any]:
    settings = {
        "api_key": os.environ.get("GRAVITY_RAIL_API_KEY", "replayed-key"),
        "workspace": os.environ.get("GRAVITY_RAIL_WORKSPACE", WORKSPACE),
        "base_url": os.environ.get("GRAVITY_RAIL_API_URL", "https://api.gravityrail.com"),
    }
    with phonefleet.connect("gravityrail", **settings) as opened:
        yield opened


@pytest.mark.vcr("list_active.yaml")
def test_list_active(store: Any) -> None:
    numbers = list(store.list())
    assert [(n.id, n.number, n.name) for n in numbers] == [
        (MAIN, "+12025550142", "Main line"),
        (SUPPORT, "+13125550143", "Support"),
    ]
    main = numbers[0]
    assert main.raw["id"] == 42
    assert main.forwarding_number == "+12025550123"
    assert main.link == "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a51"
    assert main.created_at == datetime(2025, 2, 3, 15, 4, 5, 123456, tzinfo=UTC)
    assert not any(n.archived for n in numbers)
    assert numbers[1].forwarding_number is None
    assert numbers[1].link is None


@pytest.mark.vcr("list_archived.yaml")
def test_list_archived(store: Any) -> None:
    (old,) = list(store.list(archived=True))
    assert old.number == "+16175550117"
    assert old.archived
    assert old.archived_at == datetime(2024, 11, 30, 17, 45, 12, tzinfo=UTC)


@pytest.mark.vcr("list_active.yaml", "list_archived.yaml")
def test_list_everything(store: Any) -> None:
    assert [n.number for n in store.list(archived=None)] == ["+12025550142", "+13125550143", "+16175550117"]


@pytest.mark.vcr("get_by_id.yaml")
def test_get_by_numeric_id(store: Any) -> None:
    number = store.get("42")
    assert number.id == MAIN
    assert number.raw["id"] == 42


@pytest.mark.vcr("get_by_uuid.yaml")
def test_get_by_uuid(store: Any) -> None:
    number = store.get(MAIN)
    assert (number.number, number.name, number.raw["defaultWorkflowId"]) == ("+12025550142", "Main line", 311)


@pytest.mark.vcr("list_active.yaml")
def test_get_by_number_lists(store: Any) -> None:
    assert store.get("+1 312 555 0143").id == SUPPORT


@pytest.mark.vcr("create.yaml")
def test_create(store: Any) -> None:
    created = store.create("+1 (415) 555-0158", name="Overflow")
    assert created.number == "+14155550158"
    assert created.name == "Overflow"
    assert created.link == "a0b1c2d3-e4f5-4a6b-8c7d-8e9f0a1b2c62"
    assert created.raw["id"] == 58


@pytest.mark.vcr("update_name.yaml")
def test_update_name(store: Any) -> None:
    changed = store.update(SUPPORT, NumberChanges(name="Front desk"))
    assert changed.name == "Front desk"


@pytest.mark.vcr("set_forwarding.yaml")
def test_set_forwarding(store: Any) -> None:
    changed = store.set_forwarding(MAIN, "+12025550199")
    assert changed.forwarding_number == "+12025550199"
    assert changed.raw["voiceWorkMode"] == "always_forward"


@pytest.mark.vcr("clear_forwarding.yaml")
def test_clear_forwarding(store: Any) -> None:
    cleared = store.set_forwarding(MAIN, None)
    assert cleared.forwarding_number is None
    assert cleared.raw["voiceWorkMode"] == "voicemail"


@pytest.mark.vcr("linkable.yaml")
def test_linkable(store: Any) -> None:
    assert store.linkable() == [
        ProviderPhone(id="f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a51", number="+12025550142", assigned=True),
        ProviderPhone(id="a0b1c2d3-e4f5-4a6b-8c7d-8e9f0a1b2c62", number="+14155550158", assigned=False),
        ProviderPhone(id="d4c3b2a1-0f9e-4d8c-9b7a-6f5e4d3c2b73", number="+17025550171", assigned=False),
    ]


@pytest.mark.vcr("link.yaml")
def test_link(store: Any) -> None:
    linked = store.link(SUPPORT, "d4c3b2a1-0f9e-4d8c-9b7a-6f5e4d3c2b73")
    assert linked.link == "d4c3b2a1-0f9e-4d8c-9b7a-6f5e4d3c2b73"


@pytest.mark.vcr("unlink.yaml")
def test_unlink(store: Any) -> None:
    assert store.link(MAIN, None).link is None


@pytest.mark.vcr("blockers_none.yaml")
def test_blockers_none(store: Any) -> None:
    assert store.archive_blockers(SUPPORT) == []


@pytest.mark.vcr("blockers_two_workflows.yaml")
def test_blockers_two_workflows(store: Any) -> None:
    assert store.archive_blockers(MAIN) == [
        ArchiveBlocker(kind="workflow", id="311", name="Inbound intake", detail="inbound"),
        ArchiveBlocker(kind="workflow", id="318", name="Appointment reminders", detail="outbound"),
    ]


@pytest.mark.vcr("archive.yaml")
def test_archive(store: Any) -> None:
    archived = store.archive(SUPPORT)
    assert archived.archived
    assert archived.archived_at == datetime(2025, 2, 12, 9, 15, tzinfo=UTC)


@pytest.mark.vcr("archive_refused.yaml")
def test_archive_refused(store: Any) -> None:
    with pytest.raises(ArchiveBlockedError) as caught:
        store.archive(MAIN)
    error = caught.value
    assert error.status == 409
    assert error.request_id == "req_7f3a9c0020"
    assert "used by 2 workflow(s)" in error.message
    assert [b.name for b in error.blockers] == ["Inbound intake", "Appointment reminders"]


@pytest.mark.vcr("unauthorized.yaml")
def test_unauthorized(store: Any) -> None:
    with pytest.raises(AuthenticationError) as caught:
        list(store.list())
    assert caught.value.message == "Could not validate credentials"
    assert caught.value.request_id == "req_7f3a9c0022"


@pytest.mark.vcr("forbidden.yaml")
def test_forbidden_names_the_missing_scope(store: Any) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        store.archive_blockers(MAIN)
    assert caught.value.scope == "phones:admin"
    assert caught.value.status == 403


@pytest.mark.vcr("not_found.yaml")
def test_not_found(store: Any) -> None:
    with pytest.raises(NotFoundError) as caught:
        store.get("999999")
    assert caught.value.message == "Phone number not found"


@pytest.mark.vcr("validation_error.yaml")
def test_validation_error(store: Any) -> None:
    with pytest.raises(ProviderError) as caught:
        store.ex_update(MAIN, {"voiceWorkMode": "sometimes"})
    error = caught.value
    assert error.status == 422
    assert error.code == "enum"
    assert error.message.startswith("body.voiceWorkMode: Input should be 'always_forward'")


def test_recording_scrubs_credentials(vcr_config: dict[str, Any]) -> None:
    scrub_request = vcr_config["before_record_request"]
    scrub_response = vcr_config["before_record_response"]

    class FakeRequest:
        headers = {"Authorization": "Bearer gr_live_abcdef123456", "Accept": "application/json"}
        body = b'{"note":"gr_live_abcdef123456"}'

    request = scrub_request(FakeRequest())
    assert request.headers["Authorization"] == "REDACTED"
    assert b"abcdef" not in request.body
    response = scrub_response(
        {"headers": {"set-cookie": ["s=1"]}, "body": {"string": b'{"key":"gr_live_abcdef123456"}'}}
    )
    assert b"abcdef" not in response["body"]["string"]
    assert "set-cookie" not in response["headers"]


def test_no_cassette_holds_a_credential() -> None:
    pattern = re.compile(r"(Bearer [A-Za-z0-9_.-]{12,}|gr_[A-Za-z0-9]{8,})")
    files = sorted(CASSETTES.glob("*.yaml"))
    assert len(files) >= 19
    for path in files:
        assert not pattern.search(path.read_text()), path.name
