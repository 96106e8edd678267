"""Soak: the spiral at full speed with every view open for N minutes; is the window still as
fast and as small at the end as after the first minute?

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/soak.py [minutes] \\
        [--warmup MIN] [--samples N] [--json FILE]

(or ``QT_QPA_PLATFORM=offscreen``). Opens the main window with every dock (as
``scripts/measure_fps.py`` does) plus the Look-inside dock on its time-series view, presses
Play at full speed and, each minute, samples the process's memory (RSS), the decision map's
frames/s, training steps/s and the gaps between ticks of a 5 ms GUI timer (median, p99, max).
Prints one row a minute and a verdict, exit status 0 on pass, 1 on fail:

- memory within ±5 % of its value at the end of the warm-up (``--warmup`` minutes, default 1;
  allocator and caches settle there),
- frame rate and steps/s in the last minute at least 90 % of the first minute's,
- p99 GUI gap at most 50 ms in every minute.

The run must not end before the soak does: training settings allow at most 100,000 epochs, so
the spiral gets enough points (``--samples``, by default sized for 60,000 steps/s) that its
epochs last the whole soak.
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402, TID251 - a GUI script

from app.examples import example_path  # noqa: E402
from docs.make_screenshots import make_window, settle  # noqa: E402
from engine import threads  # noqa: E402
from widgets.window.theme import apply_theme  # noqa: E402

threads.install(1)  # BLAS: one thread outside training calls, as in the app (engine.threads)

MAX_EPOCHS = 100_000  # the training settings' limit
BATCH = 10  # the soak trains in batches of 10 (the example: 100): more steps and snapshots
STEPS_PER_S = 60_000  # generous (a quiet machine reached 44,000): the run must outlast the soak
MEMORY_BAND, SPEED_KEPT, P99_GAP_MS = 0.05, 0.90, 50.0


@dataclass
class Minute:
    """One sampling interval (normally a minute)."""

    minute: float  # end of the interval, minutes since Play
    rss_mb: float
    frames_per_s: float
    steps_per_s: float
    gap_median_ms: float
    gap_p99_ms: float
    gap_max_ms: float
    load: float  # 1-minute load average at the end


def rss_mb() -> float:
    """Resident memory of this process now (Linux /proc; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def samples_for(minutes: float) -> int:
    """Spiral points whose epochs (80 % train, batches of 10) last ``minutes`` at full speed."""
    steps_per_epoch = minutes * 60 * STEPS_PER_S / MAX_EPOCHS
    return max(500, math.ceil(steps_per_epoch * BATCH / 0.8))


def verdict(rows: list[Minute], warmup: float) -> list[str]:
    """Why the soak failed (empty: passed)."""
    problems = []
    settled = [r for r in rows if r.minute > warmup + 1e-9]
    if not settled or len(rows) < 2:
        return ["too short: run at least the warm-up plus one minute"]
    base = next((r for r in rows if r.minute >= warmup - 1e-9), rows[0]).rss_mb
    worst = max(settled, key=lambda r: abs(r.rss_mb - base))
    if abs(worst.rss_mb - base) > MEMORY_BAND * base:
        problems.append(f"memory {worst.rss_mb:.0f} MB at minute {worst.minute:g} is outside "
                        f"±{MEMORY_BAND:.0%} of {base:.0f} MB (after the warm-up)")
    first, last = rows[0], rows[-1]
    for name in ("frames_per_s", "steps_per_s"):
        if getattr(last, name) < SPEED_KEPT * getattr(first, name):
            problems.append(f"{name} fell from {getattr(first, name):.1f} to "
                            f"{getattr(last, name):.1f} (< {SPEED_KEPT:.0%})")
    for r in rows:
        if r.gap_p99_ms > P99_GAP_MS:
            problems.append(f"p99 GUI gap {r.gap_p99_ms:.0f} ms at minute {r.minute:g} "
                            f"(> {P99_GAP_MS:g} ms)")
    return problems


def soak(minutes: float, interval_s: float = 60.0, samples: int | None = None,
         print_rows: bool = True) -> list[Minute]:
    """Run the soak; returns one ``Minute`` per ``interval_s``."""
    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app, "light")
    rows: list[Minute] = []
    with tempfile.TemporaryDirectory() as tmp:
        window = make_window(app, Path(tmp))
        window.files.open_example(example_path("spiral"))
        spec = dict(window.doc.project.dataset)
        spec["n_samples"] = samples or samples_for(minutes)
        window.doc.set_dataset(spec)
        window.doc.set_training({"epochs": MAX_EPOCHS, "batch_size": BATCH,
                                 "max_steps_per_second": 0})
        window.docks["inside"].show()
        dock = window.inside.dock
        for key in ("dynamics", *dock.visible_keys()):
            if dock.show_view(key):
                break
        settle(app, 500)
        frames: list[float] = []
        ticks: list[float] = []
        plot = window.plots.decision
        original = plot.show_grid

        def counting(*args, **kwargs):  # the plot's own signature, whatever it takes
            frames.append(time.perf_counter())
            original(*args, **kwargs)

        plot.show_grid = counting
        timer = QTimer(interval=5)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start()
        state = {"t": time.perf_counter(), "step": 0}

        def sample() -> None:
            now = time.perf_counter()
            snap = window.session.last_snapshot
            step = snap.step if snap is not None else 0
            span = now - state["t"]
            gaps = sorted(b - a for a, b in zip(ticks, ticks[1:])) or [0.0]
            row = Minute(
                minute=round((len(rows) + 1) * interval_s / 60, 3), rss_mb=rss_mb(),
                frames_per_s=len(frames) / span, steps_per_s=(step - state["step"]) / span,
                gap_median_ms=1000 * statistics.median(gaps),
                gap_p99_ms=1000 * gaps[int(0.99 * (len(gaps) - 1))],
                gap_max_ms=1000 * gaps[-1], load=os.getloadavg()[0])
            rows.append(row)
            if print_rows:
                print(f"{row.minute:6.1f} {row.rss_mb:8.0f} {row.frames_per_s:8.1f} "
                      f"{row.steps_per_s:9.0f} {row.gap_median_ms:7.1f} {row.gap_p99_ms:7.1f} "
                      f"{row.gap_max_ms:8.1f} {row.load:5.2f}  {window.session.state}",
                      flush=True)
            frames.clear()
            del ticks[:-1]
            state["t"], state["step"] = now, step
            if len(rows) * interval_s >= minutes * 60 - 1e-6:
                app.quit()

        sampler = QTimer(interval=int(interval_s * 1000))
        sampler.timeout.connect(sample)
        if print_rows:
            print(f"spiral, {spec['n_samples']} points, full speed; one row per "
                  f"{interval_s:g} s", flush=True)
            print(" min   RSS MB  frames/s   steps/s  gap med  gap p99  gap max  load")
        window.run.toggle_play()
        state["t"] = time.perf_counter()
        sampler.start()
        app.exec()  # a real event loop: a busy processEvents() loop would hog the GIL
        sampler.stop()
        timer.stop()
        window.session.shutdown()
        window.close()
        settle(app, 100)
    return rows


def main(argv: list[str]) -> int:
    args = list(argv)
    options = {}
    for flag in ("--warmup", "--samples", "--json", "--interval"):
        if flag in args:
            i = args.index(flag)
            options[flag], args = args[i + 1], args[:i] + args[i + 2:]
    minutes = float(args[0]) if args else 10.0
    warmup = float(options.get("--warmup", 1.0))
    rows = soak(minutes, float(options.get("--interval", 60.0)),
                int(options["--samples"]) if "--samples" in options else None)
    problems = verdict(rows, warmup)
    if "--json" in options:
        Path(options["--json"]).write_text(json.dumps(
            {"rows": [asdict(r) for r in rows], "problems": problems}, indent=1))
    print("PASS" if not problems else "FAIL:\n  " + "\n  ".join(problems))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
