"""Planning a migration: compare by E.164, typed steps, nothing silently dropped."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

import phonefleet
from phonefleet import (
    AsyncMemoryStore,
    Feature,
    Handler,
    MemoryStore,
    PhoneNumber,
    ProviderPhone,
    Routing,
    migrate,
)
from phonefleet.migrate import Action, Plan, Skipped, Step

A, B, C, D = "+12025550100", "+12025550101", "+12025550102", "+12025550103"
FWD = "+14155550199"
ALL = frozenset(Feature)
NO_FORWARDING = ALL - {Feature.SET_FORWARDING}

VOICE = Handler(kind="webhook", url="https://example.com/voice", method="POST", extra={"timeout": 5})
SMS = Handler(kind="webhook", url="https://example.com/sms", method="POST")


def number(provider: str, id_: str, e164: str, **fields: object) -> PhoneNumber:
    return PhoneNumber(provider=provider, id=id_, number=e164, **fields)  # type: ignore[arg-type]


def stores(
    target_features: frozenset[Feature] = ALL, source_features: frozenset[Feature] = ALL
) -> tuple[MemoryStore, MemoryStore]:
    source = MemoryStore(
        [
            number("linq", "s1", A, name="Sales", forwarding_number=FWD),
            number("linq", "s2", B, name="Support", routing=Routing(voice=VOICE)),
            number("linq", "s3", C),
            number("linq", "s4", D, name="Old", archived=True),
        ],
        provider="linq",
        features=source_features,
    )
    target = MemoryStore(
        [
            number("gravityrail", "t1", A, name="Sales"),
            number("gravityrail", "t2", B, name="Help desk", routing=Routing(messaging=SMS)),
            number("gravityrail", "t9", "+12025550199", name="Only here"),
        ],
        provider="gravityrail",
        features=target_features,
    )
    return source, target


def test_plan_lists_only_the_changes_needed_in_order() -> None:
    source, target = stores()
    plan = migrate.plan(source, target)
    assert plan.steps == (
        Step(A, "target", Action.SET_FORWARDING, before=None, after=FWD, id="t1"),
        Step(B, "target", Action.SET_NAME, before="Help desk", after="Support", id="t2"),
        Step(
            B,
            "target",
            Action.SET_ROUTING,
            before=Routing(messaging=SMS),
            after=Routing(voice=VOICE),
            id="t2",
        ),
    )
    # the number missing on the target is reported, not created, not dropped
    assert plan.skipped == (
        Skipped(C, "create", "not on gravityrail; pass create_missing=True to create it"),
    )
    assert plan.source is source
    assert plan.target is target
    assert bool(plan)
    assert len(plan) == 3


def test_a_plan_with_nothing_to_do_has_no_steps() -> None:
    source = MemoryStore([number("linq", "s1", A, name="Sales")], provider="linq")
    target = MemoryStore([number("gr", "t1", A, name="Sales")], provider="gr")
    plan = migrate.plan(source, target)
    assert plan.steps == ()
    assert not plan
    assert "nothing to do" in str(plan)


def test_what_the_target_cannot_carry_is_skipped_with_a_reason() -> None:
    source, target = stores(target_features=NO_FORWARDING)
    plan = migrate.plan(source, target, archive_source=True)
    actions = {(s.number, s.action) for s in plan.steps}
    assert (A, Action.SET_FORWARDING) not in actions
    assert Skipped(A, "forwarding", "gravityrail cannot set call forwarding") in plan.skipped
    # a number whose forwarding cannot be carried is not archived on the source
    assert (A, Action.ARCHIVE) not in actions
    assert Skipped(A, "archive", "not archived: forwarding cannot be carried") in plan.skipped
    # B carries fully, so its archive comes after its target steps
    b_steps = [s for s in plan.steps if s.number == B]
    assert [s.action for s in b_steps] == [Action.SET_NAME, Action.SET_ROUTING, Action.ARCHIVE]
    assert b_steps[-1] == Step(B, "source", Action.ARCHIVE, before=False, after=True, id="s2")


def test_archive_needs_the_source_to_archive() -> None:
    source, target = stores(source_features=ALL - {Feature.ARCHIVE})
    plan = migrate.plan(source, target, archive_source=True)
    assert not [s for s in plan.steps if s.action is Action.ARCHIVE]
    assert Skipped(A, "archive", "linq cannot archive numbers") in plan.skipped


def test_create_missing_only_when_asked_and_supported() -> None:
    source, target = stores()
    plan = migrate.plan(source, target, create_missing=True, archive_source=True)
    c_steps = [s for s in plan.steps if s.number == C]
    assert c_steps == [
        Step(C, "target", Action.CREATE, before=None, after=None),
        Step(C, "source", Action.ARCHIVE, before=False, after=True, id="s3"),
    ]
    source, target = stores(target_features=ALL - {Feature.CREATE})
    plan = migrate.plan(source, target, create_missing=True, archive_source=True)
    assert not [s for s in plan.steps if s.number == C]
    assert Skipped(C, "create", "not on gravityrail, which cannot create numbers") in plan.skipped
    assert Skipped(C, "archive", "not archived: not on gravityrail") in plan.skipped


def test_created_numbers_get_their_name_at_creation_and_the_rest_after() -> None:
    source = MemoryStore([number("linq", "s1", A, name="Sales", forwarding_number=FWD)], provider="linq")
    target = MemoryStore([], provider="gr")
    plan = migrate.plan(source, target, create_missing=True)
    assert plan.steps == (
        Step(A, "target", Action.CREATE, before=None, after="Sales"),
        Step(A, "target", Action.SET_FORWARDING, before=None, after=FWD),
    )


def test_values_the_source_lacks_are_never_erased_on_the_target() -> None:
    source = MemoryStore([number("linq", "s1", A)], provider="linq")
    target = MemoryStore([number("gr", "t1", A, name="Keep", forwarding_number=FWD)], provider="gr")
    assert migrate.plan(source, target).steps == ()


def test_carry_chooses_fields_and_rejects_unknown_ones() -> None:
    source, target = stores()
    plan = migrate.plan(source, target, carry=("forwarding",))
    assert [s.action for s in plan.steps] == [Action.SET_FORWARDING]
    with pytest.raises(ValueError, match="cannot carry 'colour'"):
        migrate.plan(source, target, carry=("colour",))


def test_routing_sides_already_equal_are_not_sent() -> None:
    source = MemoryStore(
        [number("linq", "s1", A, routing=Routing(voice=VOICE, messaging=SMS))], provider="linq"
    )
    target = MemoryStore([number("gr", "t1", A, routing=Routing(voice=VOICE))], provider="gr")
    (step,) = migrate.plan(source, target).steps
    assert step.after == Routing(messaging=SMS)


def test_link_is_carried_to_the_target_line_of_the_same_number() -> None:
    source = MemoryStore([number("linq", "s1", A), number("linq", "s2", B)], provider="linq")
    target = MemoryStore(
        [number("gr", "t1", A), number("gr", "t2", B)],
        provider="gr",
        linkable=[ProviderPhone("pp-a", A)],
    )
    plan = migrate.plan(source, target, carry=("link",))
    assert plan.steps == (Step(A, "target", Action.LINK, before=None, after="pp-a", id="t1"),)
    assert Skipped(B, "link", "gr has no provider line for it") in plan.skipped
    no_link = MemoryStore([number("gr", "t1", A)], provider="gr", features=ALL - {Feature.LINK})
    assert (
        Skipped(A, "link", "gr cannot link numbers") in migrate.plan(source, no_link, carry=["link"]).skipped
    )


def test_duplicate_source_numbers_are_reported() -> None:
    source = MemoryStore(
        [number("linq", "s1", A, name="x"), number("linq", "s2", A, name="y")], provider="linq"
    )
    target = MemoryStore([number("gr", "t1", A)], provider="gr")
    plan = migrate.plan(source, target)
    assert len(plan.steps) == 1
    assert plan.skipped[0].what == "number"


def test_json_round_trip_binds_to_stores() -> None:
    source, target = stores()
    plan = migrate.plan(source, target, create_missing=True, archive_source=True)
    text = plan.to_json()
    document = json.loads(text)
    assert document["source"] == "linq"
    assert document["target"] == "gravityrail"
    back = Plan.from_json(text, source=source, target=target)
    assert back == plan
    assert back.source is source
    assert back.target is target
    (routing,) = [s for s in back.steps if s.action is Action.SET_ROUTING]
    assert routing.after == Routing(voice=VOICE)  # routing survives, extra included
    assert routing.after.voice.extra == {"timeout": 5}


def test_from_json_refuses_other_stores_and_bad_documents() -> None:
    source, target = stores()
    text = migrate.plan(source, target).to_json()
    with pytest.raises(phonefleet.PhoneFleetError, match="the plan's target is 'gravityrail'"):
        Plan.from_json(text, source=source, target=MemoryStore(provider="signalwire"))
    with pytest.raises(phonefleet.PhoneFleetError, match="not a phonefleet plan"):
        Plan.from_json('{"format": "other"}')
    with pytest.raises(phonefleet.PhoneFleetError, match="not a valid phonefleet plan"):
        Plan.from_json("{not json")
    broken = json.loads(text)
    broken["steps"][0]["action"] = "explode"
    with pytest.raises(phonefleet.PhoneFleetError):
        Plan.from_json(json.dumps(broken))


def test_plan_prints_as_text_and_as_a_rich_table() -> None:
    source, target = stores(target_features=NO_FORWARDING)
    plan = migrate.plan(source, target)
    text = str(plan)
    assert "Plan linq -> gravityrail: 2 steps" in text
    assert "set_name" in text
    assert "Help desk -> Support" in text
    assert "forwarding: gravityrail cannot set call forwarding" in text
    console = Console(record=True, width=140)
    console.print(plan)
    rendered = console.export_text()
    assert "set_routing" in rendered
    assert "Cannot carry (2)" in rendered


async def test_plan_async_gives_the_same_plan() -> None:
    source, target = stores()
    sync_plan = migrate.plan(source, target, archive_source=True, create_missing=True)
    a_source = AsyncMemoryStore(list(source.list(archived=None)), provider="linq")
    a_target = AsyncMemoryStore(list(target.list(archived=None)), provider="gravityrail", linkable=[])
    async_plan = await migrate.plan_async(a_source, a_target, archive_source=True, create_missing=True)
    assert async_plan == sync_plan
    assert async_plan.source is a_source


def test_compare_reports_both_sides_and_differing_fields() -> None:
    source, target = stores()
    differences = {d.number: d for d in migrate.compare(source.list(), target.list())}
    assert differences[A].fields == ("forwarding_number",)
    assert differences[B].status == "differs"
    assert differences[C].status == "only_left"
    assert differences["+12025550199"].status == "only_right"
    same = migrate.compare([number("x", "1", A)], [number("y", "2", A)])
    assert same[0].status == "same"
