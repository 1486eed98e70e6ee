"""Linq flows fed by hand: the requests they build and how they read answers.

No transport and no event loop: a flow is a generator, so each test sends it
responses and looks at what it yields.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import phonefleet
from phonefleet import (
    Feature,
    InvalidNumberError,
    NotFoundError,
    NumberChanges,
    PhoneNumber,
    Reputation,
    ReputationStatus,
    ResponseFormatError,
    UnsupportedOperationError,
)
from phonefleet.adapter import Flow, Ref, Secret
from phonefleet_linq import DEFAULT_BASE_URL, FEATURES, LinqAdapter, LinqStore

KEY = "sk-linq-test-0123456789"
ID = "550e8400-e29b-41d4-a716-446655440000"
RECORD = {
    "id": ID,
    "phone_number": "+12025551234",
    "forwarding_number": "+12025559999",
    "reputation": {"status": "CRITICAL", "doc_url": "https://docs.linqapp.com/x#critical"},
    "health_status": {"status": "CRITICAL", "doc_url": "https://docs.linqapp.com/x#critical"},
    "line_type": "iMessage",
}
OTHER = {"id": "other-id", "phone_number": "+12025559876", "forwarding_number": None}


def answer(
    status: int, body: Any, request: httpx.Request, headers: dict[str, str] | None = None
) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers, request=request)


def drive(
    flow: Flow[Any], *handlers: Callable[[httpx.Request], httpx.Response]
) -> tuple[Any, list[httpx.Request]]:
    """Run a flow with one handler per request it yields; return its result and the requests."""
    sent: list[httpx.Request] = []
    try:
        request = next(flow)
        for handler in handlers:
            sent.append(request)
            request = flow.send(handler(request))
    except StopIteration as stop:
        return stop.value, sent
    msg = f"the flow sent more requests than expected: {request.method} {request.url}"
    raise AssertionError(msg)


def listing(*records: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: answer(200, {"phone_numbers": list(records)}, request)


@pytest.fixture
def adapter() -> LinqAdapter:
    return LinqAdapter(api_key=KEY)


# -- settings ---------------------------------------------------------------------------
def test_settings_fall_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINQ_API_V3_API_KEY", "from-env")
    monkeypatch.setenv("LINQ_API_V3_BASE_URL", "https://linq.example.com/api/partner/")
    adapter = LinqAdapter()
    assert adapter.api_key.reveal() == "from-env"
    assert str(adapter.base_url) == "https://linq.example.com/api/partner"


def test_explicit_settings_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINQ_API_V3_API_KEY", "from-env")
    monkeypatch.delenv("LINQ_API_V3_BASE_URL", raising=False)
    adapter = LinqAdapter(api_key=Secret("explicit"))
    assert adapter.api_key.reveal() == "explicit"
    assert str(adapter.base_url) == DEFAULT_BASE_URL


def test_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINQ_API_V3_API_KEY", raising=False)
    with pytest.raises(ValueError, match="LINQ_API_V3_API_KEY"):
        phonefleet.connect("linq")


def test_plain_http_is_refused_except_to_loopback() -> None:
    with pytest.raises(ValueError, match="http"):
        LinqAdapter(api_key=KEY, base_url="http://api.linqapp.com/api/partner")
    assert LinqAdapter(api_key=KEY, base_url="http://127.0.0.1:8080/api").base_url.port == 8080


def test_the_key_never_shows(adapter: LinqAdapter) -> None:
    store = LinqStore(adapter)
    for text in (repr(adapter), repr(store), adapter.describe(), repr(adapter.api_key), repr(adapter.auth)):
        assert KEY not in text
    assert adapter.describe() == f"linq {DEFAULT_BASE_URL}"
    assert "linq" in repr(store)


def test_bearer_goes_only_to_linq(adapter: LinqAdapter) -> None:
    assert adapter.is_own_origin(httpx.URL("https://api.linqapp.com/api/partner/v3/phone_numbers"))
    assert not adapter.is_own_origin(httpx.URL("https://evil.example.com/v3/phone_numbers"))
    assert not adapter.is_own_origin(httpx.URL("http://api.linqapp.com/api/partner/v3/phone_numbers"))
    assert adapter.auth is not None
    request = httpx.Request("GET", "https://api.linqapp.com/api/partner/v3/phone_numbers")
    flow = adapter.auth.auth_flow(request)
    assert next(flow).headers["Authorization"] == f"Bearer {KEY}"


def test_features() -> None:
    assert frozenset({Feature.LIST, Feature.GET, Feature.SET_FORWARDING, Feature.REPUTATION}) == FEATURES
    assert LinqAdapter(api_key=KEY).features == FEATURES


# -- list / get ---------------------------------------------------------------------------
def test_list_is_one_get(adapter: LinqAdapter) -> None:
    page, sent = drive(adapter.list_page(False, None), listing(RECORD, OTHER))
    assert [r.method for r in sent] == ["GET"]
    assert str(sent[0].url) == f"{DEFAULT_BASE_URL}/v3/phone_numbers"
    assert page.next is None
    first, second = page.items
    assert first == PhoneNumber(
        provider="linq",
        id=ID,
        number="+12025551234",
        forwarding_number="+12025559999",
        reputation=Reputation(ReputationStatus.CRITICAL, "https://docs.linqapp.com/x#critical"),
    )
    assert first.raw["line_type"] == "iMessage"  # unknown fields are kept
    assert second.reputation is None  # none sent, none invented


def test_list_none_is_the_active_numbers(adapter: LinqAdapter) -> None:
    page, sent = drive(adapter.list_page(None, None), listing(RECORD))
    assert len(sent) == 1
    assert [n.id for n in page.items] == [ID]


def test_list_archived_sends_nothing_and_yields_nothing(adapter: LinqAdapter) -> None:
    page, sent = drive(adapter.list_page(True, None))
    assert sent == []
    assert list(page.items) == []


@pytest.mark.parametrize("ref", [Ref(id=ID), Ref(number="+12025551234")])
def test_get_lists_and_picks(adapter: LinqAdapter, ref: Ref) -> None:
    found, sent = drive(adapter.get(ref), listing(OTHER, RECORD))
    assert found.id == ID
    assert [(r.method, r.url.path) for r in sent] == [("GET", "/api/partner/v3/phone_numbers")]


def test_get_unknown_is_not_found(adapter: LinqAdapter) -> None:
    with pytest.raises(NotFoundError):
        drive(adapter.get(Ref(id="nope")), listing(RECORD))


def test_get_docstring_says_it_lists() -> None:
    assert "lists" in (LinqAdapter.get.__doc__ or "")


# -- forwarding ---------------------------------------------------------------------------
def test_set_forwarding_by_id_is_one_put(adapter: LinqAdapter) -> None:
    reply = {"id": ID, "phone_number": "+12025551234", "forwarding_number": "+12025550100"}
    changed, sent = drive(adapter.set_forwarding(Ref(id=ID), "+12025550100"), lambda r: answer(200, reply, r))
    (put,) = sent
    assert put.method == "PUT"
    assert put.url.path == f"/api/partner/v3/phone_numbers/{ID}"
    assert json.loads(put.content) == {"forwarding_number": "+12025550100"}
    assert put.headers["Content-Type"] == "application/json"
    assert changed.forwarding_number == "+12025550100"
    assert changed.reputation is None  # the PUT answer has no reputation: none reported


def test_clearing_sends_null(adapter: LinqAdapter) -> None:
    reply = {"id": ID, "phone_number": "+12025551234", "forwarding_number": None}
    cleared, sent = drive(adapter.set_forwarding(Ref(id=ID), None), lambda r: answer(200, reply, r))
    assert json.loads(sent[0].content) == {"forwarding_number": None}
    assert cleared.forwarding_number is None


def test_cleared_as_empty_string_reads_as_none(adapter: LinqAdapter) -> None:
    reply = {"id": ID, "phone_number": "+12025551234", "forwarding_number": ""}
    cleared, _ = drive(adapter.set_forwarding(Ref(id=ID), None), lambda r: answer(200, reply, r))
    assert cleared.forwarding_number is None


def test_set_forwarding_by_number_looks_the_id_up_first(adapter: LinqAdapter) -> None:
    reply = {"id": ID, "phone_number": "+12025551234", "forwarding_number": None}
    _, sent = drive(
        adapter.set_forwarding(Ref(number="+12025551234"), None),
        listing(OTHER, RECORD),
        lambda r: answer(200, reply, r),
    )
    assert [(r.method, r.url.path) for r in sent] == [
        ("GET", "/api/partner/v3/phone_numbers"),
        ("PUT", f"/api/partner/v3/phone_numbers/{ID}"),
    ]


def test_ids_are_percent_encoded(adapter: LinqAdapter) -> None:
    reply = {"id": "a/../b", "phone_number": "+12025551234", "forwarding_number": None}
    _, sent = drive(adapter.set_forwarding(Ref(id="a/../b"), None), lambda r: answer(200, reply, r))
    from urllib.parse import unquote

    prefix, _, segment = sent[0].url.raw_path.decode().rpartition("/")
    assert prefix == "/api/partner/v3/phone_numbers"
    assert unquote(segment) == "a/../b"


def test_update_only_changes_forwarding(adapter: LinqAdapter) -> None:
    reply = {"id": ID, "phone_number": "+12025551234", "forwarding_number": "+12025550100"}
    changed, _ = drive(
        adapter.update(Ref(id=ID), NumberChanges(forwarding_number="+12025550100")),
        lambda r: answer(200, reply, r),
    )
    assert changed.forwarding_number == "+12025550100"
    with pytest.raises(UnsupportedOperationError):
        drive(adapter.update(Ref(id=ID), NumberChanges(name="x")))


def _counting_store() -> tuple[LinqStore, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500)

    store = phonefleet.connect("linq", api_key=KEY, transport=httpx.MockTransport(handler))
    assert isinstance(store, LinqStore)
    return store, seen


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.update(ID, NumberChanges(name="Front desk")),
        lambda s: s.create("+12025550177"),
        lambda s: s.archive(ID),
        lambda s: s.archive_blockers(ID),
        lambda s: s.link(ID, "pp-1"),
        lambda s: s.linkable(),
    ],
)
def test_unsupported_operations_send_nothing(call: Callable[[LinqStore], Any]) -> None:
    store, seen = _counting_store()
    with pytest.raises(UnsupportedOperationError) as caught:
        call(store)
    assert caught.value.provider == "linq"
    assert seen == []


@pytest.mark.parametrize("bad", ["not a number", "+1", "+1 202 555", "12025550100"])
def test_bad_forwarding_is_refused_before_any_request(bad: str) -> None:
    store, seen = _counting_store()
    with pytest.raises(InvalidNumberError):
        store.set_forwarding(ID, bad)
    with pytest.raises(InvalidNumberError):
        store.update(ID, NumberChanges(forwarding_number=bad))
    assert seen == []


# -- answers that are not Linq's shape ------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        b"<html>upstream</html>",
        b"[]",
        b'{"phone_numbers": {}}',
        b'{"phone_numbers": [{"phone_number": "+12025551234"}]}',
        b'{"phone_numbers": [{"id": "x"}]}',
        b'{"phone_numbers": [{"id": "x", "phone_number": "hello"}]}',
        b'{"phone_numbers": [{"id": "x", "phone_number": "+12025551234", "forwarding_number": 5}]}',
        b'{"phone_numbers": [{"id": "", "phone_number": "+12025551234"}]}',
    ],
)
def test_bad_listing_is_a_response_format_error(adapter: LinqAdapter, body: bytes) -> None:
    with pytest.raises(ResponseFormatError):
        drive(adapter.list_page(False, None), lambda r: answer(200, body, r))


def test_bad_put_answer_is_a_response_format_error(adapter: LinqAdapter) -> None:
    with pytest.raises(ResponseFormatError):
        drive(adapter.set_forwarding(Ref(id=ID), None), lambda r: answer(200, {"ok": True}, r))


# -- the import boundary ----------------------------------------------------------------------
ALLOWED = ("phonefleet", "phonefleet.adapter", "phonefleet.testing", "httpx", "attrs", "cattrs", "msgspec")


def test_adapter_imports_only_the_public_api() -> None:
    import sys

    package = Path(__file__).resolve().parent.parent / "adapters" / "phonefleet_linq"
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert name in ALLOWED or top in sys.stdlib_module_names or name.startswith(ALLOWED[3:]), (
                    f"{path.name} imports {name}"
                )
                assert not name.startswith("phonefleet._"), f"{path.name} imports {name}"


def test_registration_describes_its_settings() -> None:
    from phonefleet.adapter import registration

    reg = registration("linq")
    assert reg.name == "linq"
    by_name = {setting.name: setting for setting in reg.settings}
    assert by_name["api_key"].env == ("LINQ_API_V3_API_KEY",)
    assert by_name["api_key"].secret
    assert by_name["base_url"].env == ("LINQ_API_V3_BASE_URL",)
    assert not by_name["base_url"].required
    assert reg.emulator is not None
