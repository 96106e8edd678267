"""Measure the first Play of every bundled example, each in a fresh process (as after install).

    .venv/bin/python scripts/measure_first_play.py [EXAMPLE ...] [--json FILE]

For each ``assets/examples/*.layerlab.json`` a new Python process does what the window does
on Open and Play, without a window: a ``TrainingSession`` (app/session.py) ``load``s the project
(dataset, model, the step-0 probes) and ``play``s; the clock runs from the start of ``load`` until
the first snapshot of a training step reaches the GUI thread. numba compiles a kernel the
first time it meets a new signature (or finds it in ``__pycache__``), so this time is what a
learner waits on their first Play; after ``main.py warmup`` every row should be ≤ 2 s.
Rows: load (s), first step after Play (s), total (s), whether it met the 2 s target, and the
kernels this process had to compile (``NUMBA_DEBUG_CACHE=1``: a "data saved" line is a
compilation; after a complete warm-up there are none, every kernel is "loaded" from the cache).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets" / "examples"
TARGET_S = 2.0
TIMEOUT_S = 240.0


def child(path: str) -> None:
    """In the fresh process: load + Play one project; print one JSON line of timings."""
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QCoreApplication, QTimer

    from app.session import TrainingSession
    from engine import threads
    from engine.project import load_project

    threads.install(1)  # BLAS: one thread outside training calls, as in the app

    app = QCoreApplication([])
    t_import = time.perf_counter()
    project = load_project(path)
    session = TrainingSession()
    result: dict[str, object] = {}

    def on_snapshot(snap) -> None:  # noqa: ANN001 - a Snapshot
        if snap.step >= 1 and "first_step" not in result:
            result["first_step"] = time.perf_counter() - t_play
            session.stop()
            app.quit()

    def on_error(message: str) -> None:
        result["error"] = message
        app.quit()

    session.snapshot_ready.connect(on_snapshot)
    session.error_occurred.connect(on_error)
    t0 = time.perf_counter()
    ok = session.load(project)
    t_play = time.perf_counter()
    result["load"] = t_play - t0
    if ok:
        session.play()
        QTimer.singleShot(int(TIMEOUT_S * 1000), app.quit)
        app.exec()
        session.shutdown()
    result["import"] = t0 - t_import
    print(json.dumps(result))


def measure(path: Path) -> dict[str, object]:
    """Run ``child`` for ``path`` in a fresh interpreter; its timings (or the error)."""
    started = time.perf_counter()
    env = {**os.environ, "NUMBA_DEBUG_CACHE": "1"}
    proc = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True,
                          text=True, timeout=TIMEOUT_S + 30, cwd=ROOT, env=env)
    wall = time.perf_counter() - started
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1], "wall": wall}
    out = json.loads(lines[-1])
    out["wall"] = wall
    out["compiled"] = sorted({Path(line.split("'")[1]).name.split("-")[0]
                              for line in proc.stdout.splitlines()
                              if line.startswith("[cache] data saved") and "'" in line})
    return out


def main(argv: list[str]) -> int:
    json_path = None
    if "--json" in argv:
        i = argv.index("--json")
        json_path, argv = argv[i + 1], argv[:i] + argv[i + 2:]
    names = argv or sorted(p.name.removesuffix(".layerlab.json")
                           for p in EXAMPLES.glob("*.layerlab.json"))
    print(f"{'example':<26} {'load s':>7} {'1st step s':>10} {'total s':>8}  ≤ {TARGET_S:g} s"
          "  compiled here")
    rows, slow = {}, 0
    for name in names:
        row = measure(EXAMPLES / f"{name}.layerlab.json")
        rows[name] = row
        if "error" in row or "first_step" not in row:
            slow += 1
            print(f"{name:<26} failed: {row.get('error', 'no training step')}")
            continue
        total = float(row["load"]) + float(row["first_step"])  # type: ignore[arg-type]
        ok = total <= TARGET_S
        slow += not ok
        compiled = row["compiled"]
        print(f"{name:<26} {row['load']:>7.2f} {row['first_step']:>10.2f} {total:>8.2f}  "
              f"{'yes' if ok else 'NO ':<6}{len(compiled):>3} {' '.join(compiled)[:60]}",  # type: ignore[arg-type]
              flush=True)
    print(f"{len(names) - slow}/{len(names)} examples start training within {TARGET_S:g} s "
          f"(load: {os.getloadavg()[0]:.2f})")
    if json_path:
        Path(json_path).write_text(json.dumps(rows, indent=1))
    return 1 if slow else 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        sys.exit(main(sys.argv[1:]))
