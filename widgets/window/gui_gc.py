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

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

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
        self.long_lived = len(gc.get_objects(generation=2))  # CPython's long_lived_total
        self.pending = 0  # objects moved into generation 2 since the last full collection
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start()

    def check(self) -> None:
        """Collect generation 0, 1 or 2 when due — CPython's own rule, including the one that
        keeps full collections rare on a big heap: generation 2 only once the objects moved
        into it since the last full collection exceed a quarter of those that survived it
        (without it a full pass over every long-lived object came after every tenth
        generation-1 collection: up to 1.5 s each in a test process holding many windows)."""
        count0, count1, count2 = gc.get_count()
        t0, t1, t2 = self.thresholds
        if count0 <= t0:
            return
        if count1 > t1 and count2 > t2 and self.pending > self.long_lived // 4:
            self._collect_full()
        elif count1 > t1:
            young = len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1))
            self.pending += max(0, young - gc.collect(1))  # the survivors move to generation 2
        else:
            gc.collect(0)
        self.collections += 1

    def _collect_full(self) -> int:
        found = gc.collect()
        self.long_lived = len(gc.get_objects(generation=2))
        self.pending = 0
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
