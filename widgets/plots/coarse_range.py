"""A step axis that grows in coarse jumps instead of with every frame.

Auto-range moves a growing curve's x range a little at every redraw, and every move redraws
the step axis (its ticks, labels and cached pixmap: ~4 ms on a loaded 2-core machine, ~12
times a second on each of the Loss panel's two charts). ``CoarseXRange`` keeps the x range at
``[0, nice_ceiling(GROWTH × last step)]`` and moves it only when the data reaches its end —
a handful of axis redraws in a run of thousands of frames. A learner who pans or zooms takes
over the range until ``reset``. When the run ends (``fit(last, final=True)``) the range
ends at the last step (a 2,700-step run no longer shows an axis to 5k).
"""

from __future__ import annotations

import math

import pyqtgraph as pg

GROWTH = 1.25  # the range ends at least this far past the last step when it jumps
END_MARGIN = 0.015  # a finished run's axis ends this fraction past its last step (whole marker)
NICE = (1.0, 2.0, 2.5, 5.0, 10.0)


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k that is ≥ ``value`` (1 for ``value`` ≤ 1):
    130 -> 200, 210 -> 250, 2600 -> 5000."""
    if not math.isfinite(value) or value <= 1.0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(power * m for m in NICE if power * m >= value * (1 - 1e-12))


class CoarseXRange:
    """Owns the x range of ``plot`` (and of the plots x-linked to it, ``linked``)."""

    def __init__(self, plot: pg.PlotItem, *linked: pg.PlotItem) -> None:
        self.plot, self.plots = plot, (plot, *linked)
        self.upper: float | None = None  # end of the range shown; None: nothing set yet
        self.following = True  # False once the learner moved the range by hand
        for item in self.plots:
            item.vb.disableAutoRange(axis=pg.ViewBox.XAxis)
        plot.vb.sigRangeChangedManually.connect(self._moved_by_hand)

    def fit(self, last_x: float, final: bool = False) -> bool:
        """Make room for data up to ``last_x`` (``final``: the run ended, so the range ends at
        ``last_x``, no room to grow); True when the range changed."""
        if not self.following or not math.isfinite(last_x):
            return False
        if final:
            upper = max(last_x, 1.0) * (1.0 + END_MARGIN)
            if upper == self.upper:
                return False
        elif self.upper is not None and last_x <= self.upper:
            return False
        else:
            upper = nice_ceiling(GROWTH * max(last_x, 1.0))
        self.upper = upper
        self.plot.vb.setXRange(0.0, self.upper, padding=0.0)
        return True

    def reset(self) -> None:
        """Follow the data again from an empty plot (a new run, cleared plots): the range is
        [0, 1] until the data passes step 1 (an empty redraw does not widen it)."""
        self.upper, self.following = 1.0, True
        for item in self.plots:
            item.vb.disableAutoRange(axis=pg.ViewBox.XAxis)
        self.plot.vb.setXRange(0.0, 1.0, padding=0.0)

    def _moved_by_hand(self, *_: object) -> None:
        self.following = False
