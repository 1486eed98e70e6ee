"""Linq records -> PhoneNumber: the lean listing path agrees with the careful one."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonefleet import PhoneNumber, Reputation, ReputationStatus, ResponseFormatError
from phonefleet.testing import emulate
from phonefleet_linq import ReputationAudit, ReputationAuditStarted
from phonefleet_linq._mapping import number_from_record, numbers_from_body, numbers_from_list
from phonefleet_linq._wire import structure_audit, structure_audit_started


def careful(payload: dict[str, Any]) -> list[PhoneNumber]:
    return [number_from_record(record) for record in payload["phone_numbers"]]


@pytest.mark.parametrize("legacy", [False, True])
def test_lean_path_equals_careful_path_on_emulator_payloads(legacy: bool) -> None:
    emu = emulate("linq", numbers=500, seed=7, legacy=legacy)
    payload = json.loads(emu.transport.handle_request(_list_request(emu)).content)
    lean = numbers_from_list(payload)
    assert lean == careful(payload)
    for fast, slow in zip(lean, careful(payload), strict=True):
        assert type(fast) is PhoneNumber
        assert dict(fast.raw) == dict(slow.raw)
        assert hash(fast) == hash(slow)
        assert repr(fast) == repr(slow)
    assert {n.reputation.status for n in lean if n.reputation} == set(ReputationStatus)


def _list_request(emu: Any) -> Any:
    import httpx

    return httpx.Request(
        "GET",
        f"{emu.settings['base_url']}/v3/phone_numbers",
        headers={"Authorization": f"Bearer {emu.settings['api_key']}"},
    )


def test_raw_is_read_only() -> None:
    (number,) = numbers_from_list({"phone_numbers": [{"id": "a", "phone_number": "+12025550100"}]})
    with pytest.raises(TypeError):
        number.raw["id"] = "b"  # type: ignore[index]


def test_reputation_falls_back_to_health_status() -> None:
    record = {
        "id": "a",
        "phone_number": "+12025550100",
        "health_status": {"status": "AT_RISK", "doc_url": "https://d/x"},
    }
    assert number_from_record(record).reputation == Reputation(ReputationStatus.AT_RISK, "https://d/x")
    record["reputation"] = {"status": "CRITICAL", "doc_url": "https://d/c"}
    assert number_from_record(record).reputation == Reputation(ReputationStatus.CRITICAL, "https://d/c")


def test_unknown_reputation_status_is_none_not_a_guess() -> None:
    record = {"id": "a", "phone_number": "+12025550100", "reputation": {"status": "SPARKLING"}}
    assert number_from_record(record).reputation is None
    assert numbers_from_list({"phone_numbers": [record]})[0].reputation is None


def test_mixed_payload_takes_the_careful_path_and_agrees() -> None:
    records = [
        {"id": "a", "phone_number": "+12025550100", "forwarding_number": ""},
        {"id": "b", "phone_number": "+12025550101", "reputation": {"status": "HEALTHY"}},
        {"id": "c", "phone_number": "+12025550102", "reputation": None, "health_status": None},
    ]
    numbers = numbers_from_list({"phone_numbers": records})
    assert numbers == careful({"phone_numbers": records})
    assert numbers[0].forwarding_number is None
    assert numbers[1].reputation == Reputation(ReputationStatus.HEALTHY, None)
    assert numbers[2].reputation is None


def test_embedded_newline_cannot_sneak_past_the_bulk_check() -> None:
    records = [{"id": "a", "phone_number": "+12025550100\n+12025550101"}]
    with pytest.raises(ResponseFormatError):
        numbers_from_list({"phone_numbers": records})


def test_non_canonical_provider_number_is_canonicalised_or_refused() -> None:
    record = {"id": "a", "phone_number": "+1 (202) 555-0100"}
    assert number_from_record(record).number == "+12025550100"
    with pytest.raises(ResponseFormatError, match="phone_number"):
        number_from_record({"id": "a", "phone_number": "555-0100"})


def test_empty_listing() -> None:
    assert numbers_from_list({"phone_numbers": []}) == []


# -- fuzz: any JSON gives numbers or ResponseFormatError, never anything else ---------------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
FIELD = st.sampled_from(["+12025550100", "+442071838750", "", None, "x", 7, "+1", "+1202555010\n0"]) | JSON
RECORD = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["a", "b", ""]) | JSON,
        "phone_number": FIELD,
        "forwarding_number": FIELD,
        "reputation": st.fixed_dictionaries(
            {}, optional={"status": st.sampled_from(["HEALTHY", "AT_RISK", "x"]) | JSON, "doc_url": JSON}
        )
        | JSON,
        "health_status": JSON,
        "line_type": JSON,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(JSON, st.fixed_dictionaries({"phone_numbers": st.lists(RECORD, max_size=5)})))
def test_fuzzed_listing(payload: Any) -> None:
    try:
        numbers = numbers_from_list(payload)
    except ResponseFormatError:
        return
    assert all(isinstance(n, PhoneNumber) for n in numbers)
    assert numbers == [number_from_record(record) for record in payload["phone_numbers"]]


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_fuzzed_audit(payload: Any) -> None:
    for structure in (structure_audit, structure_audit_started):
        with contextlib.suppress(ResponseFormatError):
            structure(payload)


def test_audit_payloads() -> None:
    started = structure_audit_started({"audit_id": "au-1", "status": "pending"})
    assert started == ReputationAuditStarted(audit_id="au-1", status="pending")
    audit = structure_audit(
        json.loads(
            """{"audit_id": "au-1", "status": "complete", "generated_at": "2026-01-05T12:00:00Z",
            "phone": "+12025550100", "surprise": 1,
            "report": {"severity": "AT_RISK", "primary_driver": "volume_spike",
              "drivers": [{"key": "volume_spike", "metric": "3x", "summary": "Spike."}],
              "action_items": [{"priority": 1, "title": "Slow down", "expected_impact": "high"}],
              "evidence": {"unhealthy_chats": [{"chat_id": "c1"}]}, "summary_markdown": "# x"}}"""
        )
    )
    assert isinstance(audit, ReputationAudit)
    assert audit.finished
    assert audit.generated_at is not None
    assert audit.generated_at.year == 2026
    assert audit.report is not None
    assert audit.report.drivers[0].key == "volume_spike"
    assert audit.report.action_items[0].priority == 1
    assert audit.report.evidence["unhealthy_chats"][0]["chat_id"] == "c1"
    with pytest.raises(ResponseFormatError, match="status"):
        structure_audit({"audit_id": "au-1", "status": "done"})
    with pytest.raises(ResponseFormatError):
        structure_audit({"status": "pending"})


def test_a_late_odd_record_sends_the_whole_listing_the_careful_way() -> None:
    records: list[dict[str, Any]] = [
        {"id": f"id-{i}", "phone_number": f"+1202555{i:04d}", "forwarding_number": None} for i in range(2500)
    ]
    records[2100]["forwarding_number"] = ""  # past the first slices of the lean path
    numbers = numbers_from_list({"phone_numbers": records})
    assert numbers == careful({"phone_numbers": records})
    assert len(numbers) == 2500
    records[2400]["phone_number"] = "nope"
    with pytest.raises(ResponseFormatError, match="nope"):
        numbers_from_list({"phone_numbers": records})


@pytest.mark.parametrize("legacy", [False, True])
def test_bytes_path_equals_careful_path_on_emulator_payloads(legacy: bool) -> None:
    emu = emulate("linq", numbers=500, seed=7, legacy=legacy)
    body = emu.transport.handle_request(_list_request(emu)).content
    fast = numbers_from_body(body)
    assert fast is not None
    slow = careful(json.loads(body))
    assert fast == slow
    for a, b in zip(fast, slow, strict=True):
        assert dict(a.raw) == dict(b.raw)
        assert repr(a) == repr(b)
        assert hash(a) == hash(b)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({"phone_numbers": st.lists(RECORD, max_size=5)}))
def test_fuzzed_bytes_path_agrees_with_the_careful_path(payload: Any) -> None:
    body = json.dumps(payload).encode()
    fast = numbers_from_body(body)
    if fast is None:  # off the documented shape: the careful way decides
        return
    slow = [number_from_record(record) for record in payload["phone_numbers"]]
    assert fast == slow
    assert [dict(n.raw) for n in fast] == [dict(n.raw) for n in slow]
