"""Call forwarding on SignalWire: a SWML script whose `main` is one `connect`.

SignalWire has no forwarding field. Its documented recipe (the SWML guide
"Forwarding calls") is a SWML script, kept in the Fabric API, whose `main`
section is a single `connect` to the target with the caller's number as
caller id; a number forwards when its call handler is `relay_script` bound
to that script's `request_url`. This module knows the script's shape both
ways; the flows that find, create and bind scripts are in `_adapter.py`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from phonefleet import PhoneNumber, ResponseFormatError, is_e164
from phonefleet.adapter import decode_json, shorten

from ._mapping import _datetime, _detail

__all__ = [
    "SCRIPT_NAME_PREFIX",
    "ForwardingScript",
    "forwarding_contents",
    "forwarding_target",
    "swml_document",
    "is_bound_to_script",
    "pick_script",
    "script_from_wire",
    "script_name",
    "scripts_page_from_wire",
    "with_forwarding",
]

PROVIDER: Final = "signalwire"
#: the longest script text read as possibly forwarding: the longest forwarding
#: script (every option of `_FORWARDING_OPTIONS` spelt out) is under 1,000
#: characters; anything longer does more than forward, so is never parsed
MAX_SCRIPT_TEXT: Final = 2048
#: what names the scripts phonefleet creates (and the only ones it prunes)
SCRIPT_NAME_PREFIX: Final = "phonefleet forward "
#: the `connect` options a forwarding script may have: where the call goes and
#: how it rings, nothing else. Any other option is more than forwarding: it
#: dials alternatives or runs more SWML (`serial`, `parallel`, `confirm`,
#: `result`, `transfer_after_bridge`), or sends data about every call
#: somewhere (`call_state_url`, `status_url`, `ringback` audio fetched by URL,
#: `headers`, credentials), so such a script is never reused nor read as forwarding
_FORWARDING_OPTIONS: Final = frozenset(
    {
        "to",
        "from",
        "from_name",
        "timeout",
        "answer_on_bridge",
        "max_duration",
        "session_timeout",
        "encryption",
        "codecs",
        "codec",
        "call_state_events",
    }
)


@attrs.frozen
class ForwardingScript:
    """A SWML script of the space, as far as forwarding is concerned.

    `id` is the Fabric resource id (the one in the script's URL path);
    `target` is the E.164 number it forwards to, or None when the script
    does anything else; `raw` is the vendor's item, untouched.
    """

    id: str
    name: str | None = None
    request_url: str | None = None
    target: str | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def made_here(self) -> bool:
        """Whether phonefleet created it (its name says so)."""
        return self.name is not None and self.name.startswith(SCRIPT_NAME_PREFIX)


def script_name(target: str) -> str:
    """The name a person recognises in the dashboard."""
    return SCRIPT_NAME_PREFIX + target


def forwarding_contents(target: str) -> dict[str, Any]:
    """The SWML document that forwards every call to `target`, keeping the caller id."""
    return {
        "version": "1.0.0",
        "sections": {"main": [{"connect": {"from": "%{call.from}", "to": target}}]},
    }


def _could_forward(text: str) -> bool:
    """A cheap look at a script's text before any parsing: a forwarding script
    is short, names `main` and `connect`, and needs no YAML anchor, alias,
    merge key or tag (which is how a small text grows into a large document)."""
    return (
        len(text) <= MAX_SCRIPT_TEXT
        and "connect" in text
        and "main" in text
        and not any(mark in text for mark in ("&", "*", "!", "<<"))
    )


def _yaml_loader() -> Any:
    yaml: Any = importlib.import_module("yaml")
    return getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


def swml_document(contents: object) -> dict[str, Any] | None:
    """A script's `contents` as a SWML object, or None when it is not one.

    The spec sends an object; older answers (and the SDK's `create`) carry
    it as text, JSON or YAML (the dashboard's editor, and SignalWire's own
    forwarding guide, write YAML).
    """
    if isinstance(contents, str):
        try:
            contents = decode_json(contents)
        except ValueError:
            yaml: Any = importlib.import_module("yaml")
            try:
                contents = yaml.load(contents, Loader=_yaml_loader())
            except (yaml.YAMLError, RecursionError):  # hostile nesting is no script either
                return None
    return contents if isinstance(contents, dict) else None


def forwarding_target(contents: object) -> str | None:
    """The number a SWML document forwards to, or None when it does more (or less).

    Forwarding is exactly: `main` holds one instruction, a `connect` whose
    `to` is one E.164 number and whose other options only shape the call
    (`from`, `timeout`, ...): nothing that dials alternatives, runs further
    SWML or reports the call anywhere (`call_state_url`, `status_url`, any
    webhook). `contents` is the document, or its JSON or YAML text.

    Text is parsed only when it could be a forwarding script
    (`_could_forward`): at most `MAX_SCRIPT_TEXT` characters, so parsing one
    takes well under a millisecond with libyaml (a few with pure-Python YAML)
    whatever the vendor sends: it never holds an operation past its deadline,
    nor an async store's event loop for long.
    """
    if isinstance(contents, str) and not _could_forward(contents):
        return None
    contents = swml_document(contents)
    if contents is None:
        return None
    sections = contents.get("sections")
    main = sections.get("main") if isinstance(sections, dict) else None
    if not isinstance(main, list) or len(main) != 1:
        return None
    step = main[0]
    if not isinstance(step, dict) or len(step) != 1:
        return None
    connect = step.get("connect")
    if not isinstance(connect, dict) or not _FORWARDING_OPTIONS.issuperset(connect):
        return None
    to = connect.get("to")
    return to if isinstance(to, str) and is_e164(to) else None


def _bad(message: str) -> ResponseFormatError:
    return ResponseFormatError(message, provider=PROVIDER)


def script_from_wire(data: object) -> ForwardingScript:
    """One Fabric `swml_script` resource (the wrapper holding `swml_script`)."""
    if not isinstance(data, dict):
        msg = f"expected a SWML script object, got {type(data).__name__}"
        raise _bad(msg)
    ident = data.get("id")
    if not isinstance(ident, str) or not ident:
        msg = "a SWML script has no id"
        raise _bad(msg)
    inner = data.get("swml_script")
    script: Mapping[str, Any] = inner if isinstance(inner, dict) else {}
    name = data.get("display_name", script.get("display_name"))
    request_url = script.get("request_url")
    if request_url is not None and not isinstance(request_url, str):
        msg = f"SWML script {ident} has a request_url that is not a string"
        raise _bad(msg)
    calling = script.get("script_type", "calling") == "calling"
    return ForwardingScript(
        id=ident,
        name=name if isinstance(name, str) else None,
        request_url=request_url or None,
        target=forwarding_target(script.get("contents")) if calling else None,
        created_at=_datetime(data.get("created_at")),
        raw=data,
    )


def scripts_page_from_wire(body: object) -> tuple[list[ForwardingScript], object]:
    """`{"data": [...], "links": {...}}` -> the scripts and the raw `links.next`.

    A body that is a list of such pages (how the spec types the answer) is
    read too; no `links` means this is the last page.
    """
    pages = body if isinstance(body, list) else [body]
    scripts: list[ForwardingScript] = []
    following: object = None
    for page in pages:
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            msg = "a page of SWML scripts has no data list"
            raise _bad(msg)
        for position, item in enumerate(page["data"]):
            try:
                scripts.append(script_from_wire(item))
            except ResponseFormatError as exc:
                ident = item.get("id") if isinstance(item, dict) else None
                shown = shorten(ident, 60, quote=True)
                msg = f"SWML script #{position} (id {shown}) is unreadable: {_detail(exc)}"
                raise _bad(msg) from None
        links = page.get("links")
        following = links.get("next") if isinstance(links, dict) else None
    return scripts, following


def pick_script(scripts: list[ForwardingScript], target: str) -> ForwardingScript | None:
    """The script to use for `target`: the oldest forwarding there (any name).

    Every caller picks the same one, so concurrent writers that each made
    a script agree on which to keep.
    """
    fitting = [s for s in scripts if s.target == target and s.request_url]
    if not fitting:
        return None
    return min(
        fitting,
        key=lambda s: (s.created_at is None, s.created_at.timestamp() if s.created_at else 0.0, s.id),
    )


def is_bound_to_script(number: PhoneNumber) -> bool:
    """Whether calls to `number` run a SWML script by URL (so it may forward)."""
    routing = number.routing
    voice = routing.voice if routing is not None else None
    return voice is not None and voice.kind == "relay_script" and voice.url is not None


def with_forwarding(number: PhoneNumber, index: Mapping[str, str]) -> PhoneNumber:
    """`number` with `forwarding_number` read from `index` (request_url -> target)."""
    if not is_bound_to_script(number):
        return number
    assert number.routing is not None
    assert number.routing.voice is not None
    target = index.get(number.routing.voice.url or "")
    if target == number.forwarding_number:
        return number
    return attrs.evolve(number, forwarding_number=target)
