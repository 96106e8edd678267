"""Measure the live decision-boundary frame rate and GUI responsiveness on the spiral example.

    xvfb-run -a -s "-screen 0 1600x1000x24" \
        .venv/bin/python scripts/measure_fps.py [seconds [speed]]

Opens the main window at 1600×1000 with every view, presses Play, and for ``seconds`` counts
how often the decision plot shows a new grid (frames/s) and the longest gap between two
ticks of a 5 ms GUI timer (event-loop stalls). ``speed``: steps/s limit (0 = full speed;
default: the example's own). Preferences go to a temporary folder.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as main.py does for the app
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402, TID251 - a GUI script

from app.examples import example_path  # noqa: E402
from docs.make_screenshots import make_window, settle  # noqa: E402
from widgets.theme import apply_theme  # noqa: E402


def main(seconds: float, speed: float | None = None) -> None:
    app = QApplication(sys.argv)
    apply_theme(app, "light")
    with tempfile.TemporaryDirectory() as tmp:
        window = make_window(app, Path(tmp))
        window.files.open_example(example_path("spiral"))
        changes: dict = {"epochs": 1_000_000}  # the example would end before the measurement
        if speed is not None:
            changes["max_steps_per_second"] = speed
        window.doc.set_training(changes)
        settle(app, 500)
        plot = window.plots.decision
        frames: list[float] = []
        original = plot.show_grid

        def counting(grid, extent):
            frames.append(time.perf_counter())
            original(grid, extent)

        plot.show_grid = counting
        ticks: list[float] = []
        timer = QTimer(interval=5)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start()
        window.run.toggle_play()
        start, cpu0 = time.perf_counter(), time.thread_time()
        QTimer.singleShot(int(seconds * 1000), app.quit)
        app.exec()  # a real event loop: a busy processEvents() loop would hog the GIL
        gui_cpu = (time.thread_time() - cpu0) / seconds
        snap = window.session.last_snapshot
        window.run.toggle_play()
        settle(app, 200)
        window.close()
    warm = [t for t in frames if t > start + 1.0]  # skip the first second (warm-up)
    span = seconds - 1.0
    gaps = [b - a for a, b in zip(ticks, ticks[1:]) if a > start + 1.0]
    print(f"decision frames/s: {len(warm) / span:.1f}")
    print(f"GUI timer gaps: median {1000 * statistics.median(gaps):.1f} ms, "
          f"p99 {1000 * sorted(gaps)[int(0.99 * len(gaps))]:.1f} ms, max {1000 * max(gaps):.1f} ms")
    print(f"GUI thread CPU: {100 * gui_cpu:.0f} % of one core")
    print(f"epoch {snap.epoch}, step {snap.step} ({snap.step / seconds:.0f} steps/s; the "
          f"example's Speed: {window.doc.project.training.max_steps_per_second:g})")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 8.0,
         float(sys.argv[2]) if len(sys.argv) > 2 else None)
