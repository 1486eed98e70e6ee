"""Adaptive concurrency: how many requests may be in flight on an account whose
vendor limits requests in flight (Twilio's 429, code 20429), found and held.

The decisions only, no I/O, no clock: the pacer's gate numbers each request it
admits (`admit`), asks `limit`, and reports each answer. TCP's congestion
control, with the vendor's refusal as the loss signal:

- **Slow start**: from `INITIAL_LIMIT`, +1 per clean answer (the limit doubles
  each round trip) until the first refusal, so a run at high concurrency finds
  the account's limit within a few round trips and overshoots it by a few
  requests, not by the caller's whole concurrency.
- **Decrease on a refusal.** A request refused with `k` in flight says the
  account's room is under `k`. The first refusal after a clean stretch or an
  increase (a probe that overshot) steps back to `k - 1`; refusals that go on
  after a cut (the room shrank: another client shares the account) cut by a
  tenth (at least one), never below `FLOOR`. A refusal of a request sent
  before the last change carries no news beyond `k - 1` (one cut per round
  trip).
- **Additive increase**: +1 after `probe_windows` windows of `limit` clean
  answers. Answers count only while the limit is what holds the caller back
  (requests were waiting), and the limit never passes the most requests the
  caller ever had at once (the ceiling).
- **The probe interval adapts**: it halves once a window passes clean at the
  level a probe reached (so a raised account limit is climbed in a few
  windows, each probe sooner than the last) and doubles at each cut (so a
  limit found and held costs one 429 per `MAX_PROBE_WINDOWS` windows).
"""

from __future__ import annotations

from typing import Final, Literal

import attrs

__all__ = ["AdaptiveLimit"]

INITIAL_LIMIT: Final = 4
FLOOR: Final = 1
#: refusals that go on after a cut take this share off the limit (at least one request)
DECREASE_SHARE: Final = 0.1
#: windows of clean answers before a probe: after slow start, fewest (the fastest ramp), most (the rarest)
BASE_PROBE_WINDOWS: Final = 16.0
MIN_PROBE_WINDOWS: Final = 1.0
MAX_PROBE_WINDOWS: Final = 64.0

Change = Literal["none", "increase", "decrease"]


@attrs.define
class AdaptiveLimit:
    """The account's limit on requests in flight, with its state.

    `admit` numbers the requests as they go; an answer or a refusal is
    reported with that number and how many were in flight when it went.
    """

    limit: float = INITIAL_LIMIT
    slow_start: bool = True
    probe_windows: float = BASE_PROBE_WINDOWS
    #: the most requests the caller ever had at once (in flight and waiting): the ceiling
    demand: int = 0
    clean: int = 0
    #: an increase not yet confirmed by a clean window at its level
    probing: bool = False
    admitted: int = 0
    #: the number of the first request admitted after the last change, and what that change was
    changed_at: int = 0
    last_change: Change = "none"

    def admit(self) -> int:
        """A request goes: its number."""
        self.admitted += 1
        return self.admitted

    def wanted(self, at_once: int) -> None:
        """The caller has `at_once` requests in flight or waiting."""
        self.demand = max(self.demand, at_once)

    def refused(self, order: int, in_flight: int) -> None:
        """Request `order`, sent with `in_flight` in flight, was refused for too many in flight."""
        room = max(FLOOR, in_flight - 1)
        target = min(self.limit, room)
        news = self.slow_start or order >= self.changed_at  # else sent before the last change
        if news and not self.slow_start and self.last_change == "decrease":  # the room shrank
            target = min(room, self.limit - max(1, int(self.limit * DECREASE_SHARE)))
        self.slow_start = False
        self.clean = 0
        self.probing = False
        if target < self.limit:
            self.limit = max(FLOOR, target)
            if news:
                self.probe_windows = min(MAX_PROBE_WINDOWS, self.probe_windows * 2)
            self._changed("decrease")

    def answered(self, order: int, *, binding: bool) -> None:
        """A clean answer to request `order`; `binding`: requests were waiting for the limit."""
        if not binding or self.limit >= self.demand:
            return
        if self.slow_start:
            self.limit += 1
            return
        if order < self.changed_at:  # sent before the last change: says nothing of the new level
            return
        self.clean += 1
        if self.probing and self.clean >= self.limit:  # a window clean at the level probed
            self.probing = False
            self.probe_windows = max(MIN_PROBE_WINDOWS, self.probe_windows / 2)
        if self.clean >= self.probe_windows * self.limit:
            self.limit += 1
            self.clean = 0
            self.probing = True
            self._changed("increase")

    def _changed(self, what: Change) -> None:
        self.changed_at = self.admitted + 1
        self.last_change = what
