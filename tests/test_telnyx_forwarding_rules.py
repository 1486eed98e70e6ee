"""Which `CallForwarding` reads as `forwarding_number`: only an enabled (the
spec's default when absent) `always` forward with a target; an `on-failure`
forward stays visible in raw. Both read paths agree on every case."""

from __future__ import annotations

import json
from typing import Any

import pytest

from phonefleet_telnyx._fast import fast_page
from phonefleet_telnyx._mapping import number_from_wire

TARGET = "+13035559123"
ABSENT = object()


def _settings(enabled: Any, kind: Any, target: Any) -> dict[str, Any]:
    found = {"call_forwarding_enabled": enabled, "forwarding_type": kind, "forwards_to": target}
    return {key: value for key, value in found.items() if value is not ABSENT}


CASES = [
    (True, "always", TARGET, TARGET),
    (ABSENT, "always", TARGET, TARGET),  # call_forwarding_enabled defaults to true
    (False, "always", TARGET, None),
    (True, "on-failure", TARGET, None),
    (ABSENT, "on-failure", TARGET, None),
    (True, ABSENT, TARGET, None),
    (True, "always", "", None),  # "not forwarded if this field is left blank"
    (True, "always", ABSENT, None),
    (True, "always", None, None),
]


@pytest.mark.parametrize(("enabled", "kind", "target", "expected"), CASES)
def test_forwarding_number_only_for_an_enabled_always_forward(
    enabled: Any, kind: Any, target: Any, expected: str | None
) -> None:
    settings = _settings(enabled, kind, target)
    record = {"id": "1", "phone_number": "+12025550100", "status": "active"}
    voice = {"id": "1", "record_type": "voice_settings", "call_forwarding": settings}
    careful = number_from_wire(dict(record), voice)
    assert careful.forwarding_number == expected
    assert careful.raw["voice"]["call_forwarding"] == settings  # on-failure stays visible
    page = json.dumps({"data": [record], "meta": {"page_number": 1, "total_pages": 1}}).encode()
    fast = fast_page(page, json.dumps({"data": [voice]}).encode(), 1)
    if fast is not None:  # the fast path may hand a page to the careful one, never disagree
        assert [n.forwarding_number for n in fast[0]] == [expected]
        assert fast[0][0].raw["voice"]["call_forwarding"] == settings


def test_no_call_forwarding_object_is_no_forwarding() -> None:
    record = {"id": "1", "phone_number": "+12025550100"}
    assert number_from_wire(dict(record), {"id": "1"}).forwarding_number is None
    assert number_from_wire(dict(record), {"id": "1", "call_forwarding": None}).forwarding_number is None


@pytest.mark.parametrize("odd", [False, True])
def test_a_listing_of_everything_reads_no_voice_settings_for_a_deleted_number(odd: bool) -> None:
    import httpx

    import phonefleet

    records = [
        {"id": "1", "phone_number": "+12025550100", "status": "active"},
        {"id": "2", "phone_number": "+12025550101", "status": "deleted"},
    ]
    if odd:  # off the fast path's shape: the careful path must agree
        records[0]["phone_number"] = "+1 202-555-0100"
    voices = [{"id": "1", "call_forwarding": {"forwards_to": TARGET, "forwarding_type": "always"}}]
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        meta = {"page_number": 1, "total_pages": 1}
        if request.url.path.endswith("/voice"):
            return httpx.Response(200, json={"data": voices, "meta": meta})
        if request.url.path.endswith("/phone_numbers"):
            return httpx.Response(200, json={"data": records, "meta": meta})
        return httpx.Response(404, json={"errors": [{"code": "10005", "title": "Resource not found"}]})

    client = httpx.Client(transport=httpx.MockTransport(answer))
    with phonefleet.connect("telnyx", api_key="k", http_client=client) as store:
        listed = {n.number: n for n in store.list(archived=None)}
    assert len(sent) == 2  # the two listings, no read of the deleted number's settings
    assert listed["+12025550100"].forwarding_number == TARGET
    assert listed["+12025550101"].archived
    assert listed["+12025550101"].forwarding_number is None
    assert "voice" not in listed["+12025550101"].raw
