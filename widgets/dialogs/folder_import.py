"""Importing a folder of images (one sub-folder per class) as the dataset "image_folder".

``choose_folder_spec(parent)`` asks for a folder (``QFileDialog.getExistingDirectory``), then
shows ``FolderImportDialog``: the class folders with their image counts, an image size and
colour choice, and — when the folder does not have the expected layout — the engine's
learner-readable message instead of the table (OK is then disabled). It returns the dataset
spec ``{"name": "image_folder", "path": ..., "size": ..., "color": ...}`` or None.
``browse_folders_in(form)`` makes the "path" editor's Browse button of an ``OptionForm`` pick a
folder instead of a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from engine.datasets.image_folder import IMAGE_SUFFIXES, class_folders
from engine.types import LayerLabError
from widgets.dialogs.import_dialog import dialog_layout, ok_cancel

DEFAULT_SIZE = 28


def scan_folder(path: str) -> list[tuple[str, int]]:
    """``[(class name, number of image files)]`` of the class sub-folders of ``path``; raises
    the engine's DataError when the folder is missing or has no sub-folders."""
    found = []
    for folder in class_folders(Path(path).expanduser()):
        count = sum(1 for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                    and p.suffix.lower() in IMAGE_SUFFIXES)
        found.append((folder.name, count))
    return found


class FolderImportDialog(QDialog):
    """Show the classes found in a folder and choose the image size and colour."""

    def __init__(self, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        layout = dialog_layout(self, f"Import images from {Path(path).name or path}",
                               (560, 480),
                               "Each sub-folder is one class; its name becomes the class name.")
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Class (sub-folder)", "Images"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setProperty("role", "banner-error")
        layout.addWidget(self.message)
        form = QFormLayout()
        self.size_box = QSpinBox()
        self.size_box.setRange(3, 512)  # 3 = the special value: keep every image's own size
        self.size_box.setSpecialValueText("keep (all must match)")
        self.size_box.setSuffix(" px")
        self.size_box.setValue(DEFAULT_SIZE)
        self.size_box.setToolTip("Every image is resized to size × size pixels. Small images "
                             "train fast: 28 is MNIST's size.")
        self.color_box = QComboBox()
        self.color_box.addItem("grayscale (1 channel)", "grayscale")
        self.color_box.addItem("colour RGB (3 channels)", "rgb")
        form.addRow("Image size", self.size_box)
        form.addRow("Colours", self.color_box)
        layout.addLayout(form)
        self.buttons = ok_cancel(self, layout)
        self.classes: list[tuple[str, int]] = []
        self.refresh()

    def refresh(self) -> None:
        """Scan the folder again; a problem becomes the message and disables OK."""
        try:
            self.classes = scan_folder(self.path)
            problem = _layout_problem(self.classes)
        except LayerLabError as err:
            self.classes, problem = [], str(err)
        except OSError as err:
            self.classes, problem = [], f"The folder cannot be read: {err.strerror or err}."
        self.table.setRowCount(len(self.classes))
        for r, (name, count) in enumerate(self.classes):
            self.table.setItem(r, 0, QTableWidgetItem(name))
            self.table.setItem(r, 1, QTableWidgetItem(str(count)))
        self.table.resizeColumnsToContents()
        self.message.setText(problem)
        self.message.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def spec(self) -> dict[str, Any]:
        size = None if self.size_box.value() == self.size_box.minimum() else self.size_box.value()
        return {"name": "image_folder", "path": self.path, "size": size,
                "color": self.color_box.currentData()}


def _layout_problem(classes: list[tuple[str, int]]) -> str:
    empty = [name for name, count in classes if count == 0]
    if empty:
        return (f"The class folder '{empty[0]}' holds no images (PNG, JPEG, ...). Add images "
                f"or remove the folder.")
    if len(classes) < 2:
        return ("Only one class folder was found; a classifier needs at least two classes "
                "(one sub-folder each).")
    return ""


def choose_folder_spec(parent: QWidget) -> dict[str, Any] | None:
    """Ask for a folder of class sub-folders and return the dataset spec, or None."""
    path = QFileDialog.getExistingDirectory(parent, "Import an image folder (one sub-folder "
                                            "per class)")
    if not path:
        return None
    dialog = FolderImportDialog(path, parent)
    return dialog.spec() if dialog.exec() == QDialog.DialogCode.Accepted else None


def browse_folders_in(form: QWidget) -> None:
    """Make the Browse button of ``form.editors["path"]`` (an OptionForm) choose a folder."""
    holder = form.editors.get("path")  # type: ignore[attr-defined]
    button = holder.findChild(QPushButton) if holder is not None else None
    edit = holder.findChild(QLineEdit, "path") if holder is not None else None
    if button is None or edit is None:
        return
    button.clicked.disconnect()

    def browse() -> None:
        path = QFileDialog.getExistingDirectory(form, "Choose the image folder", edit.text())
        if path:
            edit.setText(path)
            form.values_edited.emit()  # type: ignore[attr-defined]
    button.clicked.connect(browse)
