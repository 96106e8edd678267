"""Python's cyclic garbage collector runs only in the GUI thread, between two events (issue 21).

Why: a closed window leaves ~1,800 Qt widgets to the cyclic collector — pyqtgraph builds
parentless "Plot Options" menus for every plot (``QMenu``s, their check boxes and labels),
owned by Python and kept in reference cycles with their plot items. With automatic
collection, the collector runs in whichever thread crosses its allocation threshold — often
the training thread, which allocates all the time — and deletes those QWidgets *there*, while
the GUI thread walks widgets (``QApplication.setFont``/``setPalette``, a window's
``setStyleSheet``, once a walk over ``QApplication.allWidgets()``). QWidgets are not
thread-safe: "Fatal Python error: Segmentation fault" in ``theme.restyle_plots`` and in
``theme.style_window``, at random. Even in the GUI thread an automatic collection may start
inside such a Qt loop (a Python event handler allocates) and free a widget further down the
list that Qt copied. pyqtgraph's documented answer (``pyqtgraph.util.GarbageCollector``) is
the one taken here: automatic collection off, and a GUI-thread timer collecting the
generations that are due, from the event loop, where no Qt walk is in progress.

``install_gui_collector(app)`` does it once per process (the window calls it; tests too);
``collect_now()`` collects everything at once (tests, after a window is closed).
"""

from __future__ import annotations

import gc
import threading
import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

FULL_SHARE = 0.02  # of the GUI thread's time at most for full collections
INTERVAL_MS = 100  # a tick costs ~µs when nothing is due; garbage waits at most this long


class GuiThreadCollector(QObject):
    """Collects, on a timer in the GUI thread, the generations whose counts passed
    ``gc.get_threshold()`` — what automatic collection would have done, at a safe place."""

    def __init__(self, app: QApplication, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(app)  # lives as long as the application, in its thread
        self.setObjectName("layerlab_gui_collector")
        self.thresholds = gc.get_threshold()
        self.collections = 0  # collections this collector ran (a test reads it)
        self.full_collections = 0
        self.next_full = 0.0  # time.monotonic() before which no full collection starts
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start()

    def check(self) -> None:
        """Collect generation 0, 1 or 2 when due (automatic collection's counts), a full
        collection at most ``FULL_SHARE`` of the time: on a big heap one full pass can take
        a second (1.58 s of GUI CPU in a test process holding many windows), and CPython's
        own rule against that (a quarter more long-lived objects) needs counts it does not
        expose; timing the last pass bounds it without walking the heap."""
        count0, count1, count2 = gc.get_count()
        t0, t1, t2 = self.thresholds
        if count0 <= t0:
            return
        if count1 > t1 and count2 > t2 and time.monotonic() >= self.next_full:
            self._collect_full()
        else:
            gc.collect(1 if count1 > t1 else 0)
        self.collections += 1

    def _collect_full(self) -> int:
        start = time.monotonic()
        found = gc.collect()
        self.next_full = time.monotonic() + (time.monotonic() - start) / FULL_SHARE
        self.full_collections += 1
        return found

    def collect_now(self) -> int:
        """A full collection now (GUI thread only); returns the unreachable objects found."""
        if threading.current_thread() is not threading.main_thread():  # LayerLab's GUI thread
            raise RuntimeError("collect_now() is for the GUI thread")
        self.collections += 1
        return self._collect_full()


def install_gui_collector(app: QApplication) -> GuiThreadCollector:
    """The application's collector, made on the first call (automatic collection off)."""
    found = app.findChild(GuiThreadCollector, "layerlab_gui_collector")
    if isinstance(found, GuiThreadCollector):
        if gc.isenabled():  # someone turned automatic collection back on: off again
            gc.disable()
        return found
    return GuiThreadCollector(app)
