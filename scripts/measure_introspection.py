"""Training throughput of the digits MLP with every introspection view requested vs none.

    .venv/bin/python scripts/measure_introspection.py [seconds [rounds]]

Runs a ``TrainingSession`` (no window) for ``seconds`` per measurement, alternating "no
requests" and "all views" for ``rounds`` rounds, and prints samples/s (pauses excluded) of
each, the median slowdown and how often each introspection probe refreshed.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication  # noqa: E402

from app.session import TrainingSession  # noqa: E402
from engine import threads  # noqa: E402
from engine.project import load_project  # noqa: E402

threads.install(1)  # BLAS: one thread outside training calls, as in the app (engine.threads)

ALL = {"saliency": {"method": "smoothgrad", "index": 0}, "fgsm": {"epsilon": 0.007},
       "latent": {"layer": "hidden"}, "dynamics": {}, "evaluation": {}}


def thread_cpu(session: TrainingSession) -> float:
    """CPU seconds used so far by the session's training thread (Linux)."""
    ident = session._worker._thread.ident
    return time.clock_gettime(time.pthread_getcpuclockid(ident))


def measure(app: QCoreApplication, requests: dict,
            seconds: float) -> tuple[float, float, dict]:
    """(samples/s, share of the run spent in probes, {probe: refreshes/s}) of one run."""
    project = load_project(ROOT / "assets" / "examples" / "digits_mlp.layerlab.json")
    project.training.epochs = 1_000_000
    session = TrainingSession()
    session.load(project)
    session.set_probe_requests(requests)
    grid, spent = session.trainer.probe_grid, [0.0]
    compute = grid.compute

    def timed(names: list[str]) -> dict:
        start = time.thread_time()  # CPU time of the training thread: robust to a busy machine
        try:
            return compute(names)
        finally:
            spent[0] += time.thread_time() - start
    grid.compute = timed
    refreshes: dict[str, set] = {}

    def count(snap) -> None:
        for key, value in snap.probes.items():
            if key.startswith("introspection:"):
                refreshes.setdefault(key.split(":", 1)[1], set()).add(id(value))
    session.snapshot_ready.connect(count)
    session.play()
    end = time.perf_counter() + 1.0  # warm-up (first chunks, chunk sizing)
    while time.perf_counter() < end:
        app.processEvents()
    start_snap, start = session.last_snapshot, time.perf_counter()
    spent[0], cpu = 0.0, thread_cpu(session)
    while time.perf_counter() < start + seconds:
        app.processEvents()
        time.sleep(0.002)
    last = session.last_snapshot
    share = spent[0] / max(thread_cpu(session) - cpu, 1e-9)
    session.shutdown()
    rate = (last.samples_seen - start_snap.samples_seen) / (last.elapsed - start_snap.elapsed)
    return rate, share, {k: len(v) / (seconds + 1.0) for k, v in refreshes.items()}


def main(seconds: float = 4.0, rounds: int = 3) -> None:
    app = QCoreApplication.instance() or QCoreApplication(sys.argv)
    measure(app, {}, 1.0)  # numba warm-up
    base, full, base_share, full_share = [], [], [], []
    for _ in range(rounds):
        rate, share, _ = measure(app, {}, seconds)
        base.append(rate)
        base_share.append(share)
        rate, share, hz = measure(app, ALL, seconds)
        full.append(rate)
        full_share.append(share)
    print("no introspection:  " + ", ".join(f"{r:,.0f}" for r in base) + " samples/s")
    print("all views:         " + ", ".join(f"{r:,.0f}" for r in full) + " samples/s")
    slow = 1 - statistics.median(full) / statistics.median(base)
    print(f"slowdown (medians of wall-clock rates): {slow:.1%}")
    b, f = statistics.median(base_share), statistics.median(full_share)
    print(f"training-thread CPU time in probes (medians): none {b:.1%}, all views {f:.1%} "
          f"-> slowdown from probes {1 - (1 - f) / (1 - b):.1%}")
    print("refreshes/s (last run): " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(hz.items())))


if __name__ == "__main__":
    main(*(float(a) for a in sys.argv[1:2]), *(int(a) for a in sys.argv[2:3]))
