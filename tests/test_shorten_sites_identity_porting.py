"""The last sites that cut text by slicing (`_identity`, Twilio porting) go through `shorten`:
a credential that straddles the cut point is blanked whole, never shown in part."""

from __future__ import annotations

import json

import attrs
import httpx
import pytest

import phonefleet
from phonefleet import PortDocuments, ResponseFormatError, StoreIdentity
from phonefleet._redact import lend, secret_forms, unlend
from phonefleet.testing import Network, emulate


def _pieces(secret: str, size: int = 8) -> set[str]:
    return {secret[start : start + size] for start in range(len(secret) - size + 1)}


def _assert_no_piece(text: str, secret: str) -> None:
    leaked = sorted(piece for piece in _pieces(secret) if piece in text)
    assert not leaked, f"pieces of the credential escaped: {leaked[:3]}"


def test_a_store_identity_that_is_not_one_shows_no_piece_of_a_credential() -> None:
    secret = "s3cr3t-T0KEN-0123456789abcdefghij"
    text = json.dumps(["x" * 60, secret])  # the secret starts 14 characters before the cut (80)
    token = lend(secret_forms([secret]))  # as while a store's flow runs
    try:
        with pytest.raises(ValueError, match="not a store identity") as caught:
            StoreIdentity.from_json(text)
    finally:
        unlend(token)
    _assert_no_piece(str(caught.value), secret)
    assert "xxxxxxxxxx" in str(caught.value)  # the rest of the text is still shown, cut
    assert len(str(caught.value)) <= len("not a store identity: ") + 80


def test_a_twilio_port_date_holding_the_token_is_blanked_before_the_cut() -> None:
    emulator = emulate("twilio", numbers=1)
    secret = str(emulator.settings["auth_token"])

    def answer(request: httpx.Request) -> httpx.Response:
        if "/Porting/PortIn/" in request.url.path:
            body = {
                "port_in_request_sid": "KW00000000000000000000000000000000",
                "port_in_request_status": "port_pending",
                "phone_numbers": [],
                # a bad date whose text runs into the store's own token across the 40-character cut
                "target_port_in_date": "not-a-date:" + "E" * 15 + secret,
            }
            return httpx.Response(200, json=body, request=request)
        response = emulator.transport.handle_request(request)
        response.read()
        return response

    store = phonefleet.connect("twilio", transport=httpx.MockTransport(answer), **emulator.settings)
    with store, pytest.raises(ResponseFormatError, match="target_port_in_date") as caught:
        store.get_port_in("KW00000000000000000000000000000000")
    shown = " ".join([str(caught.value), repr(caught.value), repr(caught.value.args)])
    _assert_no_piece(shown, secret)
    assert "not-a-date:EEEE" in shown


def test_the_twilio_bill_name_is_cut_without_a_piece_of_the_pin() -> None:
    net = Network()
    loser = emulate("twilio", numbers=1, dialect="signalwire", network=net)
    winner = emulate("twilio", numbers=1, offset=100, network=net)
    number = loser.transport.numbers()[0]["phone_number"]
    account = net.account(number)
    assert account.pin is not None
    named = attrs.evolve(account, name="A" * 238 + account.pin * 3)  # the pin across the 255 cut
    with winner.connect() as store:
        store.port_in([number], account=named, documents=PortDocuments(invoice=b"%PDF-1.4 bill"))
    [upload] = [r for r in winner.transport.requests if r.url.path.endswith("/Documents")]
    body = upload.content.decode("utf-8", "replace")
    start = body.index("Utility bill, ")
    sent = body[start : body.index("\r\n", start)]
    assert len(sent) <= 255
    assert sent.startswith("Utility bill, AAAA")
    assert account.pin not in sent
    tail = sent.rstrip(".")
    assert not any(tail.endswith(account.pin[:k]) for k in range(1, len(account.pin) + 1))  # nor a part
