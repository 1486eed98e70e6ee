"""Migrations to and from Twilio on the emulators: names and forwarding carried,
TwiML webhooks carried both ways with SignalWire, the rest named as not carried."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from phonefleet import Feature, Handler, NumberChanges, Routing, migrate
from phonefleet.migrate._handlers import EQUIVALENT_KINDS, carry, same_handler
from phonefleet.testing import emulate

WEBHOOK = Handler(
    "twiml_webhook",
    url="https://hooks.example.com/voice",
    method="GET",
    fallback_url="https://backup.example.com/voice",
    fallback_method="POST",
    status_callback_url="https://hooks.example.com/status",
    status_callback_method="POST",
)
SMS = Handler("twiml_webhook", url="https://hooks.example.com/sms", method="POST")


def _store(provider: str, count: int = 12, **options: Any) -> Any:
    return emulate(provider, numbers=count, offset=0, seed=4, **options).connect(provider)


def _carries(source: Any, target: Any, tmp_path: Path) -> None:
    """Apply a plan of name and forwarding, check the target, and plan again: empty."""
    carry = ("name", "forwarding")
    plan = migrate.plan(source, target, carry=carry)
    report = migrate.apply(plan, journal=tmp_path / f"{source.provider}-{target.provider}.sqlite")
    assert report.ok, [f.message for f in report.failed]
    after = {n.number: n for n in target.list()}
    for number in source.list():
        if Feature.UPDATE_NAME in target.features and number.name is not None:
            assert after[number.number].name == number.name
        if Feature.SET_FORWARDING in target.features and number.forwarding_number is not None:
            assert after[number.number].forwarding_number == number.forwarding_number
    assert migrate.plan(source, target, carry=carry).steps == ()


@pytest.mark.parametrize("other", ["linq", "signalwire", "gravityrail"])
def test_name_and_forwarding_to_twilio(other: str, tmp_path: Path) -> None:
    source, twilio = _store(other), _store("twilio")
    with source, twilio:
        plan = migrate.plan(source, twilio, carry=("name", "forwarding"))
        forwarding = {n.number for n in source.list() if n.forwarding_number is not None}
        assert forwarding <= {s.number for s in plan.steps if s.action is migrate.Action.SET_FORWARDING}
        _carries(source, twilio, tmp_path)


@pytest.mark.parametrize("other", ["linq", "signalwire", "gravityrail"])
def test_name_and_forwarding_from_twilio(other: str, tmp_path: Path) -> None:
    twilio, target = _store("twilio"), _store(other)
    with twilio, target:
        assert any(n.forwarding_number for n in twilio.list())  # the seed forwards some numbers
        _carries(twilio, target, tmp_path)


def test_forwarding_is_written_as_the_forward_twimlet(tmp_path: Path) -> None:
    linq, twilio = _store("linq"), _store("twilio")
    with linq, twilio:
        _carries(linq, twilio, tmp_path)
        forwarded = [n for n in linq.list() if n.forwarding_number]
        assert forwarded
        for number in forwarded:
            raw = twilio.get(number.number).raw
            assert raw["voice_url"].startswith("https://twimlets.com/forward?PhoneNumber=%2B")


def test_twiml_webhooks_travel_from_twilio_to_signalwire_and_back(tmp_path: Path) -> None:
    twilio, signalwire = _store("twilio", 6), _store("signalwire", 6)
    with twilio, signalwire:
        numbers = [n.number for n in twilio.list()]
        for number in numbers:
            twilio.update(number, NumberChanges(routing=Routing(voice=WEBHOOK, messaging=SMS)))
        plan = migrate.plan(twilio, signalwire, carry=("routing",))
        report = migrate.apply(plan, journal=tmp_path / "there.sqlite")
        assert report.ok, [f.message for f in report.failed]
        for number in numbers:
            voice = signalwire.get(number).routing.voice
            assert voice.kind == "laml_webhooks"
            assert (voice.url, voice.method) == (WEBHOOK.url, "GET")
            assert (voice.fallback_url, voice.fallback_method) == (WEBHOOK.fallback_url, "POST")
            assert voice.status_callback_url == WEBHOOK.status_callback_url
            assert signalwire.get(number).raw["call_request_url"] == WEBHOOK.url
            assert signalwire.get(number).raw["message_request_url"] == SMS.url
        assert migrate.plan(twilio, signalwire, carry=("routing",)).steps == ()
        differences = migrate.compare(twilio.list(), signalwire.list())
        assert all("routing" not in d.fields for d in differences)  # the same webhooks, by the table

        # and back: a SignalWire webhook becomes Twilio's voice URL
        changed = Handler("laml_webhooks", url="https://other.example.com/answer", method="POST")
        signalwire.update(numbers[0], NumberChanges(routing=Routing(voice=changed)))
        back = migrate.plan(signalwire, twilio, carry=("routing",))
        assert [(s.number, s.action) for s in back.steps] == [(numbers[0], migrate.Action.SET_ROUTING)]
        report = migrate.apply(back, journal=tmp_path / "back.sqlite")
        assert report.ok, [f.message for f in report.failed]
        raw = twilio.get(numbers[0]).raw
        assert (raw["voice_url"], raw["voice_method"]) == ("https://other.example.com/answer", "POST")
        source_voice = signalwire.get(numbers[0]).routing.voice
        assert same_handler(carry(source_voice, "signalwire", "twilio"), twilio.get(numbers[0]).routing.voice)
        assert (raw["voice_fallback_url"] or None) == source_voice.fallback_url
        assert (raw["status_callback"] or None) == source_voice.status_callback_url
        assert migrate.plan(signalwire, twilio, carry=("routing",)).steps == ()


def test_handlers_without_an_equivalent_are_named_and_keep_the_source(tmp_path: Path) -> None:
    signalwire, twilio = _store("signalwire", 20), _store("twilio", 20)
    with signalwire, twilio:
        plan = migrate.plan(signalwire, twilio, carry=("routing",), archive_source=True)
        kinds = {n.number: n.routing.voice.kind for n in signalwire.list() if n.routing and n.routing.voice}
        not_carried: dict[str, list[str]] = {}
        for skipped in plan.skipped:
            if skipped.what == "routing":
                not_carried.setdefault(skipped.number, []).append(skipped.reason)
        for number, kind in kinds.items():
            if kind != "laml_webhooks":
                reason = f"twilio has no equivalent of the signalwire voice handler '{kind}'"
                assert reason in not_carried[number]
        archived = {s.number for s in plan.steps if s.action is migrate.Action.ARCHIVE}
        assert archived.isdisjoint(not_carried)


def test_the_equivalence_table() -> None:
    assert EQUIVALENT_KINDS["twilio"]["twiml_webhook"] == EQUIVALENT_KINDS["signalwire"]["laml_webhooks"]
    to_signalwire = carry(Handler("twiml_webhook", url="https://a.example/x"), "twilio", "signalwire")
    assert to_signalwire == Handler("laml_webhooks", url="https://a.example/x", method="POST")
    assert carry(Handler("sip_trunk", target="TK1"), "twilio", "signalwire") is None
    assert carry(Handler("twiml_application", target="AP1"), "twilio", "signalwire") is None
    assert carry(Handler("relay_topic", target="office"), "signalwire", "twilio") is None
    same = Handler("relay_topic", target="office")
    assert carry(same, "signalwire", "signalwire") is same
    # a method without its URL means nothing; a URL without a method is POSTed
    assert same_handler(
        Handler("laml_webhooks", url="https://a.example/x", method="POST"),
        Handler("laml_webhooks", url="https://a.example/x", status_callback_method="POST"),
    )
    assert not same_handler(
        Handler("laml_webhooks", url="https://a.example/x", method="GET"),
        Handler("laml_webhooks", url="https://a.example/x"),
    )
