"""The main window's panels and file commands: dataset form, CSV import, prompts, exports, edits."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.examples import example_path, list_examples
from engine.project import load_weights
from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.dialogs.import_dialog import CsvImportDialog
from widgets.panels.gallery import draw_thumbnail

SB = QMessageBox.StandardButton


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch)
    assert win.files.open_example(example_path("xor"))
    win.dataset_panel.ensure_current()
    yield win
    close_test_window(win)


def test_dataset_form_edits_are_undoable_and_reload_the_preview(window):
    panel = window.dataset_panel
    panel.combo.setCurrentIndex(panel.combo.findData("moons"))
    panel._on_combo_activated(panel.combo.currentIndex())
    panel.ensure_current()
    assert window.doc.project.dataset == {"name": "moons"}
    assert panel.data is not None and len(panel.data.x_train) == 320
    assert len(panel.scatter.data) == 320 and window.plots.mode == "decision"
    panel.form.editors["n_samples"].setValue(100)
    panel.ensure_current()
    assert window.doc.project.dataset["n_samples"] == 100 and len(panel.data.x_train) == 80
    window.doc.undo_stack.undo()
    panel.ensure_current()
    assert "n_samples" not in window.doc.project.dataset
    assert panel.form.values()["n_samples"] == 400


def test_output_units_mismatch_offers_a_fix(window):
    window.doc.set_dataset({"name": "blobs", "n_classes": 3})
    window.dataset_panel.ensure_current()
    assert window.dataset_panel.fix_text == "Set 'output' to 3 units with softmax"
    window.dataset_panel.apply_fix()
    options = window.doc.graph.nodes["output"].options
    assert options["units"] == 3 and options["activation"] == "softmax"
    assert window.doc.report.ok and window.dataset_panel.fix_text == ""


def test_csv_import_dialog_previews_and_builds_the_spec(qtbot, tmp_path):
    path = tmp_path / "flowers.csv"
    path.write_text("petal,sepal,kind\n1.0,2.0,a\n1.5,2.5,b\n0.5,1.0,a\n", encoding="utf-8")
    dialog = CsvImportDialog(str(path))
    qtbot.addWidget(dialog)
    assert dialog.table.columnCount() == 3 and dialog.table.rowCount() == 3
    assert dialog.table.item(1, 2).text() == "b"
    assert dialog.target.currentText() == "kind"
    dialog.target.setCurrentIndex(0)
    assert dialog.spec() == {"name": "csv", "path": str(path), "target_column": "petal"}


def test_unsaved_changes_prompt_cancel_keeps_the_project(window, monkeypatch):
    window.doc.add_layer("Dense", (0.0, 300.0), name="mine")
    monkeypatch.setattr(window.files, "ask_unsaved", lambda: SB.Cancel)
    assert not window.files.new()
    assert not window.close()
    assert "mine" in window.doc.graph.nodes
    monkeypatch.setattr(window.files, "ask_unsaved", lambda: SB.Discard)
    assert window.files.new()
    assert "mine" not in window.doc.graph.nodes and not window.doc.is_dirty


def test_export_weights_and_plots(window, qtbot, tmp_path, monkeypatch):
    window.run.step_epoch()
    qtbot.waitUntil(lambda: window.run.state == "paused", timeout=10000)
    target = tmp_path / "w.npz"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    assert window.files.export_weights()
    weights, history = load_weights(target)
    assert set(weights) == set(window.run.current_weights()) and "hidden/kernel" in weights
    assert len(history["step_loss"]) >= 1
    assert {"Output", "Loss"} <= set(window.plots.exportable())
    window.plots.export("Loss", str(tmp_path / "loss.png"))
    window.plots.export("Output", str(tmp_path / "boundary.svg"))
    assert (tmp_path / "loss.png").stat().st_size > 1000
    assert "<svg" in (tmp_path / "boundary.svg").read_text(encoding="utf-8")[:2000]


def test_edit_actions_reach_the_canvas_and_undo(window):
    count = len(window.doc.graph.nodes)
    window.actions["select_all"].trigger()
    assert len(window.canvas.selected_layers()) == count
    window.actions["delete"].trigger()
    assert len(window.doc.graph.nodes) == 0 and "*" in window.windowTitle()
    window.actions["undo"].trigger()
    assert len(window.doc.graph.nodes) == count
    window.canvas.select_layers(["hidden"])
    window.actions["copy"].trigger()
    window.actions["paste"].trigger()
    assert len(window.doc.graph.nodes) == count + 1


def test_palette_request_adds_a_layer_in_view(window):
    before = set(window.doc.graph.nodes)
    window.layer_palette.layer_requested.emit("Dropout")
    added = set(window.doc.graph.nodes) - before
    assert len(added) == 1 and window.doc.graph.nodes[added.pop()].kind == "Dropout"


def test_gallery_thumbnails_draw_network_and_data(qapp):
    for example in list_examples():
        image = draw_thumbnail(example).toImage()
        pixels = np.array([image.pixelColor(x, y).name() for x in range(0, image.width(), 7)
                           for y in range(0, image.height(), 7)])
        assert len(set(pixels)) > 3, example.key  # more than a blank card


def test_theme_switch_and_layout_reset(window):
    window.actions["theme_dark"].trigger()
    assert window.settings.theme == "dark"
    window.docks["loss"].hide()
    window.actions["reset_layout"].trigger()
    assert window.docks["loss"].isVisible()
    window.actions["theme_light"].trigger()
    assert window.settings.theme == "light"


def test_feature_checkboxes_change_data_and_input_shape_in_one_undo_step(qtbot, tmp_path):
    from app.examples import example_path
    from widgets.window.main_window import MainWindow

    win = MainWindow(autosave_folder=tmp_path / "recovery")
    qtbot.addWidget(win)
    assert win.files.open_example(example_path("circles"))
    win.dataset_panel.ensure_current()
    box = win.dataset_panel.features
    assert not box.isHidden() and box.chosen() == []
    box.boxes["x1^2"].setChecked(True)
    assert win.doc.project.dataset["features"] == ["x1^2"]
    assert win.doc.graph.nodes["inputs"].options["shape"] == [1]
    assert win.doc.report.ok
    win.doc.undo_stack.undo()
    assert "features" not in win.doc.project.dataset
    assert win.doc.graph.nodes["inputs"].options["shape"] == [2]
    win.shutdown()


def test_speed_choice_is_saved_undoable_and_reaches_the_session(window):
    combo = window.training_panel.editors["max_steps_per_second"]
    original = window.doc.project.training.max_steps_per_second
    index = combo.findData(30.0)
    assert index >= 0
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert window.doc.project.training.max_steps_per_second == 30.0
    assert window.session.step_rate == 30.0
    window.doc.undo_stack.undo()
    assert window.doc.project.training.max_steps_per_second == original != 30.0
    assert combo.currentData() == original


def test_recipe_choice_is_undoable_and_switches_the_views(window):
    assert window.files.open_example(example_path("ae_digits_2d"))
    combo = window.training_panel.recipe
    assert combo.currentData() == "autoencoder"
    assert "latent" in window.inside.dock.visible_keys()
    index = combo.findData("supervised")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert window.doc.project.recipe == "supervised"
    assert "latent" not in window.inside.dock.visible_keys()
    window.doc.undo_stack.undo()
    assert window.doc.project.recipe == "autoencoder" and combo.currentData() == "autoencoder"
    assert "latent" in window.inside.dock.visible_keys()


def test_feature_maps_follow_the_clicked_mistake_then_the_sample_spin(window):
    assert window.files.open_example(example_path("digits_cnn"))
    window.dataset_panel.ensure_current()
    inside = window.inside
    inside.dock.show()
    assert inside.dock.show_view("feature_maps")
    clicked = np.ones((1, 8, 8), dtype=np.float32)
    inside._show_maps_of(clicked)
    assert inside.requests()["cnn_maps"]["sample"] is clicked
    inside.maps.set_sample(2)
    request = inside.requests()["cnn_maps"]
    assert request["index"] == 2
    assert np.array_equal(request["sample"], inside.data.x_val[2])
