"""Fault storm: 1,000 mixed operations per adapter against its emulator with
20% injected faults (429 with Retry-After, 5xx, connections dropped before and
after the server applied the change, answers too slow, malformed bodies).

Afterwards the emulator's state is compared with what the caller was told:
no change reported as done is lost, no create or archive reached the server
twice, and every failure the caller saw was a typed phonefleet error.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

import phonefleet
from phonefleet import Feature, NumberChanges, PhoneFleetError
from phonefleet.testing import FaultPlan, emulate, seeded_numbers

VENDORS = [name for name in phonefleet.providers() if name != "memory"]
OPERATIONS = 1000
FLEET = 20


def _creatable(provider: str, emulator: Any) -> Callable[[int], str]:
    """A fresh number the vendor lets us create, per call."""
    pool = getattr(emulator.transport, "available", None)
    if pool is not None:  # a vendor that sells from a pool of available numbers
        numbers = list(pool)
        return lambda i: numbers[i % len(numbers)]
    return lambda i: next(iter(seeded_numbers(1, offset=500_000 + i)))


class Intent:
    """What the caller may believe about each number after each answer."""

    def __init__(self, numbers: list[Any]) -> None:
        self.forwarding = {n.id: {n.forwarding_number} for n in numbers}
        self.name = {n.id: {n.name} for n in numbers}
        self.archived = {n.id: "no" for n in numbers}
        self.created: dict[str, str] = {}  # number -> "yes" | "maybe"

    def wrote(self, table: dict[str, set[Any]], ident: str, value: Any, ok: bool) -> None:
        table[ident] = {value} if ok else table[ident] | {value}


def _body_key(request: httpx.Request) -> str:
    """A create's body, canonical: JSON, or a form (Twilio) as its sorted fields."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return json.dumps(sorted(parse_qsl(request.content.decode())))
    return json.dumps(json.loads(request.content), sort_keys=True)


def _is_archive(request: httpx.Request) -> bool:
    return request.method == "DELETE" or (request.method == "POST" and request.url.path.endswith("/archive"))


@pytest.mark.parametrize("provider", VENDORS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fault_storm(provider: str, seed: int) -> None:
    rng = random.Random(seed)
    emulator = emulate(provider, numbers=FLEET, seed=seed)
    store = emulator.connect(provider)
    numbers = list(store.list())
    collection = emulator.transport.requests[-1].url.path
    intent = Intent(numbers)
    ids = [n.id for n in numbers]
    make_number = _creatable(provider, emulator)
    features = store.features

    kinds = ["get", "list"]
    kinds += ["forward", "forward", "unforward"] if Feature.SET_FORWARDING in features else []
    kinds += ["rename", "rename"] if Feature.UPDATE_NAME in features else []
    kinds += ["archive"] if Feature.ARCHIVE in features else []
    kinds += ["create"] if Feature.CREATE in features else []

    emulator.transport.faults = FaultPlan(rate=0.2, seed=seed, retry_after=2.0)
    failures: list[BaseException] = []
    created = 0
    for step in range(OPERATIONS):
        kind = rng.choice(kinds)
        live = [i for i in ids if intent.archived[i] == "no"]
        ident = rng.choice(live or ids)
        try:
            if kind == "get":
                got = store.get(ident)
                assert got.forwarding_number in intent.forwarding[ident] or intent.archived[ident] != "no"
            elif kind == "list":
                listed = {n.id for n in store.list()}
                assert set(live) <= listed
            elif kind in ("forward", "unforward"):
                target = f"+1202555{rng.randrange(200, 999):04d}" if kind == "forward" else None
                ok = False
                try:
                    store.set_forwarding(ident, target)
                    ok = True
                finally:
                    intent.wrote(intent.forwarding, ident, target, ok)
            elif kind == "rename":
                name = f"line {step}"
                ok = False
                try:
                    store.update(ident, NumberChanges(name=name))
                    ok = True
                finally:
                    intent.wrote(intent.name, ident, name, ok)
            elif kind == "archive" and len(live) > FLEET // 2 and rng.random() < 0.1:  # a few, not the fleet
                intent.archived[ident] = "maybe"
                store.archive(ident)
                intent.archived[ident] = "yes"
            elif kind == "create" and created < 15:
                number = make_number(created)
                created += 1
                intent.created[number] = "maybe"
                store.create(number, name="storm")
                intent.created[number] = "yes"
        except AssertionError:
            raise
        except Exception as exc:  # every failure the caller sees must be typed
            assert isinstance(exc, PhoneFleetError), repr(exc)  # noqa: PT017 - many ops, one check
            failures.append(exc)

    injected = len(emulator.transport.faults.injected)
    assert injected > 0.15 * len(emulator.transport.requests)  # the storm really blew
    emulator.transport.faults = FaultPlan()  # calm: read the truth
    store.close()
    with emulator.connect(provider) as calm:
        final = {n.id: n for n in calm.list(archived=None)}
    for ident in ids:
        state = intent.archived[ident]
        number = final.get(ident)
        if state == "yes":
            assert number is None or number.archived, ident
            continue
        if state == "no":
            assert number is not None, f"{ident} lost"
            assert not number.archived
        if number is None:
            continue
        assert number.forwarding_number in intent.forwarding[ident], ident
        assert number.name in intent.name[ident], ident
    active_numbers = Counter(n.number for n in final.values() if not n.archived)
    for number, state in intent.created.items():
        assert active_numbers[number] <= 1, f"{number} created twice"
        if state == "yes":
            assert active_numbers[number] == 1, f"{number} lost"

    archives = Counter(r.url.path for r in emulator.transport.applied if _is_archive(r))
    assert all(count == 1 for count in archives.values()), archives
    creates = Counter(
        _body_key(r)
        for r in emulator.transport.applied
        if r.method == "POST" and r.url.path.rstrip("/") == collection.rstrip("/")
    )
    assert all(count == 1 for count in creates.values()), creates
    # failures are allowed (20% faults, bounded retries) but must stay rare
    assert len(failures) < OPERATIONS * 0.1, Counter(type(f).__name__ for f in failures)
