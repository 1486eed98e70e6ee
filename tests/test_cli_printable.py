"""Vendor text reaches a terminal with no control sequence in it: not CSI only,
but OSC (the window title, OSC 52 writing the clipboard), DCS, SOS, PM, APC,
their 8-bit forms, and any other C0/C1 control."""

from __future__ import annotations

import pytest

HOSTILE = [
    "\x1b]0;owned\x07",  # window title
    "\x1b]52;c;ZWNobyBoaQ==\x07",  # clipboard
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",  # hyperlink, ST-terminated
    "\x1bP1$qm\x1b\\",  # DCS
    "\x1bX sos \x1b\\",  # SOS
    "\x1b^ pm \x1b\\",  # PM
    "\x1b_ apc \x1b\\",  # APC
    "\x9d0;c1 title\x9c",  # 8-bit OSC
    "\x9b31m",  # 8-bit CSI
    "\x1b[2J\x1b[H",  # CSI
    "\x1bc",  # reset
    "\x1b(0",  # charset
    "\x07\x08\x0d\x7f\x85",  # bell, backspace, CR, DEL, NEL
    "\x1b]0;never terminated",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_printable_removes_every_control_sequence(hostile: str) -> None:
    from phonefleet.cli._printable import printable

    cleaned = printable(f"Front {hostile}desk")
    assert cleaned.startswith("Front ")
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in cleaned)
    assert "52;" not in cleaned
    assert "0;owned" not in cleaned


def test_printable_keeps_plain_text_and_unicode() -> None:
    from phonefleet.cli._printable import printable

    assert printable("Réception — 受付 +12025550100") == "Réception — 受付 +12025550100"
    assert printable("a\tb") == "a\tb"


def test_the_output_layer_prints_no_control_sequence_from_vendor_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from click.exceptions import Exit

    from phonefleet import PhoneNumber, ProviderError
    from phonefleet.cli._output import NUMBER_COLUMNS, Output, fail, numbers_rows

    hostile = "desk \x1b]52;c;ZWNobw==\x07 \x1b]0;owned\x07\x9d2;t\x9c"
    number = PhoneNumber("linq", "ph-1", "+12025550100", name=hostile)
    output = Output()
    output.table(NUMBER_COLUMNS, numbers_rows([number]))
    output.record([("name", hostile)])
    output.line(f"archived {hostile}")
    with pytest.raises(Exit):
        fail(str(ProviderError(hostile, provider="linq")))
    seen = capsys.readouterr()
    for text in (seen.out, seen.err):
        assert "desk" in text
        assert not any((ord(ch) < 0x20 and ch not in "\t\n") or 0x7F <= ord(ch) <= 0x9F for ch in text)
