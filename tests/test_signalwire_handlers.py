"""Every SignalWire handler round-trips losslessly: read, then write back the
same handler fields (mapping level and through the emulator)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from phonefleet import Handler, NumberChanges, Routing
from phonefleet.testing import emulate
from phonefleet_signalwire._mapping import handler_to_wire, number_from_wire, routing_to_wire
from phonefleet_signalwire._wire import MESSAGE_SIDE, VOICE_SIDE

RESOURCE = "fe4093d9-58c2-4931-b4b9-5679f82652c6"

#: (call handler fields as the vendor reports them, the Handler they map to)
VOICE_CASES: list[tuple[dict[str, Any], Handler]] = [
    (
        {
            "call_handler": "relay_context",
            "call_relay_context": "my_relay_app",
            "call_relay_context_status_callback_url": "https://myapplication/handle_relay_callbacks",
        },
        Handler(
            "relay_context",
            target="my_relay_app",
            status_callback_url="https://myapplication/handle_relay_callbacks",
        ),
    ),
    (
        {
            "call_handler": "relay_topic",
            "call_relay_topic": "office",
            "call_relay_topic_status_callback_url": "https://myapplication/handle_relay_callbacks",
        },
        Handler(
            "relay_topic", target="office", status_callback_url="https://myapplication/handle_relay_callbacks"
        ),
    ),
    (
        {
            "call_handler": "relay_script",
            "call_relay_script_url": "https://example.signalwire.com/relay-bins/60e2ba7b-366e-44de-84e3-0c76cfccf1cc",
        },
        Handler(
            "relay_script",
            url="https://example.signalwire.com/relay-bins/60e2ba7b-366e-44de-84e3-0c76cfccf1cc",
        ),
    ),
    (
        {"call_handler": "relay_application", "call_relay_application": "my-relay-app"},
        Handler("relay_application", target="my-relay-app"),
    ),
    (
        {"call_handler": "relay_connector", "call_relay_connector_id": "conn-1"},
        Handler("relay_connector", target="conn-1"),
    ),
    (
        {"call_handler": "relay_sip_endpoint", "call_sip_endpoint_id": RESOURCE},
        Handler("relay_sip_endpoint", target=RESOURCE),
    ),
    (
        {"call_handler": "relay_verto_endpoint", "call_verto_resource": "verto-desk"},
        Handler("relay_verto_endpoint", target="verto-desk"),
    ),
    (
        {
            "call_handler": "laml_webhooks",
            "call_request_url": "https://example.com/voice",
            "call_request_method": "GET",
            "call_fallback_url": "https://example.com/fallback",
            "call_fallback_method": "POST",
            "call_status_callback_url": "https://example.com/status",
            "call_status_callback_method": "GET",
        },
        Handler(
            "laml_webhooks",
            url="https://example.com/voice",
            method="GET",
            fallback_url="https://example.com/fallback",
            fallback_method="POST",
            status_callback_url="https://example.com/status",
            status_callback_method="GET",
        ),
    ),
    (
        {"call_handler": "laml_application", "call_laml_application_id": "app-9"},
        Handler("laml_application", target="app-9"),
    ),
    (
        {"call_handler": "dialogflow", "call_dialogflow_agent_id": "agent-3"},
        Handler("dialogflow", target="agent-3"),
    ),
    ({"call_handler": "video_room", "call_video_room_id": RESOURCE}, Handler("video_room", target=RESOURCE)),
    # Fabric-only and newer handlers: the resource is the target
    *[
        ({"call_handler": kind, "calling_handler_resource_id": RESOURCE}, Handler(kind, target=RESOURCE))
        for kind in (
            "call_flow",
            "ai_agent",
            "fabric_subscriber",
            "sip_gateway",
            "call_queue",
            "tomorrows_handler",
        )
    ],
    # a fax line keeps its receive mode; an undocumented call_* field is kept too
    (
        {
            "call_handler": "laml_application",
            "call_laml_application_id": "fax-app",
            "call_receive_mode": "fax",
            "call_transcribe": True,
        },
        Handler(
            "laml_application", target="fax-app", extra={"call_receive_mode": "fax", "call_transcribe": True}
        ),
    ),
]

MESSAGE_CASES: list[tuple[dict[str, Any], Handler]] = [
    (
        {"message_handler": "relay_context", "message_relay_context": "my_relay_app"},
        Handler("relay_context", target="my_relay_app"),
    ),
    (
        {"message_handler": "relay_topic", "message_relay_topic": "office"},
        Handler("relay_topic", target="office"),
    ),
    (
        {"message_handler": "relay_application", "message_relay_application": "sms-app"},
        Handler("relay_application", target="sms-app"),
    ),
    # responses do not document message_relay_application: it is then simply not sent back
    ({"message_handler": "relay_application"}, Handler("relay_application")),
    (
        {
            "message_handler": "laml_webhooks",
            "message_request_url": "https://example.com/sms",
            "message_request_method": "POST",
            "message_fallback_url": "https://example.com/sms-fallback",
            "message_fallback_method": "GET",
        },
        Handler(
            "laml_webhooks",
            url="https://example.com/sms",
            method="POST",
            fallback_url="https://example.com/sms-fallback",
            fallback_method="GET",
        ),
    ),
    (
        {"message_handler": "laml_application", "message_laml_application_id": "app-2"},
        Handler("laml_application", target="app-2"),
    ),
    (
        {"message_handler": "tomorrows_handler", "messaging_handler_resource_id": RESOURCE},
        Handler("tomorrows_handler", target=RESOURCE),
    ),
]


def payload_with(fields: dict[str, Any]) -> dict[str, Any]:
    """A full number as the vendor reports it: every other handler field null,
    plus a leftover of another handler kind (the vendor keeps it, inert)."""
    base: dict[str, Any] = dict.fromkeys(sorted(VOICE_SIDE.fields | MESSAGE_SIDE.fields))
    base.update(
        id="3fa85f64-5717-4562-b3fc-2c963f66afa6",
        number="+15558675309",
        name="Jenny",
        call_receive_mode="voice",
        calling_handler_resource_id="11111111-2222-4333-8444-555555555555",
    )
    if fields.get("call_handler") != "laml_webhooks":
        base["call_request_url"] = "https://stale.example.com/old-handler"
    if "call_handler" in fields and "calling_handler_resource_id" not in fields:
        base["calling_handler_resource_id"] = "11111111-2222-4333-8444-555555555555"
    base.update(fields)
    return base


def as_written(wire: dict[str, Any]) -> dict[str, Any]:
    """The fields as a PUT sets them: `ai_agent` / `call_flow` are reported as
    `calling_handler_resource_id` but set with their own id field."""
    spec = VOICE_SIDE.kinds.get(wire.get("call_handler"))  # type: ignore[arg-type]
    if spec is None or not spec.writes or "calling_handler_resource_id" not in wire:
        return wire
    written = dict(wire)
    written[spec.writes["target"]] = written.pop("calling_handler_resource_id")
    return written


@pytest.mark.parametrize(("wire", "handler"), VOICE_CASES, ids=[c[1].kind for c in VOICE_CASES])
def test_voice_handlers_map_and_write_back_the_same_fields(wire: dict[str, Any], handler: Handler) -> None:
    number = number_from_wire(payload_with(wire))
    assert number.routing is not None
    assert number.routing.voice == handler
    assert number.routing.messaging is None
    written = handler_to_wire(VOICE_SIDE, number.routing.voice)
    payload = as_written(payload_with(wire))
    for field, value in written.items():
        assert payload.get(field) == value, field
    assert set(as_written(wire)) <= set(written)
    assert all(key.startswith("call_") or key == "calling_handler_resource_id" for key in written)


@pytest.mark.parametrize(
    ("wire", "handler"), MESSAGE_CASES, ids=[c[1].kind + str(i) for i, c in enumerate(MESSAGE_CASES)]
)
def test_message_handlers_map_and_write_back_the_same_fields(wire: dict[str, Any], handler: Handler) -> None:
    number = number_from_wire(payload_with(wire))
    assert number.routing is not None
    assert number.routing.messaging == handler
    assert number.routing.voice is None
    written = handler_to_wire(MESSAGE_SIDE, number.routing.messaging)
    payload = payload_with(wire)
    for field, value in written.items():
        assert payload.get(field) == value, field
    assert set(wire) <= set(written)
    assert all(key.startswith("message_") or key == "messaging_handler_resource_id" for key in written)


def test_a_full_routing_round_trips_as_one_body() -> None:
    wire = {**VOICE_CASES[7][0], **MESSAGE_CASES[1][0]}
    number = number_from_wire(payload_with(wire))
    body = routing_to_wire(number.routing)
    assert body["call_handler"] == "laml_webhooks"
    assert body["message_handler"] == "relay_topic"
    assert number_from_wire(payload_with(body)).routing == number.routing


# what a PUT may set: documented kinds and fields (the emulator, like the API, ignores unknown fields)
SETTABLE = [
    case for case in VOICE_CASES if case[1].kind in VOICE_SIDE.kinds and set(case[0]) <= VOICE_SIDE.fields
] + [
    (
        {
            "call_handler": "laml_application",
            "call_laml_application_id": "fax-app",
            "call_receive_mode": "fax",
        },
        Handler("laml_application", target="fax-app", extra={"call_receive_mode": "fax"}),
    )
]


@pytest.mark.parametrize(("wire", "handler"), SETTABLE, ids=[c[1].kind for c in SETTABLE])
@pytest.mark.parametrize(
    ("message_wire", "message_handler"), [MESSAGE_CASES[4], MESSAGE_CASES[1]], ids=["laml", "topic"]
)
def test_get_then_update_with_its_own_routing_sends_the_same_fields_through_the_emulator(
    wire: dict[str, Any], handler: Handler, message_wire: dict[str, Any], message_handler: Handler
) -> None:
    emu = emulate("signalwire", numbers=2)
    with emu.connect("signalwire") as store:
        sample = next(iter(store.list()))
        set_up = store.update(
            sample.id, NumberChanges(routing=Routing(voice=handler, messaging=message_handler))
        )
        fetched = store.get(sample.id)
        assert fetched.routing == set_up.routing == Routing(voice=handler, messaging=message_handler)
        again = store.update(fetched, NumberChanges(routing=fetched.routing))
        assert again.routing == fetched.routing
    first, second = (json.loads(r.content) for r in emu.transport.requests if r.method == "PUT")
    assert first == second
    for field, value in {**as_written(wire), **message_wire}.items():
        assert second[field] == value


def test_the_handler_memo_tells_1_true_and_1_0_apart() -> None:
    from phonefleet_signalwire._mapping import handler_from_wire

    def wire(flag: object) -> dict[str, Any]:
        return {"call_handler": "relay_topic", "call_relay_topic": "office", "call_new_flag": flag}

    seen = [
        handler_from_wire(VOICE_SIDE, wire(flag), frozenset({"call_new_flag"})) for flag in (True, 1, 1.0)
    ]
    flags = [h.extra["call_new_flag"] for h in seen if h is not None]
    assert [type(f) for f in flags] == [bool, int, float]
