"""The official `twilio` package, unchanged, against the emulator: what it
lists, fetches, updates, creates and deletes is what phonefleet sees (and
the other way round), in Twilio's dialect and SignalWire's."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from _spec_check import watch
from phonefleet import NotFoundError
from phonefleet.testing import Emulator, emulate

TWILIO_ORIGIN = "https://api.twilio.com"


class EmulatorHttpClient(HttpClient):
    """twilio-python's transport hook: every request goes to the emulator.

    For SignalWire's dialect the Twilio origin is swapped for the space's
    `/api/laml` base, as SignalWire's own Twilio-based SDK does.
    """

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(logging.getLogger("twilio-sdk-test"), is_async=False)
        self.base = str(emulator.settings["base_url"])
        self.client = httpx.Client(transport=emulator.transport)

    def request(
        self,
        method: str,
        uri: str,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = False,
    ) -> Response:
        path = uri.removeprefix(TWILIO_ORIGIN)
        prefix = httpx.URL(self.base).path.rstrip("/")
        origin = self.base[: len(self.base) - len(prefix)] if prefix else self.base
        url = origin + (path if path.startswith(prefix + "/") else prefix + path)
        answer = self.client.request(method, url, params=params, data=data, headers=headers, auth=auth)
        return Response(answer.status_code, answer.text, answer.headers)


@pytest.fixture(params=["twilio", "signalwire"])
def emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    emulator = emulate("twilio", numbers=7, dialect=request.param)
    with watch(emulator.transport, "laml" if request.param == "signalwire" else "twilio"):
        yield emulator


@pytest.fixture
def client(emulator: Emulator) -> Iterator[Client]:
    settings = emulator.settings
    http = EmulatorHttpClient(emulator)
    yield Client(settings["account_sid"], settings["auth_token"], http_client=http)
    http.client.close()


@pytest.fixture
def sdk(client: Client, emulator: Emulator) -> Any:
    return client.api.v2010.accounts(emulator.settings["account_sid"])


@pytest.fixture
def store(emulator: Emulator) -> Iterator[Any]:
    with emulator.connect("twilio", page_size=3) as opened:
        yield opened


def test_sdk_lists_what_phonefleet_lists(sdk: Any, store: Any, emulator: Emulator) -> None:
    listed = list(sdk.incoming_phone_numbers.stream(page_size=2))
    ours = list(store.list())
    assert [(n.sid, n.phone_number) for n in listed] == [(n.id, n.number) for n in ours]
    assert len(ours) == 7
    pages = [r for r in emulator.transport.requests if r.url.path.rstrip("/").endswith("IncomingPhoneNumbers")
             or r.url.path.endswith("IncomingPhoneNumbers.json")]  # fmt: skip
    assert len(pages) >= 4 + 3  # the SDK's 4 pages of 2, phonefleet's 3 pages of 3
    for sdk_number, number in zip(listed, ours, strict=True):
        assert (sdk_number.friendly_name or None) == number.name
        assert sdk_number.date_created == number.created_at


def test_sdk_fetch_matches_phonefleet_get(sdk: Any, store: Any) -> None:
    for number in store.list():
        fetched = sdk.incoming_phone_numbers(number.id).fetch()
        assert fetched.phone_number == number.number
        assert (fetched.voice_url or None) == (number.raw["voice_url"] or None)
        if number.routing is not None and number.routing.voice is not None:
            voice = number.routing.voice
            if voice.kind == "twiml_webhook":
                assert fetched.voice_url == voice.url
            elif voice.kind == "twiml_application":
                assert fetched.voice_application_sid == voice.target
            else:
                assert fetched.trunk_sid == voice.target
        if number.forwarding_number is not None:
            assert number.forwarding_number.replace("+", "%2B") in fetched.voice_url


def test_sdk_update_is_read_back_by_phonefleet(sdk: Any, store: Any) -> None:
    sample = next(iter(store.list()))
    updated = sdk.incoming_phone_numbers(sample.id).update(
        voice_caller_id_lookup=True,
        friendly_name="Set by the SDK",
        voice_url="https://twimlets.com/forward?PhoneNumber=%2B16505550199&Timeout=20",
        voice_method="GET",
        voice_application_sid="",
    )
    assert updated.voice_caller_id_lookup is True
    number = store.get(sample.id)
    assert number.raw["voice_caller_id_lookup"] is True
    assert number.name == "Set by the SDK"
    assert number.forwarding_number == "+16505550199"

    sdk.incoming_phone_numbers(sample.id).update(
        voice_url="https://hooks.example.com/answer", sms_url="https://hooks.example.com/sms"
    )
    number = store.get(sample.id)
    assert number.forwarding_number is None
    assert number.routing.voice.url == "https://hooks.example.com/answer"
    assert number.routing.voice.method == "GET"
    assert number.routing.messaging.url == "https://hooks.example.com/sms"


def test_phonefleet_update_is_read_back_by_the_sdk(sdk: Any, store: Any) -> None:
    sample = next(iter(store.list()))
    store.set_forwarding(sample.id, "+1 650 555 0100")
    fetched = sdk.incoming_phone_numbers(sample.id).fetch()
    assert fetched.voice_url == "https://twimlets.com/forward?PhoneNumber=%2B16505550100"
    assert not fetched.voice_application_sid
    assert not fetched.trunk_sid
    store.set_forwarding(sample.id, None)
    assert not sdk.incoming_phone_numbers(sample.id).fetch().voice_url


def test_sdk_create_and_delete(sdk: Any, store: Any, emulator: Emulator) -> None:
    bought = sdk.incoming_phone_numbers.create(phone_number="+15125550100", friendly_name="Bought")
    assert bought.sid
    number = store.get("+15125550100")
    assert (number.id, number.name) == (bought.sid, "Bought")
    assert sdk.incoming_phone_numbers(bought.sid).delete() is True
    with pytest.raises(NotFoundError) as caught:
        store.get(bought.sid)
    assert caught.value.code == 20404


def test_sdk_sees_the_emulators_errors(sdk: Any) -> None:
    with pytest.raises(TwilioRestException) as caught:
        sdk.incoming_phone_numbers("PN00000000000000000000000000000000").fetch()
    assert caught.value.status == 404
    assert caught.value.code == 20404


def test_sdk_search_matches_phonefleet_search(sdk: Any, store: Any) -> None:
    found = sdk.available_phone_numbers("US").local.list(area_code=512, limit=5)
    ours = store.ex_search_available("US", "local", area_code="512", limit=5)
    assert [n.phone_number for n in found] == [n.number for n in ours]
    assert len(ours) == 5


# -- where the SDK and the specs found the emulator apart (issue 22) -------------------------------

#: values each dialect's spec rules out for an update: an enum, a boolean, sid patterns
_RULED_OUT: dict[str, list[tuple[str, str]]] = {
    "twilio": [
        ("voice_receive_mode", "sms"),
        ("emergency_status", "Broken"),
        ("voice_caller_id_lookup", "maybe"),
        ("trunk_sid", "TK123"),
        ("voice_application_sid", "AP123"),
        ("sms_application_sid", "nope"),
    ],
    "signalwire": [
        ("voice_receive_mode", "sms"),
        ("voice_application_sid", "AP123"),
        ("sms_application_sid", "nope"),
        ("voice_method", "PUT"),
        ("friendly_name", ""),  # SignalWire's FriendlyName has minLength 1
    ],
}


def _dialect(emulator: Emulator) -> str:
    return "signalwire" if "/api/laml" in str(emulator.settings["base_url"]) else "twilio"


def test_sdk_update_with_a_value_the_spec_rules_out_is_a_400_that_stores_nothing(
    sdk: Any, emulator: Emulator
) -> None:
    sid = emulator.transport.numbers()[0]["sid"]
    before = sdk.incoming_phone_numbers(sid).fetch()
    for field, value in _RULED_OUT[_dialect(emulator)]:
        with pytest.raises(TwilioRestException) as caught:
            sdk.incoming_phone_numbers(sid).update(**{field: value})
        assert caught.value.status == 400, field
        assert isinstance(caught.value.code, int), field  # Twilio's code, not the status
        assert caught.value.code > 20000, field
        form_name = "".join(part.title() for part in field.split("_"))
        assert form_name in caught.value.msg, field  # the body was read, not just its status
    after = sdk.incoming_phone_numbers(sid).fetch()
    assert after.date_updated == before.date_updated
    assert (after.voice_receive_mode, after.voice_application_sid) == (
        before.voice_receive_mode,
        before.voice_application_sid,
    )


def test_sdk_update_with_sids_of_the_right_shape_is_stored(sdk: Any, emulator: Emulator) -> None:
    sid = emulator.transport.numbers()[0]["sid"]
    app = "AP" + "0" * 31 + "7" if _dialect(emulator) == "twilio" else "0e6b1f8e-2b0c-4d5e-8f00-000000000007"
    updated = sdk.incoming_phone_numbers(sid).update(voice_application_sid=app, voice_receive_mode="fax")
    assert (updated.voice_application_sid, updated.voice_receive_mode) == (
        app,
        "fax" if _dialect(emulator) == "twilio" else None,  # SignalWire serves no receive mode
    )


def test_sdk_lists_and_fetches_the_countries_for_sale(sdk: Any, emulator: Emulator) -> None:
    countries = sdk.available_phone_numbers.list()
    assert [c.country_code for c in countries] == ["US"]
    us = sdk.available_phone_numbers("US").fetch()
    assert (us.country_code, us.country, us.beta) == ("US", "United States", False)
    assert set(us.subresource_uris) == {"local", "toll_free"}
    local = us.subresource_uris["local"]
    assert local.startswith(("/2010-04-01/", "/api/laml/2010-04-01/"))
    if _dialect(emulator) == "twilio":  # (SignalWire's spec documents no answer for it)
        with pytest.raises(TwilioRestException) as caught:
            sdk.available_phone_numbers("ZZ").fetch()
        assert caught.value.status == 404


def test_sdk_on_another_accounts_sid_is_refused_with_20003(client: Client, emulator: Emulator) -> None:
    other = "AC" + "f" * 32 if _dialect(emulator) == "twilio" else "00000000-0000-4000-8000-000000000000"
    sid = emulator.transport.numbers()[0]["sid"]
    with pytest.raises(TwilioRestException) as caught:
        client.api.v2010.accounts(other).incoming_phone_numbers(sid).fetch()
    assert (caught.value.status, caught.value.code) == (401, 20003)


def test_sdk_cleared_url_reads_as_a_url_never_set(sdk: Any, emulator: Emulator, store: Any) -> None:
    sid = emulator.transport.numbers()[0]["sid"]
    sdk.incoming_phone_numbers(sid).update(voice_url="https://hooks.example.com/answer")
    cleared = sdk.incoming_phone_numbers(sid).update(voice_url="", voice_fallback_url="")
    assert cleared.voice_url is None
    assert cleared.voice_fallback_url is None
    assert sdk.incoming_phone_numbers(sid).fetch().voice_url is None
    number = store.get(sid)
    assert number.forwarding_number is None
    assert number.routing is None or number.routing.voice is None or number.routing.voice.url is None


def test_sdk_create_with_a_malformed_number_is_a_format_error_first(sdk: Any) -> None:
    with pytest.raises(TwilioRestException) as caught:
        sdk.incoming_phone_numbers.create(phone_number="12345")
    assert (caught.value.status, caught.value.code) == (400, 21421)
    with pytest.raises(TwilioRestException) as unavailable:
        sdk.incoming_phone_numbers.create(phone_number="+12025550000")
    assert (unavailable.value.status, unavailable.value.code) == (400, 21422)


def test_sdk_search_serves_only_what_the_dialect_documents(sdk: Any, emulator: Emulator) -> None:
    found = sdk.available_phone_numbers("US").local.list(limit=3)
    raw = emulator.transport.available
    assert found
    if _dialect(emulator) == "signalwire":  # closed AvailablePhoneNumber / PhoneNumberCapabilities
        assert all(n.address_requirements is None for n in found)
        assert all("fax" not in n.capabilities for n in found)
    else:
        assert all(n.address_requirements == raw[n.phone_number]["address_requirements"] for n in found)
