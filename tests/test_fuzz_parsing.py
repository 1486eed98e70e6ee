"""Fuzz every adapter's response parsing: whatever a vendor answers, only
phonefleet errors escape (ResponseFormatError, ProviderError and kin), never
KeyError, TypeError, AttributeError or the like."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import phonefleet
from phonefleet import Feature, NumberChanges, PhoneFleetError
from phonefleet.adapter import Adapter, Flow, Ref, registration
from phonefleet.testing import emulate

VENDORS = [name for name in phonefleet.providers() if name != "memory"]


def _dumps(value: object) -> bytes:
    return json.dumps(value).encode()


KEYS = [
    "phone_numbers", "phone_number", "id", "uuid", "data", "links", "next", "self", "number", "e164",
    "phoneNumber", "error", "errors", "detail", "reputation", "health_status", "status", "code", "message",
    "doc_url", "forwarding_number", "blockers", "workflows", "canArchive", "capabilities", "call_handler",
    "message_handler", "name", "isArchived", "archived", "archivedAt", "voiceForwardNumber",
    "providerPhoneUuid", "number_type", "country_code", "created_at", "updated_at", "audit_id", "report",
    "incoming_phone_numbers", "sid", "friendly_name", "next_page_uri", "voice_url", "voice_application_sid",
    "trunk_sid", "sms_url", "date_created", "more_info", "available_phone_numbers", "type", "title",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["+12025550100", "HEALTHY", "2024-01-01T00:00:00Z", "relay_topic", "toll-free"])
    | st.just("x" * 100_000)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=25,
)
bodies = st.one_of(
    json_values.map(_dumps),
    st.binary(max_size=40),
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8).map(
        lambda d: _dumps({"phone_numbers": [d], "data": [d]})
    ),
    st.lists(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8), max_size=3).map(_dumps),
    # hostile nesting: the decoders recurse, and must not let a RecursionError out
    st.sampled_from(KEYS).map(lambda key: b'{"' + key.encode() + b'": ' + b"[" * 100_000),
    st.just(b"[" * 100_000),
)
statuses = st.sampled_from([200, 200, 200, 201, 204, 400, 401, 403, 404, 409, 422, 429, 500, 503])


def _flows(adapter: Adapter) -> list[Callable[[], Flow[Any]]]:
    features = adapter.features
    ref = Ref(id="00000000-0000-4000-8000-000000000001")
    by_number = Ref(number="+12025550100")
    flows: list[Callable[[], Flow[Any]]] = [
        lambda: adapter.list_page(False, None),
        lambda: adapter.list_page(None, None),
        lambda: adapter.get(ref),
        lambda: adapter.get(by_number),
    ]
    if Feature.SET_FORWARDING in features:
        flows.append(lambda: adapter.set_forwarding(ref, "+12025550199"))
    if Feature.UPDATE_NAME in features:
        flows.append(lambda: adapter.update(ref, NumberChanges(name="n")))
    if Feature.CREATE in features:
        flows.append(lambda: adapter.create("+12025550100", name="n", link=None))
    if Feature.ARCHIVE in features:
        flows.append(lambda: adapter.archive(ref))
    if Feature.ARCHIVE_BLOCKERS in features:
        flows.append(lambda: adapter.archive_blockers(ref))
    if Feature.LINK in features:
        flows.append(adapter.linkable)
        flows.append(lambda: adapter.link(ref, None))
    return flows


def _adapter(provider: str) -> Adapter:
    return registration(provider).adapter(**emulate(provider, numbers=1).settings)


@pytest.mark.parametrize("provider", VENDORS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_only_phonefleet_errors_escape(provider: str, data: st.DataObject) -> None:
    adapter = _adapter(provider)
    make_flow = data.draw(st.sampled_from(_flows(adapter)))
    flow = make_flow()
    try:
        request = next(flow)
        for _ in range(6):
            response = httpx.Response(
                data.draw(statuses),
                content=data.draw(bodies),
                headers={"Content-Type": "application/json"},
                request=request,
            )
            request = flow.send(response)
    except StopIteration:
        pass
    except PhoneFleetError:
        pass
    finally:
        flow.close()
