"""The Twilio adapter and emulator held to Twilio's spec (`twilio_api_v2010.json`),
twilio-python and SignalWire's Compatibility spec, where a review found them
apart: blank settings, `Contains` patterns, argument names in errors,
forwarding that is already in place, the list's filters and per-type lists,
page numbers, the envelopes of both dialects, other countries' searches,
and a method the API does not have."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

import phonefleet
from phonefleet.testing import Emulator, emulate
from phonefleet_twilio import TwilioAdapter, search_params
from phonefleet_twilio.emulator import ACCOUNT_SID, AUTH_TOKEN, BASE_URL


def _client(emulator: Emulator) -> httpx.Client:
    settings = emulator.settings
    return httpx.Client(
        transport=emulator.transport,
        base_url=str(settings["base_url"]),
        auth=(str(settings["account_sid"]), str(settings["auth_token"])),
    )


def _numbers(emulator: Emulator, path: str = "IncomingPhoneNumbers.json", **params: Any) -> Any:
    account = emulator.settings["account_sid"]
    with _client(emulator) as client:
        response = client.get(f"/2010-04-01/Accounts/{account}/{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


# -- settings: a blank account sid is a missing one -----------------------------------------


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_a_blank_account_sid_is_refused_like_a_missing_one(
    blank: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    with pytest.raises(ValueError, match="account_sid"):
        TwilioAdapter(account_sid=blank, auth_token="t")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", blank)
    with pytest.raises(ValueError, match="TWILIO_ACCOUNT_SID"):
        TwilioAdapter(auth_token="t")


def test_a_blank_account_sid_sends_nothing() -> None:
    emulator = emulate("twilio", numbers=1)
    with pytest.raises(ValueError, match="account_sid"):
        phonefleet.connect("twilio", account_sid="  ", auth_token=AUTH_TOKEN, transport=emulator.transport)
    assert emulator.transport.requests == []


# -- search: Twilio's Contains patterns, errors that name the argument ---------------------


@pytest.mark.parametrize("pattern", ["510555****", "STORM", "+1512%", "%0100$", "55$", "+55"])
def test_contains_takes_twilios_wildcards_and_anchors(pattern: str) -> None:
    assert search_params(contains=pattern)[2] == {"Contains": pattern}


@pytest.mark.parametrize("pattern", ["5", "**", "*5", "5+5", "5$5", "55 5", "12345678901234567", "5-5"])
def test_contains_outside_twilios_rules_is_refused_before_sending(pattern: str) -> None:
    emulator = emulate("twilio", numbers=1)
    with emulator.connect("twilio") as store, pytest.raises(ValueError, match="contains"):
        store.ex_search_available(contains=pattern)
    assert emulator.transport.requests == []


@pytest.mark.parametrize(
    ("criteria", "name"),
    [
        ({"sms": "yes"}, "sms"),
        ({"mms": 1}, "mms"),
        ({"voice": "true"}, "voice"),
        ({"fax": None or 0}, "fax"),
        ({"region": ""}, "region"),
        ({"locality": " "}, "locality"),
        ({"postal_code": 78701}, "postal_code"),
    ],
)
def test_a_bad_search_argument_is_named_as_the_caller_wrote_it(criteria: dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} "):
        search_params(**criteria)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("+1512%", "512"),  # anchored at the start, with the country code
        ("+512", "512"),  # or without
        ("%0100$", None),  # anchored at the end
        ("512*55", "512"),
    ],
)
def test_the_emulator_searches_with_twilios_pattern_rules(pattern: str, expected: str | None) -> None:
    emulator = emulate("twilio", numbers=1)
    with emulator.connect("twilio") as store:
        found = store.ex_search_available(contains=pattern, limit=50)
    assert found
    for number in found:
        if expected is not None:
            assert number.number.startswith("+1" + expected)
        if pattern.endswith("$"):
            assert number.number.endswith("0100")


def test_another_countrys_search_is_an_empty_page_not_a_404() -> None:
    emulator = emulate("twilio", numbers=1)
    with emulator.connect("twilio") as store:
        assert store.ex_search_available("GB", "mobile") == []
        assert store.ex_search_available("CA", "local", area_code="604") == []


# -- forwarding already in place ------------------------------------------------------------------


def test_forwarding_to_where_a_twimlet_already_forwards_keeps_its_parameters() -> None:
    emulator = emulate("twilio", numbers=1)
    twimlet = "https://twimlets.com/forward?PhoneNumber=%2B16505550199&Timeout=20"
    with emulator.connect("twilio") as store:
        ident = next(iter(store.list())).id
        with _client(emulator) as client:
            client.post(
                f"/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers/{ident}.json",
                data={"VoiceUrl": twimlet, "VoiceApplicationSid": "", "TrunkSid": ""},
            )
        posts = sum(r.method == "POST" for r in emulator.transport.requests)
        number = store.set_forwarding(ident, "+1 650 555 0199")
        assert number.forwarding_number == "+16505550199"
        assert number.raw["voice_url"] == twimlet
        assert sum(r.method == "POST" for r in emulator.transport.requests) == posts  # nothing to change
        moved = store.set_forwarding(ident, "+16505550100")
        assert moved.raw["voice_url"] == "https://twimlets.com/forward?PhoneNumber=%2B16505550100"


def test_forwarding_under_a_trunk_clears_the_trunk_and_keeps_the_twimlet() -> None:
    emulator = emulate("twilio", numbers=1)
    twimlet = "https://twimlets.com/forward?PhoneNumber=%2B16505550199"
    with emulator.connect("twilio") as store:
        ident = next(iter(store.list())).id
        with _client(emulator) as client:
            client.post(
                f"/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers/{ident}.json",
                data={"VoiceUrl": twimlet, "TrunkSid": "TK" + "0" * 31 + "1"},
            )
        assert store.get(ident).forwarding_number is None  # the trunk wins
        number = store.set_forwarding(ident, "+16505550199")
        assert number.forwarding_number == "+16505550199"
        sent = dict(parse_qsl(emulator.transport.requests[-1].content.decode(), keep_blank_values=True))
        assert sent == {"TrunkSid": ""}


# -- the emulator's list, as the spec documents it --------------------------------------------


def test_the_phone_number_filter_takes_partial_numbers_and_star_wildcards() -> None:
    emulator = emulate("twilio", numbers=12)
    every = [n["phone_number"] for n in emulator.transport.numbers()]
    found = _numbers(emulator, PhoneNumber="+1202200001*")["incoming_phone_numbers"]
    assert [n["phone_number"] for n in found] == [n for n in every if n.startswith("+1202200001")]
    found = _numbers(emulator, PhoneNumber="2*2200000")["incoming_phone_numbers"]
    assert {n["phone_number"] for n in found} == {n for n in every if n[4:11] == "2200000" and n[2] == "2"}
    assert found


def test_the_origin_and_beta_filters_are_applied() -> None:
    emulator = emulate("twilio", numbers=4)
    assert len(_numbers(emulator, Origin="twilio")["incoming_phone_numbers"]) == 4
    hosted = _numbers(emulator, Origin="hosted")
    assert hosted["incoming_phone_numbers"] == []
    assert "Origin=hosted" in hosted["uri"]
    assert len(_numbers(emulator, Beta="false")["incoming_phone_numbers"]) == 4
    account = emulator.settings["account_sid"]
    with _client(emulator) as client:
        bad = client.get(
            f"/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json", params={"Beta": "maybe"}
        )
    assert bad.status_code == 400
    assert bad.json()["code"] == 20001


def test_a_page_number_alone_counts_from_the_start_on_twilio() -> None:
    emulator = emulate("twilio", numbers=7)
    every = [n["phone_number"] for n in emulator.transport.numbers()]
    page = _numbers(emulator, PageSize=3, Page=1)
    assert [n["phone_number"] for n in page["incoming_phone_numbers"]] == every[3:6]
    assert (page["page"], page["start"], page["end"]) == (1, 3, 5)
    assert page["previous_page_uri"] is not None
    assert page["next_page_uri"] is not None


def test_signalwire_wants_a_page_token_past_the_first_page() -> None:
    emulator = emulate("twilio", numbers=3, dialect="signalwire")
    account = emulator.settings["account_sid"]
    with _client(emulator) as client:
        answer = client.get(f"/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json", params={"Page": 1})
    assert answer.status_code == 400


def test_each_dialect_answers_its_own_list_envelope() -> None:
    twilio = _numbers(emulate("twilio", numbers=2))
    assert set(twilio) == {
        "incoming_phone_numbers",
        "next_page_uri",
        "first_page_uri",
        "previous_page_uri",
        "page",
        "page_size",
        "uri",
        "start",
        "end",
    }
    signalwire = emulate("twilio", numbers=2, dialect="signalwire")
    account = signalwire.settings["account_sid"]
    with _client(signalwire) as client:
        body = client.get(f"/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json").json()
    assert set(body) == {
        "incoming_phone_numbers",
        "next_page_uri",
        "first_page_uri",
        "previous_page_uri",
        "page",
        "page_size",
        "uri",
    }


@pytest.mark.parametrize(
    ("path", "kind"), [("Local", "local"), ("TollFree", "toll-free"), ("Mobile", "mobile")]
)
def test_the_per_type_lists_list_that_type(path: str, kind: str) -> None:
    emulator = emulate("twilio", numbers=3)
    bought = "+18335550104" if kind == "toll-free" else None
    if bought is not None:
        with emulator.connect("twilio") as store:
            store.create(bought)
    page = _numbers(emulator, f"IncomingPhoneNumbers/{path}.json")
    expected = [n["sid"] for n in emulator.transport.numbers() if n["type"] == kind]
    assert [n["sid"] for n in page["incoming_phone_numbers"]] == expected
    assert f"/IncomingPhoneNumbers/{path}.json?" in page["uri"]
    if kind == "local":
        assert len(expected) == 3
    elif kind == "toll-free":
        assert len(expected) == 1


def test_a_method_the_api_does_not_have_is_answered_in_twilios_shape() -> None:
    emulator = emulate("twilio", numbers=1)
    sid = emulator.transport.numbers()[0]["sid"]
    with _client(emulator) as client:
        answer = client.put(f"/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers/{sid}.json")
    assert answer.status_code == 405
    assert answer.json()["code"] == 20004
    assert answer.json()["more_info"].startswith("https://")


# -- twilio-python's per-type resources --------------------------------------------------------


class _Forward(HttpClient):
    """twilio-python's transport hook, to the emulator."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(logging.getLogger("twilio-sdk-review"), is_async=False)
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
        url = uri.replace("https://api.twilio.com", BASE_URL, 1)
        answer = self.client.request(method, url, params=params, data=data, headers=headers, auth=auth)
        return Response(answer.status_code, answer.text, answer.headers)


