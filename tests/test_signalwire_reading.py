"""SignalWire reading is as tolerant as the API is loose, and no more:
what the official SDK and live answers showed, on a MockTransport."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

import phonefleet
from phonefleet import ResponseFormatError

BASE = "https://example.signalwire.com/api/relay/rest"


def number(index: int, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": f"00000000-0000-4000-8000-{index:012d}",
        "number": f"+1202555{index:04d}",
        "name": f"Line {index}",
        "capabilities": ["voice"],
        "number_type": "longcode",
        "country_code": "US",
        "created_at": "2024-01-02T09:00:00Z",
        "updated_at": "2024-01-02T09:00:00Z",
        "call_handler": None,
        "message_handler": None,
    }
    payload.update(fields)
    return payload


def listing(*pages: Any) -> tuple[list[phonefleet.PhoneNumber], list[httpx.Request]]:
    sent: list[httpx.Request] = []
    answers = list(pages)

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=answers.pop(0))

    client = httpx.Client(transport=httpx.MockTransport(answer))
    settings = {"base_url": BASE, "project_id": "reading-project", "api_token": "reading-token-0123"}
    with phonefleet.connect("signalwire", http_client=client, **settings) as store:
        numbers = list(store.list())
    client.close()
    return numbers, sent


@pytest.mark.parametrize(
    "last",
    [
        {"data": [number(2)]},  # no links at all
        {"data": [number(2)], "links": {"self": "/api/relay/rest/phone_numbers", "next": ""}},
        {"data": [number(2)], "links": {"next": None}},
        {"data": [number(2)], "links": None},
    ],
)
def test_a_page_without_a_next_link_is_the_last(last: dict[str, Any]) -> None:
    first = {"data": [number(1)], "links": {"next": "/api/relay/rest/phone_numbers?page_token=PA1"}}
    numbers, sent = listing(first, last)
    assert [n.number for n in numbers] == ["+12025550001", "+12025550002"]
    assert len(sent) == 2


def test_an_empty_country_code_is_no_country() -> None:
    (read,), _ = listing({"data": [number(1, country_code="")]})
    assert read.country is None


def test_an_rfc_2822_date_is_a_date() -> None:
    (read,), _ = listing(
        {
            "data": [
                number(
                    1,
                    created_at="Mon, 11 Mar 2024 14:07:31 GMT",
                    updated_at="Tue, 12 Mar 2024 08:00:00 +0000",
                )
            ]
        }
    )
    assert read.created_at == datetime(2024, 3, 11, 14, 7, 31, tzinfo=UTC)
    assert read.updated_at == datetime(2024, 3, 12, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("loose", ["+1 202 555 0100", "+1 (202) 555-0100", "+1-202-555-0100"])
def test_a_loose_but_unambiguous_number_is_normalised(loose: str) -> None:
    (read,), _ = listing({"data": [number(1, number=loose)]})
    assert read.number == "+12025550100"
    assert read.raw["number"] == loose


@pytest.mark.parametrize("bad", ["202-555-0100", "+1 202 555", "call me", ""])
def test_an_ambiguous_or_invalid_number_is_refused(bad: str) -> None:
    with pytest.raises(ResponseFormatError, match="00000000-0000-4000-8000-000000000001"):
        listing({"data": [number(1, number=bad)]})


def test_one_unreadable_record_names_its_id_and_position() -> None:
    page = {"data": [number(1), number(2), number(3, created_at="yesterday"), number(4)]}
    with pytest.raises(ResponseFormatError) as caught:
        listing(page)
    message = str(caught.value)
    assert "#2" in message
    assert "00000000-0000-4000-8000-000000000003" in message
    assert "yesterday" in message


def test_a_record_that_is_not_an_object_names_its_position() -> None:
    with pytest.raises(ResponseFormatError, match=r"#1 of the page \(id None\)"):
        listing({"data": [number(1), "oops"]})


def test_links_of_the_wrong_type_are_still_refused() -> None:
    with pytest.raises(ResponseFormatError, match="links"):
        listing({"data": [number(1)], "links": ["next"]})


def test_a_token_that_cannot_read_scripts_still_lists(caplog: pytest.LogCaptureFixture) -> None:
    """Listing needs the Numbers scope only: without the Fabric API, forwarding reads as None."""
    bound = number(
        1, call_handler="relay_script", call_relay_script_url="https://example.signalwire.com/relay-bins/x"
    )
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.path.startswith("/api/fabric/"):
            return httpx.Response(403, json={"errors": [{"detail": "Forbidden", "code": "forbidden"}]})
        if request.url.path.endswith("/phone_numbers"):
            return httpx.Response(200, json={"data": [bound, number(2)]})
        return httpx.Response(200, json=bound)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    settings = {"base_url": BASE, "project_id": "reading-project", "api_token": "reading-token-0123"}
    with phonefleet.connect("signalwire", http_client=client, **settings) as store:
        numbers = list(store.list())
        assert [n.forwarding_number for n in numbers] == [None, None]
        assert numbers[0].routing is not None
        assert numbers[0].routing.voice is not None
        assert numbers[0].routing.voice.kind == "relay_script"
        assert store.get(bound["id"]).forwarding_number is None
        with pytest.raises(phonefleet.PermissionDeniedError):
            store.set_forwarding(bound["id"], "+16505550199")  # setting it does need the scope
    client.close()
    assert [r.method for r in sent if r.url.path.startswith("/api/fabric/")] == ["GET", "GET", "GET"]
    assert sum("cannot read the SWML scripts" in r.getMessage() for r in caplog.records) == 1
