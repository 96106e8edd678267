"""When the training thread computes probes while a run goes on (``app.worker``).

The picture that shows learning — the decision map, or the regression curve — is a *frame
probe*: cheap (a forward pass over a 60×60 grid, ~1–2 ms on the spiral) and computed with
every snapshot the GUI gets, ~30 a second. Everything else (neuron maps, weights, confusion,
Look-inside probes) is *full*: computed as often as its cost allows, at most ~15 Hz and under
``FULL_COST_SHARE`` of the thread's time at full speed (``WATCH_COST_SHARE`` under a Speed
limit, where the thread mostly waits for the clock). Measured on the spiral with every view
open (1600×1000, quiet 2-core machine, ``scripts/measure_fps.py``): with all probes at one
cost-limited rate the map moved 12 times a second at full speed and 18 at watch speed; split
this way 33 and 29, with p99 event-loop gaps of 40–48 and 25–27 ms.
"""

from __future__ import annotations

import statistics
from collections import deque
from typing import Literal

FRAME_PROBES = ("decision_grid", "curve")  # the main picture: with every emitted snapshot
EMIT_INTERVAL_S = 1 / 30  # snapshots reach the GUI at ~30 Hz ...
EARLY_S = 0.006  # ... taking one up to 6 ms early: pulls also come every ~1/30 s, and a
# strict test let every other one miss by a millisecond (then only ~18 reached the GUI)
FULL_MIN_INTERVAL_S = 1 / 15  # full probes: ~15 Hz at most (the GUI redraws every view for
# each set: at 30 Hz that alone took ~40 % of its thread and stretched event-loop gaps) ...
FULL_COST_SHARE = 0.07  # ... at most ~7 % of the training thread's time ...
WATCH_COST_SHARE = 0.5  # ... or half of it under a Speed limit

Kind = Literal["full", "frame", "none"]


class ProbeSchedule:
    """Decides, pull by pull, which probes to compute; times are ``perf_counter`` seconds."""

    def __init__(self) -> None:
        self.last_full = self.last_frame = float("-inf")  # pull starts that computed them
        self._full_costs: deque[float] = deque(maxlen=9)

    def full_interval(self, watched: bool) -> float:
        """Seconds between full probe sets. The median of recent costs: one compute that
        waited for the GIL while the GUI painted costs several times the usual."""
        cost = statistics.median(self._full_costs) if self._full_costs else 0.0
        share = WATCH_COST_SHARE if watched else FULL_COST_SHARE
        return max(FULL_MIN_INTERVAL_S, cost / share)

    def choose(self, now: float, forced: bool, watched: bool) -> Kind:
        """``full`` when forced (new data or requests, single step) or due, else ``frame``
        when a snapshot is due, else ``none``."""
        if forced or now - self.last_full >= self.full_interval(watched) - EARLY_S:
            return "full"
        if now - self.last_frame >= EMIT_INTERVAL_S - EARLY_S:
            return "frame"
        return "none"

    def computed(self, kind: Kind, started: float, seconds: float) -> None:
        """A pull that began at ``started`` computed ``kind`` probes in ``seconds``; timed
        from the pull's start, as ``choose`` tests (pulls come every ~1/30 s)."""
        self.last_frame = started
        if kind == "full":
            self.last_full = started
            self._full_costs.append(seconds)

    def restart(self) -> None:
        """Probes are due at once (e.g. on new data)."""
        self.last_full = self.last_frame = float("-inf")
