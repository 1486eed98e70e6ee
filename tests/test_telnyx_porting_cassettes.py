"""Replays of Telnyx's porting exchanges (cassettes/telnyx/test_*port*.yaml), record mode "none".

The answers are shaped as `spec3.yml` documents them (`PortabilityCheckDetails`,
`DocServiceDocument`, `PortingOrder`, the list's `meta`, the `errors`
envelope); they were recorded through vcrpy from the emulator built on that
spec. Requests must match including their bodies, so these tests also pin
what is sent. The pin and the account number (sent in `end_user.admin` and
echoed back by Telnyx) and the uploaded LOA and invoice are blanked when
recording and when matching, so none of them is ever in a cassette. To
re-record against an account, set TELNYX_API_KEY, delete a cassette and run
`pytest tests/test_telnyx_porting_cassettes.py --record-mode=once` (it
creates and cancels real porting orders: use a test account).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import phonefleet
from phonefleet import NotFoundError, PortAccount, PortAddress, PortDocuments, PortStatus
from phonefleet.testing import cassettes

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes" / "telnyx"
PORT_CASSETTES = sorted(CASSETTES.glob("test_*port*.yaml"))
PIN = "8642"
ACCOUNT_NUMBER = "77004421"
LOA = b"%PDF-1.4 a signed letter of authorization"
INVOICE = b"%PDF-1.4 the latest bill, with the account number on it"
SECRET_FIELDS = ("pin_passcode", "account_number")
LOSING = ("+13035550000", "+13035550001")
HELD = "+13035559999"
ACCOUNT = PortAccount(
    name="Porter McPortersen",
    authorized_name="Porter McPortersen II",
    authorized_email="porter@example.com",
    address=PortAddress("600 Congress Avenue", "Austin", "TX", "78701", "US", street_2="14th Floor"),
    account_number=ACCOUNT_NUMBER,
    pin=PIN,
    billing_number="+13035551234",
)
DOCUMENTS = PortDocuments(loa=LOA, invoice=INVOICE)
FIRST = "2fcf7550-4881-4e27-a945-5ec68145a6b9"
SECOND = "7d48baf6-2114-4211-a2a3-23802c0b90b6"


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return cassettes.vcr_config(
        secrets=[r"KEY[A-Za-z0-9_]{8,}"], secret_fields=SECRET_FIELDS, blank_files=True
    )


@pytest.fixture
def store() -> Iterator[Any]:
    """Real credentials when re-recording (TELNYX_API_KEY set), a dummy on replay."""
    settings = {"api_key": os.environ.get("TELNYX_API_KEY") or "replay-key", "page_size": 1}
    with phonefleet.connect("telnyx", **settings) as opened:
        yield opened


@pytest.mark.vcr
def test_port_check_portability(store: Any) -> None:
    portable, held = store.check_portability([LOSING[0], HELD])
    assert (portable.number, portable.portable, portable.reason, portable.fast) == (
        LOSING[0],
        True,
        None,
        False,
    )
    assert (held.portable, held.reason) == (False, "The phone number is already on your account")


@pytest.mark.vcr
def test_port_in_uploads_creates_patches_and_confirms(store: Any) -> None:
    [order] = store.port_in([LOSING[0]], account=ACCOUNT, documents=DOCUMENTS)
    assert order.id == FIRST
    assert order.status is PortStatus.SUBMITTED
    assert order.raw["status"]["value"] == "in-process"
    assert [(n.number, n.status) for n in order.numbers] == [(LOSING[0], PortStatus.SUBMITTED)]
    assert order.raw["end_user"]["admin"]["pin_passcode"] != PIN


@pytest.mark.vcr
def test_get_port_in_reads_the_confirmed_date(store: Any) -> None:
    order = store.get_port_in(FIRST)
    assert order.status is PortStatus.SCHEDULED
    assert order.foc_date == dt.datetime(2026, 1, 8, 15, 0, tzinfo=dt.UTC)
    assert order.problems == ()


@pytest.mark.vcr
def test_list_port_ins_pages_by_page_number(store: Any) -> None:
    orders = list(store.list_port_ins())
    assert len(orders) == 2
    assert orders[1].id == FIRST  # newest first


@pytest.mark.vcr
def test_cancel_port_in(store: Any) -> None:
    cancelled = store.cancel_port_in(SECOND)
    assert cancelled.status is PortStatus.CANCELLED
    assert cancelled.raw["status"]["value"] == "cancel-pending"


@pytest.mark.vcr
def test_unknown_port_in_is_404_10005(store: Any) -> None:
    with pytest.raises(NotFoundError) as caught:
        store.get_port_in("0f4a9c52-0000-4000-8000-000000000000")
    assert caught.value.code == "10005"


def test_no_cassette_holds_a_pin_an_account_number_or_a_document() -> None:
    assert len(PORT_CASSETTES) == 6
    for path in PORT_CASSETTES:
        text = path.read_text()
        for secret in (PIN, ACCOUNT_NUMBER, LOA.decode(), INVOICE.decode()):
            assert secret not in text, (path.name, secret)
    created = (CASSETTES / "test_port_in_uploads_creates_patches_and_confirms.yaml").read_text()
    assert '"pin_passcode":"REDACTED"' in created  # sent, and blanked where it stands
    assert '"account_number":"REDACTED"' in created
    assert created.count(r"\r\n\r\nREDACTED\r\n") == 2  # the LOA and the invoice, blanked


def test_blanking_an_upload_twice_changes_nothing() -> None:
    """Replay scrubs the recorded request again: a file as the first part must survive that."""
    import httpx
    import vcr.request

    request = httpx.Request("POST", "https://api.telnyx.com/v2/documents", files={"file": ("loa.pdf", LOA)})
    request.read()
    scrub = cassettes.vcr_config(blank_files=True)["before_record_request"]
    once = scrub(vcr.request.Request("POST", str(request.url), request.content, dict(request.headers)))
    first = once.body
    twice = scrub(vcr.request.Request("POST", once.uri, first, dict(request.headers)))
    assert LOA not in first
    assert first.endswith(b"--REDACTED-boundary--\r\n")
    assert twice.body == first
