"""The provider-neutral porting model and the core's checks before any request."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

import phonefleet
from phonefleet import (
    Feature,
    NotPortableError,
    Portability,
    PortAccount,
    PortAddress,
    PortDocuments,
    PortStatus,
    UnsupportedOperationError,
)
from phonefleet.adapter import least_advanced
from phonefleet.testing import Network, business_days_after

ADDRESS = PortAddress("1 Main St", "Springfield", "IL", "62701", "US")


def account(**changes: object) -> PortAccount:
    values: dict[str, object] = {
        "name": "Acme",
        "authorized_name": "Pat Doe",
        "authorized_email": "pat@example.com",
        "address": ADDRESS,
        "account_number": "ACCT-998877",
        "pin": "4321",
    }
    values.update(changes)
    return PortAccount(**values)  # type: ignore[arg-type]


def test_done_statuses() -> None:
    assert {s for s in PortStatus if s.done} == {
        PortStatus.COMPLETED,
        PortStatus.REJECTED,
        PortStatus.CANCELLED,
    }


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([PortStatus.SCHEDULED, PortStatus.SUBMITTED], PortStatus.SUBMITTED),
        ([PortStatus.SCHEDULED, PortStatus.COMPLETED], PortStatus.SCHEDULED),
        ([PortStatus.COMPLETED, PortStatus.COMPLETED], PortStatus.COMPLETED),
        ([PortStatus.COMPLETED, PortStatus.REJECTED], PortStatus.REJECTED),
        ([PortStatus.CANCELLED, PortStatus.COMPLETED], PortStatus.CANCELLED),
        ([PortStatus.ACTION_REQUIRED, PortStatus.SUBMITTED], PortStatus.ACTION_REQUIRED),
        ([], PortStatus.UNKNOWN),
    ],
)
def test_least_advanced(statuses: list[PortStatus], expected: PortStatus) -> None:
    assert least_advanced(statuses) is expected


def test_account_secrets_never_shown() -> None:
    acct = account()
    for text in (repr(acct), str(acct)):
        assert "4321" not in text
        assert "998877" not in text
    assert set(acct.secrets()) == {"4321", "ACCT-998877"}


def test_account_refuses_bad_kind_and_blank_name() -> None:
    with pytest.raises(ValueError, match="kind"):
        account(kind="company")
    with pytest.raises(ValueError, match="name"):
        account(name="  ")


def test_documents_read_paths_and_refuse_unreadable(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    loa = folder / "loa.pdf"
    loa.write_bytes(b"%PDF-1.4 loa")
    read = PortDocuments(loa=loa, invoice=b"bill").read()
    assert read.loa == b"%PDF-1.4 loa"
    assert read.invoice == b"bill"
    assert "bill" not in repr(read)
    with pytest.raises(ValueError, match="cannot read the invoice"):
        PortDocuments(invoice=folder / "missing.pdf").read()


def test_not_portable_error_names_each_number() -> None:
    error = NotPortableError([Portability("+12025550100", False, reason="carrier refuses")])
    assert "+12025550100: carrier refuses" in str(error)
    assert error.results[0].number == "+12025550100"


def _linq_store(sent: list[httpx.Request]) -> phonefleet.adapter.Store[phonefleet.adapter.Adapter]:
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(500))
    return phonefleet.connect("linq", api_key="k" * 20, transport=transport)


def test_vendor_without_porting_refuses_before_any_request() -> None:
    sent: list[httpx.Request] = []
    with _linq_store(sent) as store:
        assert Feature.PORT_IN not in store.features
        with pytest.raises(UnsupportedOperationError, match="port_in"):
            store.check_portability(["+12025550100"])
        with pytest.raises(UnsupportedOperationError):
            store.port_in(["+12025550100"], account=account())
        with pytest.raises(UnsupportedOperationError):
            store.list_port_ins()
    assert sent == []


def test_business_days_skip_the_weekend() -> None:
    friday = dt.datetime(2026, 1, 9, 12, tzinfo=dt.UTC)
    assert business_days_after(friday, 3) == dt.datetime(2026, 1, 14, 12, tzinfo=dt.UTC)


def test_network_checks_the_holders_bill() -> None:
    class Member:
        def __init__(self) -> None:
            self.released: list[str] = []

        def network_release(self, number: str) -> None:
            self.released.append(number)

        def network_tick(self, now: dt.datetime) -> None:
            pass

    net = Network()
    loser, winner = Member(), Member()
    lkey = net.join(loser, "twilio")
    wkey = net.join(winner, "telnyx")
    net.hold(lkey, "+12025550100")
    bill = net.account("+12025550100")
    assert net.mismatches("+12025550100", bill) == []
    assert net.mismatches("+12025550100", account()) != []
    assert net.portability("+12025550100", lkey) == (False, "the number is already on this account")
    assert net.portability("+12025550100", wkey) == (True, None)
    net.transfer("+12025550100", wkey)
    assert net.holder("+12025550100") == wkey
    assert loser.released == ["+12025550100"]
