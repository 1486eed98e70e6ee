"""The Linq emulator's deprecated endpoints, unknown paths and the running-audit rule."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from phonefleet.testing import emulate
from phonefleet_linq.emulator import BASE_URL


def _client(emu: Any) -> httpx.Client:
    return httpx.Client(
        transport=emu.transport, headers={"Authorization": f"Bearer {emu.settings['api_key']}"}
    )


def _lines(emu: Any) -> list[dict[str, Any]]:
    return list(emu.transport.numbers.values())


def test_deprecated_phonenumbers_lists_every_line_with_null_country_and_type() -> None:
    emu = emulate("linq", numbers=4)
    body = _client(emu).get(f"{BASE_URL}/v3/phonenumbers").json()
    assert [(n["id"], n["phone_number"]) for n in body["phone_numbers"]] == [
        (r["id"], r["phone_number"]) for r in _lines(emu)
    ]
    assert all(n["country_code"] is None and n["type"] is None for n in body["phone_numbers"])
    assert all("capabilities" not in n for n in body["phone_numbers"])  # never invented


def test_available_number_cycles_through_the_healthiest_lines_least_recently_used_first() -> None:
    emu = emulate("linq", numbers=20, seed=3)
    rank = {"HEALTHY": 0, "AT_RISK": 1, "CRITICAL": 2}
    best = min(rank[r["reputation"]["status"]] for r in _lines(emu))
    healthiest = [r["phone_number"] for r in _lines(emu) if rank[r["reputation"]["status"]] == best]
    client = _client(emu)
    picks = [client.get(f"{BASE_URL}/v3/available_number").json() for _ in range(len(healthiest) + 1)]
    chosen = [p["phone_number"] for p in picks]
    assert sorted(chosen[:-1]) == sorted(healthiest)  # each healthiest line once
    assert chosen[-1] == chosen[0]  # then the least recently suggested again
    assert all(p["vcf_url"].startswith("https://") and p["vcf_url"].endswith(".vcf") for p in picks)


def test_available_number_honours_exclude_from_and_type() -> None:
    emu = emulate("linq", numbers=12, seed=1)
    client = _client(emu)
    lines = _lines(emu)
    keep = lines[-1]["phone_number"]
    others = [r["phone_number"] for r in lines[:-1]]
    answer = client.get(f"{BASE_URL}/v3/available_number", params={"exclude_from": others})
    assert answer.json()["phone_number"] == keep
    for record in lines[:3]:
        record["line_type"] = "RCS"
    rcs = {r["phone_number"] for r in lines[:3]}
    for _ in range(3):
        picked = client.get(f"{BASE_URL}/v3/available_number", params={"type": "rcs"}).json()
        assert picked["phone_number"] in rcs


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"exclude_from": "4155551234"}, 400, 1002),
        ({"type": "fax"}, 400, 1005),
    ],
)
def test_available_number_refuses_bad_parameters(params: dict[str, str], status: int, code: int) -> None:
    emu = emulate("linq", numbers=3)
    answer = _client(emu).get(f"{BASE_URL}/v3/available_number", params=params)
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)


def test_available_number_with_every_line_excluded_or_no_line_of_the_kind() -> None:
    emu = emulate("linq", numbers=3, seed=0)
    client = _client(emu)
    every = [r["phone_number"] for r in _lines(emu)]
    assert client.get(f"{BASE_URL}/v3/available_number", params={"exclude_from": every}).status_code == 400
    for record in _lines(emu):
        record["line_type"] = "iMessage"
    none_left = client.get(f"{BASE_URL}/v3/available_number", params={"type": "RCS"})
    assert none_left.status_code == 503
    assert none_left.json()["error"]["code"] == 4004


@pytest.mark.parametrize("path", ["/v3/nope", "/v3/phone_numbers/x/y/z", "/v2/phone_numbers", ""])
def test_an_unknown_path_is_a_plain_404_not_phone_number_not_found(path: str) -> None:
    emu = emulate("linq", numbers=1)
    answer = _client(emu).get(f"{BASE_URL}{path}")
    assert answer.status_code == 404
    error = answer.json()["error"]
    assert error["status"] == 404
    assert "code" not in error
    assert answer.json()["success"] is False


def test_a_wrong_method_is_405_in_linq_envelope() -> None:
    emu = emulate("linq", numbers=1)
    answer = _client(emu).delete(f"{BASE_URL}/v3/phone_numbers")
    assert answer.status_code == 405
    assert answer.json()["error"]["status"] == 405


def test_an_unknown_line_id_is_still_2019() -> None:
    emu = emulate("linq", numbers=1)
    answer = _client(emu).put(f"{BASE_URL}/v3/phone_numbers/nope", json={"forwarding_number": None})
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, 2019)


def test_a_second_audit_start_returns_the_running_audit_and_the_cooldown_follows() -> None:
    emu = emulate("linq", numbers=1, audit_polls=1, audit_cooldown=60)
    client = _client(emu)
    phone = _lines(emu)[0]["phone_number"]
    url = f"{BASE_URL}/v3/phone_numbers/{phone}/reputation_audit"
    first = client.post(url)
    second = client.post(url)
    assert first.status_code == second.status_code == 202
    assert second.json() == {"audit_id": first.json()["audit_id"], "status": "pending"}
    audit_url = f"{url}/{first.json()['audit_id']}"
    assert client.get(audit_url).json()["status"] == "pending"
    assert client.get(audit_url).json()["status"] == "complete"
    cooling = client.post(url)
    assert cooling.status_code == 429
    assert cooling.headers["Retry-After"] == "60"
