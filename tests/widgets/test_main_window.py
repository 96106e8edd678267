"""The main window end to end (offscreen): open, edit, save, train, stop, close, bad files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from app.examples import example_path, list_examples
from engine.project import Project
from tests.widgets.window_helpers import close_test_window, make_test_window, silence_dialogs
from widgets.panels.gallery import ExampleGallery
from widgets.window.main_window import MainWindow

SB = QMessageBox.StandardButton


@pytest.fixture
def messages(monkeypatch):
    """Message boxes never block: warnings are recorded, questions answered 'Discard'."""
    return silence_dialogs(monkeypatch)


@pytest.fixture
def window(qtbot, tmp_path, messages):
    win = make_test_window(qtbot, tmp_path, keep_weights=True)
    yield win
    close_test_window(win)


def open_example(win: MainWindow, key: str) -> None:
    assert win.files.open_example(example_path(key))
    win.dataset_panel.ensure_current()


def test_window_opens_with_a_project(window):
    open_example(window, "spiral")
    assert "Spiral" in window.windowTitle() and "LayerLab" in window.windowTitle()
    assert window.centralWidget() is window.canvas
    for key in ("palette", "inspector", "dataset", "training", "output", "loss", "problems"):
        assert key in window.docks
    assert window.problems.problem_count == 0
    assert "training" in window.dataset_panel.info.text()
    assert window.plots.mode == "decision"
    assert "parameters" in window.params_label.text()


def test_every_gallery_example_opens(window, messages):
    gallery = ExampleGallery(window)
    assert len(gallery.cards) == len([e for e in list_examples() if e.ok]) >= 6
    for card in gallery.cards:
        gallery.select(card)
        assert window.files.open_example(gallery.chosen_path), card.example.key
        window.dataset_panel.ensure_current()
        assert window.doc.report.ok, card.example.key
        assert window.dataset_panel.data is not None, window.dataset_panel.load_error
        assert window.dataset_panel.fix_text == "", card.example.key
    assert messages == []


def test_title_shows_star_after_edit_and_not_after_save(window, tmp_path):
    open_example(window, "xor")
    assert "*" not in window.windowTitle()
    window.doc.add_layer("Dense", (100.0, 300.0))
    assert window.windowTitle().startswith("XOR") and "*" in window.windowTitle()
    assert window.files._save_to(tmp_path / "mine.layerlab.json")
    assert window.windowTitle().startswith("mine.layerlab.json —")
    assert "*" not in window.windowTitle()
    assert window.settings.last_project() == str((tmp_path / "mine.layerlab.json").resolve())


def test_play_on_xor_produces_snapshots_and_the_loss_curve_grows(window, qtbot):
    open_example(window, "xor")
    labels: list[str] = []
    sizes: list[int] = []
    window.session.state_changed.connect(lambda _s: labels.append(window.actions["play"].text()))
    window.session.snapshot_ready.connect(lambda _snap: sizes.append(window.plots.loss.run.steps.n))
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=15000)
    grown = [n for n in sizes if n > 0]
    assert len(set(grown)) >= 3 and grown == sorted(grown)  # the curve grew snapshot by snapshot
    assert window.plots.loss.run.steps.n == window.doc.project.training.epochs  # full batch
    assert "Pause" in labels  # while running, the Play action offered Pause
    assert window.actions["play"].text() == "Play"
    assert window.training_panel.values["step"].text() != "–"
    assert "samples/s" in window.run_label.text()
    assert window.plots.confusion.matrix.sum() > 0  # computed once the run came to rest
    assert "Finished" in window.training_panel.message.text()


def test_stop_returns_within_100_ms(window, qtbot):
    open_example(window, "spiral")
    window.doc.set_training({"epochs": 100_000})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.plots.loss.run.steps.n > 0, timeout=15000)
    start = time.perf_counter()
    window.run.stop()
    # stop() asks the worker to stop and returns; it does not wait for it (the state machine
    # tests measure GUI stalls). A wide margin: a busy shared machine can add tens of ms.
    assert time.perf_counter() - start < 1.0
    qtbot.waitUntil(lambda: window.run.state == "stopped", timeout=1000)


def test_closing_mid_training_is_clean(window, qtbot):
    open_example(window, "spiral")
    window.doc.set_training({"epochs": 100_000})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "running", timeout=15000)
    window.prompts_enabled = False
    start = time.perf_counter()
    assert window.close()
    assert time.perf_counter() - start < 2.0
    assert not window.session.is_worker_alive()
    assert not window.autosave.timer.isActive()


def test_opening_a_corrupt_file_shows_a_message_and_keeps_the_project(window, messages,
                                                                     tmp_path):
    open_example(window, "xor")
    window.doc.add_layer("Dense", (0.0, 300.0))
    before = window.doc.project
    bad = tmp_path / "broken.layerlab.json"
    bad.write_text('{"format": "layerlab-project", "version": 1, "graph": {', encoding="utf-8")
    assert not window.files.open_path(bad, ask=False)
    assert messages and "corrupt" in messages[-1][1]
    assert "Traceback" not in messages[-1][1]
    assert window.doc.project is before and window.doc.is_dirty
    assert any("corrupt" in text for _, text, _ in window.problems.messages)


def test_input_shape_mismatch_offers_a_one_click_fix(window):
    open_example(window, "xor")
    name = window.doc.graph.input_nodes()[0]
    window.doc.set_layer_options(name, {**window.doc.graph.nodes[name].options, "shape": [3]})
    window.dataset_panel.check_fit()
    assert window.dataset_panel.fix_text == "Set Input shape to 2"
    window.dataset_panel.fix_button.click()
    assert window.doc.graph.nodes[name].options["shape"] == [2]
    assert window.dataset_panel.fix_text == ""


def test_structure_change_while_training_pauses_and_keeps_weights(window, qtbot):
    open_example(window, "spiral")
    window.doc.set_training({"epochs": 100_000})  # still running whatever the machine's speed
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.plots.loss.run.steps.n > 50, timeout=15000)
    trained = window.run.current_weights()
    asked: list[bool] = []
    window.run.ask_keep_weights = lambda: asked.append(True) or True
    window.doc.set_layer_options("output", {**window.doc.graph.nodes["output"].options,
                                            "activation": "sigmoid"})
    qtbot.waitUntil(lambda: bool(asked), timeout=3000)
    qtbot.waitUntil(lambda: window.run.state == "running", timeout=3000)
    window.run.stop()
    assert window.run.structure_dirty is False
    assert "hidden1/kernel" in trained


def test_network_error_is_listed_and_training_refuses_with_a_message(window):
    open_example(window, "xor")
    window.doc.add_layer("Dense", (0.0, 300.0), name="lonely")
    assert window.problems.problem_count >= 1
    window.run.toggle_play()
    assert window.run.state != "running"
    assert window.problems.messages[0][0] == "error"


def test_recovery_is_offered_after_a_crash(window, tmp_path, monkeypatch):
    open_example(window, "xor")
    saved = tmp_path / "p.layerlab.json"
    assert window.files._save_to(saved)
    window.doc.add_layer("Dense", (0.0, 300.0), name="unsaved_layer")
    recovery = window.autosave.save_now()
    assert recovery is not None
    backup = recovery.read_bytes()
    window.doc.load(Project(), None)  # the crash: the edits are gone from memory...
    recovery.write_bytes(backup)  # ...but the autosaved copy is still on disk
    later = time.time() + 5
    os.utime(recovery, (later, later))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: SB.Yes))
    assert window.files.offer_recovery(saved)
    assert "unsaved_layer" in window.doc.graph.nodes and window.doc.is_dirty
    assert Path(window.doc.path) == saved


def test_drawing_points_while_training_swaps_the_data_live(window, qtbot):
    open_example(window, "circles")
    window.doc.set_training({"epochs": 100000})  # still running when the points arrive
    window.run.ask_keep_weights = lambda: pytest.fail("asked about weights for a data edit")
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: window.session.last_snapshot is not None
                    and window.session.last_snapshot.step > 0, timeout=60000)  # compiled
    rows = [[-0.5, -0.5, 0], [0.5, 0.5, 1], [-0.4, 0.6, 0], [0.6, -0.4, 1], [0.1, 0.1, 1]]
    window.plots.decision.points_edited.emit(rows)
    assert window.doc.project.dataset["name"] == "points"
    qtbot.waitUntil(lambda: window.session.data is not None
                    and len(window.session.data.x_train) + len(window.session.data.x_val) == 5,
                    timeout=10000)
    assert window.run.state == "running"  # no "keep weights?" dialog, no pause
    window.doc.undo_stack.undo()
    assert window.doc.project.dataset["name"] == "circles"
    window.session.stop()