@pytest.fixture
def sdk_and_emulator() -> Iterator[tuple[Any, Emulator]]:
    emulator = emulate("twilio", numbers=5)
    http = _Forward(emulator)
    yield Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http).api.v2010.accounts(ACCOUNT_SID), emulator
    http.client.close()


def test_the_sdks_per_type_resources_and_filters_work(sdk_and_emulator: tuple[Any, Emulator]) -> None:
    sdk, emulator = sdk_and_emulator
    local = sdk.incoming_phone_numbers.local.list()
    assert len(local) == 5
    assert sdk.incoming_phone_numbers.toll_free.list() == []
    bought = sdk.incoming_phone_numbers.toll_free.create(phone_number="+18335550104")
    assert bought.phone_number == "+18335550104"
    assert [n.sid for n in sdk.incoming_phone_numbers.toll_free.list()] == [bought.sid]
    assert sdk.incoming_phone_numbers.list(origin="hosted") == []
    assert len(sdk.incoming_phone_numbers.list(beta=False, page_size=2)) == 6
    first = local[0]
    same = sdk.incoming_phone_numbers.list(phone_number=first.phone_number)
    assert [n.sid for n in same] == [first.sid]
    with emulator.connect("twilio") as store:
        assert store.get(bought.sid).number_type == phonefleet.NumberType.TOLL_FREE


