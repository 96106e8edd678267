"""Long runs stay flat: the loss plot's series are bounded, and (slow) the soak script's
verdict for a few minutes of the spiral at full speed with every view open."""

from __future__ import annotations

import numpy as np


def test_loss_plot_series_stays_bounded_and_exact_at_its_end():
    from widgets.plots.loss_plot import GrowingSeries

    series = GrowingSeries(capacity=16, max_points=1000)
    for start in range(0, 100_000, 500):
        xs = np.arange(start, start + 500, dtype=np.float64)
        series.extend(xs, 2 * xs)
    assert series.n <= 1000 and series.x[0] == 0 and series.x[-1] == 99_999
    assert np.all(np.diff(series.x) > 0) and np.array_equal(series.y, 2 * series.x)
    assert np.array_equal(series.x[-250:], np.arange(99_750, 100_000))
