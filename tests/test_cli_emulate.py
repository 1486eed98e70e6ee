"""`phonefleet emulate`: the real entry point in a subprocess, read, connected to, stopped."""

from __future__ import annotations

import json
import os
import selectors
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import phonefleet
from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
from phonefleet.testing import Fault, FaultPlan, emulate, serve

ENTRY = [sys.executable, "-c", "from phonefleet.cli import main; main()", "emulate"]
TIMEOUT = 60.0


def _start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    return subprocess.Popen(
        [*ENTRY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _first_line(process: subprocess.Popen[str]) -> str:
    """The first stdout line, without waiting forever if the command never prints one."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(TIMEOUT):
            process.kill()
            pytest.fail("phonefleet emulate printed nothing")
    return process.stdout.readline()


def _stop(process: subprocess.Popen[str], signum: int) -> tuple[int, str, str]:
    process.send_signal(signum)
    out, err = process.communicate(timeout=TIMEOUT)
    return process.returncode, out, err


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:  # a failed test leaves nothing running
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=TIMEOUT)


def _settings(line: str) -> dict[str, Any]:
    words = shlex.split(line.split(" with settings ", 1)[1].removesuffix(" (Ctrl-C stops)"))
    return dict(word.split("=", 1) for word in words)


def test_emulate_prints_where_and_how_then_stops_on_ctrl_c(
    processes: list[subprocess.Popen[str]],
) -> None:
    process = _start("linq", "--numbers", "5")
    processes.append(process)
    line = _first_line(process)
    assert line.startswith("linq emulator listening on http://127.0.0.1:")
    settings = _settings(line.strip())
    assert set(settings) == {"api_key", "base_url"}
    assert settings["base_url"].startswith("http://127.0.0.1:")
    assert settings["base_url"].endswith("/api/partner")
    with phonefleet.connect("linq", **settings) as store:
        numbers = list(store.list())
        store.set_forwarding(numbers[0], "+12025550166")
        assert store.get(numbers[0].id).forwarding_number == "+12025550166"
    assert len(numbers) == 5
    code, out, err = _stop(process, signal.SIGINT)
    assert code == 0
    assert out == ""  # the first line was all
    assert err.splitlines() == [
        f"stopped the linq emulator on {settings['base_url'].removesuffix('/api/partner')}"
    ]
    with pytest.raises(httpx.ConnectError):
        httpx.get(settings["base_url"] + "/v3/phone_numbers")


def test_emulate_json_is_one_object_connect_takes(processes: list[subprocess.Popen[str]]) -> None:
    process = _start("gravityrail", "--json", "--numbers", "7", "--seed", "4", "--port", "0")
    processes.append(process)
    found = json.loads(_first_line(process))
    assert found["provider"] == "gravityrail"
    assert set(found) == {"provider", "api_key", "workspace", "base_url"}
    settings = {k: v for k, v in found.items() if k != "provider"}
    with phonefleet.connect(found["provider"], **settings) as store:
        served = list(store.list())
    with emulate("gravityrail", numbers=7, seed=4).connect() as store:
        local = list(store.list())
    assert [(n.id, n.number, n.name) for n in served] == [(n.id, n.number, n.name) for n in local]
    code, out, err = _stop(process, signal.SIGTERM)
    assert (code, out) == (0, "")
    assert len(err.splitlines()) == 1


def test_emulate_with_faults_injects_them(processes: list[subprocess.Popen[str]]) -> None:
    process = _start("linq", "--json", "--faults", "1", "--seed", "3")
    processes.append(process)
    found = json.loads(_first_line(process))
    answers: list[str] = []
    with httpx.Client(headers={"Authorization": f"Bearer {found['api_key']}"}) as client:
        for _ in range(6):
            try:
                response = client.get(found["base_url"] + "/v3/phone_numbers")
            except httpx.TransportError:
                answers.append("dropped")
                continue
            try:
                body = response.json()
            except ValueError:
                answers.append("malformed")
                continue
            assert "phone_numbers" not in body
            answers.append(str(response.status_code))
    assert len(answers) == 6  # every request faulted: no listing ever came back
    assert _stop(process, signal.SIGINT)[0] == 0


def test_a_port_in_use_is_one_line_naming_it() -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        result = subprocess.run(
            [*ENTRY, "linq", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    finally:
        taken.close()
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: port {port} on 127.0.0.1 is already in use"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["linq", "--host", "0.0.0.0"], "--allow-remote"),
        (["nosuch"], "no phonefleet adapter named 'nosuch'"),
        (["memory"], "ships no emulator"),
    ],
)
def test_refusals_are_one_line_and_exit_2(args: list[str], says: str) -> None:
    started = time.monotonic()
    result = subprocess.run([*ENTRY, *args], capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert time.monotonic() - started < TIMEOUT
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert says in lines[0]


def test_cli_retries_leave_stdout_to_the_command() -> None:
    """Retries against a served emulator print nothing of their own (structlog or not)."""
    plan = FaultPlan(script=[Fault.RATE_LIMIT, Fault.SERVER_ERROR], retry_after=0.0)
    with serve("linq", numbers=3, faults=plan) as server:
        options = [f"-o{key}={value}" for key, value in server.settings.items()]
        command = [*ENTRY[:-1], "list", "linq", "--json", *options]
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 3
    assert "stamina" not in result.stdout + result.stderr
    assert len(plan.injected) == 2


def test_flags_become_emulator_options() -> None:
    from phonefleet.cli._emulate import emulator_options

    none = emulator_options(numbers=None, seed=None, latency=None, faults=None)
    assert none == {}
    given = emulator_options(numbers=9, seed=4, latency=250, faults=0.2)
    plan = given.pop("faults")
    assert given == {"numbers": 9, "seed": 4, "latency": 0.25}
    assert isinstance(plan, FaultPlan)
    assert (plan.rate, plan.seed) == (0.2, 4)
    emulator = emulate("linq", **emulator_options(numbers=9, seed=4, latency=250, faults=0.2))
    assert len(emulator.transport.numbers) == 9
    assert emulator.transport.latency == 0.25
    assert emulator.transport.faults.rate == 0.2
