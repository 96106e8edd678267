"""Measure the live decision-boundary frame rate and GUI responsiveness on the spiral example.

    xvfb-run -a -s "-screen 0 1600x1000x24" \
        .venv/bin/python scripts/measure_fps.py [seconds [speed]] [--profile FILE]

Opens the main window at 1600×1000 with every view, presses Play, and for ``seconds`` counts
how often the decision plot shows a new grid (frames/s) and the longest gap between two
ticks of a 5 ms GUI timer (event-loop stalls); "painted" counts the new maps that reached
the screen (grids that came while the GUI thread was behind are merged or overdrawn).
``speed``: steps/s limit (0 = full speed; default: the example's own). Preferences go to a
temporary folder. ``--json FILE``: also save the figures (``tests/widgets/test_frame_rate.py``).
``--profile FILE``: cProfile the GUI thread during the measurement, print the top functions and
save the stats to FILE (the profiler slows the GUI thread, so frame rates with it are not
comparable).
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSize, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402, TID251 - a GUI script

from app.examples import example_path  # noqa: E402
from docs.make_screenshots import make_window, settle  # noqa: E402
from engine import threads  # noqa: E402
from widgets.window.theme import apply_theme  # noqa: E402

threads.install(1)  # BLAS: one thread outside training calls, as in the app (engine.threads)


def main(seconds: float, speed: float | None = None, profile: str | None = None) -> dict:
    """Measure for ``seconds``; print the figures and return them (``--json FILE`` saves them)."""
    app = QApplication(sys.argv)
    apply_theme(app, "light")
    with tempfile.TemporaryDirectory() as tmp:
        window = make_window(app, Path(tmp), QSize(1600, 1000))  # also offscreen
        window.files.open_example(example_path("spiral"))
        changes: dict = {"epochs": 100_000}  # the example would end before the measurement
        if speed is not None:
            changes["max_steps_per_second"] = speed
        window.doc.set_training(changes)
        settle(app, 500)
        plot = window.plots.decision
        frames: list[float] = []
        original = plot.show_grid

        def counting(*args, **kwargs):  # the plot's own signature, whatever it takes
            frames.append(time.perf_counter())
            original(*args, **kwargs)

        plot.show_grid = counting
        painted: list[float] = []  # paints of the map that show a grid not painted before
        image, paint = plot.image, plot.image.paint
        last = [None]

        def counting_paint(*args):
            if image.image is not None and image.image is not last[0]:
                last[0] = image.image
                painted.append(time.perf_counter())
            paint(*args)

        image.paint = counting_paint
        snaps: list[tuple[float, bool]] = []  # (time, carries a decision grid)
        window.session.snapshot_ready.connect(lambda snap: snaps.append(
            (time.perf_counter(), "decision_grid" in (snap.probes or {}))))
        ticks: list[float] = []
        timer = QTimer(interval=5)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start()
        window.run.toggle_play()
        start, cpu0 = time.perf_counter(), time.thread_time()
        QTimer.singleShot(int(seconds * 1000), app.quit)
        profiler = cProfile.Profile() if profile else None
        if profiler is not None:
            profiler.enable()
        app.exec()  # a real event loop: a busy processEvents() loop would hog the GIL
        gui_cpu = (time.thread_time() - cpu0) / seconds
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        snap = window.session.last_snapshot
        speed_shown = window.doc.project.training.max_steps_per_second
        window.run.toggle_play()
        settle(app, 200)
        window.close()
    warm = [t for t in frames if t > start + 1.0]  # skip the first second (warm-up)
    span = seconds - 1.0
    gaps = [b - a for a, b in zip(ticks, ticks[1:]) if a > start + 1.0]
    late = [with_grid for t, with_grid in snaps if t > start + 1.0]
    result = {"load": os.getloadavg()[0], "fps": len(warm) / span,
              "painted_fps": sum(t > start + 1.0 for t in painted) / span,
              "gap_median_ms": 1000 * statistics.median(gaps),
              "gap_p99_ms": 1000 * sorted(gaps)[int(0.99 * len(gaps))],
              "gap_max_ms": 1000 * max(gaps), "snapshots_per_s": len(late) / span,
              "grids_per_s": sum(late) / span, "gui_cpu": gui_cpu,
              "steps_per_s": snap.step / seconds}
    print(f"load average: {result['load']:.2f}")
    print(f"decision frames/s: {result['fps']:.1f} (painted: {result['painted_fps']:.1f})")
    print(f"GUI timer gaps: median {result['gap_median_ms']:.1f} ms, "
          f"p99 {result['gap_p99_ms']:.1f} ms, max {result['gap_max_ms']:.1f} ms")
    print(f"snapshots/s: {result['snapshots_per_s']:.1f} "
          f"({result['grids_per_s']:.1f} with a decision grid)")
    print(f"GUI thread CPU: {100 * gui_cpu:.0f} % of one core")
    print(f"epoch {snap.epoch}, step {snap.step} ({snap.step / seconds:.0f} steps/s; the "
          f"example's Speed: {speed_shown:g})")
    return result


if __name__ == "__main__":
    args = sys.argv[1:]
    prof = out = None
    if "--profile" in args:
        i = args.index("--profile")
        prof, args = args[i + 1], args[:i] + args[i + 2:]
    if "--json" in args:
        i = args.index("--json")
        out, args = args[i + 1], args[:i] + args[i + 2:]
    figures = main(float(args[0]) if args else 8.0, float(args[1]) if len(args) > 1 else None,
                   prof)
    if out:
        Path(out).write_text(json.dumps(figures, indent=1))
