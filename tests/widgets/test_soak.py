"""Long runs stay flat: the loss plot's series are bounded, and (slow) the soak script's
verdict for a few minutes of the spiral at full speed with every view open."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_loss_plot_series_stays_bounded_and_exact_at_its_end():
    from widgets.plots.loss_plot import GrowingSeries

    series = GrowingSeries(capacity=16, max_points=1000)
    for start in range(0, 100_000, 500):
        xs = np.arange(start, start + 500, dtype=np.float64)
        series.extend(xs, 2 * xs)
    assert series.n <= 1000 and series.x[0] == 0 and series.x[-1] == 99_999
    assert np.all(np.diff(series.x) > 0) and np.array_equal(series.y, 2 * series.x)
    assert np.array_equal(series.x[-250:], np.arange(99_750, 100_000))


@pytest.mark.slow
def test_soak_three_minutes_stays_flat(tmp_path):
    """``scripts/soak.py 3``: memory within ±5 % after the first minute, asserted. The
    script's other criteria (frames/s and steps/s kept, p99 GUI gap ≤ 50 ms) follow the
    machine's load, not the code, on a shared 2-core runner: they are printed here and
    judged by running the script by hand on a quiet machine."""
    out = tmp_path / "soak.json"
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "soak.py"), "3",
                           "--json", str(out)], env=env, capture_output=True, text=True,
                          timeout=600)
    result = json.loads(out.read_text())
    assert len(result["rows"]) == 3, done.stdout + done.stderr
    memory = [p for p in result["problems"] if p.startswith("memory")]
    assert not memory, done.stdout
    print("soak verdict on this machine:", result["problems"] or "PASS")
