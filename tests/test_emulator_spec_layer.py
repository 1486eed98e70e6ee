"""The emulators' one validation layer (`phonefleet.testing.SpecSlice`), held to the
vendors' spec slices kept beside each emulator, and the adapters reading every
form the specs allow."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

import phonefleet
from _spec_check import VENDORS, spec
from phonefleet import ResponseFormatError
from phonefleet.testing import SpecSlice, emulate
from phonefleet_twilio._emulator_spec import TWILIO_SPEC, dialect_spec
from phonefleet_twilio._mapping import number_from_wire

ADAPTERS = Path(__file__).resolve().parents[1] / "adapters"


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_every_spec_slice_names_its_source_and_commit(vendor: str) -> None:
    source = spec(vendor)["x-source"]
    assert source["repository"].startswith("https://github.com/")
    assert len(source["commit"]) == 40
    assert source["path"].endswith((".json", ".yaml", ".yml"))


def test_a_closed_schema_drops_what_it_does_not_declare_and_an_optional_null() -> None:
    spec_slice = SpecSlice(ADAPTERS / "phonefleet_twilio/_spec/signalwire_compatibility.json")
    schema = spec_slice.component("AvailablePhoneNumber")
    item = {"phone_number": "+15125550100", "address_requirements": "none",
            "capabilities": {"voice": True, "SMS": True, "MMS": False, "fax": True}}  # fmt: skip
    assert spec_slice.shape(schema, item) == {
        "phone_number": "+15125550100",
        "capabilities": {"voice": True, "SMS": True, "MMS": False},
    }


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"VoiceReceiveMode": "sms"}, 20001),
        ({"EmergencyStatus": "Broken"}, 20001),
        ({"VoiceCallerIdLookup": "maybe"}, 20001),
        ({"TrunkSid": "TK123"}, 20001),
        ({"VoiceApplicationSid": "AP123"}, 20001),
        ({"SmsApplicationSid": "nope"}, 20001),
        ({"VoiceMethod": "PUT"}, 21501),
        ({"SmsUrl": "not a url"}, 21502),
    ],
)
def test_twilio_forms_the_spec_rules_out(form: dict[str, str], code: int) -> None:
    refused = dialect_spec(signalwire=False).refusal(form, create=False)
    assert refused is not None
    assert refused[0] == code
    assert next(iter(form)) in refused[1]


@pytest.mark.parametrize(
    "form",
    [
        {"TrunkSid": ""},  # an empty sid or URL clears it
        {"VoiceUrl": ""},
        {"VoiceCallerIdLookup": "true"},
        {"TrunkSid": "TK" + "a" * 32},
        {"VoiceReceiveMode": "fax", "EmergencyStatus": "Active"},
        {"SomethingElse": "x"},  # not in the (open) schema: ignored
    ],
)
def test_twilio_forms_the_spec_allows(form: dict[str, str]) -> None:
    assert dialect_spec(signalwire=False).refusal(form, create=False) is None


def test_a_create_checks_the_numbers_format_first() -> None:
    assert dialect_spec(signalwire=False).refusal({"PhoneNumber": "12345"}, create=True) == (
        21421,
        "PhoneNumber must be a phone number in E.164 format",
    )
    assert dialect_spec(signalwire=False).refusal({"AreaCode": "512"}, create=True) is None
    assert dialect_spec(signalwire=True).refusal({"PhoneNumber": "12345"}, create=True) is not None


def test_signalwire_forms_the_compatibility_spec_rules_out() -> None:
    laml = dialect_spec(signalwire=True)
    assert laml.refusal({"FriendlyName": ""}, create=False) is not None  # minLength 1
    assert laml.refusal({"VoiceApplicationSid": "AP123"}, create=False) is not None  # a uuid
    assert laml.refusal({"VoiceApplicationSid": "0e6b1f8e-2b0c-4d5e-8f00-000000000007"}, create=False) is None


@pytest.mark.parametrize("unset", [None, ""])
def test_the_twilio_adapter_reads_an_unset_url_in_both_forms(unset: str | None) -> None:
    record = json.loads((ADAPTERS / "phonefleet_twilio/_spec/twilio_api_v2010.json").read_text())
    path = record["paths"]["/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"]
    example = dict(
        path["get"]["responses"]["200"]["content"]["application/json"]["examples"]["fetch"]["value"]
    )
    example.update(voice_url=unset, sms_url=unset, voice_fallback_url=unset, sms_fallback_url=unset)
    example.update(status_callback=unset, voice_application_sid=unset, sms_application_sid=unset)
    number = number_from_wire(example)
    assert number.forwarding_number is None
    assert number.routing is None or (number.routing.voice is None and number.routing.messaging is None)


def test_the_spec_slices_load_once() -> None:
    assert TWILIO_SPEC.source["path"] == "spec/json/twilio_api_v2010.json"


@pytest.mark.parametrize("ident", ["", ".", "..", None, 7])
def test_a_telnyx_record_without_a_usable_id_is_a_format_error(ident: object) -> None:
    emu = emulate("telnyx", numbers=1)
    record = dict(next(iter(emu.transport.records.values())), id=ident)
    meta = {"total_pages": 1, "total_results": 1, "page_number": 1, "page_size": 20}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/phone_numbers/voice"):
            return httpx.Response(200, json={"data": [], "meta": meta})
        return httpx.Response(200, json={"data": [record], "meta": meta})

    client = httpx.Client(transport=httpx.MockTransport(answer))
    with phonefleet.connect(
        "telnyx", api_key="k", base_url="https://api.telnyx.com/v2", http_client=client
    ) as store:
        with pytest.raises(ResponseFormatError, match="id"):
            list(store.list())
        with pytest.raises(ResponseFormatError, match="id"):
            store.get(record["phone_number"])
    assert [r.url.path for r in emu.transport.requests] == []  # nothing reached a real server


@pytest.mark.parametrize(
    ("provider", "challenge"),
    [
        ("twilio", 'Basic realm="Twilio API"'),
        ("signalwire", 'Basic realm="SignalWire"'),
        ("telnyx", "Bearer"),
        ("linq", "Bearer"),  # (Gravity Rail's challenge is held by its own tests)
    ],
)
def test_every_emulators_401_carries_its_challenge(provider: str, challenge: str) -> None:
    emu = emulate(provider, numbers=1)
    base = str(emu.settings["base_url"])
    with httpx.Client(transport=emu.transport) as http:
        answer = http.get(base.rstrip("/") + "/phone_numbers", headers={"Authorization": "Bearer wrong"})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == challenge
