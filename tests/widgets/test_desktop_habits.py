"""Desktop habits: redo keys, undo texts that name the change, labelled undo/redo, saves in
the documents folder that never overwrite an example, the project's name after reopening,
and a gallery that opens at once while a model trains."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QToolButton

import widgets.panels.gallery as gallery
from app.examples import example_path
from tests.widgets.window_helpers import close_test_window, make_test_window, silence_dialogs
from widgets.controllers import file_actions
from widgets.panels.gallery import ExampleGallery


@pytest.fixture
def messages(monkeypatch):
    return silence_dialogs(monkeypatch)


@pytest.fixture
def window(qtbot, tmp_path, messages, monkeypatch):
    monkeypatch.setattr(file_actions, "documents_folder", lambda: tmp_path / "Documents")
    win = make_test_window(qtbot, tmp_path, keep_weights=True)
    yield win
    close_test_window(win)


def test_redo_answers_ctrl_y_and_ctrl_shift_z(window, qtbot):
    window.files.new()
    redo = window.actions["redo"]
    assert {QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")} <= set(redo.shortcuts())
    window.doc.add_layer("Dense", (0.0, 0.0), name="dense1")
    for keys in ("Ctrl+Y", "Ctrl+Shift+Z"):
        window.actions["undo"].trigger()
        assert "dense1" not in window.doc.graph.nodes
        window.canvas.setFocus()
        qtbot.keySequence(window.canvas, QKeySequence(keys))  # the real key press
        assert "dense1" in window.doc.graph.nodes, keys


def test_undo_texts_name_the_change(window):
    window.files.new()
    doc = window.doc
    doc.set_training({"optimizer_options": {"learning_rate": 0.001}})
    doc.set_training({"optimizer_options": {"learning_rate": 0.01}})
    assert doc.undo_stack.undoText() == "learning rate 0.001 → 0.01"
    assert window.actions["undo"].text() == "&Undo learning rate 0.001 → 0.01"
    doc.set_training({"epochs": 300})
    assert doc.undo_stack.undoText() == "epochs 50 → 300" or "epochs" in doc.undo_stack.undoText()
    doc.add_layer("Dense", (0.0, 0.0), {"units": 8}, name="dense1")
    assert doc.undo_stack.undoText() == "Add Dense 'dense1'"
    doc.set_layer_options("dense1", {**doc.graph.nodes["dense1"].options, "units": 16})
    assert doc.undo_stack.undoText() == "units of 'dense1' 8 → 16"
    doc.set_layer_options("dense1", {**doc.graph.nodes["dense1"].options,
                                     "activation": "tanh", "use_bias": False})
    assert "activation of 'dense1'" in doc.undo_stack.undoText()
    assert "use bias of 'dense1' on → off" in doc.undo_stack.undoText()
    doc.undo_stack.undo()
    assert doc.undo_stack.redoText().startswith("activation of 'dense1'")


def test_toolbar_undo_and_redo_are_labelled_with_the_change_as_tooltip(window):
    window.files.new()
    window.doc.add_layer("Dense", (0.0, 0.0), name="dense1")
    for key, label in (("undo", "Undo"), ("redo", "Redo")):
        button = window.toolbar.widgetForAction(window.actions[key])
        assert isinstance(button, QToolButton)
        assert button.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon
        assert button.text() == label
    assert "Add Dense 'dense1'" in window.actions["undo"].toolTip()


def test_save_starts_in_documents_and_never_overwrites_an_example(window, tmp_path, monkeypatch,
                                                                  messages):
    example = example_path("xor")
    original = example.read_bytes()
    offered: list[str] = []

    def fake_save(_parent, _title, start, _filter):
        offered.append(start)
        return str(Path(start).parent / "my_xor.layerlab.json"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))
    assert window.files.open_path(example, ask=False)  # opened by path, not from the gallery
    assert window.doc.path is None  # an untitled copy
    window.doc.add_layer("Dense", (0.0, 300.0), name="mine")
    assert window.files.save()
    assert Path(offered[-1]).parent == tmp_path / "Documents"
    assert (tmp_path / "Documents" / "my_xor.layerlab.json").is_file()
    assert not window.files._save_to(example)  # refused, with a message
    assert "bundled" in messages[-1][1]
    assert example.read_bytes() == original


def test_reopened_project_is_named_after_its_file(window, tmp_path):
    window.files.new()
    window.doc.add_layer("Input", (0.0, 0.0), {"shape": [2]})
    path = tmp_path / "homework.layerlab.json"
    assert window.files._save_to(path)
    window.files.new()
    assert window.files.open_path(path, ask=False)
    texts = [text for _, text, _ in window.problems.messages]
    assert "Opened “homework”." in texts
    assert window.windowTitle().startswith("homework.layerlab.json")


def test_gallery_opens_at_once_while_the_dates_model_trains(window, qtbot, monkeypatch):
    assert window.files.open_example(example_path("dates_seq2seq_attention"))
    window.dataset_panel.ensure_current()
    window.doc.set_training({"epochs": 10_000, "max_steps_per_second": 0.0})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.snapshot_count > 3, timeout=30000)
    loads: list[str] = []
    real = gallery._data_points
    monkeypatch.setattr(gallery, "_data_points", lambda e: loads.append(e.key) or real(e))
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        dialog = ExampleGallery(window)
        dialog.show()
        QApplication.processEvents()
        timings.append(time.perf_counter() - start)
        if not loads:
            assert dialog.thumbnails_pending > 0  # first opening: data drawn afterwards
        qtbot.waitUntil(lambda d=dialog: d.thumbnails_pending == 0, timeout=30000)
        dialog.close()
    assert window.run.state == "running"
    n_examples = len(dialog.cards)
    assert len(loads) <= n_examples  # every dataset loaded at most once per session
    # the dialog is up before any dataset is loaded; generous bound for a busy machine
    assert timings[1] < 1.0, timings
    window.run.stop()
    print(f"gallery while training: first {timings[0] * 1000:.0f} ms, "
          f"second {timings[1] * 1000:.0f} ms")
