"""Trained weights survive Save and Open in the window; weights leave a running model only
through a consistent copy taken between two training steps; bad files change nothing."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from app.examples import example_path
from engine.project import weights_path
from tests.widgets.window_helpers import close_test_window, make_test_window, silence_dialogs
from widgets.window.main_window import MainWindow


@pytest.fixture
def messages(monkeypatch):
    return silence_dialogs(monkeypatch)


@pytest.fixture
def make_window(qtbot, tmp_path, messages):
    made: list[MainWindow] = []

    def make() -> MainWindow:
        win = make_test_window(qtbot, tmp_path, suffix=str(len(made)), keep_weights=True)
        made.append(win)
        return win

    yield make
    for win in made:
        close_test_window(win)


def train_xor(win: MainWindow, qtbot, epochs: int = 40) -> None:
    assert win.files.open_example(example_path("xor"))
    win.doc.set_training({"epochs": epochs, "max_steps_per_second": 0.0})
    win.run.toggle_play()
    qtbot.waitUntil(lambda: win.run.state == "finished", timeout=20000)


def outputs(win: MainWindow, x: np.ndarray) -> np.ndarray:
    model = win.session.model
    assert model is not None
    return model.predict(x)


def test_trained_weights_survive_save_close_and_reopen(make_window, qtbot, tmp_path):
    win = make_window()
    train_xor(win, qtbot)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [0.3, 0.7]], dtype=np.float32)
    before = outputs(win, x)
    accuracy = win.training_panel.values["accuracy"].text()
    epochs_seen = list(win.session.history.epochs)
    path = tmp_path / "xor_trained.layerlab.json"
    assert win.files._save_to(path)
    assert weights_path(path).is_file()
    win.prompts_enabled = False
    win.close()

    again = make_window()
    assert again.files.open_path(path, ask=False)
    assert np.array_equal(outputs(again, x), before)  # identical predictions
    assert again.session.history.epochs == epochs_seen  # the saved history is shown
    assert again.training_panel.values["accuracy"].text() == accuracy
    assert again.plots.loss.run.steps.n == len(again.session.history.step_losses) > 0
    grid = again.session.last_snapshot.probes.get("decision_grid")
    assert grid is not None  # the decision map shows the trained boundary
    assert any("Loaded the trained weights" in text for _, text, _ in again.problems.messages)
    assert any("Opened “XOR" in text for _, text, _ in again.problems.messages)
    # Play trains on from the saved weights (a new curve), Reset starts afresh
    again.run.step_batch()
    qtbot.waitUntil(lambda: again.run.state == "paused", timeout=10000)
    assert again.session.history.step_losses and len(again.session.history.step_losses) == 1


def test_a_sidecar_that_no_longer_fits_opens_with_a_note_and_fresh_weights(make_window, qtbot,
                                                                          tmp_path):
    win = make_window()
    train_xor(win, qtbot, epochs=5)
    path = tmp_path / "p.layerlab.json"
    assert win.files._save_to(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    for layer in data["graph"]["layers"]:
        if layer.get("units") == 4 or layer["name"] == "hidden":
            layer["units"] = 7
    path.write_text(json.dumps(data), encoding="utf-8")
    fresh = make_window()
    assert fresh.files.open_path(path, ask=False)
    notes = [text for _, text, _ in fresh.problems.messages]
    assert any("no longer fit" in t and "fresh weights" in t for t in notes), notes
    assert not fresh.session.has_trained_weights


def test_a_damaged_sidecar_opens_the_project_with_a_plain_note(make_window, qtbot, tmp_path):
    win = make_window()
    train_xor(win, qtbot, epochs=5)
    path = tmp_path / "p.layerlab.json"
    assert win.files._save_to(path)
    side = weights_path(path)
    side.write_bytes(side.read_bytes()[:40])  # truncated
    fresh = make_window()
    assert fresh.files.open_path(path, ask=False)
    notes = [text for _, text, _ in fresh.problems.messages]
    assert any("cannot be read" in t and "fresh weights" in t for t in notes), notes
    assert not any("Traceback" in t or "BadZipFile" in t for t in notes)


def test_saving_an_edited_network_drops_the_stale_sidecar(make_window, qtbot, tmp_path):
    win = make_window()
    train_xor(win, qtbot, epochs=5)
    path = tmp_path / "p.layerlab.json"
    assert win.files._save_to(path) and weights_path(path).is_file()
    win.doc.add_layer("Dense", (0.0, 400.0), name="extra")
    assert win.files._save_to(path)
    assert not weights_path(path).exists()


def test_weights_are_copied_between_steps_while_training(make_window, qtbot):
    """The copy is made on the training thread, never while a step updates the arrays."""
    win = make_window()
    assert win.files.open_example(example_path("spiral"))
    win.doc.set_training({"epochs": 100_000})
    win.run.toggle_play()
    qtbot.waitUntil(lambda: win.plots.loss.run.steps.n > 20, timeout=15000)
    model = win.session.model
    threads: list[str] = []
    original = model.get_weights

    def recording_get_weights():
        threads.append(threading.current_thread().name)
        return original()

    model.get_weights = recording_get_weights
    try:
        weights = win.run.current_weights()  # what Export weights and keep-weights use
    finally:
        del model.get_weights
    assert threads == ["training"] and "hidden1/kernel" in weights
    win.run.stop()
    qtbot.waitUntil(lambda: win.run.state == "stopped", timeout=3000)


@pytest.mark.parametrize("content", [
    '{"format": "layerlab-project", "version": 1, "graph": {',  # truncated JSON
    "NEGATIVE_PORT",
    "[" * 5000 + "]" * 5000,  # nesting deeper than the JSON reader allows
])
def test_opening_a_bad_file_changes_nothing(make_window, messages, tmp_path, content):
    win = make_window()
    assert win.files.open_example(example_path("xor"))
    win.doc.add_layer("Dense", (0.0, 300.0), name="mine")
    before, title = win.doc.project, win.windowTitle()
    if content == "NEGATIVE_PORT":
        data = json.loads(example_path("xor").read_text(encoding="utf-8"))
        data["graph"]["edges"][0][2] = -3
        content = json.dumps(data)
    bad = tmp_path / "bad.layerlab.json"
    bad.write_text(content, encoding="utf-8")
    assert not win.files.open_path(bad, ask=False)
    assert messages, "a message box explains the problem"
    text = messages[-1][1]
    assert "bad.layerlab.json" in text and "Traceback" not in text and "Error" not in text
    assert win.doc.project is before and "mine" in win.doc.graph.nodes
    assert win.windowTitle() == title and win.doc.is_dirty


def test_main_py_with_a_bad_file_prints_one_message(tmp_path):
    import subprocess
    import sys

    data = json.loads(example_path("xor").read_text(encoding="utf-8"))
    data["graph"]["edges"][0][2] = -1
    bad = tmp_path / "neg.layerlab.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(root / "main.py"), str(bad)], cwd=root,
                          capture_output=True, text=True, timeout=60,
                          env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "neg.layerlab.json" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert time.perf_counter() - start < 60
