"""Issue 21 stress: windows built, re-themed and closed again and again while a "training"
thread allocates (its allocations once started cyclic collections that freed a closed
window's pyqtgraph menus in that thread). Runs in a child process under ``-X faulthandler``
so a segfault fails this test instead of killing the run; ~4 s a cycle on a loaded 2-core
machine, hence ``slow``. ``python tests/widgets/test_theme_stress.py CYCLES`` runs it alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CYCLES = 12


def _stress(cycles: int) -> None:
    """The child: ``cycles`` windows, three theme switches each, closed and deleted."""
    import tempfile
    import threading

    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from app.settings import Settings
    from widgets.window.main_window import MainWindow
    from widgets.window.theme import apply_theme

    app = QApplication([sys.argv[0]])
    apply_theme(app, "light")
    folder = Path(tempfile.mkdtemp(prefix="layerlab-stress-"))
    stop = threading.Event()

    def training_like() -> None:
        # ~200,000 cyclic objects a second: automatic collection would start in this thread
        # every few milliseconds; with it off, they wait for the GUI thread's timer — a
        # flat-out loop would outrun a GUI thread busy building a window (gigabytes)
        while not stop.wait(0.005):
            for _ in range(1000):
                box: dict[str, object] = {}
                box["self"] = box

    threading.Thread(target=training_like, name="training", daemon=True).start()
    for i in range(cycles):
        store = QSettings(str(folder / f"s{i}.ini"), QSettings.Format.IniFormat)
        win = MainWindow(Settings(store), autosave_folder=folder / f"r{i}")
        win.show()
        for name in ("dark", "light", "dark"):
            win.set_theme(name)
        win.prompts_enabled = False
        win.close()
        win.deleteLater()
        del win
        loop = QEventLoop()
        QTimer.singleShot(150, loop.quit)  # deletion, then the collector's timer
        loop.exec()
    stop.set()
    print(f"stress done: {cycles} cycles")


@pytest.mark.slow
def test_windows_built_rethemed_and_closed_while_training_allocates_never_crash():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-X", "faulthandler", __file__, str(CYCLES)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-4000:]
    assert "Fatal Python error" not in out
    assert "from another thread" not in out  # Qt's warning when a widget dies off the GUI thread
    assert f"stress done: {CYCLES} cycles" in out


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from engine import threads

    threads.install(1)
    _stress(int(sys.argv[1]) if len(sys.argv) > 1 else CYCLES)
