"""Issue 21: a closed window's leftover Qt widgets are freed in the GUI thread, never in a
training thread.

A window leaves ~1,800 widgets to Python's cyclic garbage collector (pyqtgraph's parentless
"Plot Options" menus). With automatic collection they were freed in whichever thread
allocated past the threshold — the training thread — while the GUI thread walked widgets for
a theme switch or a new window's style sheet: a segfault at random. Now automatic collection
is off and a GUI-thread timer collects (``widgets.window.gui_gc``).
"""

from __future__ import annotations

import gc
import threading
import time
import weakref

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QApplication

from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.window.gui_gc import install_gui_collector


def _allocate_cycles(count: int) -> None:
    """What a training thread does all the time: make (cyclic) garbage."""
    for _ in range(count):
        box: dict[str, object] = {}
        box["self"] = box


@pytest.fixture
def collections_by_thread():
    """The names of the threads each garbage collection ran in, while the test runs."""
    seen: list[str] = []

    def record(phase: str, _info: dict) -> None:
        if phase == "start":
            seen.append(threading.current_thread().name)

    gc.callbacks.append(record)
    yield seen
    gc.callbacks.remove(record)


def _plot_left_to_the_collector() -> weakref.ref:
    """A plot no window owns any more, in a reference cycle, as a closed window leaves its
    plots' menus: only the cyclic collector can free it."""
    plot = pg.PlotWidget()
    plot.cycle = plot  # type: ignore[attr-defined]
    return weakref.ref(plot)


def test_widgets_left_to_the_collector_are_freed_by_the_gui_thread_not_by_training(
        qtbot, tmp_path, monkeypatch, collections_by_thread):
    win = make_test_window(qtbot, tmp_path, monkeypatch)  # installs the collector, as the app
    collector = install_gui_collector(QApplication.instance())
    assert not gc.isenabled()
    collector.collect_now()
    widgets = len(QApplication.allWidgets())
    plot = _plot_left_to_the_collector()
    left = len(QApplication.allWidgets())
    assert plot() is not None and left > widgets + 10  # the plot and its menus

    worker = threading.Thread(target=_allocate_cycles, args=(100_000,), name="training")
    worker.start()
    worker.join()
    assert "training" not in collections_by_thread  # it allocated far past the threshold
    assert plot() is not None and len(QApplication.allWidgets()) == left  # nothing freed there
    assert gc.get_count()[0] > collector.thresholds[0]

    win.actions["theme_dark"].trigger()  # walks widgets; no collection starts inside
    assert plot() is not None
    alive = len(QApplication.allWidgets())
    before = collector.collections
    qtbot.waitUntil(lambda: collector.collections > before, timeout=3000)  # the GUI timer
    qtbot.waitUntil(lambda: plot() is None, timeout=3000)
    assert len(QApplication.allWidgets()) < alive  # its widgets went, in this thread
    assert set(collections_by_thread) == {threading.main_thread().name}
    close_test_window(win)


def test_the_collector_is_one_per_application_and_keeps_automatic_collection_off(qtbot):
    app = QApplication.instance()
    collector = install_gui_collector(app)
    gc.enable()  # someone turned it back on
    assert install_gui_collector(app) is collector
    assert not gc.isenabled()
    outcome: list[BaseException] = []

    def from_a_thread() -> None:
        try:
            collector.collect_now()
        except RuntimeError as err:
            outcome.append(err)

    worker = threading.Thread(target=from_a_thread)
    worker.start()
    worker.join()
    assert len(outcome) == 1  # a full collection is refused outside the GUI thread


def _churn(collector, rounds: int) -> None:
    """Garbage that dies young, collected by the collector's timer rule."""
    for _ in range(rounds):
        _allocate_cycles(800)
        collector.check()


def test_full_collections_stay_rare_on_a_big_heap(qtbot):
    """A full pass takes at most FULL_SHARE of the time (timed from the last one) — not one
    after every tenth generation-1 collection, which on a big heap (a test process holding
    many windows) paused the GUI thread for up to 1.5 s — and garbage still goes young."""
    collector = install_gui_collector(QApplication.instance())
    keep = [[i] for i in range(200_000)]  # long-lived objects: a full pass takes a while
    collector.collect_now()
    full, wait = collector.full_collections, collector.next_full - time.monotonic()
    assert wait > 0  # ~50 × the pass just made
    probe = weakref.ref(_cycle())
    _churn(collector, 200)  # ~18 generation-1 collections: automatic gc would go full twice
    assert collector.full_collections == full and probe() is None  # young garbage went
    collector.next_full = time.monotonic()  # the budget has passed
    _churn(collector, 200)
    assert collector.full_collections > full
    assert len(keep)


class _Box:
    """A weak-referenceable object in a reference cycle."""

    def __init__(self) -> None:
        self.me = self


def _cycle() -> _Box:
    return _Box()
