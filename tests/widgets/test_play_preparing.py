"""Play after an edit prepares the run off the GUI thread: the window stays live.

What a learner does: edit the network, press Play (twice, impatiently), edit again, press
Stop or New while the status says "Preparing…". The GUI thread's blocking is measured with
a 5 ms heartbeat ``QTimer`` (as ``scripts/measure_fps.py`` does), each gap with the GUI
thread's own CPU time (``time.thread_time``): on a shared, loaded machine a gap's wall time
is mostly waiting for a core, so the 100 ms bound is asserted on the GUI thread's own work,
and on the wall clock too when the machine is quiet.
"""

from __future__ import annotations

import os
import time

import pytest

from app.examples import example_path
from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.controllers.run_controller import PREPARING_TEXT, network_of

BLOCK_S = 0.1  # the bound on one stall of the GUI thread
TIMEOUT_MS = 60_000


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch, keep_weights=False)
    yield win
    close_test_window(win)
    assert win.session.wait_for_preparation(30.0)


def open_example(win, key: str) -> None:
    assert win.files.open_example(example_path(key))
    win.dataset_panel.ensure_current()


class Heartbeat:
    """A 5 ms timer on the GUI thread: each tick's wall clock and GUI-thread CPU time."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.ticks: list[tuple[float, float]] = []
        self.timer = QTimer(interval=5)
        self.timer.timeout.connect(
            lambda: self.ticks.append((time.perf_counter(), time.thread_time())))

    def __enter__(self) -> Heartbeat:
        self.timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.timer.stop()

    def gaps(self, since: float = 0.0) -> list[tuple[float, float]]:
        """(wall, GUI CPU) seconds between consecutive ticks after ``since``."""
        return [(b[0] - a[0], b[1] - a[1]) for a, b in zip(self.ticks, self.ticks[1:])
                if a[0] >= since]


def test_play_after_an_edit_on_a_big_example_keeps_the_window_live(qtbot, window):
    win, session = window, window.session
    open_example(win, "digits_cnn")
    win.actions["play"].trigger()  # a first run: numba's kernels are loaded in this process
    qtbot.waitUntil(lambda: session.history.steps_seen > 0, timeout=TIMEOUT_MS)
    win.run.stop()
    qtbot.waitUntil(lambda: session.state == "stopped", timeout=TIMEOUT_MS)
    win.doc.set_layer_options("dropout", {**win.doc.graph.nodes["dropout"].options,
                                          "rate": 0.3})
    assert win.run.structure_dirty  # the next Play must prepare a new model
    with Heartbeat() as beat:
        qtbot.wait(30)
        start, cpu = time.perf_counter(), time.thread_time()
        win.actions["play"].trigger()
        press_cpu = time.thread_time() - cpu
        assert session.state == "preparing" and win.state_label.text() == "Preparing…"
        assert win.training_panel.message.text() == PREPARING_TEXT
        qtbot.waitUntil(lambda: session.state != "preparing", timeout=TIMEOUT_MS)
        prepared_after = time.perf_counter() - start
        qtbot.waitUntil(lambda: session.history.steps_seen > 0, timeout=TIMEOUT_MS)
        qtbot.wait(30)
    win.run.stop()
    gaps = beat.gaps(since=start - 0.01)
    worst_cpu = max(cpu for _wall, cpu in gaps)
    worst_wall = max(wall for wall, _cpu in gaps)
    figures = (f"Play {press_cpu * 1000:.0f} ms GUI CPU; prepared after "
               f"{prepared_after * 1000:.0f} ms; worst gap {worst_wall * 1000:.0f} ms wall, "
               f"{worst_cpu * 1000:.0f} ms GUI CPU; load {os.getloadavg()[0]:.1f}")
    assert session.state == "running" or session.history.steps_seen > 0, figures
    assert press_cpu < BLOCK_S, figures
    assert worst_cpu < BLOCK_S, figures
    if os.getloadavg()[0] < 0.5:  # a quiet machine: the wall clock is the GUI's own
        assert worst_wall < BLOCK_S, figures


def test_edit_while_preparing_the_newer_version_wins(qtbot, window):
    win, session = window, window.session
    open_example(win, "spiral")
    done: list[object] = []
    session.preparation_done.connect(done.append)
    win.run.toggle_play()
    assert session.state == "preparing"
    win.doc.set_layer_options("hidden1", {**win.doc.graph.nodes["hidden1"].options,
                                          "units": 5})
    win.run.toggle_play()  # pressed again, impatiently: still one run, of the new network
    qtbot.waitUntil(lambda: session.history.steps_seen > 0, timeout=TIMEOUT_MS)
    assert session.state == "running" and len(done) == 1
    assert network_of(session.project.graph) == network_of(win.doc.graph)
    assert any(w.shape and 5 in w.shape for w in session.model.get_weights().values())
    win.run.stop()


def test_edit_alone_while_preparing_restarts_it_with_the_same_command(qtbot, window):
    win, session = window, window.session
    open_example(win, "spiral")
    win.run.step_batch()
    assert session.state == "preparing" and session.queued_command == "step"
    win.doc.set_layer_options("hidden2", {**win.doc.graph.nodes["hidden2"].options,
                                          "units": 3})
    qtbot.waitUntil(lambda: session.state == "paused", timeout=TIMEOUT_MS)
    assert len(session.history.step_losses) == 1
    assert network_of(session.project.graph) == network_of(win.doc.graph)


def test_an_edit_that_breaks_the_network_while_preparing_refuses(qtbot, window):
    win, session = window, window.session
    open_example(win, "spiral")
    win.run.toggle_play()
    win.doc.remove_layers(["output"])  # no output layer: the Problems panel says why
    qtbot.waitUntil(lambda: session.state != "preparing", timeout=TIMEOUT_MS)
    assert session.wait_for_preparation(30.0)
    qtbot.wait(50)
    assert session.state == "idle" and not session.is_worker_alive()
    assert session.history.steps_seen == 0 and win.training_panel.message.text() != ""


def test_new_while_preparing_shows_nothing_of_the_old_run(qtbot, window):
    win, session = window, window.session
    open_example(win, "digits_cnn")
    win.run.toggle_play()
    assert session.state == "preparing"
    assert win.files.new()
    assert session.state == "idle" and session.project is None
    assert session.wait_for_preparation(30.0)
    qtbot.wait(100)  # the stale result, had it been kept, would arrive now
    assert session.prepared is None and session.last_snapshot is None
    assert win.run.snapshot_count == 0 and not session.is_worker_alive()


def test_stop_while_preparing_cancels_and_play_works_again(qtbot, window):
    win, session = window, window.session
    open_example(win, "spiral")
    win.run.toggle_play()
    assert win.actions["stop"].isEnabled()
    win.actions["stop"].trigger()
    assert session.state == "idle" and win.state_label.text() == "Ready"
    assert session.wait_for_preparation(30.0)
    qtbot.wait(50)
    assert session.last_snapshot is None and not session.is_worker_alive()
    win.run.toggle_play()
    qtbot.waitUntil(lambda: session.history.steps_seen > 0, timeout=TIMEOUT_MS)
    assert session.state == "running"
    win.run.stop()


def test_double_play_runs_once_and_reset_prepares_in_the_background(qtbot, window):
    win, session = window, window.session
    open_example(win, "spiral")
    win.doc.set_training({"epochs": 2})
    states: list[str] = []
    session.state_changed.connect(states.append)
    win.run.toggle_play()
    win.run.toggle_play()
    qtbot.waitUntil(lambda: session.state == "finished", timeout=TIMEOUT_MS)
    assert states == ["preparing", "running", "finished"]
    win.run.reset()  # fresh weights: prepared off the GUI thread, the curves cleared at once
    assert session.state == "preparing" and win.plots.loss.run.steps.n == 0
    qtbot.waitUntil(lambda: session.state == "idle", timeout=TIMEOUT_MS)
    assert session.last_snapshot.step == 0 and session.history.steps_seen == 0
