"""The Twilio adapter's own rules: settings, forwarding by Twimlet, precedence,
what an update sends, bad input refused before any request, paging checks,
safe purchase and release, error shapes."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

import phonefleet
from phonefleet import (
    ArchiveBlockedError,
    Handler,
    NumberChanges,
    PhoneFleetError,
    ProviderError,
    ResponseFormatError,
    Routing,
)
from phonefleet.adapter import Ref
from phonefleet.testing import Fault, FaultPlan, emulate
from phonefleet_twilio import TwilioAdapter, forward_url, forwarding_from_url, search_params
from phonefleet_twilio._errors import error_from_response
from phonefleet_twilio.emulator import ACCOUNT_SID, API_KEY, API_SECRET, AUTH_TOKEN, BASE_URL

#: sids of the shape the spec requires (`^TK[0-9a-fA-F]{32}$`, `^AP[0-9a-fA-F]{32}$`)
TRUNK = "TK" + "0" * 31 + "1"
APP = "AP" + "0" * 31 + "1"


def _form(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.content.decode(), keep_blank_values=True))


def _posts(emulator: Any) -> list[dict[str, str]]:
    return [_form(r) for r in emulator.transport.requests if r.method == "POST"]


# -- settings -------------------------------------------------------------------------


def test_settings_need_an_account_and_a_credential(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="account_sid"):
        TwilioAdapter(auth_token="t")
    with pytest.raises(ValueError, match="auth_token"):
        TwilioAdapter(account_sid="AC1")
    with pytest.raises(ValueError, match="api_secret"):
        TwilioAdapter(account_sid="AC1", api_key="SK1")
    with pytest.raises(ValueError, match="page_size"):
        TwilioAdapter(account_sid="AC1", auth_token="t", page_size=1001)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC9")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "from-the-environment")
    adapter = TwilioAdapter()
    assert adapter.account_sid == "AC9"
    assert "from-the-environment" not in repr(vars(adapter))


def test_api_key_pair_authenticates_and_paths_keep_the_account() -> None:
    emulator = emulate("twilio", numbers=2)
    settings = {
        "account_sid": ACCOUNT_SID,
        "api_key": API_KEY,
        "api_secret": API_SECRET,
        "base_url": BASE_URL,
    }
    with emulator.connect("twilio", **{**settings, "auth_token": None}) as store:
        assert len(list(store.list())) == 2
    request = emulator.transport.requests[-1]
    assert f"/Accounts/{ACCOUNT_SID}/" in request.url.path
    wrong = {**settings, "api_secret": "not-it", "auth_token": AUTH_TOKEN}  # the key pair wins over a token
    with emulator.connect("twilio", **wrong) as store, pytest.raises(phonefleet.AuthenticationError):
        list(store.list())


# -- forwarding -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://twimlets.com/forward?PhoneNumber=%2B16505550199",
        "http://twimlets.com/forward?PhoneNumber=%2B16505550199",
        "https://www.twimlets.com/forward/?PhoneNumber=%2B1%20650%20555%200199",
        "https://twimlets.com/forward?PhoneNumber=%2B16505550199&Timeout=20&FailUrl=https%3A%2F%2Fx.example",
    ],
)
def test_forward_twimlets_read_as_forwarding(url: str) -> None:
    assert forwarding_from_url(url) == "+16505550199"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/voice",
        "https://twimlets.com/echo?Twiml=%3CResponse%2F%3E",
        "https://twimlets.com.evil.example/forward?PhoneNumber=%2B16505550199",
        "https://evil.example/twimlets.com/forward?PhoneNumber=%2B16505550199",
        "https://twimlets.com/forward?PhoneNumber=not-a-number",
        "https://twimlets.com/forward?PhoneNumber=%2B16505550199&PhoneNumber=%2B16505550198",
        "ftp://twimlets.com/forward?PhoneNumber=%2B16505550199",
        None,
        "",
    ],
)
def test_other_urls_are_not_forwarding(url: str | None) -> None:
    assert forwarding_from_url(url) is None


def test_forward_url_is_percent_encoded() -> None:
    assert forward_url("+16505550199") == "https://twimlets.com/forward?PhoneNumber=%2B16505550199"


def test_stop_forwarding_leaves_a_webhook_alone() -> None:
    emulator = emulate("twilio", numbers=1)
    with emulator.connect("twilio") as store:
        number = next(iter(store.list()))
        webhook = Handler("twiml_webhook", url="https://example.com/voice", method="POST")
        store.update(number.id, NumberChanges(routing=Routing(voice=webhook)))
        posts = len(_posts(emulator))
        assert store.set_forwarding(number.id, None).routing.voice == webhook
        assert len(_posts(emulator)) == posts  # nothing to stop: nothing sent


def test_forwarding_clears_an_application_or_trunk_in_its_way() -> None:
    emulator = emulate("twilio", numbers=1)
    with emulator.connect("twilio") as store:
        number = next(iter(store.list()))
        store.update(number.id, NumberChanges(routing=Routing(voice=Handler("sip_trunk", target=TRUNK))))
        forwarded = store.set_forwarding(number.id, "+16505550199")
        assert forwarded.forwarding_number == "+16505550199"
        assert forwarded.routing is None or forwarded.routing.voice is None
        assert _posts(emulator)[-1] == {
            "VoiceUrl": "https://twimlets.com/forward?PhoneNumber=%2B16505550199",
            "TrunkSid": "",
        }


# -- precedence and what an update sends -------------------------------------------------


def test_a_trunk_overrides_an_application_which_overrides_the_urls() -> None:
    emulator = emulate("twilio", numbers=1)
    with emulator.connect("twilio") as store:
        ident = next(iter(store.list())).id
        webhook = Handler("twiml_webhook", url="https://example.com/voice", method="GET")
        assert store.update(ident, NumberChanges(routing=Routing(voice=webhook))).routing.voice == webhook
        app = Handler("twiml_application", target=APP)
        applied = store.update(ident, NumberChanges(routing=Routing(voice=app)))
        assert applied.routing.voice == app
        assert applied.raw["voice_url"] == "https://example.com/voice"  # kept, but overridden
        trunk = Handler("sip_trunk", target=TRUNK)
        trunked = store.update(ident, NumberChanges(routing=Routing(voice=trunk)))
        assert trunked.routing.voice == trunk
        assert not trunked.raw["voice_application_sid"]  # a trunk removes the application
        back = store.update(ident, NumberChanges(routing=Routing(voice=webhook)))
        assert back.routing.voice == webhook
        assert _posts(emulator)[-1] == {"TrunkSid": ""}  # the URL was there already


def test_an_update_sends_only_what_changes_and_empty_strings_clear() -> None:
    emulator = emulate("twilio", numbers=1)
    with emulator.connect("twilio") as store:
        ident = next(iter(store.list())).id
        webhook = Handler(
            "twiml_webhook",
            url="https://example.com/voice",
            method="POST",
            fallback_url="https://example.com/fallback",
            fallback_method="GET",
        )
        store.update(ident, NumberChanges(routing=Routing(voice=webhook)))
        posts = len(_posts(emulator))
        store.update(ident, NumberChanges(routing=Routing(voice=webhook)))
        assert len(_posts(emulator)) == posts  # the same routing again: nothing sent
        plain = Handler("twiml_webhook", url="https://example.com/voice", method="POST")
        assert store.update(ident, NumberChanges(routing=Routing(voice=plain))).routing.voice == plain
        assert _posts(emulator)[-1] == {"VoiceFallbackUrl": ""}
        cleared = store.update(ident, NumberChanges(routing=None))
        assert cleared.routing is None
        assert _posts(emulator)[-1]["VoiceUrl"] == ""


def test_clearing_routing_keeps_forwarding() -> None:
    emulator = emulate("twilio", numbers=1)
    with emulator.connect("twilio") as store:
        ident = next(iter(store.list())).id
        store.set_forwarding(ident, "+16505550199")
        cleared = store.update(ident, NumberChanges(routing=None))
        assert cleared.forwarding_number == "+16505550199"


BAD_CHANGES = [
    NumberChanges(name="x" * 65),
    NumberChanges(routing=Routing(voice=Handler("relay_topic", target="office"))),
    NumberChanges(routing=Routing(voice=Handler("twiml_webhook", url="ftp://example.com/x"))),
    NumberChanges(routing=Routing(voice=Handler("twiml_webhook", url="https://example.com/x", method="PUT"))),
    NumberChanges(routing=Routing(voice=Handler("twiml_webhook", method="POST"))),
    NumberChanges(routing=Routing(voice=Handler("twiml_webhook", url="https://e.com/x", target="AP1"))),
    NumberChanges(routing=Routing(voice=Handler("twiml_application"))),
    NumberChanges(routing=Routing(voice=Handler("sip_trunk", target="TK1", url="https://e.com/x"))),
    NumberChanges(routing=Routing(messaging=Handler("sip_trunk", target="TK1"))),
    NumberChanges(
        routing=Routing(
            messaging=Handler("twiml_webhook", url="https://e.com/x", status_callback_url="https://e.com/s")
        )
    ),
    NumberChanges(routing=Routing(voice=Handler("twiml_webhook", url="https://e.com/x", extra={"a": 1}))),
    NumberChanges(
        forwarding_number="+16505550199",
        routing=Routing(voice=Handler("twiml_webhook", url="https://example.com/voice")),
    ),
]


@pytest.mark.parametrize("changes", BAD_CHANGES)
def test_bad_changes_are_refused_before_any_request(changes: NumberChanges) -> None:
    emulator = emulate("twilio", numbers=1)
    with emulator.connect("twilio") as store:
        ident = next(iter(store.list())).id
        before = len(emulator.transport.requests)
        with pytest.raises(ValueError) as caught:
            store.update(ident, changes)
        assert str(caught.value)
        assert len(emulator.transport.requests) == before


@pytest.mark.parametrize(
    ("criteria", "match"),
    [
        ({"country": "USA"}, "country"),
        ({"kind": "landline"}, "kind"),
        ({"area_code": "51"}, "area_code"),
        ({"area_code": True}, "area_code"),
        ({"contains": "55 5"}, "contains"),
        ({"sms": "yes"}, "SmsEnabled"),
        ({"limit": 0}, "limit"),
        ({"region": ""}, "InRegion"),
    ],
)
def test_bad_searches_are_refused_before_any_request(criteria: dict[str, Any], match: str) -> None:
    emulator = emulate("twilio", numbers=1)
    with emulator.connect("twilio") as store, pytest.raises(ValueError, match=match):
        store.ex_search_available(**criteria)
    assert emulator.transport.requests == []


def test_search_params_as_twilio_documents_them() -> None:
    assert search_params("us", "toll_free", contains="555*", voice=True, limit=20) == (
        "US",
        "TollFree",
        {"Contains": "555*", "VoiceEnabled": "true", "PageSize": 20},
    )


# -- paging --------------------------------------------------------------------------------


def _page(next_uri: object) -> httpx.Response:
    return httpx.Response(200, json={"incoming_phone_numbers": [], "next_page_uri": next_uri})


@pytest.mark.parametrize(
    "next_uri",
    [
        "https://elsewhere.example/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json?Page=1",
        "/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json?PageSize=1000",  # the page itself
        "javascript:alert(1)",
        42,
    ],
)
def test_a_bad_next_page_uri_is_a_format_error(next_uri: object) -> None:
    adapter = TwilioAdapter(account_sid="AC1", auth_token="t", base_url="https://api.twilio.com")
    flow = adapter.list_page(False, None)
    request = next(flow)
    with pytest.raises(ResponseFormatError):
        flow.send(_page(next_uri))
    assert request.url.params["PageSize"] == "1000"


def test_a_listing_that_loops_is_refused() -> None:
    emulator = emulate("twilio", numbers=3)
    loop = f"/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers.json?PageSize=1&Page=1&PageToken=PAx"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"incoming_phone_numbers": [], "next_page_uri": loop})

    settings = dict(emulator.settings)
    with (
        phonefleet.connect("twilio", transport=httpx.MockTransport(answer), **settings) as store,
        pytest.raises(ResponseFormatError, match=r"already returned|points back"),
    ):
        list(store.list())


def test_get_by_number_follows_pages_to_the_exact_match() -> None:
    emulator = emulate("twilio", numbers=5)
    with emulator.connect("twilio", page_size=1) as store:
        wanted = list(store.list())[-1]
        assert store.get(wanted.number) == wanted
        lookup = [r for r in emulator.transport.requests if "PhoneNumber" in r.url.params]
        assert lookup[0].url.params["PhoneNumber"] == wanted.number


# -- purchase and release ---------------------------------------------------------------------


def test_a_purchase_whose_answer_is_lost_is_not_sent_twice() -> None:
    emulator = emulate("twilio", numbers=1)
    with emulator.connect("twilio") as store:
        emulator.transport.faults = FaultPlan(script=[Fault.DROP_AFTER], methods=frozenset({"POST"}))
        bought = store.create("+15125550100", name="Bought")
    assert bought.number == "+15125550100"
    assert bought.name == "Bought"
    creates = [r for r in emulator.transport.applied if r.method == "POST"]
    assert len(creates) == 1


def test_a_release_whose_answer_is_lost_is_not_sent_twice() -> None:
    emulator = emulate("twilio", numbers=2)
    with emulator.connect("twilio") as store:
        number = next(iter(store.list()))
        emulator.transport.faults = FaultPlan(script=[Fault.DROP_AFTER], methods=frozenset({"DELETE"}))
        released = store.archive(number)
    assert released.archived
    assert [r.method for r in emulator.transport.applied].count("DELETE") == 1


def test_rate_limited_writes_are_waited_out_without_retry_after() -> None:
    emulator = emulate("twilio", numbers=1)
    emulator.transport.send_retry_after = False
    with emulator.connect("twilio") as store:
        ident = next(iter(store.list())).id
        emulator.transport.faults = FaultPlan(script=[Fault.RATE_LIMIT, Fault.RATE_LIMIT])
        assert store.update(ident, NumberChanges(name="Later")).name == "Later"
        emulator.transport.faults = FaultPlan(script=[Fault.RATE_LIMIT])
        assert store.create("+15125550100").number == "+15125550100"
        emulator.transport.faults = FaultPlan(script=[Fault.RATE_LIMIT], methods=frozenset({"DELETE"}))
        assert store.archive(ident).archived


def test_signalwire_release_cooldown_is_a_blocked_archive() -> None:
    emulator = emulate("twilio", numbers=1, dialect="signalwire", hold_purchases=True)
    with emulator.connect("twilio") as store:
        bought = store.create("+15125550100")
        with pytest.raises(ArchiveBlockedError) as caught:
            store.archive(bought.id)
    assert caught.value.status == 409
    assert caught.value.blockers[0].id == bought.id


# -- errors ----------------------------------------------------------------------------------------


def _error(status: int, body: Any, **headers: str) -> ProviderError:
    request = httpx.Request("GET", "https://api.twilio.com/x")
    response = httpx.Response(status, json=body, headers=headers, request=request)
    return error_from_response(response, "get")


def test_rfc_9457_problem_details_are_read() -> None:
    error = _error(
        404,
        {
            "type": "https://www.twilio.com/docs/errors/20404",
            "title": "Not Found",
            "detail": "The requested resource was not found",
            "code": 20404,
            "status": 404,
        },
        **{"Twilio-Request-Id": "RQ1"},
    )
    assert isinstance(error, phonefleet.NotFoundError)
    assert (error.code, error.message) == (20404, "The requested resource was not found")
    assert (error.doc_url, error.request_id) == ("https://www.twilio.com/docs/errors/20404", "RQ1")


def test_the_emulator_answers_problem_details_too() -> None:
    emulator = emulate("twilio", numbers=1)
    emulator.transport.problem_details = True
    with emulator.connect("twilio") as store, pytest.raises(phonefleet.NotFoundError) as caught:
        store.get("PN0")
    assert caught.value.code == 20404
    assert caught.value.doc_url == "https://www.twilio.com/docs/errors/20404"


@pytest.mark.parametrize(
    "body",
    [
        {"errors": ["plain text"]},
        {"errors": [{"code": True}]},
        {"code": "x" * 100},
        [],
        "text",
        {"message": 3},
    ],
)
def test_odd_error_bodies_still_give_the_typed_error(body: Any) -> None:
    error = _error(500, body)
    assert isinstance(error, phonefleet.ServerError)
    assert error.message


def test_only_phonefleet_errors_from_a_fetch_of_garbage() -> None:
    adapter = TwilioAdapter(account_sid="AC1", auth_token="t")
    flow = adapter.get(Ref(id="PN1"))
    next(flow)
    with pytest.raises(PhoneFleetError):
        flow.send(
            httpx.Response(200, json={"sid": "PN1", "phone_number": "+12025550100", "capabilities": [1]})
        )


async def test_async_store_searches_and_forwards() -> None:
    emulator = emulate("twilio", numbers=2, dialect="signalwire")
    async with emulator.connect_async("twilio") as store:
        found = await store.ex_search_available("US", "toll_free", limit=3)
        assert [n.number[2:5] for n in found] == ["833", "844", "877"]
        numbers = [n async for n in store.list()]
        first = numbers[0]
        forwarded = await store.set_forwarding(first.id, "+16505550199")
        assert forwarded.forwarding_number == "+16505550199"
        assert (await store.get(first.number)).forwarding_number == "+16505550199"
