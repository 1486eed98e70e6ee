"""A served emulator's stores are typed like `connect(provider)`'s: `serve("twilio")`,
`serve(emulate("telnyx"))` and `EmulatorServer(...)` connect the vendor's store class."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from _loopback import loopback_only  # noqa: F401 - the server listens on loopback
from phonefleet.testing import emulate, serve

GOOD = """
from phonefleet.testing import EmulatorServer, emulate, serve
from phonefleet_twilio import AsyncTwilioStore, TwilioStore


def main() -> None:
    with serve("twilio", numbers=2) as server:
        store: TwilioStore = server.connect()
        print(store.ex_search_available("US"))
        reveal_type(server)
    with serve(emulate("telnyx")) as served:
        print(served.connect().ex_search_available(limit=5))
    linq = EmulatorServer(emulate("linq"), provider="linq")
    print(linq.connect().ex_start_reputation_audit("+12025550100"))
    with serve("some-third-party") as other:
        print(other.connect().list())


async def later() -> None:
    with serve("twilio") as server:
        store: AsyncTwilioStore = server.connect_async()
        async with store:
            print(await store.ex_search_available("US"))
"""

BAD = """
from phonefleet.testing import EmulatorServer, emulate, serve

with serve("twilio") as server:
    server.connect().ex_no_such_method()
    server.connect_async().ex_prune_forwarding_scripts()
EmulatorServer(emulate("gravityrail"), provider="gravityrail").connect().ex_search_available("US")
"""


def test_mypy_types_a_served_emulators_stores(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "bad.py").write_text(BAD)
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache")]
    result = subprocess.run(
        [*command, "good.py", "bad.py"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    lines = result.stdout.splitlines()
    errors = sorted(line for line in lines if ": error:" in line)
    assert errors == [
        'bad.py:5: error: "TwilioStore" has no attribute "ex_no_such_method"  [attr-defined]',
        'bad.py:6: error: "AsyncTwilioStore" has no attribute "ex_prune_forwarding_scripts"  [attr-defined]',
        'bad.py:7: error: "GravityRailStore" has no attribute "ex_search_available"  [attr-defined]',
    ], result.stdout
    [revealed] = [line for line in lines if ": note: Revealed type" in line]
    assert (
        "EmulatorServer[phonefleet_twilio._store.TwilioStore, phonefleet_twilio._store.AsyncTwilioStore]"
        in revealed
    )


def test_the_served_stores_are_the_vendors_classes() -> None:
    from phonefleet_telnyx import AsyncTelnyxStore
    from phonefleet_twilio import TwilioStore

    with serve("twilio", numbers=1) as server, server.connect() as store:
        assert isinstance(store, TwilioStore)
        assert len(list(store.list())) == 1
    with serve(emulate("telnyx", numbers=1)) as served:
        assert isinstance(served.connect_async(), AsyncTelnyxStore)
