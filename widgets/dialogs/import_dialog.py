"""Importing the learner's own data: file choosers and the CSV preview dialog.

``choose_import_spec(parent)`` asks for a CSV, NumPy or MNIST IDX file and returns a dataset
spec for ``ProjectDocument.set_dataset`` (or ``None`` when cancelled). For a CSV file it first
shows the first rows in a table with a picker for the column to predict
(``engine.datasets.importers.preview_csv``), so a learner sees what the columns are before
training on them. ``dialog_layout`` and ``ok_cancel`` build the frame every import dialog
shares (``widgets.dialogs.folder_import`` uses them too).
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
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.datasets.importers import preview_csv
from engine.types import LayerLabError

FILTERS = ("Data files (*.csv *.txt *.tsv *.npy *.npz *idx*-ubyte* *-idx* *.gz);;"
           "CSV files (*.csv *.txt *.tsv);;NumPy files (*.npy *.npz);;MNIST IDX (*idx* *.gz);;"
           "All files (*)")


def dialog_layout(dialog: QDialog, title: str, size: tuple[int, int], intro: str
                  ) -> QVBoxLayout:
    """Give ``dialog`` its title, size and a wrapped intro line; returns its layout."""
    dialog.setWindowTitle(title)
    dialog.resize(*size)
    layout = QVBoxLayout(dialog)
    label = QLabel(intro)
    label.setWordWrap(True)
    layout.addWidget(label)
    return layout


def ok_cancel(dialog: QDialog, layout: QVBoxLayout) -> QDialogButtonBox:
    """OK (accept) and Cancel (reject) buttons added at the end of ``layout``."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return buttons


class CsvImportDialog(QDialog):
    """Preview a CSV file and choose its target column and header handling."""

    def __init__(self, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        layout = dialog_layout(self, f"Import {Path(path).name}", (820, 520),
                               "Check the first rows, then choose the column the network "
                               "should predict. Every other column becomes an input.")
        self.table = QTableWidget()
        layout.addWidget(self.table, 1)
        form = QFormLayout()
        self.header = QComboBox()
        for text, value in (("detect automatically", "auto"), ("yes", True), ("no", False)):
            self.header.addItem(text, value)
        self.target = QComboBox()
        self.task = QComboBox()
        for text, value in (("decide from the values", "auto"), ("classes", "classification"),
                            ("numbers (regression)", "regression")):
            self.task.addItem(text, value)
        form.addRow("First row holds column names", self.header)
        form.addRow("Column to predict", self.target)
        form.addRow("Target is", self.task)
        layout.addLayout(form)
        ok_cancel(self, layout)
        self.header.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the preview (raises LayerLabError when the file cannot be read)."""
        header, rows = preview_csv(self.path, 20, self.header.currentData())
        self.table.clear()
        self.table.setColumnCount(len(header))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(header)
        for r, row in enumerate(rows):
            for c, cell in enumerate(row[: len(header)]):
                self.table.setItem(r, c, QTableWidgetItem(cell))
        self.table.resizeColumnsToContents()
        self.target.clear()
        for index, name in enumerate(header):
            self.target.addItem(name, index)
        self.target.setCurrentIndex(len(header) - 1)

    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"name": "csv", "path": self.path,
                                "target_column": self.target.currentText()}
        if self.header.currentData() != "auto":
            spec["has_header"] = self.header.currentData()
        if self.task.currentData() != "auto":
            spec["task"] = self.task.currentData()
        return spec


def choose_import_spec(parent: QWidget) -> dict[str, Any] | None:
    """Ask for a file and return the dataset spec that loads it, or None."""
    path, _ = QFileDialog.getOpenFileName(parent, "Import data", "", FILTERS)
    if not path:
        return None
    name = Path(path).name.lower()
    if name.endswith((".npy", ".npz")):
        return {"name": "numpy", "path": path}
    if "idx" in name or "ubyte" in name:
        return _idx_spec(parent, path)
    try:
        dialog = CsvImportDialog(path, parent)
    except LayerLabError as err:
        QMessageBox.warning(parent, "Cannot import this file", str(err))
        return None
    return dialog.spec() if dialog.exec() == QDialog.DialogCode.Accepted else None


def _idx_spec(parent: QWidget, path: str) -> dict[str, Any] | None:
    """IDX data comes in two files: ask for the one that was not chosen."""
    images = "labels" not in Path(path).name.lower()
    other, _ = QFileDialog.getOpenFileName(
        parent, "Choose the matching " + ("labels" if images else "images") + " file",
        str(Path(path).parent), "MNIST IDX (*idx* *.gz);;All files (*)")
    if not other:
        return None
    pair = (path, other) if images else (other, path)
    return {"name": "idx", "images_path": pair[0], "labels_path": pair[1]}
