"""`phonefleet emulate`: the options `emulate()` takes, stable keys, and `--env` for a second shell."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator

import pytest

import phonefleet
from _loopback import loopback_only  # noqa: F401 - loopback sockets allowed in this module
from phonefleet.testing import emulate, seeded_numbers

CLI = [sys.executable, "-c", "from phonefleet.cli import main; main()"]
TIMEOUT = 60.0


@pytest.fixture
def start() -> Iterator[object]:
    started: list[subprocess.Popen[str]] = []

    def run(*args: str) -> subprocess.Popen[str]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(
            [*CLI, "emulate", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        started.append(process)
        return process

    yield run
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=TIMEOUT)


def _lines(process: subprocess.Popen[str], count: int) -> list[str]:
    """The first `count` stdout lines; a command that never prints them is killed, not waited on."""
    assert process.stdout is not None
    watchdog = threading.Timer(TIMEOUT, process.kill)
    watchdog.start()
    try:
        lines = [process.stdout.readline().rstrip("\n") for _ in range(count)]
    finally:
        watchdog.cancel()
    assert all(lines), f"phonefleet emulate printed {lines}"
    return lines


def _clean_env() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TWILIO_", "PHONEFLEET_", "SIGNALWIRE_", "TELNYX_", "LINQ_", "GRAVITY_RAIL_"))
    }


def test_env_exports_reach_the_emulator_with_no_options(start: object) -> None:
    process = start("twilio", "--env", "--numbers", "3", "--offset", "100", "--dialect", "signalwire")  # type: ignore[operator]
    lines = _lines(process, 4)
    assert [line.split("=")[0] for line in lines[:3]] == [
        "export TWILIO_ACCOUNT_SID",
        "export TWILIO_AUTH_TOKEN",
        "export PHONEFLEET_TWILIO_BASE_URL",
    ]
    assert lines[3].startswith("# twilio emulator listening on http://127.0.0.1:")
    env = _clean_env()
    for line in lines[:3]:
        name, value = line.removeprefix("export ").split("=", 1)
        env[name] = shlex.split(value)[0]
    uuid.UUID(env["TWILIO_ACCOUNT_SID"])  # the SignalWire dialect: project ids are UUIDs
    listed = subprocess.run(
        [*CLI, "list", "twilio", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    numbers = [row["number"] for row in json.loads(listed.stdout)]
    assert numbers == list(seeded_numbers(3, offset=100))  # --offset: other lines than the default


def test_blocked_and_a_key_that_does_not_follow_numbers(start: object) -> None:
    process = start("gravityrail", "--json", "--numbers", "4", "--blocked", "2")  # type: ignore[operator]
    found = json.loads(_lines(process, 1)[0])
    settings = {key: value for key, value in found.items() if key != "provider"}
    with phonefleet.connect("gravityrail", **settings) as store:
        blocked = [bool(store.archive_blockers(number)) for number in sorted(n.number for n in store.list())]
    assert blocked.count(True) == 2
    assert found["api_key"] == emulate("gravityrail", numbers=40).settings["api_key"]


def test_an_option_another_emulator_takes_is_one_line(start: object) -> None:
    process = start("linq", "--blocked", "2")  # type: ignore[operator]
    out, err = process.communicate(timeout=TIMEOUT)
    assert (process.returncode, out) == (2, "")
    assert err == "error: --blocked is not an option of the linq emulator\n"


def test_same_seed_same_keys_whatever_is_seeded() -> None:
    plain = emulate("gravityrail", numbers=5, seed=3).settings
    more = emulate("gravityrail", numbers=50, seed=3, blocked=4, archived=2).settings
    assert (plain["api_key"], plain["workspace"]) == (more["api_key"], more["workspace"])
    assert plain["api_key"] != emulate("gravityrail", numbers=5, seed=4).settings["api_key"]
