"""Archive (and create) safety: a destructive POST is never repeated blindly.

Faults are injected by the emulator on POSTs only, so every GET the flow
makes to look before it leaps goes through; the emulator's request log then
shows exactly what reached the server, in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from phonefleet import (
    ArchiveBlockedError,
    PhoneNumber,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    TransportError,
)
from phonefleet.adapter import Ref
from phonefleet.testing import Emulator, Fault, FaultPlan, emulate
from phonefleet.testing.contract import SyncFacade
from phonefleet_gravityrail import MAX_POST_ATTEMPTS, GravityRailAdapter

WORKSPACE = "3f2b8a8e-5d0c-4a8e-9d55-0c5a9a1d2b11"
Connect = Callable[[Emulator], Any]


@pytest.fixture(params=["sync", "async"])
def connect(request: pytest.FixtureRequest) -> Iterator[Connect]:
    opened: list[Any] = []

    def open_store(emu: Emulator) -> Any:
        store: Any = emu.connect("gravityrail")
        if request.param == "async":
            store = SyncFacade(emu.connect_async("gravityrail"))
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


def faulty(*script: Fault | None, **options: Any) -> Emulator:
    plan = FaultPlan(methods=frozenset({"POST"}), script=list(script))
    return emulate("gravityrail", numbers=4, blocked=1, faults=plan, **options)


def log(emu: Emulator) -> list[str]:
    """The requests that reached the emulator, as 'METHOD last-path-part'."""
    return [f"{r.method} {r.url.path.rsplit('/', 1)[-1]}" for r in emu.transport.requests]


def archive_posts(emu: Emulator) -> int:
    return emu.transport.count("POST", "/archive")


def target(emu: Emulator) -> str:
    """An unblocked active number of the emulator."""
    blocked = set(emu.transport.blocked_numbers())
    return next(
        r["phoneNumber"]
        for r in emu.transport.workspaces[emu.settings["workspace"]].values()
        if r["phoneNumber"] not in blocked
    )


@pytest.mark.parametrize("fault", [Fault.DROP_AFTER, Fault.SLOW])
def test_an_archive_that_took_effect_before_the_failure_is_not_sent_again(
    connect: Connect, fault: Fault
) -> None:
    emu = faulty(fault)
    number = target(emu)
    archived = connect(emu).archive(number)
    assert archived.archived
    assert archived.archived_at is not None
    assert archive_posts(emu) == 1
    # the flow looked (GET the number) after the failed POST, and stopped there
    assert log(emu)[-2:] == ["POST archive", f"GET {archived.id}"]
    assert emu.transport.faults.injected == [("POST", emu.transport.requests[-2].url.path, fault)]


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.MALFORMED])
def test_an_archive_that_did_not_take_effect_is_sent_again_after_looking(
    connect: Connect, fault: Fault
) -> None:
    emu = faulty(fault)
    number = target(emu)
    archived = connect(emu).archive(number)
    assert archived.archived
    assert archive_posts(emu) == 2
    assert log(emu)[-3:] == ["POST archive", f"GET {archived.id}", "POST archive"]
    assert emu.transport.record(number)["isArchived"] is True


def test_a_connection_refused_before_sending_is_retried_by_the_driver(connect: Connect) -> None:
    emu = faulty(Fault.DROP_BEFORE)
    archived = connect(emu).archive(target(emu))
    assert archived.archived
    # two POSTs in the log, but the first never reached the application
    assert log(emu)[-2:] == ["POST archive", "POST archive"]
    assert [f for *_, f in emu.transport.faults.injected] == [Fault.DROP_BEFORE]


def test_archive_gives_up_after_bounded_attempts_each_preceded_by_a_look(connect: Connect) -> None:
    emu = faulty(*[Fault.SERVER_ERROR] * MAX_POST_ATTEMPTS)
    number = target(emu)
    with pytest.raises(ServerError) as caught:
        connect(emu).archive(number)
    assert caught.value.status in {500, 502, 503, 504}
    assert caught.value.message == "An internal server error occurred"
    assert caught.value.request_id is not None
    assert archive_posts(emu) == MAX_POST_ATTEMPTS
    tail = log(emu)[-(2 * MAX_POST_ATTEMPTS) :]
    assert tail[0::2] == ["POST archive"] * MAX_POST_ATTEMPTS
    assert all(entry.startswith("GET ") for entry in tail[1::2])
    assert emu.transport.record(number)["isArchived"] is False


def test_a_rate_limited_archive_is_waited_out_and_sent_again(connect: Connect) -> None:
    emu = faulty(Fault.RATE_LIMIT)
    number = target(emu)
    archived = connect(emu).archive(number)
    assert archived.archived
    assert log(emu)[-2:] == ["POST archive", "POST archive"]  # the 429 applied nothing
    assert emu.transport.record(number)["isArchived"] is True


def test_a_rate_limit_longer_than_the_cap_reaches_the_caller(connect: Connect) -> None:
    emu = faulty(*[Fault.RATE_LIMIT] * 10)
    number = target(emu)
    with pytest.raises(RateLimitError) as caught:
        connect(emu).archive(number)
    assert caught.value.retry_after == 1.0
    assert archive_posts(emu) == 5  # the test-mode attempt limit, then the caller decides
    assert emu.transport.record(number)["isArchived"] is False


def test_an_archived_number_is_returned_unchanged_without_a_post(connect: Connect) -> None:
    emu = faulty()
    store = connect(emu)
    number = target(emu)
    first = store.archive(number)
    before = len(emu.transport.requests)
    again = store.archive(first.id)
    assert again == first
    assert again.archived_at == first.archived_at
    assert archive_posts(emu) == 1
    assert log(emu)[before:] == [f"GET {first.id}"]  # no blockers check, no POST
    by_number = store.archive(number)  # found among the archived by listing
    assert by_number == first
    assert archive_posts(emu) == 1


def test_a_blocked_archive_asks_first_and_sends_nothing(connect: Connect) -> None:
    emu = faulty()
    blocked = emu.transport.blocked_numbers()[0]
    with pytest.raises(ArchiveBlockedError) as caught:
        connect(emu).archive(blocked)
    assert [b.kind for b in caught.value.blockers] == ["workflow", "workflow"]
    assert all(b.name for b in caught.value.blockers)
    assert "blocked by workflow" in str(caught.value)
    assert archive_posts(emu) == 0
    assert log(emu)[-1].endswith("archive-blockers")


def test_a_409_from_the_post_becomes_archive_blocked_with_the_blockers(connect: Connect) -> None:
    emu = faulty()
    number = target(emu)
    store = connect(emu)
    real = emu.transport.handle
    # a workflow starts using the number between the check and the POST

    def racing(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/archive"):
            emu.transport.set_blockers(number, [(42, "Weekend triage")])
        return real(request)

    emu.transport.handle = racing  # type: ignore[method-assign]
    with pytest.raises(ArchiveBlockedError) as caught:
        store.archive(number)
    assert caught.value.status == 409
    assert caught.value.request_id is not None
    assert "Weekend triage" in caught.value.message
    assert [(b.id, b.name) for b in caught.value.blockers] == [("42", "Weekend triage")]
    assert archive_posts(emu) == 1
    assert emu.transport.record(number)["isArchived"] is False


def test_create_that_took_effect_is_not_sent_again(connect: Connect) -> None:
    emu = faulty(Fault.DROP_AFTER)
    created = connect(emu).create("+12025550177", name="Overflow")
    assert created.number == "+12025550177"
    assert emu.transport.count("POST") == 1
    assert log(emu)[-1] == "GET phone-numbers"  # looked in the listing instead


def test_create_that_did_not_take_effect_is_sent_again(connect: Connect) -> None:
    emu = faulty(Fault.SERVER_ERROR)
    created = connect(emu).create("+12025550177")
    assert created.name is None
    assert emu.transport.count("POST") == 2
    numbers = [r["phoneNumber"] for r in emu.transport.workspaces[emu.settings["workspace"]].values()]
    assert numbers.count("+12025550177") == 1


# -- the flow itself, with no driver and no I/O ---------------------------------------
def _adapter() -> GravityRailAdapter:
    return GravityRailAdapter(api_key="gr_test_flow", workspace=WORKSPACE, base_url="https://gr.test")


def _number(**fields: Any) -> dict[str, Any]:
    return {"id": 7, "uuid": "0b6c5a4e-3c1d-4f5e-8a9b-1c2d3e4f5a6b", "number": "+12025550100", **fields}


def _reply(request: httpx.Request, status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body, request=request)


def test_the_archive_flow_looks_before_it_leaps_without_any_io() -> None:
    flow = _adapter().archive(Ref(id="7"))
    get = next(flow)
    assert (get.method, get.url.path) == ("GET", f"/api/v2/w/{WORKSPACE}/phone-numbers/7")
    blockers = flow.send(_reply(get, 200, _number(isArchived=False)))
    assert blockers.url.path.endswith("/archive-blockers")
    post = flow.send(_reply(blockers, 200, []))
    assert (post.method, post.url.path.rsplit("/", 1)[-1]) == ("POST", "archive")
    assert post.extensions.get("phonefleet.retry") == "rate_limit"  # never blindly repeated; a 429 may be
    look = flow.throw(TransportError("connection reset"))
    assert (look.method, look.url.path.rsplit("/", 1)[-1]) == ("GET", _number()["uuid"])
    with pytest.raises(StopIteration) as done:
        flow.send(_reply(look, 200, _number(isArchived=True, archivedAt="2025-03-01T10:00:00Z")))
    result = done.value.value
    assert isinstance(result, PhoneNumber)
    assert result.archived


@pytest.mark.parametrize(
    "verdict",
    [
        {"blockers": [], "canArchive": False},
        {"workflows": [], "can_archive": False},
        [{"id": 3, "name": "Intake"}],
        {"blockers": [{"uuid": "wf-9", "kind": "automation"}]},
    ],
)
def test_a_blocking_verdict_raises_before_any_post(verdict: Any) -> None:
    flow = _adapter().archive(Ref(id="7"))
    get = next(flow)
    blockers = flow.send(_reply(get, 200, _number()))
    with pytest.raises(ArchiveBlockedError) as caught:
        flow.send(_reply(blockers, 200, verdict))
    assert caught.value.status is None  # refused here, not by the server
    items = verdict if isinstance(verdict, list) else verdict.get("blockers", [])
    assert len(caught.value.blockers) == len(items)


def test_can_archive_true_lets_listed_items_through() -> None:
    flow = _adapter().archive(Ref(id="7"))
    get = next(flow)
    blockers = flow.send(_reply(get, 200, _number()))
    post = flow.send(_reply(blockers, 200, {"blockers": [{"id": 1, "name": "Old"}], "canArchive": True}))
    assert post.method == "POST"


def test_an_archive_answer_that_does_not_show_it_archived_is_checked() -> None:
    flow = _adapter().archive(Ref(id="7"))
    get = next(flow)
    blockers = flow.send(_reply(get, 200, _number()))
    post = flow.send(_reply(blockers, 200, {"blockers": [], "canArchive": True}))
    look = flow.send(_reply(post, 200, {"ok": True}))
    assert look.method == "GET"
    with pytest.raises(StopIteration) as done:
        flow.send(_reply(look, 200, _number(archived=True)))
    assert done.value.value.archived


def test_an_unreadable_answer_then_no_archive_state_fails_typed() -> None:
    flow = _adapter().archive(Ref(id="7"))
    request = next(flow)
    request = flow.send(_reply(request, 200, _number()))
    request = flow.send(_reply(request, 200, []))
    for _ in range(MAX_POST_ATTEMPTS - 1):
        request = flow.send(httpx.Response(200, content=b"<html>", request=request))
        request = flow.send(_reply(request, 200, _number(isArchived=False)))  # still not archived
        assert request.method == "POST"
    request = flow.send(httpx.Response(200, content=b"<html>", request=request))
    with pytest.raises(ResponseFormatError):
        flow.send(_reply(request, 200, _number(isArchived=False)))


def test_a_look_that_does_not_say_whether_it_is_archived_stops_the_resend() -> None:
    flow = _adapter().archive(Ref(id="7"))
    request = flow.send(_reply(next(flow), 200, _number()))
    post = flow.send(_reply(request, 200, []))
    look = flow.send(httpx.Response(200, content=b"<html>", request=post))
    assert look.method == "GET"
    silent = {k: v for k, v in _number().items() if k not in {"isArchived", "archived", "archivedAt"}}
    with pytest.raises(ResponseFormatError):
        flow.send(_reply(look, 200, silent))  # no proof either way: no second POST


def test_an_archive_answer_that_says_not_archived_is_checked() -> None:
    flow = _adapter().archive(Ref(id="7"))
    request = flow.send(_reply(next(flow), 200, _number()))
    post = flow.send(_reply(request, 200, []))
    look = flow.send(_reply(post, 200, _number(isArchived=False)))
    assert look.method == "GET"
    again = flow.send(_reply(look, 200, _number(isArchived=False)))
    assert again.method == "POST"


def test_a_silent_archive_answer_is_taken_at_its_word() -> None:
    flow = _adapter().archive(Ref(id="7"))
    request = flow.send(_reply(next(flow), 200, _number()))
    post = flow.send(_reply(request, 200, []))
    with pytest.raises(StopIteration) as done:
        flow.send(_reply(post, 200, _number()))  # 2xx, no archive field at all
    assert done.value.value.archived
    assert done.value.value.archived_at is None  # not invented


def test_a_rate_limited_create_is_waited_out_and_creates_once() -> None:
    from phonefleet.testing import seeded_numbers

    plan = FaultPlan(script=[Fault.RATE_LIMIT], methods=frozenset({"POST"}))
    emu = emulate("gravityrail", numbers=2, faults=plan)
    number = next(iter(seeded_numbers(1, offset=90_000)))
    with emu.connect("gravityrail") as store:
        created = store.create(number, name="New line")
        assert created.number == number
        assert [n.number for n in store.list()].count(number) == 1
    assert emu.transport.count("POST") == 2  # the 429, then the create
    assert len([r for r in emu.transport.applied if r.method == "POST"]) == 1
