"""The toolkit's fast listing path (`phonefleet.adapter.Listing`) agrees with
each adapter's careful path on every page: the same numbers, the same raw,
and where the careful path refuses a page, the fast path gives it up.

Pages are drawn from each vendor's schema (documented fields, their types,
the spellings seen live) with small value pools, so records share values and
the per-page memos are exercised, plus values off the schema.
"""

from __future__ import annotations

import importlib
import json
from datetime import datetime
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phonefleet import PhoneNumber, ResponseFormatError
from phonefleet.adapter import Listing, column

pytestmark = pytest.mark.filterwarnings("ignore")

_CANONICAL = ["+12025550100", "+12025550101", "+447700900123"]
_LOOSE = ["+1 202 555 0102", "12", ""]
_URLS = ["https://a.example/x", "https://b.example/y", "https://sw.example/relay-bins/f1"]
_TEXT = ["GET", "POST", "ctx", "office", "", "3cdac58e-65b3-40b6-8818-0ab7777ec1ed"]
_ISO = ["2024-01-02T09:02:00Z", "2024-01-02T09:02:00+01:00", "2024-01-02T09:02:00.123456Z"]
_OTHER_STAMPS = ["Mon, 11 Mar 2024 14:07:31 GMT", "2024-01-02", ""]


def _pick(clean: bool, good: list[Any], odd: list[Any]) -> st.SearchStrategy[Any]:
    """A value from `good`, or also from `odd` (off the fast path's shape) unless `clean`."""
    return st.sampled_from(good if clean else good + odd)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def _same(fast: list[PhoneNumber], careful: list[PhoneNumber]) -> None:
    assert fast == careful
    assert [dict(n.raw) for n in fast] == [dict(n.raw) for n in careful]
    assert [n.routing for n in fast] == [n.routing for n in careful]


# -- SignalWire -----------------------------------------------------------------


@st.composite
def _signalwire_page(draw: st.DrawFn, clean: bool) -> list[dict[str, Any]]:
    """Records that share a few handler configurations (so the per-page memo
    meets equal and nearly equal inputs), each with its own number fields."""
    from phonefleet_signalwire._wire import MESSAGE_SIDE, VOICE_SIDE

    handler_fields = sorted((VOICE_SIDE.fields | MESSAGE_SIDE.fields) - {"call_handler", "message_handler"})
    config = st.fixed_dictionaries(
        {},
        optional={
            "call_handler": _maybe(_pick(clean, [*VOICE_SIDE.kinds, *VOICE_SIDE.fabric_only, "newer"], [""])),
            "message_handler": _maybe(_pick(clean, [*MESSAGE_SIDE.kinds, "newer"], [7])),
            **{name: _maybe(_pick(clean, _URLS + _TEXT, [7])) for name in handler_fields},
        },
    )
    configs = draw(st.lists(config, min_size=1, max_size=3))
    stamps = _maybe(_pick(clean, _ISO + _OTHER_STAMPS, ["soon", 5]))
    own = st.fixed_dictionaries(
        {"id": _pick(clean, ["n1", "n2", "n3"], ["", 4]), "number": _pick(clean, _CANONICAL, _LOOSE)},
        optional={
            "name": _maybe(_pick(clean, ["Front desk", "Sales"], [2])),
            "capabilities": _maybe(
                st.one_of(
                    st.lists(st.sampled_from(["voice", "sms", "MMS", "fax", "video"]), max_size=3),
                    _pick(clean, [["voice"]], [{"voice": True, "sms": False}, "voice"]),
                )
            ),
            "number_type": _maybe(st.sampled_from(["toll-free", "longcode", "other"])),
            "country_code": _maybe(_pick(clean, ["US", "us", ""], ["USA", 1])),
            "created_at": stamps,
            "updated_at": stamps,
            "call_receive_mode": _maybe(st.sampled_from(["voice", "fax"])),
            "calling_handler_resource_id": _maybe(st.sampled_from(["r1", "r2"])),
            "call_relay_script_url": _maybe(st.sampled_from(_URLS)),
            "e911_address_id": _maybe(st.sampled_from(_TEXT)),
            "next_billed_at": stamps,
        },
    )
    extras = st.dictionaries(
        st.sampled_from(["call_new_setting", "message_new_setting", "color"]), st.just("v")
    )
    records = []
    for _ in range(draw(st.integers(0, 6))):
        record = {**draw(st.sampled_from(configs)), **draw(own)}
        if not clean:
            record.update(draw(extras))
        records.append(record)
    return records


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    clean=st.booleans(),
    forwarding=st.sampled_from([None, {}, {"https://sw.example/relay-bins/f1": "+12025550199"}]),
)
def test_signalwire_fast_path_agrees_with_careful_path(data: Any, clean: bool, forwarding: Any) -> None:
    from phonefleet_signalwire._listing import LISTING, links_next
    from phonefleet_signalwire._mapping import page_from_wire

    items = data.draw(_signalwire_page(clean))
    following = data.draw(_pick(clean, [None, "", "/api/relay/rest/phone_numbers?page_token=x"], ["  ", 3]))
    body = {"data": items, "links": {"self": "/x", "next": following}}
    raw = json.dumps(body).encode()
    try:
        careful, careful_next = page_from_wire(json.loads(raw), forwarding)
    except ResponseFormatError:
        careful = None
    read = LISTING.read(raw)
    fast = read.numbers(forwarding) if read is not None else None
    # as the adapter reads it: a next link only the careful path may judge sends the page there
    fast_next = links_next(read.page) if read is not None else False
    if careful is None:
        assert not clean
        assert fast is None or fast_next is False
        return
    if clean:
        assert fast is not None  # the documented shape takes the fast path
    if fast is not None:
        _same(fast, careful)
        assert fast_next is False or fast_next == careful_next