# -- Twimlet URLs as people write them ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://twimlets.com/forward?PhoneNumber=+16505550199",  # a literal plus, as pasted
        "https://twimlets.com/forward?PhoneNumber=+1+650+555+0199",
        "https://TWIMLETS.COM/forward?PhoneNumber=%2B16505550199",  # a host is case-blind
        "http://Twimlets.com/forward?Timeout=20&PhoneNumber=%2B16505550199",
    ],
)
def test_twimlets_written_by_hand_still_read_as_forwarding(url: str) -> None:
    from phonefleet_twilio import forwarding_from_url

    assert forwarding_from_url(url) == "+16505550199"


def test_a_hand_written_twimlet_is_stopped_like_ours() -> None:
    emulator = emulate("twilio", numbers=1)
    with emulator.connect("twilio") as store:
        ident = next(iter(store.list())).id
        with _client(emulator) as client:
            client.post(
                f"/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers/{ident}.json",
                data={
                    "VoiceUrl": "https://twimlets.com/forward?PhoneNumber=+16505550199",
                    "VoiceApplicationSid": "",
                    "TrunkSid": "",
                },
            )
        assert store.get(ident).forwarding_number == "+16505550199"
        stopped = store.set_forwarding(ident, None)
        assert stopped.forwarding_number is None
        assert not stopped.raw["voice_url"]


