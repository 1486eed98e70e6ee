"""Security promises, checked for every installed vendor adapter.

- credentials never appear in reprs, errors, logs (DEBUG included) or cassettes;
- ids that reach a URL path are percent-encoded: no request escapes its endpoint;
- plain http:// is refused except to loopback;
- user numbers are validated before any request.
"""

from __future__ import annotations

import logging
import pathlib
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest

import phonefleet
from phonefleet import Feature, NumberChanges, PhoneFleetError
from phonefleet.adapter import registration
from phonefleet.testing import Emulator, emulate

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENDORS = [name for name in phonefleet.providers() if name != "memory"]
WRONG_SECRET = "WRONGsecret_9f8e7d6c5b4a39281706"


def _secrets(provider: str, settings: dict[str, Any]) -> list[str]:
    secret_names = {s.name for s in registration(provider).settings if s.secret}
    assert secret_names, f"{provider} declares no secret setting"
    return [str(settings[name]) for name in secret_names if settings.get(name)]


def _operations(store: Any, sample: Any) -> list[Callable[[], Any]]:
    features = store.features
    calls: list[Callable[[], Any]] = [lambda: list(store.list()), lambda: store.get(sample.id)]
    calls.append(lambda: store.get("+14155550123"))  # not found
    if Feature.SET_FORWARDING in features:
        calls.append(lambda: store.set_forwarding(sample.id, "+12025550199"))
        calls.append(lambda: store.set_forwarding(sample.id, None))
    if Feature.UPDATE_NAME in features:
        calls.append(lambda: store.update(sample.id, NumberChanges(name="Renamed")))
    if Feature.ARCHIVE_BLOCKERS in features:
        calls.append(lambda: store.archive_blockers(sample.id))
    if Feature.LINK in features:
        calls.append(store.linkable)
    if Feature.ARCHIVE in features:
        calls.append(lambda: store.archive(sample.id))
    calls.append(lambda: store.get("no-such-id"))
    return calls


def _run_everything(emulator: Emulator, provider: str, settings: dict[str, Any]) -> list[str]:
    """Every operation, successes and failures; what a person or a log could see."""
    seen: list[str] = []
    with emulator.connect(provider, **settings) as store:
        seen += [repr(store), str(store), repr(store.adapter), repr(vars(store.adapter))]
        sample = next(iter(emulator.connect(provider).list()))
        for call in _operations(store, sample):
            try:
                seen.append(repr(call()))
            except PhoneFleetError as exc:
                seen += [str(exc), repr(exc), repr(vars(exc))]
    return seen


