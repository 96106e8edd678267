"""Issue 18, item 9: the decision map's frame rate with every view open (spiral, 1600×1000).

Runs ``scripts/measure_fps.py`` in a fresh process (its own QApplication, offscreen) at the
example's watch speed and at full speed. Targets: ≥ 24 frames/s watched, ≥ 20 at full speed,
p99 event-loop gap ≤ 50 ms. A machine busy with other work measures less; the best of two
runs is judged, and the load is in the failure message.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _measure(tmp_path: Path, speed: str | None, run: int) -> dict:
    out = tmp_path / f"fps-{speed}-{run}.json"
    args = [sys.executable, str(ROOT / "scripts" / "measure_fps.py"), "8"]
    args += [speed] if speed is not None else []
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([*args, "--json", str(out)], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(out.read_text())


@pytest.mark.parametrize(("speed", "fps_target"), [(None, 24.0), ("0", 20.0)],
                         ids=["watch-speed", "full-speed"])
def test_the_decision_map_moves_smoothly_with_every_view_open(tmp_path, speed, fps_target):
    runs = [_measure(tmp_path, speed, 0)]
    if runs[0]["fps"] < fps_target or runs[0]["gap_p99_ms"] > 50:
        runs.append(_measure(tmp_path, speed, 1))  # once more: another process may have run
    best = max(runs, key=lambda r: (r["fps"] >= fps_target) + (r["gap_p99_ms"] <= 50))
    summary = ", ".join(f"{r['fps']:.1f} frames/s, p99 gap {r['gap_p99_ms']:.0f} ms at load "
                        f"{r['load']:.2f}" for r in runs)
    assert best["fps"] >= fps_target and best["gap_p99_ms"] <= 50, summary
