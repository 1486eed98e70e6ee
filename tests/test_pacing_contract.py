"""The paced burst of the contract suite, against every emulator with its vendor's kind of limit."""

from __future__ import annotations

import pytest

from phonefleet.testing.contract import PacedBurstContract


class TestPacedBurst(PacedBurstContract):
    @pytest.fixture(params=["linq", "gravityrail", "signalwire", "telnyx", "twilio"])
    def paced_provider(self, request: pytest.FixtureRequest) -> str:
        return str(request.param)
