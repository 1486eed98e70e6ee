"""Fuzzed Telnyx pages: the hot path and the careful path never disagree.

Whatever a page holds, the hot path either gives up (and the careful path
reads the page, or says what is wrong with it) or returns exactly what the
careful path returns, raw included.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from phonefleet import ResponseFormatError
from phonefleet_telnyx._fast import fast_page
from phonefleet_telnyx._mapping import numbers_from_page, voices_by_id


def _mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Documented values nine times in ten, so the hot path is taken often."""
    return st.integers(0, 9).flatmap(lambda roll: bad if roll == 0 else good)


IDS = _mostly(st.sampled_from(["1", "2", "3"]), st.sampled_from(["", 1]))
TEXT = _mostly(
    st.none() | st.sampled_from(["Desk", "local", "tollfree", "deleted", "active", "US"]),
    st.sampled_from(["", "us", "USA", 3]),
)
NUMBERS = _mostly(
    st.sampled_from(["+12025550100", "+12025550101"]),
    st.sampled_from(["+1 202 555 0102", "12025550103", "+1", "", 7]),
)
TIMES = _mostly(
    st.none() | st.just("2019-10-23T18:10:00.000Z"),
    st.sampled_from(["2019-10-23T18:10:00z", "yesterday", "", 5]),
)
RECORD = st.fixed_dictionaries(
    {"id": IDS, "phone_number": NUMBERS},
    optional={
        "status": TEXT,
        "customer_reference": TEXT,
        "phone_number_type": TEXT,
        "country_iso_alpha2": TEXT,
        "connection_id": TEXT,
        "messaging_profile_id": TEXT,
        "created_at": TIMES,
        "updated_at": TIMES,
        "tags": st.lists(st.text(max_size=3), max_size=2),
    },
)
FORWARDING = st.none() | st.fixed_dictionaries(
    {},
    optional={
        "call_forwarding_enabled": _mostly(st.booleans(), st.none() | st.just("true")),
        "forwards_to": NUMBERS | st.none(),
        "forwarding_type": _mostly(
            st.sampled_from(["always", "on-failure"]), st.sampled_from(["sometimes", None, 1])
        ),
    },
)
VOICE = st.fixed_dictionaries({"id": IDS}, optional={"call_forwarding": FORWARDING})


def _careful(records: list[Any], voices: list[Any] | None) -> Any:
    try:
        return numbers_from_page(
            json.loads(json.dumps(records)), voices_by_id(voices) if voices is not None else None
        )
    except ResponseFormatError:
        return "error"


@st.composite
def _pages(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    records = draw(st.lists(RECORD, max_size=4, unique_by=lambda r: str(r["id"])))
    if draw(st.integers(0, 9)) == 0:
        return records, None
    voices = [{**draw(VOICE), "id": r["id"]} for r in records if draw(st.integers(0, 9))]
    return records, voices + draw(st.lists(VOICE, max_size=1))


@settings(max_examples=200, deadline=None)
@given(_pages())
def test_fast_and_careful_agree(page: tuple[list[dict[str, Any]], list[dict[str, Any]] | None]) -> None:
    records, voices = page
    meta = {"page_number": 1, "total_pages": 1}
    numbers_body = json.dumps({"data": records, "meta": meta}).encode()
    voice_body = None if voices is None else json.dumps({"data": voices, "meta": meta}).encode()
    try:
        fast = fast_page(numbers_body, voice_body, 1)
    except ResponseFormatError:
        fast = "error"
    if fast is None:
        return  # the careful path reads it
    careful = _careful(records, json.loads(json.dumps(voices)) if voices is not None else None)
    if fast == "error":
        assert careful == "error"
        return
    numbers, following = fast
    assert following is None
    assert careful != "error", (records, voices)
    assert numbers == careful
    assert [dict(n.raw) for n in numbers] == [dict(n.raw) for n in careful]
