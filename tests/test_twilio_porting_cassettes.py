"""Replays of Twilio's porting exchanges (cassettes/twilio/test_*port*.yaml).

The answers are the spec's own examples (twilio-oai `twilio_numbers_v1.json`:
`CreatePortingPortIn`, `FetchPortingPortIn`, `ListPortInRequests`,
`FetchPortingPortability`). Requests must match including their bodies, so
these tests also pin what is sent. The pin, the account number (in requests
and in Twilio's echoes) and the uploaded bill are blanked when recording
and when matching, so none of them is ever in a cassette.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import phonefleet
from phonefleet import NotFoundError, PortAccount, PortAddress, PortDocuments, PortStatus
from phonefleet.testing import cassettes
from phonefleet_twilio import TwilioStore

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes" / "twilio"
PORT_CASSETTES = sorted(CASSETTES.glob("test_*port*.yaml"))
KW = "KWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
PIN = "8642"
ACCOUNT_NUMBER = "77004421"
BILL = b"%PDF-1.4 a utility bill with the account holder's details"
SECRET_FIELDS = ("pin", "port_out_pin", "account_number")


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return cassettes.vcr_config(secret_fields=SECRET_FIELDS, blank_files=True)


@pytest.fixture
def store() -> Iterator[TwilioStore]:
    with phonefleet.connect(
        "twilio", account_sid="ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", auth_token="replay-token"
    ) as opened:
        yield opened


def _account(pin: str = PIN, account_number: str = ACCOUNT_NUMBER) -> PortAccount:
    return PortAccount(
        name="Customer name for carrier",
        authorized_name="John Smith",
        authorized_email="signer@domain.com",
        address=PortAddress("Your Street", "City", "State", "000000", "US", street_2="Other Street or null"),
        account_number=account_number,
        pin=pin,
        billing_number="+16175551212",
    )


@pytest.mark.vcr
def test_port_check_portability(store: TwilioStore) -> None:
    toll_free, local = store.check_portability(["+18004567890", "+16175551212"])
    assert (toll_free.portable, toll_free.reason, toll_free.pin_required) == (
        False,
        "MANUAL_PORTING_AVAILABLE",
        False,
    )
    assert toll_free.raw["not_portable_reason_code"] == 22133
    assert (local.portable, local.reason, local.pin_required) == (True, None, True)


@pytest.mark.vcr
def test_port_in_uploads_the_bill_then_creates_the_request(store: TwilioStore) -> None:
    (port,) = store.port_in(["+16175551212"], account=_account(), documents=PortDocuments(invoice=BILL))
    assert (port.id, port.status) == (KW, PortStatus.SUBMITTED)
    assert port.numbers[0].number == "+16175551212"
    assert port.created_at == dt.datetime(2023, 9, 10, 6, 52, 21, tzinfo=dt.UTC)


@pytest.mark.default_cassette("test_port_in_uploads_the_bill_then_creates_the_request.yaml")
@pytest.mark.vcr
def test_port_in_replays_whatever_the_secrets_and_bill(store: TwilioStore) -> None:
    """Other pins, account numbers and bills match the same cassette: they are never in it."""
    account = _account(pin="1357", account_number="99887766")
    (port,) = store.port_in(["+16175551212"], account=account, documents=PortDocuments(invoice=b"%PDF other"))
    assert port.id == KW


@pytest.mark.vcr
def test_get_port_in_maps_the_spec_example(store: TwilioStore) -> None:
    port = store.get_port_in(KW)
    assert port.status is PortStatus.SCHEDULED
    assert port.foc_date == dt.datetime(2023, 9, 17, tzinfo=dt.UTC)
    assert port.updated_at == dt.datetime(2025, 1, 1, 0, 52, 21, tzinfo=dt.UTC)
    assert port.raw["documents"] == ["RDaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]


@pytest.mark.vcr
def test_list_port_ins_pages_by_token(store: TwilioStore) -> None:
    (port,) = list(store.list_port_ins())
    assert (port.id, port.status) == (KW, PortStatus.COMPLETED)


@pytest.mark.vcr
def test_cancel_port_in_deletes_then_reads_back(store: TwilioStore) -> None:
    port = store.cancel_port_in(KW)
    assert port.status is PortStatus.CANCELLED


@pytest.mark.vcr
def test_port_in_unknown_request_is_404(store: TwilioStore) -> None:
    with pytest.raises(NotFoundError) as caught:
        store.get_port_in(KW)
    assert caught.value.code == 20404


def _values(value: Any, name: str) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == name:
                yield item
            yield from _values(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item, name)


def test_no_cassette_holds_a_pin_an_account_number_or_a_bill() -> None:
    assert len(PORT_CASSETTES) == 6
    for path in PORT_CASSETTES:
        text = path.read_text()
        for secret in (PIN, ACCOUNT_NUMBER, BILL.decode()):
            assert secret not in text, (path.name, secret)
        for interaction in yaml.safe_load(text)["interactions"]:
            for body in (interaction["request"]["body"], interaction["response"]["body"]["string"]):
                decoded = json.loads(body) if body and body.lstrip().startswith(("{", "[")) else None
                for name in SECRET_FIELDS:
                    assert set(_values(decoded, name)) <= {"REDACTED", None}, (path.name, name)
    upload = (CASSETTES / "test_port_in_uploads_the_bill_then_creates_the_request.yaml").read_text()
    assert 'filename=\\"utility_bill\\"\\r\\nContent-Type: application/pdf\\r\\n\\r\\nREDACTED' in upload
    assert upload.count('"pin":"REDACTED"') == 1


def test_the_scrubber_blanks_fields_by_name_and_files_by_part() -> None:
    config = cassettes.vcr_config(secret_fields=SECRET_FIELDS, blank_files=True)

    class Request:
        def __init__(self, body: bytes, content_type: str) -> None:
            self.body = body
            self.headers = {"Content-Type": content_type}
            self.uri = "https://numbers.twilio.com/v1/Porting/PortIn"

    json_body = b'{"phone_numbers":[{"phone_number":"+12025558642","pin":"8642"}],"support_ticket_id":8642}'
    scrubbed = config["before_record_request"](Request(json_body, "application/json")).body
    assert b'"pin":"REDACTED"' in scrubbed
    assert b"+12025558642" in scrubbed  # the same digits elsewhere are not touched
    assert b'"support_ticket_id":8642' in scrubbed
    multipart = (
        b'--b\r\nContent-Disposition: form-data; name="document_type"\r\n\r\nutility_bill\r\n'
        b'--b\r\nContent-Disposition: form-data; name="File"; filename="bill"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF secret bill\r\n--b--\r\n"
    )
    blanked = config["before_record_request"](Request(multipart, "multipart/form-data; boundary=b")).body
    assert b"secret bill" not in blanked
    assert b"utility_bill" in blanked
    assert b'filename="bill"' in blanked
