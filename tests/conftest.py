"""Suite-wide settings: no test sleeps, no test reaches the network."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina


@pytest.fixture(autouse=True)
def _no_waiting() -> Iterator[None]:
    """Retries happen, waits don't: stamina's test mode, up to 5 attempts."""
    stamina.set_testing(True, attempts=5, cap=True)
    yield
    stamina.set_testing(False)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that forgets its transport fails instead of reaching out."""
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        msg = "tests never touch the network"
        raise RuntimeError(msg)

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Per vendor: how many calls the SDK tests made, how many agree with the vendor's spec."""
    from _spec_check import TALLY

    for vendor, counts in sorted(TALLY.items()):
        terminalreporter.write_line(
            f"spec check {vendor}: {counts['agree']} of {counts['tried']} calls agree with the spec"
        )
