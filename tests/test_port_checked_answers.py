"""`port_in(..., checked=...)` and migrations: a store's own fresh portability answers are not
asked again; a number without one (missing, stale, another store's) is checked before any order."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import attrs
import pytest

from phonefleet import MemoryStore, NotPortableError, NumberChanges, PortDocuments, StoreIdentity, migrate
from phonefleet._porting import CHECK_FRESH_FOR
from phonefleet.testing import Emulator, Network, emulate

DOCS = PortDocuments(invoice=b"%PDF-1.4 utility bill")


def _checks(emulator: Emulator) -> int:
    """Portability requests the Twilio emulator received (one per number)."""
    return sum(1 for r in emulator.transport.requests if "/Porting/Portability/" in r.url.path)


def _creates(emulator: Emulator) -> int:
    return sum(1 for r in emulator.transport.requests if r.method == "POST" and r.url.path.endswith("PortIn"))


def _pair() -> tuple[Network, Emulator, Emulator]:
    """A losing carrier (SignalWire's dialect, four numbers) and Twilio winning, on one network."""
    net = Network()
    loser = emulate("twilio", numbers=4, dialect="signalwire", network=net)
    return net, loser, emulate("twilio", numbers=1, offset=100, network=net)


def _held(emulator: Emulator) -> list[str]:
    return sorted(payload["phone_number"] for payload in emulator.transport.numbers())


def _aged(answers: list[object], age: dt.timedelta) -> list[object]:
    return [attrs.evolve(a, checked_at=a.checked_at - age) for a in answers]  # type: ignore[attr-defined]


def test_answers_are_stamped_with_when_and_which_store() -> None:
    _, loser, winner = _pair()
    with winner.connect() as store:
        before = dt.datetime.now(dt.UTC)
        [answer] = store.check_portability(_held(loser)[:1])
    assert answer.checked_by == store.identity
    assert answer.checked_at is not None
    assert before <= answer.checked_at <= dt.datetime.now(dt.UTC)
    assert "checked" not in repr(answer)  # a value for people: the stamp stays out of it


def test_fresh_answers_spare_one_request_per_number() -> None:
    net, loser, winner = _pair()
    numbers = _held(loser)[:3]
    with winner.connect() as store:
        answers = store.check_portability(numbers)
        assert _checks(winner) == 3
        store.port_in(numbers, account=net.account(numbers[0]), documents=DOCS, checked=answers)
    assert _checks(winner) == 3  # not asked again (it was 6 before `checked`)
    assert _creates(winner) == 1


def test_missing_stale_or_foreign_answers_are_asked_again() -> None:
    net, loser, winner = _pair()
    a, b, c, d = _held(loser)
    with winner.connect() as store:
        answers = store.check_portability([a, b, c])
        stale = _aged(answers[1:2], CHECK_FRESH_FOR + dt.timedelta(seconds=1))
        foreign = [attrs.evolve(answers[2], checked_by=StoreIdentity("twilio", "ACother", "https://x.test"))]
        naive = [attrs.evolve(answers[0], checked_at=answers[0].checked_at.replace(tzinfo=None))]  # type: ignore[union-attr]
        asked = _checks(winner)
        given = [*naive, *stale, *foreign]
        store.port_in([a, b, c, d], account=net.account(a), documents=DOCS, checked=given)
    assert _checks(winner) - asked == 4  # none of those counted: each number was asked


def test_a_not_portable_number_never_gets_an_order() -> None:
    net, loser, winner = _pair()
    a, b, *_ = _held(loser)
    net.not_portable(b, "the losing carrier refuses this number")
    with winner.connect() as store:
        answers = store.check_portability([a, b])
        asked = _checks(winner)
        with pytest.raises(NotPortableError) as caught:  # the fresh answer itself refuses: no request
            store.port_in([a, b], account=net.account(a), documents=DOCS, checked=answers)
        assert [r.number for r in caught.value.results] == [b]
        assert _checks(winner) == asked
        # an answer that said "portable" but is stale is asked again, and the vendor now refuses
        net.not_portable(a, "ported elsewhere meanwhile")
        old = _aged(answers[:1], CHECK_FRESH_FOR * 2)
        with pytest.raises(NotPortableError) as again:
            store.port_in([a], account=net.account(a), documents=DOCS, checked=old)
        assert [r.number for r in again.value.results] == [a]
    assert _creates(winner) == 0
    assert winner.transport.count("POST") == 0


def test_checked_must_hold_answers() -> None:
    net, loser, winner = _pair()
    with winner.connect() as store, pytest.raises(TypeError, match="Portability"):
        store.port_in(_held(loser)[:1], account=net.account(_held(loser)[0]), documents=DOCS, checked=["yes"])  # type: ignore[list-item]
    assert winner.transport.requests == []


# -- a migration hands the plan's answers to port_in -----------------------------------------------------
def _migration(*, recheck: bool = False) -> tuple[Network, MemoryStore, Emulator, migrate.Plan]:
    net = Network()
    numbers = ["+12025550100", "+12025550101", "+12025550102"]
    old = MemoryStore(numbers, network=net, provider="old")
    account = net.account(numbers[0])
    for number in numbers:
        net.hold(old.adapter.network_key, number, account)
        old.update(number, NumberChanges(forwarding_number="+12025550199"))
    winner = emulate("twilio", numbers=1, network=net)
    new = winner.connect()
    port = migrate.Porting(account, documents=DOCS, recheck=recheck)
    return net, old, winner, migrate.plan(old, new, archive_source=True, port=port)


def test_apply_does_not_ask_again_what_the_plan_just_checked(tmp_path: Path) -> None:
    _, _, winner, plan = _migration()
    assert _checks(winner) == 3  # the plan: one per number
    report = migrate.apply(plan, journal=tmp_path / "j.sqlite")
    assert not report.failed
    assert len(report.waiting) == 9
    assert _checks(winner) == 3  # apply asked nothing more (6 before)
    assert _creates(winner) == 1


def test_recheck_asks_again_and_a_number_refused_meanwhile_gets_no_order(tmp_path: Path) -> None:
    net, _, winner, plan = _migration(recheck=True)
    net.not_portable("+12025550101", "ported elsewhere meanwhile")
    report = migrate.apply(plan, journal=tmp_path / "j.sqlite")
    assert _checks(winner) == 3 + 3 + 2  # the plan; port_in; port_in again without the refused one
    [failure] = [f for f in report.failed if f.step.action is migrate.Action.PORT_IN]
    assert failure.step.number == "+12025550101"
    orders = list(plan.target.list_port_ins())
    assert Counter(n.number for o in orders for n in o.numbers) == Counter(["+12025550100", "+12025550102"])


def test_answers_bound_to_another_store_are_asked_again(tmp_path: Path) -> None:
    net = Network()
    old = MemoryStore(["+12025550100", "+12025550101"], network=net, provider="old")
    account = net.account("+12025550100")
    net.hold(old.adapter.network_key, "+12025550101", account)
    first, second = (MemoryStore(network=net, provider="new", name=name) for name in ("a", "b"))
    plan = migrate.plan(old, first, port=migrate.Porting(account))
    assert len(plan.port.checked) == 2
    asked: list[tuple[str, ...]] = []
    flow = second.adapter.check_portability

    def counting(numbers: tuple[str, ...]) -> object:
        asked.append(numbers)
        return flow(numbers)

    second.adapter.check_portability = counting  # type: ignore[method-assign]
    again = migrate.Plan.from_json(plan.to_json(), source=old, target=second, port=plan.port)
    report = migrate.apply(again, journal=tmp_path / "j.sqlite")
    assert asked == [("+12025550100", "+12025550101")]  # the answers were the other account's
    assert len(report.waiting) == 2
