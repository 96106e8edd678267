"""Start-up: open the right project, show the gallery once, warm the numba kernels.

numba compiles each kernel the first time it runs (minutes for every family on a cold cache,
once; cached on disk after). ``make run`` does it at install (``main.py warmup``); the window
runs the same ``engine.warmup.warm_engine`` in a background thread at every start, which on a
warm cache only loads the kernels and imports the datasets' libraries (a few seconds), so a
first Play of any family does not stall. While it runs a "Preparing the engine: conv 3/5…"
progress dialog (first run, or after the cache was lost) reports each network; "Hide" keeps
the window usable while it finishes. ``open_start_project`` opens the file given on the
command line, else what was open at quit (``record_project_at_quit``, called on close: a
saved file, or the example whose copy was open), else the last saved project, else the spiral
example with the gallery on top (first start), offering crash recovery first;
``take_screenshot`` is the ``--screenshot`` debug aid.
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.examples import example_path
from app.project_io import is_bundled
from widgets.panels.gallery import ExampleGallery
from widgets.window.qt_app import qt_app

MESSAGE = "Preparing the engine (first run only)…"


class _WarmupSignals(QObject):
    """Emitted from the warm-up thread; kept alive until exit (the thread may outlive windows)."""

    warmup_progress = Signal(str, int, int)  # line, done, total
    warmup_finished = Signal(float)
    warmup_failed = Signal(str)


_LIVE_SIGNALS: list[_WarmupSignals] = []


def _warm_in_thread(signals: _WarmupSignals) -> None:  # runs in the daemon thread
    from engine.warmup import WarmupProgress, warm_engine

    def progress(p: WarmupProgress) -> None:
        signals.warmup_progress.emit(p.line(), p.done, p.total)

    start = time.perf_counter()
    try:
        report = warm_engine(progress=progress)
    except Exception as err:  # noqa: BLE001 - reported; training will show the real error
        signals.warmup_failed.emit(str(err))
        return
    signals.warmup_finished.emit(time.perf_counter() - start if report.tasks else 0.0)


class EngineWarmup(QObject):
    """Runs the warm-up in a daemon thread; ``show_dialog()`` adds the busy dialog (first run).

    A daemon ``threading.Thread`` rather than a ``QThread``: numba's compilation cannot be
    interrupted, and a window closed during it must close at once, not wait for it.
    """

    warmup_done = Signal(bool, str)  # ok, message

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.signals = _WarmupSignals()
        _LIVE_SIGNALS.append(self.signals)
        queued = Qt.ConnectionType.QueuedConnection
        self.signals.warmup_progress.connect(self._on_warmup_progress, queued)
        self.signals.warmup_finished.connect(self._on_warmup_finished, queued)
        self.signals.warmup_failed.connect(self._on_warmup_failed, queued)
        self._thread = threading.Thread(target=_warm_in_thread, args=(self.signals,),
                                        name="engine-warmup", daemon=True)
        self.dialog: QProgressDialog | None = None
        self.progress_line, self.done, self.total = MESSAGE, 0, 0

    def show_dialog(self) -> None:
        """Show the busy dialog while the warm-up is still running (first run)."""
        if not self.running or self.dialog is not None:
            return
        self.dialog = QProgressDialog(self.progress_line, "Hide", 0, self.total,
                                      self.parent_widget)
        self.dialog.setWindowTitle("LayerLab")
        self.dialog.setWindowModality(Qt.WindowModality.NonModal)  # the window stays usable
        self.dialog.setMinimumDuration(300)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumWidth(460)
        self.dialog.setValue(self.done)
        self.dialog.canceled.connect(self._close_dialog)  # "Hide": the warm-up goes on

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None

    def _on_warmup_progress(self, line: str, done: int, total: int) -> None:
        self.progress_line, self.done, self.total = line, done, total
        if self.dialog is not None:
            self.dialog.setMaximum(total)
            self.dialog.setValue(done)
            self.dialog.setLabelText(line)

    def _on_warmup_finished(self, seconds: float) -> None:
        self._close_dialog()
        self.warmup_done.emit(True, f"Engine ready ({seconds:.1f} s).")

    def _on_warmup_failed(self, message: str) -> None:
        self._close_dialog()
        self.warmup_done.emit(False, f"The engine warm-up failed: {message}")


# -- start-up sequence (used by widgets.window.main_window.run_app) -----------------------
def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", add_help=False)
    parser.add_argument("project", nargs="?", help="a .layerlab.json project to open")
    parser.add_argument("--theme", choices=("light", "dark"))
    parser.add_argument("--screenshot", help="debug: press Play, wait, save a PNG, quit")
    parser.add_argument("--after", type=float, default=4.0, help="seconds before the screenshot")
    parser.add_argument("--presenter", action="store_true", help="start in presenter mode")
    args, _unknown = parser.parse_known_args(argv)
    return args


def open_start_project(window: Any, project: str | None, gallery: bool) -> None:
    """The file given, else what was open at quit, else the last project, else (first start)
    the example gallery."""
    files = window.files
    if project:
        if not files.offer_recovery(project):
            files.open_path(project, ask=False)
        return
    if files.offer_recovery(None):
        return
    at_quit = window.settings.project_at_quit
    if at_quit == "" and not gallery:
        return  # a new project was open: the window starts with one
    if at_quit and not gallery and Path(at_quit).is_file():
        if is_bundled(at_quit):
            files.open_example(at_quit)
        elif not files.offer_recovery(at_quit):
            files.open_path(at_quit, ask=False)
        return
    last = window.settings.last_project()
    if last and not gallery:
        if not files.offer_recovery(last):
            files.open_path(last, ask=False)
        return
    spiral = example_path("spiral")
    if spiral.is_file():
        files.open_example(spiral)
    if gallery:
        QTimer.singleShot(200, lambda: show_first_gallery(window))


def record_project_at_quit(window: Any) -> None:
    """On close: remember what is open, for ``open_start_project`` at the next start — the
    project's file, or the example it is an unsaved copy of, or "" for a new project."""
    path = window.doc.path or window.files.opened_from
    window.settings.project_at_quit = str(path) if path is not None else ""


def show_first_gallery(window: Any) -> None:
    """First start: the gallery, then (if still compiling) the engine's busy dialog."""
    dialog = ExampleGallery(window, cancel_text="Close")
    if dialog.exec() and dialog.chosen_path is not None:
        window.files.open_example(dialog.chosen_path)
    if window.warmup is not None:
        window.warmup.show_dialog()


def take_screenshot(window: Any, path: str, after: float) -> None:
    """Debug aid for docs: press Play, wait ``after`` seconds, save ``window.grab()``, quit."""
    window.prompts_enabled = False
    QTimer.singleShot(800, window.run.toggle_play)

    def grab() -> None:
        window.grab().save(path)
        window.close()
        qt_app().quit()

    QTimer.singleShot(int(800 + after * 1000), grab)


def on_warmup_done(window: Any, ok: bool, message: str) -> None:
    if ok:
        window.settings.mark_engine_prepared()
        window.statusBar().showMessage(message, 4000)
    else:
        window.post(message, "warning")

