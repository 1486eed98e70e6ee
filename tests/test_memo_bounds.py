"""Process-wide memos are bounded by what they hold, not by a count, and keep
nothing of a closed store."""

from __future__ import annotations

import json

import httpx

import phonefleet
from phonefleet import _memo
from phonefleet.adapter import Memo
from phonefleet.testing import emulate


def _held() -> int:
    """Characters of keys held by every memo of the process."""
    return sum(memo.chars for memo in _memo._MEMOS)


def _big_urls_answer(emulator: object, size: int) -> httpx.MockTransport:
    counter = iter(range(10**9))

    def answer(request: httpx.Request) -> httpx.Response:
        response = emulator.transport.handle_request(request)  # type: ignore[attr-defined]
        body = json.loads(response.read())
        for record in body.get("incoming_phone_numbers", []):
            record["voice_url"] = f"https://hooks.example/{next(counter)}/" + "v" * size
            record["sms_url"] = f"https://hooks.example/sms/{next(counter)}/" + "s" * size
        return httpx.Response(response.status_code, json=body, request=request)

    return httpx.MockTransport(answer)


def test_a_listing_of_huge_voice_urls_keeps_none_of_them() -> None:
    emulator = emulate("twilio", numbers=60)
    transport = _big_urls_answer(emulator, 100_000)
    with phonefleet.connect("twilio", transport=transport, **emulator.settings) as store:
        numbers = list(store.list())
        assert len(numbers) == 60
        assert numbers[0].routing is not None
        assert _held() < 200_000  # 120 URLs of 100 KB read; none of them kept
    assert _held() == 0  # closed: nothing kept of it


def test_memos_stop_at_their_size_not_their_count() -> None:
    memo: Memo[str, int] = Memo(max_chars=10_000, max_entry_chars=1_000)
    for index in range(100):
        memo.keep(f"{index:03d}" + "x" * 500, index)
        assert memo.chars <= 10_000
    assert memo.keep("y" * 5_000, 7) == 7  # too large to keep, still returned
    assert "y" * 5_000 not in memo
    memo.clear()
    assert memo.chars == 0


def test_memos_are_emptied_when_the_last_store_closes() -> None:
    emulator = emulate("signalwire", numbers=20)
    first = emulator.connect("signalwire")
    second = emulator.connect("signalwire")
    list(first.list())
    assert _held() > 0
    first.close()
    assert _held() > 0  # the other store may still use them
    second.close()
    assert _held() == 0
