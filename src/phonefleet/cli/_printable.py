"""Vendor text made safe for a terminal: no control sequence survives.

A vendor's name, message or URL reaches the screen. An escape sequence in it
is an instruction to the terminal, not text: CSI moves the cursor and
recolours, OSC sets the window title or (OSC 52) writes the clipboard, DCS,
SOS, PM and APC carry strings the terminal acts on. Every one of them is
removed, in its 7-bit (ESC ...) and 8-bit (C1) form, and so is every other
C0 or C1 control character; tab and newline become spaces only where a
caller asks for one line.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["printable"]

_SEQUENCES: Final = re.compile(
    r"""
      (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]?               # CSI ... final byte
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])            # OSC, DCS, SOS, PM, APC ...
      [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)?             # ... to BEL or ST (or the end)
    | \x1b [ -/]* [0-~]?                                 # any other escape sequence
    """,
    re.VERBOSE,
)
_CONTROLS: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with every terminal control sequence and control character removed
    (tab and newline are kept)."""
    if text.isprintable():
        return text
    return _CONTROLS.sub("", _SEQUENCES.sub("", text))
