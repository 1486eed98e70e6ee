"""Gravity Rail has no official Python SDK: plain `requests` and `urllib`, as an app would.

Each write goes over the socket to the served emulator, then phonefleet
reads the same server back.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
from phonefleet import ArchiveBlockedError
from phonefleet.testing import EmulatorServer, serve


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with serve("gravityrail", numbers=6, blocked=1, archived=2) as served:
        yield served


@pytest.fixture
def session(server: EmulatorServer) -> Iterator[requests.Session]:
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {server.settings['api_key']}"
        yield http


def _numbers_url(server: EmulatorServer) -> str:
    return f"{server.base_url}/api/v2/w/{server.settings['workspace']}/phone-numbers"


def test_requests_list_get_update_then_phonefleet(server: EmulatorServer, session: requests.Session) -> None:
    url = _numbers_url(server)
    listed = session.get(url).json()
    archived = session.get(url, params={"is_archived": "true"}).json()
    assert (len(listed), len(archived)) == (6, 2)
    first = listed[0]
    assert session.get(f"{url}/{first['uuid']}").json() == first
    changed = session.put(
        f"{url}/{first['uuid']}",
        json={"name": "Reception", "voiceWorkMode": "always_forward", "voiceForwardNumber": "+12025550111"},
    )
    assert changed.status_code == 200
    assert changed.json()["name"] == "Reception"
    with server.connect() as store:
        number = store.get(first["uuid"])
        every = list(store.list(archived=None))
    assert number.name == "Reception"
    assert number.forwarding_number == "+12025550111"
    assert {n.id for n in every} == {r["uuid"] for r in listed + archived}


def test_requests_create_archive_and_a_blocked_archive(
    server: EmulatorServer, session: requests.Session
) -> None:
    url = _numbers_url(server)
    created = session.post(url, json={"phoneNumber": "+12025550177", "name": "New line"})
    assert created.status_code == 201
    ident = created.json()["uuid"]
    archived = session.post(f"{url}/{ident}/archive")
    assert archived.json()["isArchived"] is True
    blocked = session.get(url).json()[0]
    blockers = session.get(f"{url}/{blocked['uuid']}/archive-blockers").json()
    assert blockers["canArchive"] is False
    refused = session.post(f"{url}/{blocked['uuid']}/archive")
    assert refused.status_code == 409
    with server.connect() as store:
        assert store.get(ident).archived is True
        assert len(store.archive_blockers(blocked["uuid"])) == len(blockers["blockers"])
        with pytest.raises(ArchiveBlockedError):
            store.archive(blocked["uuid"])
    posts = [r for r in server.emulator.transport.applied if r.method == "POST"]
    # phonefleet looks at the blockers first and refuses without sending its archive
    assert [r.url.path.rsplit("/", 1)[-1] for r in posts] == ["phone-numbers", "archive", "archive"]


def _urlopen(request: urllib.request.Request) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_urllib_with_the_standard_library_only(server: EmulatorServer) -> None:
    url = _numbers_url(server)
    auth = {"Authorization": f"Bearer {server.settings['api_key']}", "Content-Type": "application/json"}
    status, listed = _urlopen(urllib.request.Request(url, headers=auth))
    assert status == 200
    assert len(listed) == 6
    body = json.dumps({"name": "From urllib"}).encode()
    put = urllib.request.Request(f"{url}/{listed[1]['uuid']}", data=body, headers=auth, method="PUT")
    assert _urlopen(put)[1]["name"] == "From urllib"
    status, problem = _urlopen(urllib.request.Request(url))  # no key
    assert status == 401
    assert "detail" in problem
    with server.connect() as store:
        assert store.get(listed[1]["uuid"]).name == "From urllib"