def test_signalwire_fast_path_takes_the_documented_shape() -> None:
    """The emulator's pages (the documented shape) never fall back."""
    from phonefleet.testing import emulate
    from phonefleet_signalwire._listing import LISTING
    from phonefleet_signalwire._mapping import page_from_wire

    emu = emulate("signalwire", numbers=300, seed=3)
    client = httpx.Client(
        transport=emu.transport, auth=(emu.settings["project_id"], emu.settings["api_token"])
    )
    raw = client.get(f"{emu.settings['base_url']}/phone_numbers", params={"page_size": 300}).content
    index = {"https://signalwire.emulator.invalid/relay-bins/x": "+12025550100"}
    read = LISTING.read(raw)
    assert read is not None
    fast = read.numbers(index)
    assert fast is not None
    careful, _ = page_from_wire(json.loads(raw), index)
    _same(fast, careful)
    assert any(n.routing is not None for n in fast)


# -- Gravity Rail ------------------------------------------------------------------


@st.composite
def _gravityrail_page(draw: st.DrawFn, clean: bool) -> list[dict[str, Any]]:
    stamps = _maybe(_pick(clean, _ISO, _OTHER_STAMPS))
    fields: dict[str, Any] = {
        "name": _maybe(st.sampled_from(["Front desk", "Sales"])),
        "voiceForwardNumber": _maybe(_pick(clean, [*_CANONICAL, ""], _LOOSE)),
        "voiceWorkMode": _maybe(_pick(clean, ["always_forward", "voicemail"], [3])),
        "isArchived": _maybe(_pick(clean, [True, False], ["yes"])),
        "archivedAt": stamps,
        "providerPhoneUuid": _maybe(st.sampled_from(["p-1", "p-2", ""])),
        "capabilities": _maybe(
            _pick(clean, [{"voice": True, "sms": False}, {"sms": True, "fax": True}, ["voice"]], [])
        ),
        "createdAt": stamps,
        "updatedAt": stamps,
        "enableVoice": st.booleans(),
    }
    snake = {
        "number": _maybe(st.sampled_from(_CANONICAL)),
        "phone_number": _maybe(st.sampled_from(_CANONICAL)),
        "voice_forward_number": _maybe(st.sampled_from(_CANONICAL)),
        "archived": _maybe(st.booleans()),
        "is_archived": _maybe(st.booleans()),
        "archived_at": _maybe(st.sampled_from(_ISO)),
        "created_at": _maybe(st.sampled_from(_ISO)),
    }
    required = {
        # the documented shape names a number by its uuid; without one it goes the careful way
        "uuid": _pick(clean, ["u-1", "u-2"], ["", None]),
        "id": _pick(clean, [1001, 1002, "1003"], ["", True, None]),
        "phoneNumber": _pick(clean, _CANONICAL, [*_LOOSE, None, 5]),
    }
    record = st.fixed_dictionaries(required, optional=fields if clean else {**fields, **snake})
    return draw(st.lists(record, max_size=6))


