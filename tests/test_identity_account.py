"""`StoreIdentity.account` for Telnyx and Linq: their APIs name no account a key belongs to, so it is
the label the user configures (`account=`, or PHONEFLEET_<VENDOR>_ACCOUNT), else None; never a key."""

from __future__ import annotations

from pathlib import Path

import pytest

import phonefleet
from phonefleet import MemoryStore, SettingError, migrate
from phonefleet.migrate import JournalMismatchError
from phonefleet.testing import emulate

VENDORS = ["telnyx", "linq"]


@pytest.mark.parametrize("provider", VENDORS)
def test_without_a_label_the_account_is_unknown_never_guessed(provider: str) -> None:
    with emulate(provider).connect() as store:
        assert store.identity.account is None


@pytest.mark.parametrize("provider", VENDORS)
def test_the_users_label_names_the_account(provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator = emulate(provider)
    with emulator.connect(account=" org-7 ") as store:
        assert store.identity.account == "org-7"
        assert "account org-7" in store.identity.describe()
    monkeypatch.setenv(f"PHONEFLEET_{provider.upper()}_ACCOUNT", "from-env")
    with emulator.connect() as store:
        assert store.identity.account == "from-env"
    [setting] = [s for s in phonefleet.provider_settings(provider) if s.name == "account"]
    assert not setting.secret
    assert not setting.required
    assert setting.env == (f"PHONEFLEET_{provider.upper()}_ACCOUNT",)


@pytest.mark.parametrize("provider", VENDORS)
def test_a_label_holding_the_key_is_refused_without_echoing_it(provider: str) -> None:
    emulator = emulate(provider)
    key = str(emulator.settings["api_key"])
    for label in (key, f"acct-{key}", key[:12]):
        with pytest.raises(SettingError) as caught:
            emulator.connect(account=label)
        assert caught.value.setting == "account"
        assert key[:8] not in str(caught.value)


def test_two_telnyx_accounts_at_one_url_no_longer_share_a_journal(tmp_path: Path) -> None:
    source = MemoryStore(["+12025550100"], provider="old", name="old")
    telnyx = emulate("telnyx", numbers=0)
    journal = tmp_path / "j.sqlite"
    with telnyx.connect(account="org-a") as first:
        migrate.apply(migrate.plan(source, first, create_missing=True), journal=journal)
    with telnyx.connect(account="org-b") as second, pytest.raises(JournalMismatchError, match="org-a"):
        migrate.apply(migrate.plan(source, second, create_missing=True), journal=journal)
