"""SignalWire's relay REST wire format: field tables, envelopes, search records.

A phone number carries about forty flat fields; most belong to one inbound
handler. The tables below say, per handler kind, which wire field fills which
neutral `Handler` slot, so reading and writing a handler is one table walk
each way (see `_mapping.py`). Listing pages are structured by hand on the hot
path; the small, rare shapes (error items, search results) go through one
cattrs converter onto private attrs classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs
import cattrs

from phonefleet import Capability

__all__ = [
    "AvailableNumber",
    "HandlerSpec",
    "MESSAGE_SIDE",
    "VOICE_SIDE",
    "Side",
    "converter",
]


@attrs.frozen
class HandlerSpec:
    """One handler kind: neutral `Handler` slot -> wire field.

    `slots` are read from a number; `writes` overrides the field a slot is
    written to when the API takes it elsewhere (an AI agent is set with
    `call_ai_agent_id` and reported as `calling_handler_resource_id`).
    `required` are the fields the API needs for this kind.
    """

    slots: Mapping[str, str]
    required: frozenset[str] = frozenset()
    writes: Mapping[str, str] = attrs.field(factory=dict)

    def field_for_writing(self, slot: str) -> str | None:
        return self.writes.get(slot) or self.slots.get(slot)


@attrs.frozen
class Side:
    """One routing side (voice or messaging) of a number on the wire."""

    name: str
    handler_key: str
    resource_key: str
    prefix: str
    kinds: Mapping[str, HandlerSpec]
    #: kinds the vendor reports but only lets the Fabric API set
    fabric_only: frozenset[str]
    #: the spec for a kind not in `kinds` (Fabric-only or newer)
    fallback: HandlerSpec
    #: side-wide fields kept in `Handler.extra` when they differ from the default
    defaults: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def fields(self) -> frozenset[str]:
        """Every documented wire field of this side."""
        names = {self.handler_key, self.resource_key, *self.defaults}
        for spec in (*self.kinds.values(), self.fallback):
            names.update(spec.slots.values())
        return frozenset(names)

    @property
    def write_only(self) -> frozenset[str]:
        """Fields a PUT takes that a number never reports."""
        names = {field for spec in self.kinds.values() for field in spec.writes.values()}
        return frozenset(names - self.fields)


def _spec(required: tuple[str, ...] = (), **slots: str) -> HandlerSpec:
    return HandlerSpec(slots=slots, required=frozenset(required))


def _by_resource(field: str) -> HandlerSpec:
    """A kind set with `field` and reported as `calling_handler_resource_id`."""
    return HandlerSpec(
        slots={"target": "calling_handler_resource_id"},
        required=frozenset({field}),
        writes={"target": field},
    )


VOICE_SIDE: Final = Side(
    name="voice",
    handler_key="call_handler",
    resource_key="calling_handler_resource_id",
    prefix="call_",
    kinds={
        "laml_webhooks": _spec(
            ("call_request_url",),
            url="call_request_url",
            method="call_request_method",
            fallback_url="call_fallback_url",
            fallback_method="call_fallback_method",
            status_callback_url="call_status_callback_url",
            status_callback_method="call_status_callback_method",
        ),
        "relay_context": _spec(
            ("call_relay_context",),
            target="call_relay_context",
            status_callback_url="call_relay_context_status_callback_url",
        ),
        "relay_topic": _spec(
            ("call_relay_topic",),
            target="call_relay_topic",
            status_callback_url="call_relay_topic_status_callback_url",
        ),
        "relay_script": _spec(("call_relay_script_url",), url="call_relay_script_url"),
        "relay_application": _spec(("call_relay_application",), target="call_relay_application"),
        "relay_connector": _spec(("call_relay_connector_id",), target="call_relay_connector_id"),
        "relay_sip_endpoint": _spec(("call_sip_endpoint_id",), target="call_sip_endpoint_id"),
        "relay_verto_endpoint": _spec(("call_verto_resource",), target="call_verto_resource"),
        "laml_application": _spec(("call_laml_application_id",), target="call_laml_application_id"),
        "dialogflow": _spec(("call_dialogflow_agent_id",), target="call_dialogflow_agent_id"),
        "video_room": _spec(("call_video_room_id",), target="call_video_room_id"),
        # not in the spec's update request, but sent by SignalWire's SDK
        # (`set_ai_agent`, `set_call_flow`); `call_flow_version` goes in `extra`
        "ai_agent": _by_resource("call_ai_agent_id"),
        "call_flow": _by_resource("call_flow_id"),
    },
    fabric_only=frozenset({"fabric_subscriber", "sip_gateway", "call_queue"}),
    fallback=_spec(("calling_handler_resource_id",), target="calling_handler_resource_id"),
    defaults={"call_receive_mode": "voice"},
)

MESSAGE_SIDE: Final = Side(
    name="messaging",
    handler_key="message_handler",
    resource_key="messaging_handler_resource_id",
    prefix="message_",
    kinds={
        "laml_webhooks": _spec(
            ("message_request_url",),
            url="message_request_url",
            method="message_request_method",
            fallback_url="message_fallback_url",
            fallback_method="message_fallback_method",
        ),
        "relay_context": _spec(("message_relay_context",), target="message_relay_context"),
        "relay_topic": _spec(("message_relay_topic",), target="message_relay_topic"),
        "relay_application": _spec(("message_relay_application",), target="message_relay_application"),
        "laml_application": _spec(("message_laml_application_id",), target="message_laml_application_id"),
    },
    fabric_only=frozenset(),
    fallback=_spec(("messaging_handler_resource_id",), target="messaging_handler_resource_id"),
)

SIDES: Final = (VOICE_SIDE, MESSAGE_SIDE)

#: every documented field of a phone number resource
NUMBER_FIELDS: Final = frozenset(
    {
        "id",
        "number",
        "name",
        "capabilities",
        "number_type",
        "e911_address_id",
        "e911_status",
        "cnam",
        "created_at",
        "updated_at",
        "next_billed_at",
        "country_code",
    }
    | VOICE_SIDE.fields
    | MESSAGE_SIDE.fields
)
#: fields a number is read with: the documented ones, and the write-only
#: handler fields should the API ever echo them (never a Handler's `extra`)
KNOWN_FIELDS: Final = NUMBER_FIELDS | VOICE_SIDE.write_only | MESSAGE_SIDE.write_only

NUMBER_TYPES: Final = {"toll-free": "toll_free", "longcode": "local"}
HTTP_METHODS: Final = frozenset({"GET", "POST"})
CAPABILITIES: Final = {c.value: c for c in Capability}


# -- small shapes, structured with cattrs ------------------------------------


@attrs.frozen
class ErrorItem:
    """One item of `{"errors": [...]}`: the Space API shape
    (detail/status/title/code) or the REST shape (type/code/message/url)."""

    detail: str | None = None
    title: str | None = None
    message: str | None = None
    code: str | None = None
    status: str | None = None
    url: str | None = None
    attribute: str | None = None


@attrs.frozen
class AvailableNumber:
    """A number that `ex_search_available` found for sale.

    `capabilities` is None when the vendor did not say; `raw` is the vendor's
    item, untouched.
    """

    number: str
    capabilities: frozenset[Capability] | None = None
    region: str | None = None
    city: str | None = None
    rate_center: str | None = None
    lata: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


converter: Final = cattrs.Converter(forbid_extra_keys=False)
