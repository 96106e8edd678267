"""The training panel's "Threads for training" choice, as a learner uses it: pick an entry,
train, start the app again; a choice made during a run waits for that run to end."""

from __future__ import annotations

import pytest

from app.examples import example_path
from engine import threads
from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.panels.thread_choice import apply_saved

TIMEOUT_MS = 60_000


@pytest.fixture
def budget(monkeypatch):
    """A 4-core computer with no LAYERLAB_THREADS; the test-wide budget comes back after."""
    saved = threads._state["budget"]
    monkeypatch.delenv(threads.ENV, raising=False)
    monkeypatch.setattr(threads, "available_cores", lambda: 4)
    yield
    threads.set_budget(saved)


def choose(win, data: int) -> None:
    """Pick the entry for ``data`` threads (0: automatic) as a click on the combo does."""
    combo = win.thread_choice.combo
    index = combo.findData(data)
    assert index >= 0
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_entries_choice_and_memory_across_starts(qtbot, tmp_path, monkeypatch, budget):
    win = make_test_window(qtbot, tmp_path, monkeypatch)
    combo = win.thread_choice.combo
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert texts == ["Automatic (3 of 4 cores; one stays with the window)", "1 thread",
                     "2 threads", "3 threads", "4 threads"]
    assert combo.currentData() == 0 and "one training run" in combo.toolTip()
    assert combo.isVisibleTo(win.training_panel)
    choose(win, 2)  # nothing trains: it applies at once
    assert threads.budget() == 2 and win.settings.training_threads == 2
    assert not win.thread_choice.note.isVisibleTo(win.training_panel)
    close_test_window(win)

    threads.set_budget(None)  # a new start: nobody chose a count on the command line
    again = make_test_window(qtbot, tmp_path, monkeypatch)  # the same settings file
    assert again.thread_choice.combo.currentText() == "2 threads"
    assert threads.budget() == 2  # the saved choice is the budget from the start
    choose(again, 0)
    assert threads.budget() == 3 and again.settings.training_threads == 0
    close_test_window(again)


def test_a_launch_option_holds_for_the_session_and_says_so(qtbot, tmp_path, monkeypatch,
                                                           budget):
    first = make_test_window(qtbot, tmp_path, monkeypatch)
    choose(first, 2)
    close_test_window(first)
    threads.set_budget(4)  # as `layerlab --threads 4` does before the window opens
    win = make_test_window(qtbot, tmp_path, monkeypatch)
    assert threads.budget() == 4 and win.thread_choice.combo.currentData() == 2
    note = win.thread_choice.note
    assert note.isVisibleTo(win.training_panel)
    assert "trains on 4 threads" in note.text() and "--threads" in note.text()
    choose(win, 1)  # the learner's pick wins from now on
    assert threads.budget() == 1 and not note.isVisibleTo(win.training_panel)
    close_test_window(win)


def test_a_choice_during_a_run_waits_for_the_run_to_end(qtbot, tmp_path, monkeypatch, budget):
    threads.set_budget(1)
    win = make_test_window(qtbot, tmp_path, monkeypatch, keep_weights=False)
    session = win.session
    assert win.files.open_example(example_path("spiral"))
    win.dataset_panel.ensure_current()
    win.actions["play"].trigger()
    qtbot.waitUntil(lambda: session.history.steps_seen > 0, timeout=TIMEOUT_MS)
    choose(win, 3)
    assert threads.budget() == 1  # the running worker keeps its budget
    assert win.settings.training_threads == 3  # remembered at once all the same
    note = win.thread_choice.note
    assert note.isVisibleTo(win.training_panel) and "when this run ends" in note.text()
    win.actions["play"].trigger()  # Pause: the same run, still waiting
    qtbot.waitUntil(lambda: session.state == "paused", timeout=5000)
    assert threads.budget() == 1
    win.actions["stop"].trigger()
    qtbot.waitUntil(lambda: session.state == "stopped", timeout=5000)
    assert threads.budget() == 3 and not note.isVisibleTo(win.training_panel)
    close_test_window(win)


class Saved:
    """Settings as ``apply_saved`` reads them."""

    def __init__(self, training_threads: int) -> None:
        self.training_threads = training_threads


def test_start_takes_the_saved_choice_within_this_computers_cores(budget):
    threads.set_budget(None)
    assert apply_saved(Saved(8)) and threads.budget() == 4  # saved on a bigger computer
    threads.set_budget(None)
    assert apply_saved(Saved(0)) and threads.budget() == 3 and threads.is_default_budget()
    threads.set_budget(2)  # `--threads 2`
    assert not apply_saved(Saved(1)) and threads.budget() == 2


def test_layerlab_threads_holds_over_the_saved_choice(budget, monkeypatch):
    threads.set_budget(None)
    monkeypatch.setenv(threads.ENV, "2")
    assert not apply_saved(Saved(4)) and threads.budget() == 2