@pytest.mark.parametrize("provider", VENDORS)
def test_credentials_never_show(provider: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    emulator = emulate(provider, numbers=3)
    secrets = _secrets(provider, dict(emulator.settings))
    seen = _run_everything(emulator, provider, {})
    wrong = dict.fromkeys((s.name for s in registration(provider).settings if s.secret), WRONG_SECRET)
    seen += _run_everything(emulator, provider, wrong)
    seen += [record.getMessage() for record in caplog.records]
    seen += [repr(record.args) for record in caplog.records]
    assert any(request.headers.get("authorization") for request in emulator.transport.requests)
    leaks = [text for text in seen for secret in [*secrets, WRONG_SECRET] if secret in text]
    assert leaks == []


def test_cassettes_hold_no_credentials() -> None:
    pattern = re.compile(r"(Bearer [A-Za-z0-9_.-]{12,}|gr_[A-Za-z0-9]{8,}|Basic [A-Za-z0-9+/=]{12,})")
    files = sorted((ROOT / "cassettes").rglob("*.yaml"))
    assert files, "no cassettes found"
    leaks = [
        f"{path.relative_to(ROOT)}: {m.group(0)[:20]}"
        for path in files
        for m in pattern.finditer(path.read_text())
    ]
    assert leaks == []


HOSTILE_IDS = ["../../admin", "a/b", "a?x=1", "a#frag", "%2F..%2F", "a b", "ü-id", "x/../../y"]
#: endpoints an adapter may reach besides its phone-number collection
OTHER_COLLECTIONS: dict[str, tuple[bytes, ...]] = {
    "signalwire": (b"/api/fabric/resources/swml_scripts",),  # forwarding scripts
}


@pytest.mark.parametrize("provider", VENDORS)
@pytest.mark.parametrize("hostile", HOSTILE_IDS)
def test_ids_never_escape_their_endpoint(provider: str, hostile: str) -> None:
    emulator = emulate(provider, numbers=2)
    with emulator.connect(provider) as store:
        list(store.list())
        collection = emulator.transport.requests[-1].url.raw_path.partition(b"?")[0].rstrip(b"/")
        collection = collection.removesuffix(b".json")  # Twilio: .../IncomingPhoneNumbers.json
        calls = [lambda: store.get(hostile)]
        if Feature.SET_FORWARDING in store.features:
            calls.append(lambda: store.set_forwarding(hostile, "+12025550199"))
        if Feature.UPDATE_NAME in store.features:
            calls.append(lambda: store.update(hostile, NumberChanges(name="x")))
        if Feature.ARCHIVE in store.features:
            calls.append(lambda: store.archive(hostile))
        for call in calls:
            with pytest.raises((PhoneFleetError, ValueError)):
                call()
    encoded = quote(hostile, safe="").encode()
    for request in emulator.transport.requests:
        path, _, query = request.url.raw_path.partition(b"?")
        other = [c for c in OTHER_COLLECTIONS.get(provider, ()) if path == c or path.startswith(c + b"/")]
        if other:
            rest = path[len(other[0]) :]
            assert rest == b"" or b"/" not in rest[1:], path  # the collection, or one item of it
            assert encoded not in path, path  # the hostile id never reaches them
            continue
        assert path.startswith(collection), path
        assert b"/.." not in path
        assert hostile.encode() not in path or hostile == quote(hostile, safe="")
        rest = path[len(collection) :]
        if encoded in rest:
            assert rest.split(b"/")[1].removesuffix(b".json") == encoded  # the whole id is one segment
        assert b"admin" not in query
        assert b"x=1" not in query


@pytest.mark.parametrize("provider", VENDORS)
def test_plain_http_is_refused_except_loopback(provider: str) -> None:
    settings = dict(emulate(provider).settings)
    with pytest.raises((ValueError, PhoneFleetError), match="http"):
        phonefleet.connect(provider, **{**settings, "base_url": "http://api.example.com/x"})
    store = phonefleet.connect(provider, **{**settings, "base_url": "http://127.0.0.1:9/x"})
    store.close()


@pytest.mark.parametrize("provider", VENDORS)
def test_user_numbers_are_validated_before_any_request(provider: str) -> None:
    emulator = emulate(provider, numbers=2)
    with emulator.connect(provider) as store:
        sample = next(iter(store.list()))
        before = len(emulator.transport.requests)
        with pytest.raises(phonefleet.InvalidNumberError):
            store.get("+1 202 555")
        if Feature.SET_FORWARDING in store.features:
            with pytest.raises(phonefleet.InvalidNumberError):
                store.set_forwarding(sample.id, "not a number")
        if Feature.CREATE in store.features:
            with pytest.raises(phonefleet.InvalidNumberError):
                store.create("+999")
        assert len(emulator.transport.requests) == before


def test_a_foreign_next_link_never_gets_credentials() -> None:
    """Checked on the driver for all adapters (see test_driver); here on the wire of one emulator."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    for provider in VENDORS:
        store = phonefleet.connect(provider, http_client=client, **emulate(provider).settings)
        assert store.adapter.is_own_origin(httpx.URL("https://elsewhere.example/x")) is False
        store.close()
    client.close()


@pytest.mark.parametrize("given", ["sk_live_echo_me_not_42", "=sk_live_echo_me_not_42", "sk_live_42 token=1"])
def test_the_cli_never_echoes_a_malformed_option_value(given: str) -> None:
    """`-o SECRET` (no `=`) is refused by naming the flag and the shape, not by quoting it."""
    from click.testing import CliRunner

    from phonefleet.cli import app

    result = CliRunner().invoke(app, ["list", "emulator:linq", "-o", given])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: -o/--option takes key=value")
    assert "sk_live" not in result.output