def test_signalwire_has_no_trunks_to_set() -> None:
    emulator = emulate("twilio", numbers=1, dialect="signalwire")
    sid = emulator.transport.numbers()[0]["sid"]
    account = emulator.settings["account_sid"]
    with _client(emulator) as client:
        answer = client.post(
            f"/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{sid}.json", data={"TrunkSid": "TK1"}
        )
    assert answer.status_code == 200
    assert answer.json()["trunk_sid"] is None  # "Always null" in SignalWire's spec


# -- the command line on Twilio's emulator -------------------------------------------------------


def test_the_cli_lists_shows_and_forwards_on_twilio() -> None:
    import json

    from click.testing import CliRunner

    from phonefleet.cli import app

    runner = CliRunner()
    listed = runner.invoke(app, ["list", "emulator:twilio", "--json"])
    assert listed.exit_code == 0, listed.output
    numbers = json.loads(listed.stdout)
    assert numbers
    assert {n["provider"] for n in numbers} == {"twilio"}
    forwarded = next(n for n in numbers if n["forwarding_number"])
    shown = runner.invoke(app, ["show", "emulator:twilio", forwarded["number"], "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["id"] == forwarded["id"]
    on = runner.invoke(
        app, ["forward", "emulator:twilio", numbers[0]["number"], "+1 650 555 0199", "--yes", "--json"]
    )
    assert on.exit_code == 0, on.output
    assert json.loads(on.stdout)["forwarding_number"] == "+16505550199"
    off = runner.invoke(app, ["forward", "emulator:twilio", forwarded["number"], "--off", "--json"])
    assert off.exit_code == 0, off.output
    assert json.loads(off.stdout)["forwarding_number"] is None
    bad = runner.invoke(app, ["forward", "emulator:twilio", forwarded["number"], "650 555"])
    assert bad.exit_code != 0
    assert "not a valid phone number" in bad.output


def test_a_purchase_with_an_empty_name_is_one_request() -> None:
    emulator = emulate("twilio", numbers=1)
    with emulator.connect("twilio") as store:
        before = len(emulator.transport.requests)
        bought = store.create("+15125550100", name="")
    sent = emulator.transport.requests[before:]
    assert [(r.method, r.content) for r in sent] == [("POST", b"PhoneNumber=%2B15125550100")]
    assert bought.name == "(512) 555-0100"  # Twilio's default: the formatted number


def test_a_search_limit_holds_on_signalwire_which_takes_no_page_size() -> None:
    emulator = emulate("twilio", numbers=1, dialect="signalwire")
    with emulator.connect("twilio") as store:
        found = store.ex_search_available("US", "local", limit=3)
        assert len(found) == 3
        everything = store.ex_search_available("US", "local")
        assert len(everything) > 3
        with pytest.raises(phonefleet.NotFoundError):  # SignalWire sells no mobile numbers here
            store.ex_search_available("US", "mobile")
    account = emulator.settings["account_sid"]
    with _client(emulator) as client:
        body = client.get(f"/2010-04-01/Accounts/{account}/AvailablePhoneNumbers/US/Local").json()
    assert set(body) == {"uri", "available_phone_numbers"}
    assert body["uri"].startswith("/api/laml/")


@pytest.mark.parametrize(("dialect", "limit"), [("twilio", 64), ("signalwire", 255)])
def test_a_names_limit_is_the_dialects(dialect: str, limit: int) -> None:
    emulator = emulate("twilio", numbers=1, dialect=dialect)
    with emulator.connect("twilio") as store:
        ident = next(iter(store.list())).id
        assert store.update(ident, phonefleet.NumberChanges(name="n" * limit)).name == "n" * limit
        before = len(emulator.transport.requests)
        with pytest.raises(ValueError, match=f"at most {limit}"):
            store.update(ident, phonefleet.NumberChanges(name="n" * (limit + 1)))
        with pytest.raises(ValueError, match=f"at most {limit}"):
            store.create("+15125550100", name="n" * (limit + 1))
        assert len(emulator.transport.requests) == before


def test_page_size_given_as_text_on_the_command_line() -> None:
    from click.testing import CliRunner

    from phonefleet.cli import app

    assert TwilioAdapter(account_sid="AC1", auth_token="t", page_size=" 500 ").page_size == 500
    for bad in ("0", "1001", "ten", "-5"):
        with pytest.raises(ValueError, match="page_size"):
            TwilioAdapter(account_sid="AC1", auth_token="t", page_size=bad)
    listed = CliRunner().invoke(app, ["list", "emulator:twilio", "-o", "page_size=7", "--json"])
    assert listed.exit_code == 0, listed.output


@pytest.mark.parametrize("dialect", ["twilio", "signalwire"])
def test_previous_page_uri_leads_back_through_the_same_pages(dialect: str) -> None:
    emulator = emulate("twilio", numbers=11, dialect=dialect)
    account = emulator.settings["account_sid"]
    origin = str(httpx.URL(str(emulator.settings["base_url"])).copy_with(path="/"))
    with _client(emulator) as client:
        body = client.get(
            f"/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json", params={"PageSize": 3}
        ).json()
        forward = [[n["sid"] for n in body["incoming_phone_numbers"]]]
        while body["next_page_uri"]:
            body = client.get(origin.rstrip("/") + body["next_page_uri"]).json()
            forward.append([n["sid"] for n in body["incoming_phone_numbers"]])
        back = [[n["sid"] for n in body["incoming_phone_numbers"]]]
        while body["previous_page_uri"]:
            body = client.get(origin.rstrip("/") + body["previous_page_uri"]).json()
            assert body["next_page_uri"] is not None
            back.append([n["sid"] for n in body["incoming_phone_numbers"]])
    assert [len(page) for page in forward] == [3, 3, 3, 2]
    assert back == forward[::-1]
    assert body["page"] == 0
