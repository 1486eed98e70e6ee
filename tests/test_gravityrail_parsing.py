"""Tolerant parsing of a partly documented schema; anything else is a ResponseFormatError."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonefleet import ArchiveBlocker, Capability, ProviderPhone, ResponseFormatError
from phonefleet.adapter import Ref
from phonefleet_gravityrail import GravityRailAdapter
from phonefleet_gravityrail._mapping import (
    blockers_block,
    to_archive_blockers,
    to_phone_number,
    to_provider_phone,
)
from phonefleet_gravityrail._wire import (
    structure_blockers,
    structure_list,
    structure_phone_number,
    structure_provider_phones,
)

UUID = "0b6c5a4e-3c1d-4f5e-8a9b-1c2d3e4f5a6b"
WORKSPACE = "3f2b8a8e-5d0c-4a8e-9d55-0c5a9a1d2b11"


def parse(payload: Any) -> Any:
    return to_phone_number(structure_phone_number(payload))


@pytest.mark.parametrize("key", ["number", "phoneNumber", "phone_number"])
def test_the_line_is_read_under_any_of_its_names(key: str) -> None:
    assert parse({"uuid": UUID, key: "+12025550100"}).number == "+12025550100"


@pytest.mark.parametrize(
    ("fields", "archived", "at"),
    [
        ({"isArchived": True, "archivedAt": "2025-03-01T10:00:00Z"}, True, True),
        ({"archived": True}, True, False),
        ({"is_archived": False}, False, False),
        ({"archivedAt": "2025-03-01T10:00:00+00:00"}, True, True),
        ({"archived_at": None}, False, False),
        ({}, False, False),
    ],
)
def test_the_archive_state_is_read_under_any_of_its_names(
    fields: dict[str, Any], archived: bool, at: bool
) -> None:
    number = parse({"uuid": UUID, "number": "+12025550100", **fields})
    assert number.archived is archived
    assert (number.archived_at == datetime(2025, 3, 1, 10, tzinfo=UTC)) is at


def test_a_full_payload_maps_every_field_and_keeps_the_rest_raw() -> None:
    payload = {
        "id": 42,
        "uuid": UUID,
        "name": "Front desk",
        "phoneNumber": "+12025550100",
        "voiceForwardNumber": "+1 (202) 555-0199",
        "voiceWorkMode": "always_forward",
        "providerPhoneUuid": "pp-1",
        "isArchived": False,
        "createdAt": "2025-01-06T09:00:00Z",
        "updatedAt": "2025-01-07T09:00:00.123456Z",
        "capabilities": {"voice": True, "sms": True, "mms": False},
        "twilioInboundReady": True,
        "defaultWorkflowId": 12,
    }
    number = parse(payload)
    assert number.provider == "gravityrail"
    assert number.id == UUID
    assert number.raw["id"] == 42
    assert number.name == "Front desk"
    assert number.forwarding_number == "+12025550199"
    assert number.link == "pp-1"
    assert number.capabilities == frozenset({Capability.VOICE, Capability.SMS})
    assert number.created_at == datetime(2025, 1, 6, 9, tzinfo=UTC)
    assert number.updated_at is not None
    assert number.raw["defaultWorkflowId"] == 12
    assert number.raw == payload


def test_nothing_is_invented() -> None:
    number = parse({"uuid": UUID, "number": "+12025550100"})
    assert number.name is None
    assert number.forwarding_number is None
    assert number.capabilities is None
    assert number.country is None
    assert number.link is None
    assert number.created_at is None
    assert number.routing is None


def test_without_a_uuid_the_numeric_id_identifies() -> None:
    assert parse({"id": 42, "number": "+12025550100"}).id == "42"


@pytest.mark.parametrize(
    "payload",
    [
        {"number": "+12025550100"},
        {"uuid": UUID},
        {"uuid": UUID, "number": "2025550100"},
        {"uuid": UUID, "number": "+1 555"},
        {"uuid": 12.5, "number": "+12025550100"},
        {"uuid": UUID, "number": "+12025550100", "isArchived": "yes"},
        {"uuid": UUID, "number": "+12025550100", "createdAt": "last week"},
        {"uuid": UUID, "number": "+12025550100", "voiceForwardNumber": "nobody"},
        {"id": True, "number": "+12025550100"},
        ["+12025550100"],
        "+12025550100",
        None,
    ],
)
def test_a_payload_that_is_not_the_schema_is_a_format_error(payload: Any) -> None:
    with pytest.raises(ResponseFormatError) as caught:
        parse(payload)
    assert caught.value.provider == "gravityrail"


def test_listings_are_a_bare_array_or_a_wrapped_one() -> None:
    assert structure_list([1], "x") == [1]
    assert structure_list({"items": [2]}, "x") == [2]
    assert structure_list({"data": [3]}, "x") == [3]
    for body in ({"count": 1}, "[]", 3, None):
        with pytest.raises(ResponseFormatError):
            structure_list(body, "x")


@pytest.mark.parametrize(
    ("body", "expected", "blocks"),
    [
        ([], [], False),
        ({"blockers": [], "canArchive": True}, [], False),
        ({"workflows": None, "can_archive": False}, [], True),
        (
            [{"id": 12, "name": "Intake"}],
            [ArchiveBlocker(kind="workflow", id="12", name="Intake")],
            True,
        ),
        (
            {
                "workflows": [
                    {"id": "wf-1", "name": "Reminders", "type": "workflow", "usage": "outbound"},
                    {"uuid": "ev-2", "kind": "event_rule", "trigger": "call.ended", "active": True},
                ],
                "canArchive": False,
            },
            [
                ArchiveBlocker(kind="workflow", id="wf-1", name="Reminders", detail="outbound"),
                ArchiveBlocker(kind="event_rule", id="ev-2", detail="active=True; trigger=call.ended"),
            ],
            True,
        ),
        ({"blockers": [{"id": 1, "name": "Legacy"}], "canArchive": True}, None, False),
    ],
)
def test_archive_blockers_in_every_shape(body: Any, expected: Any, blocks: bool) -> None:
    wire = structure_blockers(body)
    if expected is not None:
        assert to_archive_blockers(wire) == expected
    assert blockers_block(wire) is blocks


@pytest.mark.parametrize(
    "body",
    [{"blockers": "Intake"}, [{"name": "no id"}], ["Intake"], 7, {"blockers": [], "canArchive": "no"}],
)
def test_archive_blockers_that_are_not_the_schema_are_a_format_error(body: Any) -> None:
    with pytest.raises(ResponseFormatError):
        structure_blockers(body)


def test_linkable_phones_tolerate_names_and_assignment_markers() -> None:
    body = [
        {"uuid": "pp-1", "phoneNumber": "+12025550100", "assignedWorkspaceUuid": None},
        {"id": 77, "number": "+12025550101", "workspaceUuid": WORKSPACE},
        {"uuid": "pp-3", "phone_number": "+12025550102", "assigned": True},
        {"uuid": "pp-4"},
        {"uuid": "pp-5", "workspacePhoneUuid": UUID},
    ]
    phones = [to_provider_phone(p) for p in structure_provider_phones(body)]
    assert phones == [
        ProviderPhone(id="pp-1", number="+12025550100", assigned=False),
        ProviderPhone(id="77", number="+12025550101", assigned=True),
        ProviderPhone(id="pp-3", number="+12025550102", assigned=True),
        ProviderPhone(id="pp-4", number=None, assigned=False),
        ProviderPhone(id="pp-5", number=None, assigned=True),
    ]
    for bad in ([{"phoneNumber": "+12025550100"}], [{"uuid": "x", "assigned": "yes"}], {"phones": 1}):
        with pytest.raises(ResponseFormatError):
            structure_provider_phones(bad)


# -- the listing flows -------------------------------------------------------------
def _adapter() -> GravityRailAdapter:
    return GravityRailAdapter(api_key="gr_test_parse", workspace=WORKSPACE, base_url="https://gr.test")


def _reply(request: httpx.Request, body: Any) -> httpx.Response:
    return httpx.Response(200, json=body, request=request)


def test_list_none_asks_for_both_and_yields_each_number_once() -> None:
    flow = _adapter().list_page(None, None)
    active = next(flow)
    assert active.url.params["is_archived"] == "false"
    archived = flow.send(
        _reply(active, [{"uuid": "a", "number": "+12025550100"}, {"uuid": "b", "number": "+12025550101"}])
    )
    assert archived.url.params["is_archived"] == "true"
    with pytest.raises(StopIteration) as done:
        # "b" was archived between the two requests
        flow.send(_reply(archived, [{"uuid": "b", "number": "+12025550101", "isArchived": True}]))
    page = done.value.value
    assert [(n.id, n.archived) for n in page.items] == [("a", False), ("b", True)]
    assert page.next is None


def test_a_listing_that_ignores_the_filter_does_not_leak() -> None:
    flow = _adapter().list_page(False, None)
    request = next(flow)
    with pytest.raises(StopIteration) as done:
        flow.send(
            _reply(
                request,
                [
                    {"uuid": "a", "number": "+12025550100"},
                    {"uuid": "b", "number": "+12025550101", "archived": True},
                ],
            )
        )
    assert [n.id for n in done.value.value.items] == ["a"]


def test_a_number_ref_is_found_among_active_then_archived() -> None:
    flow = _adapter().get(Ref(number="+12025550101"))
    active = next(flow)
    archived = flow.send(_reply(active, [{"uuid": "a", "number": "+12025550100"}]))
    assert archived.url.params["is_archived"] == "true"
    with pytest.raises(StopIteration) as done:
        flow.send(_reply(archived, [{"uuid": "b", "number": "+12025550101", "isArchived": True}]))
    assert done.value.value.id == "b"


def test_a_non_json_answer_is_a_format_error() -> None:
    flow = _adapter().get(Ref(id="7"))
    request = next(flow)
    with pytest.raises(ResponseFormatError, match="expected JSON"):
        flow.send(httpx.Response(200, content=b"<html>oops</html>", request=request))


# -- fuzz ------------------------------------------------------------------------------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
KEYS = st.sampled_from(
    [
        "id",
        "uuid",
        "number",
        "phoneNumber",
        "phone_number",
        "name",
        "isArchived",
        "archived",
        "archivedAt",
        "providerPhoneUuid",
        "voiceForwardNumber",
        "voiceWorkMode",
        "createdAt",
        "capabilities",
        "blockers",
        "workflows",
        "canArchive",
        "type",
        "kind",
        "assigned",
        "workspaceUuid",
    ]
)
SHAPED = st.dictionaries(KEYS, JSON, max_size=8)
ANY = JSON | SHAPED | st.lists(SHAPED, max_size=3)


@settings(max_examples=300, deadline=None)
@given(ANY)
def test_random_json_gives_a_value_or_a_format_error(body: Any) -> None:
    for parse_one in (
        parse,
        lambda b: [parse(item) for item in structure_list(b, "numbers")],
        lambda b: to_archive_blockers(structure_blockers(b)),
        lambda b: [to_provider_phone(p) for p in structure_provider_phones(b)],
    ):
        with contextlib.suppress(ResponseFormatError):
            parse_one(body)


def test_a_silent_payload_takes_the_state_of_the_filter_it_answered() -> None:
    flow = _adapter().list_page(True, None)
    request = next(flow)
    with pytest.raises(StopIteration) as done:
        flow.send(_reply(request, [{"uuid": "a", "number": "+12025550100"}]))
    (number,) = done.value.value.items
    assert number.archived
    assert number.archived_at is None
