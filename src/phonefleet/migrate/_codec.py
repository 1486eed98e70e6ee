"""JSON for the model's values: plans, journals and the CLI's `--json`."""

from __future__ import annotations

from typing import Any

import attrs

from phonefleet._model import Handler, PhoneNumber, Routing

__all__ = ["number_to_json", "routing_from_json", "routing_to_json", "value_from_json", "value_to_json"]

_HANDLER_FIELDS = tuple(
    field.name for field in attrs.fields(Handler) if field.init and field.name not in ("kind", "extra")
)


def _handler_to_json(handler: Handler | None) -> dict[str, Any] | None:
    if handler is None:
        return None
    data: dict[str, Any] = {"kind": handler.kind}
    for name in _HANDLER_FIELDS:
        value = getattr(handler, name)
        if value is not None:
            data[name] = value
    if handler.extra:
        data["extra"] = dict(handler.extra)
    return data


def _handler_from_json(data: Any) -> Handler | None:
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        msg = f"a handler must be an object with a 'kind', not {data!r}"
        raise ValueError(msg)
    known = {name: data[name] for name in _HANDLER_FIELDS if data.get(name) is not None}
    return Handler(kind=data["kind"], extra=data.get("extra") or {}, **known)


def routing_to_json(routing: Routing | None) -> dict[str, Any] | None:
    if routing is None:
        return None
    return {"voice": _handler_to_json(routing.voice), "messaging": _handler_to_json(routing.messaging)}


def routing_from_json(data: Any) -> Routing | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        msg = f"routing must be an object, not {data!r}"
        raise ValueError(msg)
    return Routing(
        voice=_handler_from_json(data.get("voice")), messaging=_handler_from_json(data.get("messaging"))
    )


def value_to_json(action: str, value: Any) -> Any:
    """A step's before/after as JSON (routing is the only structured value)."""
    if action == "set_routing":
        return routing_to_json(value)
    return value


def value_from_json(action: str, value: Any) -> Any:
    if action == "set_routing":
        return routing_from_json(value)
    if action == "archive":
        return bool(value)
    if value is not None and not isinstance(value, str):
        msg = f"a {action} value must be a string or null, not {value!r}"
        raise ValueError(msg)
    return value


def number_to_json(number: PhoneNumber) -> dict[str, Any]:
    """A `PhoneNumber` as plain JSON (`raw` left out: it is the vendor's own)."""
    return {
        "provider": number.provider,
        "id": number.id,
        "number": number.number,
        "name": number.name,
        "forwarding_number": number.forwarding_number,
        "capabilities": sorted(c.value for c in number.capabilities)
        if number.capabilities is not None
        else None,
        "number_type": number.number_type.value,
        "country": number.country,
        "archived": number.archived,
        "archived_at": number.archived_at.isoformat() if number.archived_at else None,
        "reputation": (
            {"status": number.reputation.status.value, "doc_url": number.reputation.doc_url}
            if number.reputation
            else None
        ),
        "routing": routing_to_json(number.routing),
        "link": number.link,
        "created_at": number.created_at.isoformat() if number.created_at else None,
        "updated_at": number.updated_at.isoformat() if number.updated_at else None,
    }
