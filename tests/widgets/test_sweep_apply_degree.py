"""Applying a degree sweep's value: the dataset gets the sweep's polynomial features and the
Input their count, in one undo step; the project then trains to the sweep's numbers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from engine.datasets.registry import load_dataset
from engine.readiness import check_ready, errors
from engine.sweep import errors as sweep_errors


@pytest.fixture
def win(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMessageBox

    from app.examples import example_path
    from app.settings import Settings
    from widgets.window.main_window import MainWindow

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: None))
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings, autosave_folder=tmp_path / "recovery")
    qtbot.addWidget(window)
    window.show()
    assert window.files.open_example(example_path("circles"))
    yield window
    for dialog in list(window.capacity.windows.values()):
        dialog.close()
    window.prompts_enabled = False
    window.close()


def input_of(doc) -> tuple[str, list[int]]:
    name = doc.graph.input_nodes()[0]
    return name, list(doc.graph.nodes[name].options["shape"])


def test_sweep_dialog_applies_the_best_degree_and_undo_restores(qtbot, win) -> None:
    doc = win.doc
    before_spec, before_input = dict(doc.project.dataset), input_of(doc)
    assert "poly_degree" not in before_spec and before_input[1] == [2]
    win.capacity.open_sweep()
    dialog = win.capacity.windows["sweep"]
    dialog.param.setCurrentIndex(dialog.param.findData("degree"))
    dialog.values.setText("2")
    dialog.epochs.setValue(3)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=60_000)
    result = dialog.sweep_result
    assert result is not None and result.best_value == 2
    assert dialog.apply_button.isEnabled() and "degree 2" in dialog.apply_button.text()
    steps = doc.undo_stack.count()
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert doc.undo_stack.count() == steps + 1  # the dataset and the Input: one step
    assert doc.project.dataset == {**before_spec, "poly_degree": 2}
    assert input_of(doc) == (before_input[0], [5])  # x1, x2, x1², x1·x2, x2²

    applied = doc.snapshot_project()
    data = load_dataset(applied.dataset)
    assert errors(check_ready(applied, data)) == []  # the Input fits the new columns
    applied.training.epochs = 3
    train, val = sweep_errors(applied, data)
    assert result.train_mean[0] == pytest.approx(train, abs=1e-12)
    assert result.val_mean[0] == pytest.approx(val, abs=1e-12)

    doc.undo_stack.undo()
    assert doc.project.dataset == before_spec and input_of(doc) == before_input
    doc.undo_stack.redo()
    assert doc.project.dataset["poly_degree"] == 2 and input_of(doc)[1] == [5]


def test_the_dataset_panel_shows_the_option_and_problems_offer_the_input_size(qtbot,
                                                                              win) -> None:
    from widgets.forms.option_form import label_for

    panel = win.dataset_panel
    editor = panel.form.editors["poly_degree"]
    assert label_for("poly_degree") == "Polynomial features"
    assert editor.text() == "none"  # files without the option show it off
    editor.setValue(3)  # the learner picks degree 3 in the Dataset panel
    assert win.doc.project.dataset["poly_degree"] == 3
    panel.reload()
    assert panel.data is not None and panel.data.input_shape == (9,)
    problems = errors(check_ready(win.doc.project, panel.data))
    assert problems and "9 input value(s)" in problems[0].message
    win.problems.recheck()
    button = next(b for b in win.problems.fix_buttons if "Set Input shape to 9" in b.text())
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: input_of(win.doc)[1] == [9], timeout=5_000)
    assert errors(check_ready(win.doc.project, panel.data)) == []


def test_a_dataset_without_the_option_is_refused_in_words_and_unchanged(qtbot, win) -> None:
    import numpy as np

    from engine.sweep import SweepResult, SweepSpec

    doc = win.doc
    doc.set_dataset({"name": "gaussian_ring", "n_samples": 80})
    win.dataset_panel.reload()
    steps, spec = doc.undo_stack.count(), dict(doc.project.dataset)
    win.capacity.open_sweep()
    dialog = win.capacity.windows["sweep"]
    one = np.array([0.1])
    dialog.spec = SweepSpec("degree", [2])
    dialog.sweep_result = SweepResult("degree", [2.0], one, 0 * one, one, 0 * one, "error rate")
    dialog.apply()
    assert "no 'Polynomial features' option" in dialog.info.text()
    assert doc.undo_stack.count() == steps and doc.project.dataset == spec
