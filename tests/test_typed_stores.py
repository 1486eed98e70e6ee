"""`connect("twilio")` is a TwilioStore to mypy: `ex_` methods check, missing ones are flagged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import phonefleet

GOOD = """
import phonefleet
from phonefleet.testing import emulate
from phonefleet_signalwire import ForwardingScript


def main() -> None:
    with phonefleet.connect("twilio", account_sid="AC1", auth_token="t") as store:
        found = store.ex_search_available("US", "local", area_code="512")
        print(found[0].number)
    with emulate("twilio").connect() as served:
        print(served.ex_search_available("US"))
    signalwire = phonefleet.connect("signalwire", space="x", project_id="p", api_token="t")
    scripts: list[ForwardingScript] = signalwire.ex_prune_forwarding_scripts(dry_run=True)
    print(scripts, emulate("linq").connect().ex_start_reputation_audit("+12025550100"))
    print(emulate("gravityrail").connect().ex_update("+12025550100", {"name": "x"}))


async def other() -> None:
    async with phonefleet.connect_async("telnyx") as store:
        print(await store.ex_search_available(limit=5))
    async with emulate("twilio").connect_async() as served:
        print(await served.ex_search_available("US"))
"""

BAD = """
import phonefleet
from phonefleet.testing import emulate

phonefleet.connect("twilio").ex_no_such_method()
emulate("twilio").connect().ex_prune_forwarding_scripts()
phonefleet.connect_async("telnyx").ex_prune_forwarding_scripts()
"""


def test_mypy_checks_a_vendors_ex_methods_and_flags_missing_ones(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "bad.py").write_text(BAD)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "cache"),
            "good.py",
            "bad.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = sorted(line for line in result.stdout.splitlines() if ": error:" in line)
    assert errors == [
        'bad.py:5: error: "TwilioStore" has no attribute "ex_no_such_method"  [attr-defined]',
        'bad.py:6: error: "TwilioStore" has no attribute "ex_prune_forwarding_scripts"  [attr-defined]',
        'bad.py:7: error: "AsyncTelnyxStore" has no attribute "ex_prune_forwarding_scripts"  [attr-defined]',
    ], result.stdout


def test_the_typed_stores_are_the_ones_connect_returns() -> None:
    from phonefleet.testing import emulate
    from phonefleet_telnyx import TelnyxStore
    from phonefleet_twilio import AsyncTwilioStore, TwilioStore

    assert isinstance(emulate("twilio").connect(), TwilioStore)
    assert isinstance(emulate("twilio").connect_async(), AsyncTwilioStore)
    assert isinstance(phonefleet.connect("telnyx", api_key="k"), TelnyxStore)


def test_typing_names_no_adapter_at_run_time() -> None:
    code = (
        "import sys, phonefleet, phonefleet.testing; phonefleet.connect('memory'); "
        "print(sorted(m for m in sys.modules if m.startswith('phonefleet_')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
