"""Auth, scopes, workspaces, FastAPI error bodies, settings and secrets."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import phonefleet
from phonefleet import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    NumberChanges,
    PermissionDeniedError,
    ProviderError,
)
from phonefleet.adapter import Secret
from phonefleet.testing import Emulator, emulate
from phonefleet.testing.contract import SyncFacade
from phonefleet_gravityrail import DEFAULT_BASE_URL, GravityRailAdapter
from phonefleet_gravityrail.emulator import BASE_URL

WORKSPACE = "3f2b8a8e-5d0c-4a8e-9d55-0c5a9a1d2b11"
OTHER = "9c1e7a52-1b7f-4f3b-a0a4-6f8f2d9e0c33"
Open = Callable[..., Any]


@pytest.fixture
def emu() -> Emulator:
    return emulate("gravityrail", numbers=4, blocked=1, workspaces={OTHER: ["+13125550100"]})


@pytest.fixture(params=["sync", "async"])
def open_store(request: pytest.FixtureRequest, emu: Emulator) -> Iterator[Open]:
    opened: list[Any] = []

    def make(**settings: Any) -> Any:
        store: Any
        if request.param == "sync":
            store = emu.connect("gravityrail", **settings)
        else:
            store = SyncFacade(emu.connect_async("gravityrail", **settings))
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def token(emu: Emulator, *scopes: str) -> str:
    name = "gr_scoped_" + "_".join(s.split(":")[1] for s in scopes)
    return emu.transport.add_token(name, scopes, workspaces=[emu.settings["workspace"]])


def first(emu: Emulator) -> dict[str, Any]:
    return next(iter(emu.transport.workspaces[emu.settings["workspace"]].values()))


def bodies(emu: Emulator, method: str) -> list[Any]:
    return [json.loads(r.content) for r in emu.transport.requests if r.method == method]


# -- authentication and scopes ---------------------------------------------------
def test_a_bad_key_is_an_authentication_error_that_never_shows_the_key(open_store: Open) -> None:
    store = open_store(api_key="gr_wrong_key_0123456789")
    with pytest.raises(AuthenticationError) as caught:
        list(store.list())
    assert caught.value.status == 401
    assert caught.value.message == "Could not validate credentials"
    assert caught.value.request_id is not None
    assert caught.value.request_id in str(caught.value)
    assert "gr_wrong_key" not in str(caught.value)


@pytest.mark.parametrize(
    ("scopes", "call", "needed"),
    [
        (("phones:write",), lambda s, n: list(s.list()), "phones:read"),
        (("phones:write",), lambda s, n: s.get(n["uuid"]), "phones:read"),
        (("phones:read",), lambda s, n: s.create("+12025550177"), "phones:write"),
        (("phones:read",), lambda s, n: s.update(n["uuid"], NumberChanges(name="x")), "phones:write"),
        (("phones:read",), lambda s, n: s.set_forwarding(n["uuid"], "+12025550199"), "phones:write"),
        (("phones:read",), lambda s, n: s.link(n["uuid"], None), "phones:write"),
        (("phones:read",), lambda s, n: s.linkable(), "phones:write"),
        (("phones:read", "phones:write"), lambda s, n: s.archive_blockers(n["uuid"]), "phones:admin"),
        (("phones:read", "phones:write"), lambda s, n: s.archive(n["uuid"]), "phones:admin"),
    ],
)
def test_a_missing_scope_is_named(
    emu: Emulator, open_store: Open, scopes: tuple[str, ...], call: Any, needed: str
) -> None:
    store = open_store(api_key=token(emu, *scopes))
    with pytest.raises(PermissionDeniedError) as caught:
        call(store, first(emu))
    assert caught.value.status == 403
    assert caught.value.scope == needed
    assert needed in str(caught.value)
    assert emu.transport.count("POST", "/archive") == 0


def test_the_scope_comes_from_the_endpoint_when_the_detail_does_not_name_it() -> None:
    adapter = GravityRailAdapter(api_key="gr_x_123456", workspace=WORKSPACE)
    for method, path, needed in [
        ("GET", "", "phones:read"),
        ("GET", "/7", "phones:read"),
        ("PUT", "/7", "phones:write"),
        ("POST", "/7/link", "phones:write"),
        ("GET", "/linkable-phones", "phones:write"),
        ("GET", "/7/archive-blockers", "phones:admin"),
        ("POST", "/7/archive", "phones:admin"),
    ]:
        url = str(adapter.requests.base_url) + path
        response = httpx.Response(403, json={"detail": "Forbidden"}, request=httpx.Request(method, url))
        error = adapter.error_from_response(response, "op")
        assert isinstance(error, PermissionDeniedError)
        assert error.scope == needed, path


def test_a_key_of_another_workspace_is_refused(emu: Emulator, open_store: Open) -> None:
    other_key = next(t for t, g in emu.transport.tokens.items() if OTHER in g.workspaces)
    store = open_store(api_key=other_key)
    with pytest.raises(PermissionDeniedError):
        list(store.list())


def test_workspaces_are_isolated(emu: Emulator, open_store: Open) -> None:
    store = open_store()
    theirs = emu.transport.record("+13125550100")
    assert "+13125550100" not in {n.number for n in store.list(archived=None)}
    for ref in (theirs["uuid"], str(theirs["id"]), "+13125550100"):
        with pytest.raises(NotFoundError):
            store.get(ref)
    # and their key sees their number, by either id
    mine = open_store(
        api_key=next(t for t, g in emu.transport.tokens.items() if OTHER in g.workspaces), workspace=OTHER
    )
    assert mine.get(str(theirs["id"])) == mine.get(theirs["uuid"])


def test_an_unknown_workspace_is_not_found(open_store: Open) -> None:
    with pytest.raises(NotFoundError) as caught:
        list(open_store(workspace="00000000-0000-4000-8000-000000000000").list())
    assert caught.value.message == "Workspace not found"


# -- numbers, ids and updates ------------------------------------------------------
def test_numeric_id_and_uuid_address_the_same_number(emu: Emulator, open_store: Open) -> None:
    store = open_store()
    record = first(emu)
    by_uuid = store.get(record["uuid"])
    assert by_uuid.id == record["uuid"]
    assert by_uuid.raw["id"] == record["id"]
    assert store.get(str(record["id"])) == by_uuid
    assert store.get(record["uuid"].upper()) == by_uuid


def test_an_unknown_id_is_not_found_with_the_vendor_detail(open_store: Open) -> None:
    with pytest.raises(NotFoundError) as caught:
        open_store().get("999999")
    assert caught.value.message == "Phone number not found"
    assert caught.value.status == 404
    assert caught.value.request_id


def test_set_forwarding_sends_only_the_forward_and_its_mode(emu: Emulator, open_store: Open) -> None:
    store = open_store()
    record = first(emu)
    before = emu.transport.record(record["uuid"])
    changed = store.set_forwarding(record["uuid"], "+1 202 555 0188")
    assert changed.forwarding_number == "+12025550188"
    assert bodies(emu, "PUT") == [{"voiceForwardNumber": "+12025550188", "voiceWorkMode": "always_forward"}]
    after = emu.transport.record(record["uuid"])
    untouched = {k for k in before if k not in {"voiceForwardNumber", "voiceWorkMode", "updatedAt"}}
    assert {k: after[k] for k in untouched} == {k: before[k] for k in untouched}


@pytest.mark.parametrize(
    ("mode", "sent"),
    [
        ("always_forward", {"voiceForwardNumber": None, "voiceWorkMode": "voicemail"}),
        ("forward_off_hours", {"voiceForwardNumber": None, "voiceWorkMode": "voicemail_off_hours"}),
        ("message_off_hours", {"voiceForwardNumber": None}),
    ],
)
def test_clearing_forwarding_leaves_a_forwarding_mode(
    emu: Emulator, open_store: Open, mode: str, sent: dict[str, Any]
) -> None:
    store = open_store()
    record = first(emu)
    emu.transport.workspaces[record["workspaceUuid"]][record["id"]].update(
        voiceWorkMode=mode, voiceForwardNumber="+12025550111"
    )
    cleared = store.set_forwarding(str(record["id"]), None)
    assert cleared.forwarding_number is None
    assert bodies(emu, "PUT") == [sent]
    assert cleared.raw["voiceWorkMode"] == sent.get("voiceWorkMode", mode)


def test_update_name_sends_only_the_name(emu: Emulator, open_store: Open) -> None:
    store = open_store()
    record = first(emu)
    changed = store.update(record["phoneNumber"], NumberChanges(name="Night line"))
    assert changed.name == "Night line"
    assert bodies(emu, "PUT") == [{"name": "Night line"}]


def test_name_and_forwarding_go_in_one_put(emu: Emulator, open_store: Open) -> None:
    store = open_store()
    record = first(emu)
    store.update(record["uuid"], NumberChanges(name="Desk", forwarding_number="+12025550166"))
    assert bodies(emu, "PUT") == [
        {"name": "Desk", "voiceForwardNumber": "+12025550166", "voiceWorkMode": "always_forward"}
    ]


def test_a_422_keeps_its_location_and_type(emu: Emulator) -> None:
    with emu.connect("gravityrail") as store, pytest.raises(ProviderError) as caught:
        store.ex_update(first(emu)["uuid"], {"voiceWorkMode": "always_ring", "enableSms": "yes"})
    error = caught.value
    assert error.status == 422
    assert error.code == "enum"
    assert "body.voiceWorkMode" in error.message
    assert "body.enableSms: Input should be a valid boolean" in error.message


def test_forwarding_without_a_number_is_refused_by_the_emulator(emu: Emulator) -> None:
    with emu.connect("gravityrail") as store, pytest.raises(ProviderError) as caught:
        store.ex_update(first(emu)["uuid"], {"voiceWorkMode": "always_forward", "voiceForwardNumber": None})
    assert caught.value.status == 422
    assert caught.value.code == "value_error"


async def test_the_async_store_has_the_extras_too(emu: Emulator) -> None:
    async with emu.connect_async("gravityrail") as store:
        changed = await store.ex_update(first(emu)["uuid"], {"smsWorkMode": "voicemail"})
    assert changed.raw["smsWorkMode"] == "voicemail"


# -- links -----------------------------------------------------------------------
def test_link_is_bidirectional_and_exclusive(emu: Emulator, open_store: Open) -> None:
    store = open_store()
    numbers = list(store.list())
    free = next(p for p in store.linkable() if not p.assigned)
    linked = store.link(numbers[1].id, free.id)
    assert linked.link == free.id
    phone = emu.transport.provider_phones[free.id]
    assert phone["workspacePhoneUuid"] == numbers[1].id
    assert next(p for p in store.linkable() if p.id == free.id).assigned
    with pytest.raises(ConflictError):
        store.link(numbers[2].id, free.id)
    assert store.link(numbers[1].id, free.id).link == free.id  # again: same state
    assert store.link(numbers[1].id, None).link is None
    assert not next(p for p in store.linkable() if p.id == free.id).assigned
    assert [json.loads(r.content) for r in emu.transport.requests if r.url.path.endswith("/link")][-1] == {
        "providerPhoneUuid": None
    }


def test_another_workspaces_provider_phone_cannot_be_linked(emu: Emulator, open_store: Open) -> None:
    store = open_store()
    theirs = emu.transport.record("+13125550100")["providerPhoneUuid"]
    assert theirs is not None
    assert theirs not in {p.id for p in store.linkable()}
    with pytest.raises(NotFoundError):
        store.link(first(emu)["uuid"], theirs)


def test_archive_releases_the_provider_phone(emu: Emulator, open_store: Open) -> None:
    store = open_store()
    number = next(n for n in store.list() if n.link and n.number not in emu.transport.blocked_numbers())
    archived = store.archive(number)
    assert archived.link is None
    assert emu.transport.provider_phones[number.link]["workspacePhoneUuid"] is None
    with pytest.raises(ConflictError):
        store.update(archived.id, NumberChanges(name="again"))


# -- the emulator's own answers ---------------------------------------------------------
def test_the_emulator_speaks_fastapi(emu: Emulator) -> None:
    base = f"{BASE_URL}/api/v2/w/{emu.settings['workspace']}/phone-numbers"
    headers = {"Authorization": f"Bearer {emu.settings['api_key']}"}
    with httpx.Client(transport=emu.transport, headers=headers) as client:
        bad = client.get(base, params={"is_archived": "maybe"})
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["query", "is_archived"]
        assert bad.headers["X-Request-Id"]
        assert client.get(base, params={"is_archived": "TRUE"}).status_code == 200
        assert client.get(f"{BASE_URL}/api/v2/nothing").json() == {"detail": "Not Found"}
        assert client.delete(f"{base}/1001").status_code == 405
        assert client.post(base, content=b"{").json()["detail"][0]["type"] == "json_invalid"
        assert client.post(base, json={}).status_code == 422
        assert client.post(f"{base}/1001/link", json={}).json()["detail"][0]["type"] == "missing"
        ids = {client.get(base).headers["X-Request-Id"] for _ in range(3)}
        assert len(ids) == 3


def test_the_emulator_is_deterministic() -> None:
    one = emulate("gravityrail", numbers=5, seed=3)
    two = emulate("gravityrail", numbers=5, seed=3)
    three = emulate("gravityrail", numbers=5, seed=4)
    assert one.settings == two.settings
    assert one.transport.workspaces == two.transport.workspaces
    assert one.transport.workspaces != three.transport.workspaces


# -- settings and secrets -------------------------------------------------------------
def test_settings_fall_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAVITY_RAIL_API_KEY", "gr_env_key_123456")
    monkeypatch.setenv("GRAVITY_RAIL_WORKSPACE", WORKSPACE.upper())
    monkeypatch.delenv("GRAVITY_RAIL_API_URL", raising=False)
    adapter = GravityRailAdapter()
    assert adapter.workspace == WORKSPACE
    assert str(adapter.base_url) == DEFAULT_BASE_URL + "/"
    assert adapter.describe() == f"gravityrail {DEFAULT_BASE_URL}/api/v2/w/{WORKSPACE}/phone-numbers"
    monkeypatch.setenv("GRAVITY_RAIL_API_URL", "https://staging.gravityrail.test/api/v2/")
    assert (
        GravityRailAdapter()
        .describe()
        .endswith(f"staging.gravityrail.test/api/v2/w/{WORKSPACE}/phone-numbers")
    )


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"workspace": WORKSPACE}, "api_key"),
        ({"api_key": "gr_x_123456"}, "workspace"),
        ({"api_key": "gr_x_123456", "workspace": "ws-1"}, "uuid"),
        ({"api_key": "gr_x_123456", "workspace": WORKSPACE, "base_url": "http://gr.example"}, "http"),
    ],
)
def test_bad_settings_are_refused_before_any_request(
    monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], complaint: str
) -> None:
    for name in ("GRAVITY_RAIL_API_KEY", "GRAVITY_RAIL_WORKSPACE", "GRAVITY_RAIL_API_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match=complaint):
        phonefleet.connect("gravityrail", **settings)


def test_the_key_never_shows(emu: Emulator) -> None:
    key = emu.settings["api_key"]
    with emu.connect("gravityrail") as store:
        shown = [repr(store), repr(store.adapter.auth), store.adapter.describe(), repr(Secret(key))]
    assert all(key not in text for text in shown)
    adapter = GravityRailAdapter(api_key=Secret(key), workspace=WORKSPACE)
    echoed = httpx.Response(
        401,
        json={"detail": f"Invalid API key {key}; header was Bearer {key}"},
        request=httpx.Request("GET", str(adapter.requests.base_url)),
    )
    message = str(adapter.error_from_response(echoed, "list"))
    assert key not in message
    assert "gr_" not in message


def test_credentials_go_only_to_the_api_origin() -> None:
    adapter = GravityRailAdapter(api_key="gr_x_123456", workspace=WORKSPACE)
    assert adapter.is_own_origin(httpx.URL("https://api.gravityrail.com/anything"))
    assert not adapter.is_own_origin(httpx.URL("https://evil.example/api/v2"))
    assert not adapter.is_own_origin(httpx.URL("http://api.gravityrail.com/api/v2"))


@pytest.mark.parametrize("hostile", ["../../admin", "a/b", "..", "42?x=1", "not-a-uuid", "12a"])
def test_an_id_that_is_neither_numeric_nor_a_uuid_is_never_sent(emu: Emulator, hostile: str) -> None:
    with emu.connect("gravityrail") as store:
        before = emu.transport.count()
        for call in (
            lambda: store.get(hostile),
            lambda: store.update(hostile, NumberChanges(name="x")),
            lambda: store.archive_blockers(hostile),
            lambda: store.archive(hostile),
            lambda: store.link(hostile, None),
        ):
            with pytest.raises(NotFoundError, match="no number"):
                call()
        assert emu.transport.count() == before
