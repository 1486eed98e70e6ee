"""linq-python, Linq's official SDK, unchanged against the served emulator; phonefleet reads back."""

from __future__ import annotations

from collections.abc import Iterator

import linq
import pytest

from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
from phonefleet import ReputationStatus
from phonefleet.testing import EmulatorServer, serve


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with serve("linq", numbers=12, seed=7, audit_polls=1) as served:
        yield served


@pytest.fixture
def client(server: EmulatorServer) -> Iterator[linq.LinqAPIV3]:
    sdk = linq.LinqAPIV3(api_key=server.settings["api_key"], base_url=server.base_url, max_retries=0)
    yield sdk
    sdk.close()


def test_sdk_list_matches_phonefleet(server: EmulatorServer, client: linq.LinqAPIV3) -> None:
    listed = client.phone_numbers.list().phone_numbers
    with server.connect() as store:
        read = {n.id: n for n in store.list()}
    assert len(listed) == 12
    assert {line.id for line in listed} == set(read)
    for line in listed:
        number = read[line.id]
        assert number.number == line.phone_number
        assert number.forwarding_number == line.forwarding_number
        assert number.reputation is not None
        assert number.reputation.status == ReputationStatus(line.reputation.status)
        assert number.reputation.doc_url == line.reputation.doc_url


@pytest.mark.parametrize("clear_with", ["", None])
def test_sdk_forwarding_set_and_clear(
    server: EmulatorServer, client: linq.LinqAPIV3, clear_with: str | None
) -> None:
    line = client.phone_numbers.list().phone_numbers[0]
    updated = client.phone_numbers.update(line.id, forwarding_number="+12025550187")
    assert (updated.id, updated.phone_number, updated.forwarding_number) == (
        line.id,
        line.phone_number,
        "+12025550187",
    )
    with server.connect() as store:
        assert store.get(line.id).forwarding_number == "+12025550187"
        cleared = client.phone_numbers.update(line.id, forwarding_number=clear_with)
        assert cleared.forwarding_number is None
        assert store.get(line.phone_number).forwarding_number is None
    puts = [r for r in server.emulator.transport.applied if r.method == "PUT"]
    assert [r.url.path for r in puts] == [f"/api/partner/v3/phone_numbers/{line.id}"] * 2


def test_sdk_reputation_audit_runs_once_and_phonefleet_reads_it(
    server: EmulatorServer, client: linq.LinqAPIV3
) -> None:
    line = client.phone_numbers.list().phone_numbers[0]
    started = client.phone_numbers.start_reputation_audit(line.phone_number)
    again = client.phone_numbers.start_reputation_audit(line.phone_number)
    assert started.status == "pending"
    assert again.audit_id == started.audit_id  # the running audit, not an error
    first = client.phone_numbers.get_reputation_audit(started.audit_id, phone_number=line.phone_number)
    assert first.status == "pending"
    done = client.phone_numbers.get_reputation_audit(started.audit_id, phone_number=line.phone_number)
    assert done.status == "complete"
    assert done.report is not None
    assert done.report.severity == line.reputation.status
    with server.connect() as store:
        audit = store.ex_get_reputation_audit(line.phone_number, started.audit_id)
    assert audit.status == "complete"
    assert audit.report is not None
    assert audit.report.severity == done.report.severity
    with pytest.raises(linq.RateLimitError) as caught:  # the cooldown after an audit
        client.phone_numbers.start_reputation_audit(line.phone_number)
    assert caught.value.response.headers["Retry-After"] == "3600"


def test_sdk_deprecated_endpoints(client: linq.LinqAPIV3) -> None:
    with pytest.warns(DeprecationWarning, match="deprecated"):
        old = client.phonenumbers.list()
    current = client.phone_numbers.list()
    assert [(n.id, n.phone_number) for n in old.phone_numbers] == [
        (n.id, n.phone_number) for n in current.phone_numbers
    ]
    picked = client.available_number.retrieve(exclude_from=[current.phone_numbers[0].phone_number])
    assert picked.phone_number in {n.phone_number for n in current.phone_numbers[1:]}
    assert picked.vcf_url.endswith(".vcf")


def test_sdk_errors_are_linqs(server: EmulatorServer, client: linq.LinqAPIV3) -> None:
    with pytest.raises(linq.NotFoundError) as missing:
        client.phone_numbers.update("00000000-0000-4000-8000-000000000000", forwarding_number=None)
    assert missing.value.body["code"] == 2019  # type: ignore[index]
    with pytest.raises(linq.BadRequestError) as bad:
        client.phone_numbers.update(
            client.phone_numbers.list().phone_numbers[0].id, forwarding_number="555-1234"
        )
    assert bad.value.body["code"] == 1002  # type: ignore[index]
    wrong_key = linq.LinqAPIV3(api_key="wrong", base_url=server.base_url, max_retries=0)
    with pytest.raises(linq.AuthenticationError):
        wrong_key.phone_numbers.list()
    wrong_key.close()
