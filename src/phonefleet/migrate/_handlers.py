"""Which handler kinds are the same thing across vendors: the one table.

A `Handler.kind` is the vendor's own name. Most kinds only make sense at
their vendor (a SignalWire Relay topic, a Twilio application sid, a SIP
trunk: ids that exist in one account only). One is shared: a webhook that
answers calls and messages with TwiML, which Twilio calls the voice/SMS URL
and SignalWire (whose Compatibility API exists to run it) `laml_webhooks`.
Migration carries a shared kind across vendors, translated to the target's
name for it, and leaves the others out (the plan says so).

A provider not in the table keeps its kinds as they are (a MemoryStore, a
third party's adapter): no translation is guessed for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs

from phonefleet._model import Handler

__all__ = ["EQUIVALENT_KINDS", "TWIML_WEBHOOK", "carry", "same_handler"]

#: the neutral name of a TwiML/cXML webhook (URL, method, fallback, status callback)
TWIML_WEBHOOK: Final = "twiml_webhook"

#: provider -> {its handler kind -> the neutral kind}: the kinds it can
#: exchange with other vendors; every other kind of a listed provider stays home
EQUIVALENT_KINDS: Final[Mapping[str, Mapping[str, str]]] = {
    "twilio": {"twiml_webhook": TWIML_WEBHOOK},
    "signalwire": {"laml_webhooks": TWIML_WEBHOOK},
    # a connection and a messaging profile are objects of one Telnyx account
    "telnyx": {},
}
_WEBHOOK_KINDS: Final = frozenset(
    kind for kinds in EQUIVALENT_KINDS.values() for kind, neutral in kinds.items() if neutral == TWIML_WEBHOOK
)
_ANY_KIND: Final = {kind: neutral for kinds in EQUIVALENT_KINDS.values() for kind, neutral in kinds.items()}
_PAIRS: Final = (
    ("url", "method"),
    ("fallback_url", "fallback_method"),
    ("status_callback_url", "status_callback_method"),
)


def _webhook(handler: Handler, kind: str, *, extra: bool = False) -> Handler:
    """A webhook as both vendors run it: a URL without a method is POSTed
    (their documented default), a method without its URL means nothing, and
    vendor-only options (`extra`) do not travel to another vendor."""
    slots: dict[str, str | None] = {}
    for url_slot, method_slot in _PAIRS:
        url = getattr(handler, url_slot)
        method = getattr(handler, method_slot)
        slots[url_slot] = url
        slots[method_slot] = (method or "POST").upper() if url else None
    return Handler(kind, extra=handler.extra if extra else None, **slots)


def carry(handler: Handler, source: str, target: str) -> Handler | None:
    """`handler` of `source` as `target` should hold it, or None when it cannot be carried."""
    if source == target:
        return handler
    source_kinds = EQUIVALENT_KINDS.get(source)
    target_kinds = EQUIVALENT_KINDS.get(target)
    if target_kinds is None:
        # the target's vocabulary is unknown: a shared kind goes in its neutral
        # name, anything else as it is
        neutral = (source_kinds or {}).get(handler.kind)
        return _webhook(handler, neutral) if neutral == TWIML_WEBHOOK else handler
    neutral = source_kinds.get(handler.kind) if source_kinds is not None else _ANY_KIND.get(handler.kind)
    if neutral is None:
        return None
    kind = next((own for own, same in target_kinds.items() if same == neutral), None)
    if kind is None:
        return None
    return _webhook(handler, kind) if neutral == TWIML_WEBHOOK else attrs.evolve(handler, kind=kind)


def same_handler(wanted: Handler | None, current: Handler | None) -> bool:
    """Whether `current` already is `wanted` (webhooks compared as both vendors run them)."""
    if wanted == current:
        return True
    if wanted is None or current is None or wanted.kind != current.kind or wanted.kind not in _WEBHOOK_KINDS:
        return False
    return _webhook(wanted, wanted.kind, extra=True) == _webhook(current, current.kind, extra=True)
