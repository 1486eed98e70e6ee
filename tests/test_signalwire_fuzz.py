"""Random JSON never escapes as anything but a ResponseFormatError (or a value)."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phonefleet import PhoneNumber, ProviderError, ResponseFormatError
from phonefleet_signalwire._errors import error_from_response
from phonefleet_signalwire._mapping import available_from_wire, number_from_wire, page_from_wire

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = [
    "id",
    "number",
    "name",
    "capabilities",
    "number_type",
    "country_code",
    "created_at",
    "updated_at",
    "call_handler",
    "call_request_url",
    "call_request_method",
    "call_relay_topic",
    "call_receive_mode",
    "message_handler",
    "message_request_url",
    "calling_handler_resource_id",
    "call_future",
    "message_future",
]
numbers = st.fixed_dictionaries(
    {},
    optional={
        **dict.fromkeys(FIELDS, json_values),
        "id": st.text(min_size=1, max_size=8) | json_values,
        "number": st.sampled_from(["+12025550100", "12025550100", "+1"]) | json_values,
        "call_handler": st.sampled_from(["laml_webhooks", "relay_topic", "ai_agent", ""]) | json_values,
        "created_at": st.sampled_from(["2024-01-02T09:00:00Z", "2024-13-40", ""]) | json_values,
    },
)


def parses_or_refuses(parse: Any, body: Any) -> None:
    with contextlib.suppress(ResponseFormatError):
        parse(body)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(numbers)
def test_numbers(body: dict[str, Any]) -> None:
    try:
        number = number_from_wire(body)
    except ResponseFormatError:
        return
    assert isinstance(number, PhoneNumber)
    assert number.number == body["number"]


@settings(max_examples=200, database=None)
@given(
    st.fixed_dictionaries(
        {}, optional={"links": json_values, "data": st.lists(numbers, max_size=3) | json_values}
    )
)
def test_pages(body: dict[str, Any]) -> None:
    parses_or_refuses(page_from_wire, body)


@settings(max_examples=200, database=None)
@given(json_values)
def test_search_results(body: Any) -> None:
    parses_or_refuses(available_from_wire, body)


@settings(max_examples=200, database=None)
@given(st.integers(min_value=400, max_value=599), json_values | st.binary(max_size=20))
def test_error_bodies_always_give_a_provider_error(status: int, body: Any) -> None:
    if isinstance(body, bytes):
        response = httpx.Response(status, content=body)
    else:
        response = httpx.Response(status, json=body)
    error = error_from_response(response, "get")
    assert isinstance(error, ProviderError)
    assert error.status == status
