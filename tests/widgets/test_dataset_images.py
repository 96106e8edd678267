"""Image data in the dataset panel: class-row preview, augmentation box, image folder import."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QPushButton

from widgets.dialogs.folder_import import FolderImportDialog
from widgets.panels.dataset_panel import PER_CLASS, DatasetPanel
from widgets.panels.image_grid import GAP, compose_strip, display_levels

SHAPES = {"name": "shapes", "n_samples": 200}


@pytest.fixture
def panel(qtbot, doc):
    widget = DatasetPanel(doc)
    qtbot.addWidget(widget)
    widget.resize(400, 900)
    widget.show()
    return widget


def show(panel, spec):
    panel.doc.set_dataset(spec)
    panel.ensure_current()
    return panel.data


def write_png(path, value, size=(12, 10)):
    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    image.fill(QColor(value, value, value))
    assert image.save(str(path), "PNG")


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "pets"
    for name, value in (("cats", 40), ("dogs", 200)):
        (root / name).mkdir(parents=True)
        for i in range(4):
            write_png(root / name / f"{i}.png", value + 5 * i)
    return root


def test_choosing_shapes_shows_one_row_of_images_per_class(panel):
    panel.combo.setCurrentIndex(panel.combo.findData("shapes"))
    panel._on_combo_activated(panel.combo.currentIndex())
    panel.ensure_current()
    data = panel.data
    assert panel.doc.project.dataset == {"name": "shapes"}
    grid = panel.images
    assert grid.isVisibleTo(panel) and not panel.preview.isVisibleTo(panel)
    assert grid.n_images == 10 * PER_CLASS and len(grid.strips) == 10
    assert [label.toolTip() for label in grid.labels] == data.class_names
    strip = grid.strips[1]  # the squares: the first square of the training data comes first
    first = data.x_train[np.flatnonzero(data.y_train == 1)[0], 0]  # (28, 28) in [0, 1]
    assert strip.shape == (28, PER_CLASS * (28 + GAP) - GAP, 4)
    np.testing.assert_array_equal(strip[:, :28, 0], np.rint(first * 255).astype(np.uint8))
    assert (strip[:, 28:28 + GAP, 3] == 0).all()  # transparent gap between two images


def test_point_data_keep_the_scatter_and_hide_images_and_augmentation(panel):
    show(panel, {"name": "spiral"})
    assert panel.preview.isVisibleTo(panel)
    assert not panel.images.isVisibleTo(panel) and not panel.augment.isVisibleTo(panel)


def test_vector_digits_are_shown_as_images_but_augmentation_asks_for_images(panel):
    show(panel, {"name": "digits"})
    assert panel.images.n_images == 10 * PER_CLASS and panel.images.strips[0].shape[0] == 8
    box = panel.augment
    assert box.isVisibleTo(panel) and not box.form.isEnabled()
    assert "As images" in box.hint.text()


def test_augmentation_edit_is_undoable_and_changes_the_preview(panel):
    show(panel, SHAPES)
    box = panel.augment
    assert box.form.isEnabled() and box.grid.n_images == 2 * 6
    original, before = box.grid.strips
    np.testing.assert_array_equal(original, before)  # off: what the network sees = the data
    box.form.editors["rotation"].setValue(40.0)
    assert panel.doc.project.training.augment == {"rotation": 40.0}
    augmented = box.grid.strips[1]
    assert not np.array_equal(augmented, original)
    box.shuffle()
    assert not np.array_equal(box.grid.strips[1], augmented)  # a new random draw
    panel.doc.undo_stack.undo()
    assert panel.doc.project.training.augment == {}
    assert box.form.values()["rotation"] == 0.0
    np.testing.assert_array_equal(box.grid.strips[1], box.grid.strips[0])
    panel.doc.undo_stack.redo()
    assert box.form.values()["rotation"] == 40.0 and box.reset_button.isEnabled()
    box.turn_off()
    assert panel.doc.project.training.augment == {}


def test_augmentation_left_on_for_point_data_warns_with_a_way_out(panel):
    show(panel, SHAPES)
    panel.augment.form.editors["flip"].setChecked(True)
    show(panel, {"name": "moons"})
    box = panel.augment
    assert box.isVisibleTo(panel) and box.error.isVisibleTo(panel)
    assert "only works on images" in box.error.text()
    box.reset_button.click()
    assert panel.doc.project.training.augment == {} and not box.isVisibleTo(panel)


def test_image_folder_import_sets_the_dataset(panel, folder, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(folder)))
    seen = {}

    def accept(dialog):
        seen["classes"] = dialog.classes
        dialog.size_box.setValue(16)
        return QDialog.DialogCode.Accepted
    monkeypatch.setattr(FolderImportDialog, "exec", accept)
    panel.import_folder()
    assert seen["classes"] == [("cats", 4), ("dogs", 4)]
    assert panel.doc.project.dataset == {"name": "image_folder", "path": str(folder),
                                         "size": 16, "color": "grayscale"}
    panel.ensure_current()
    assert panel.data.input_shape == (1, 16, 16) and not panel.banner.isVisibleTo(panel)
    assert [label.toolTip() for label in panel.images.labels] == ["cats", "dogs"]
    assert panel.images.n_images == len(panel.data.x_train)  # every training image (< 6 a class)
    panel.doc.undo_stack.undo()
    assert panel.doc.project.dataset.get("name") != "image_folder"


def test_folder_browse_button_picks_a_folder(panel, folder, monkeypatch):
    show(panel, {"name": "image_folder", "path": ""})
    assert "Choose the image folder" in panel.banner.text()  # not the working folder
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(folder)))
    panel.form.editors["path"].findChild(QPushButton).click()
    panel.ensure_current()
    assert panel.doc.project.dataset["path"] == str(folder)
    assert panel.data is not None and panel.data.n_classes == 2


def test_broken_folders_explain_themselves(panel, folder, tmp_path):
    (folder / "birds").mkdir()  # a class without images
    dialog = FolderImportDialog(str(folder))
    assert "'birds' holds no images" in dialog.message.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no sub-folders" in FolderImportDialog(str(empty)).message.text()
    (folder / "birds" / "bad.png").write_bytes(b"not a png at all")
    show(panel, {"name": "image_folder", "path": str(folder)})
    assert panel.data is None and panel.banner.isVisibleTo(panel)
    assert "birds/bad.png" in panel.banner.text()
    assert not panel.images.isVisibleTo(panel)


def test_display_levels_and_strip_padding():
    assert display_levels(np.array([0.2, 0.9])) == (0.0, 1.0)
    assert display_levels(np.array([-2.0, 3.0])) == (-2.0, 3.0)
    x = np.zeros((2, 3, 4, 5), np.float32)
    x[1, 0] = 1.0  # second image: pure red
    strip = compose_strip(x, 3, (0.0, 1.0))
    assert strip.shape == (4, 3 * (5 + GAP) - GAP, 4)
    assert tuple(strip[0, 5 + GAP]) == (255, 0, 0, 255)
    assert (strip[:, 2 * (5 + GAP):, 3] == 0).all()  # the empty third slot is transparent


def test_image_preview_follows_the_theme(panel):
    show(panel, SHAPES)
    panel.set_theme("dark")
    grid = panel.images
    assert grid.backgroundBrush().color().name() == "#15181d"
    assert grid.labels[0].opts["color"] == "#E5E7EB"
    panel.set_theme("light")
    assert grid.backgroundBrush().color().name() == "#ffffff"


def test_token_datasets_show_samples_as_text(qtbot, doc):
    from widgets.panels.dataset_panel import DatasetPanel

    panel = DatasetPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    doc.set_dataset({"name": "sort", "length": 4, "vocab_size": 6, "n_samples": 50})
    panel.ensure_current()
    lines = panel.tokens.text().splitlines()
    assert panel.tokens.isVisible() and len(lines) == 4
    shown, answer = lines[0].split("  →  ")
    digits = [c for c in shown if c.isdigit()]
    assert sorted(digits) == [c for c in answer if c.isdigit()]  # the sorted input
    doc.set_dataset({"name": "spiral"})
    panel.ensure_current()
    assert not panel.tokens.isVisible()
