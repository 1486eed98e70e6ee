"""The toolkit's helpers for destructive writes, credentials and bulk checks."""

from __future__ import annotations

import gc
from collections.abc import Generator
from typing import Any

import httpx
import pytest

from phonefleet import NotFoundError, ResponseFormatError, ServerError, TransportError
from phonefleet.adapter import Adapter, Flow, Secret, all_e164, gc_paused, secret_setting, write_once


class _Adapter(Adapter):
    provider = "toy"
    features = frozenset()


REQUEST = httpx.Request("DELETE", "https://api.example.com/v1/numbers/1")


def _drive(flow: Generator[httpx.Request, httpx.Response, Any], replies: list[Any]) -> tuple[Any, list[str]]:
    sent: list[str] = []
    try:
        request = next(flow)
        for reply in replies:
            sent.append(request.method)
            if isinstance(reply, Exception):
                request = flow.throw(reply)
            else:
                request = flow.send(httpx.Response(reply, request=request))
        pytest.fail("the flow wanted more answers")
    except StopIteration as stop:
        return stop.value, sent


def _delete(looks: list[bool | None], *, max_sends: int = 3) -> Flow[str]:
    def accept(response: httpx.Response) -> str:
        if response.status_code == 299:
            msg = "unreadable"
            raise ResponseFormatError(msg, provider="toy")
        return "deleted"

    def took_effect() -> Flow[str | None]:
        yield httpx.Request("GET", "https://api.example.com/v1/numbers/1")
        return "gone" if looks.pop(0) else None

    return write_once(
        _Adapter(),
        lambda: REQUEST,
        operation="archive",
        accept=accept,
        took_effect=took_effect,
        max_sends=max_sends,
    )


def test_a_success_is_accepted_without_looking() -> None:
    assert _drive(_delete([]), [200]) == ("deleted", ["DELETE"])


def test_a_client_error_is_raised_at_once() -> None:
    with pytest.raises(NotFoundError):
        _drive(_delete([]), [404])


@pytest.mark.parametrize("unknown", [TransportError("dropped"), 503, 299])
def test_an_unknown_outcome_looks_and_stops_when_it_took_effect(unknown: Any) -> None:
    assert _drive(_delete([True]), [unknown, 200]) == ("gone", ["DELETE", "GET"])


def test_it_is_sent_again_only_after_a_look_said_no() -> None:
    result, sent = _drive(_delete([False]), [503, 200, 200])
    assert (result, sent) == ("deleted", ["DELETE", "GET", "DELETE"])


def test_it_gives_up_after_max_sends_with_the_last_failure() -> None:
    with pytest.raises(ServerError):
        _drive(_delete([False, False], max_sends=2), [503, 200, 502, 200])


def test_max_sends_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_sends"):
        next(_delete([], max_sends=0))


def test_secret_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOY_KEY", raising=False)
    with pytest.raises(ValueError, match=r"toy needs api_key: pass api_key=\.\.\. or set TOY_KEY"):
        secret_setting(None, "TOY_KEY", provider="toy", name="api_key")
    with pytest.raises(ValueError, match="needs api_key"):
        secret_setting("   ", "TOY_KEY", provider="toy", name="api_key")
    with pytest.raises(TypeError, match="must be a string"):
        secret_setting(42, provider="toy", name="api_key")
    monkeypatch.setenv("TOY_KEY", "from-env")
    assert secret_setting(None, "TOY_KEY", provider="toy", name="api_key").reveal() == "from-env"
    given = Secret("given")
    assert secret_setting(given, "TOY_KEY", provider="toy", name="api_key") is given


def test_all_e164() -> None:
    assert all_e164([])
    assert all_e164(["+12025550100", "+442071838750"])
    assert not all_e164(["+12025550100", "12025550100"])
    assert not all_e164(["+12025550100\n+12025550101"])  # one value, two lines
    assert not all_e164(["+12025550100", None])
    assert not all_e164([[]])


def test_gc_paused_restores_the_previous_state() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
