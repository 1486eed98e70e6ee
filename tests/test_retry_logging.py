"""Retries log through `phonefleet.http`, never on stdout, structlog installed or not."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import stamina
from stamina.instrumentation import RetryDetails

from phonefleet import RetryPolicy, ServerError
from phonefleet.testing import Fault, FaultPlan, emulate

SCRIPT = textwrap.dedent(
    """
    import logging, sys
    import stamina
    from phonefleet.testing import Fault, FaultPlan, emulate

    stamina.set_testing(True, attempts=5, cap=True)  # no waiting
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")
    plan = FaultPlan(script=[Fault.SERVER_ERROR, Fault.RATE_LIMIT], retry_after=0.0)
    with emulate("linq", numbers=3, faults=plan).connect() as store:
        print(len(list(store.list())))
    """
)


def test_a_scripts_stdout_is_its_own_with_structlog_installed() -> None:
    pytest.importorskip("structlog", reason="the case the issue names needs structlog importable")
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    assert result.stdout == "3\n"
    retries = [line for line in result.stderr.splitlines() if "retrying" in line]
    assert len(retries) == 2
    assert all(line.startswith("phonefleet.http linq GET") for line in retries)
    assert "stamina" not in result.stderr


def test_stamina_hooks_only_when_asked() -> None:
    seen: list[RetryDetails] = []
    stamina.instrumentation.set_on_retry_hooks([seen.append])
    try:
        for asked in (False, True):
            plan = FaultPlan(script=[Fault.SERVER_ERROR], retry_after=0.0)
            with emulate("linq", numbers=2, faults=plan).connect(
                retry=RetryPolicy(stamina_hooks=asked)
            ) as store:
                assert len(list(store.list())) == 2
    finally:
        stamina.instrumentation.set_on_retry_hooks(None)
    (details,) = seen
    assert details.name.startswith("phonefleet.http linq GET")
    assert details.retry_num == 1


def test_stamina_switched_off_means_one_attempt() -> None:
    plan = FaultPlan(script=[Fault.SERVER_ERROR], retry_after=0.0)
    emulator = emulate("linq", numbers=2, faults=plan)
    stamina.set_active(False)
    try:
        with emulator.connect() as store, pytest.raises(ServerError):
            list(store.list())
    finally:
        stamina.set_active(True)
    assert len(emulator.transport.requests) == 1