def _gravityrail_list(body: bytes, archived: bool, monkeypatch: pytest.MonkeyPatch, *, fast: bool) -> Any:
    module = importlib.import_module("phonefleet_gravityrail._adapter")
    from phonefleet.testing import emulate

    adapter = module.GravityRailAdapter(**emulate("gravityrail").settings)
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(module, "numbers_from_body", lambda *_: None)
        flow = adapter._list(archived, "list")
        request = next(flow)
        try:
            flow.send(httpx.Response(200, content=body, request=request))
        except StopIteration as done:
            return done.value
        except ResponseFormatError as exc:
            return exc
    raise AssertionError("the listing flow asked for more")


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), clean=st.booleans(), archived=st.booleans())
def test_gravityrail_fast_path_agrees_with_careful_path(
    data: Any, clean: bool, archived: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from phonefleet_gravityrail._listing import numbers_from_body

    body = json.dumps(data.draw(_gravityrail_page(clean))).encode()
    careful = _gravityrail_list(body, archived, monkeypatch, fast=False)
    through = _gravityrail_list(body, archived, monkeypatch, fast=True)
    fast = numbers_from_body(body, archived)
    if isinstance(careful, ResponseFormatError):
        assert fast is None
        assert isinstance(through, ResponseFormatError)
        assert str(through) == str(careful)
        return
    _same(through, careful)
    if clean:
        assert fast is not None  # the documented shape takes the fast path
    if fast is not None:
        _same(fast, careful)


def test_gravityrail_fast_path_takes_the_documented_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    from phonefleet.testing import emulate
    from phonefleet_gravityrail._listing import numbers_from_body

    emu = emulate("gravityrail", numbers=200, seed=3)
    client = httpx.Client(
        transport=emu.transport, headers={"Authorization": f"Bearer {emu.settings['api_key']}"}
    )
    url = f"{emu.settings['base_url']}/api/v2/w/{emu.settings['workspace']}/phone-numbers"
    body = client.get(url, params={"is_archived": "false"}).content
    fast = numbers_from_body(body, False)
    assert fast is not None
    _same(fast, _gravityrail_list(body, False, monkeypatch, fast=False))
    assert any(n.forwarding_number for n in fast)
    assert all(isinstance(n.created_at, datetime) for n in fast)


# -- the toolkit itself ------------------------------------------------------------


class _Item(msgspec.Struct, gc=False):
    id: str
    number: str
    kind: str | None = None


_LISTING = Listing(
    record=_Item,
    constants={"provider": "toy"},
    columns={
        "id": column("id", check="id"),
        "number": column("number", check="e164"),
        "name": column("kind", read=lambda kind: None if kind is None else kind.title()),
    },
)


def test_listing_reads_each_distinct_input_once() -> None:
    seen: list[Any] = []
    listing = Listing(
        record=_Item,
        constants={"provider": "toy"},
        columns={
            "id": column("id", check="id"),
            "number": column("number", check="e164"),
            "name": column("kind", read=lambda kind: seen.append(kind) or kind),
        },
    )
    body = json.dumps(
        [{"id": str(i), "number": "+12025550100", "kind": ["a", "b"][i % 2]} for i in range(10)]
    ).encode()
    read = listing.read(body)
    assert read is not None
    numbers = read.numbers()
    assert numbers is not None
    assert [n.name for n in numbers] == ["a", "b"] * 5
    assert sorted(seen) == ["a", "b"]
    assert dict(numbers[3].raw) == {"id": "3", "number": "+12025550100", "kind": "b"}


@pytest.mark.parametrize(
    "body",
    [
        b'[{"id": "", "number": "+12025550100"}]',  # an empty id
        b'[{"id": "a", "number": "+1 202 555 0100"}]',  # not canonical: the careful path normalises
        b'[{"id": "a", "number": 12025550100}]',  # off the declared types
        b'{"id": "a"}',  # not a list
        b"[" * 10_000,  # nesting too deep
    ],
)
def test_listing_gives_a_page_off_the_shape_up(body: bytes) -> None:
    read = _LISTING.read(body)
    assert read is None or read.numbers() is None


def test_listing_keeps_an_empty_page_empty() -> None:
    read = _LISTING.read(b"[]")
    assert read is not None
    assert read.numbers() == []
