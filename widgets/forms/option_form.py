"""A form generated from declared options (``engine.datasets.registry.dataset_option_specs``).

Each option dict (name, kind, default, low, high, choices, optional, help) becomes one editor:
spin boxes for numbers (an "automatic/all" entry when the option may be empty), a check box
for booleans, a combo box for choices and column names, a line edit for text and lists, and a
line edit with a Browse button for paths. ``values_edited`` fires after the user changes a
value; ``set_values`` updates the editors silently (undo/redo, another project).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from widgets.forms.wheel_guard import guard_wheel

INT_MAX = 2**31 - 1
EMPTY_TEXT = "(automatic)"
LABELS = {"n_samples": "Samples", "noise": "Noise", "val_split": "Validation share",
          "n_classes": "Classes", "seed": "Seed", "standardize": "Standardize",
          "normalize": "Normalize", "target_column": "Target column", "has_header": "Header row",
          "images_path": "Images file", "labels_path": "Labels file", "as_image": "As images",
          "poly_degree": "Polynomial features"}
SPECIAL = {"n_samples": "all", "poly_degree": "none"}  # what an empty optional int shows
PREFIX = {"poly_degree": "up to degree "}


def label_for(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


class OptionForm(QWidget):
    """Editors for a list of option specs; ``values()`` returns the typed values."""

    values_edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        # a narrow dock (1280×720) puts a wide editor under its label instead of cutting it off
        self.layout_.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.specs: list[dict[str, Any]] = []
        self.editors: dict[str, QWidget] = {}
        self.file_filter = "All files (*)"

    # -- building ------------------------------------------------------------------------------
    def set_specs(self, specs: list[dict[str, Any]], values: dict[str, Any]) -> None:
        while self.layout_.rowCount():
            self.layout_.removeRow(0)
        self.specs, self.editors = list(specs), {}
        for spec in self.specs:
            editor = self._make_editor(spec)
            editor.setToolTip(spec.get("help", ""))
            self.editors[spec["name"]] = editor
            self.layout_.addRow(label_for(spec["name"]), editor)
        guard_wheel(self)  # scrolling the panel never changes an unfocused field
        self.set_values(values)

    def _make_editor(self, spec: dict[str, Any]) -> QWidget:
        kind = spec["kind"]
        if kind == "int":
            return self._int_editor(spec)
        if kind == "float":
            return self._float_editor(spec)
        if kind == "bool":
            box = QCheckBox()
            box.toggled.connect(self.values_edited)
            return box
        if kind in ("choice", "column"):
            combo = QComboBox()
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            combo.setEditable(kind == "column")
            for choice in spec.get("choices", []) or []:
                combo.addItem(str(choice), choice)
            if kind == "column":
                combo.insertItem(0, "(last column)", None)
            combo.activated.connect(self.values_edited)
            line = combo.lineEdit()
            if line is not None:
                line.editingFinished.connect(self.values_edited)
            return combo
        if kind == "path":
            return self._path_editor(spec)
        edit = QLineEdit()
        edit.setPlaceholderText(EMPTY_TEXT if spec.get("optional") else "")
        edit.editingFinished.connect(self.values_edited)
        return edit

    def _int_editor(self, spec: dict[str, Any]) -> QSpinBox:
        box = QSpinBox()
        low = int(spec["low"]) if spec.get("low") is not None else -INT_MAX
        high = min(int(spec["high"]), INT_MAX) if spec.get("high") is not None else INT_MAX
        if spec.get("optional"):
            low -= 1
            box.setSpecialValueText(SPECIAL.get(spec["name"], EMPTY_TEXT))
        box.setPrefix(PREFIX.get(spec["name"], ""))
        box.setRange(low, high)
        box.setKeyboardTracking(False)
        box.valueChanged.connect(self.values_edited)
        return box

    def _float_editor(self, spec: dict[str, Any]) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setDecimals(3)
        box.setRange(float(spec["low"]) if spec.get("low") is not None else -1e9,
                     float(spec["high"]) if spec.get("high") is not None else 1e9)
        span = box.maximum() - box.minimum()
        box.setSingleStep(0.05 if span <= 5 else 0.5)
        box.setKeyboardTracking(False)
        box.valueChanged.connect(self.values_edited)
        return box

    def _path_editor(self, spec: dict[str, Any]) -> QWidget:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        edit = QLineEdit()
        edit.setObjectName("path")
        edit.editingFinished.connect(self.values_edited)
        button = QPushButton("Browse…")
        button.clicked.connect(lambda: self._browse(edit))
        row.addWidget(edit, 1)
        row.addWidget(button)
        return holder

    def _browse(self, edit: QLineEdit) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a file", edit.text(), self.file_filter)
        if path:
            edit.setText(path)
            self.values_edited.emit()

    # -- values --------------------------------------------------------------------------------
    def set_columns(self, names: list[str]) -> None:
        """Offer ``names`` in every column picker (after a CSV file was chosen)."""
        for spec in self.specs:
            combo = self.editors.get(spec["name"])
            if spec["kind"] == "column" and isinstance(combo, QComboBox):
                current = self._value(spec, combo)
                combo.blockSignals(True)
                combo.clear()
                combo.addItem("(last column)", None)
                for name in names:
                    combo.addItem(name, name)
                self._set_value(spec, combo, current)
                combo.blockSignals(False)

    def values(self) -> dict[str, Any]:
        return {s["name"]: self._value(s, self.editors[s["name"]]) for s in self.specs}

    def set_values(self, values: dict[str, Any]) -> None:
        for spec in self.specs:
            editor = self.editors[spec["name"]]
            editor.blockSignals(True)
            for child in editor.findChildren(QWidget):
                child.blockSignals(True)
            self._set_value(spec, editor, values.get(spec["name"], spec["default"]))
            for child in editor.findChildren(QWidget):
                child.blockSignals(False)
            editor.blockSignals(False)

    def _value(self, spec: dict[str, Any], editor: QWidget) -> Any:
        kind, optional = spec["kind"], spec.get("optional")
        if isinstance(editor, QSpinBox):
            return None if optional and editor.value() == editor.minimum() else editor.value()
        if isinstance(editor, QDoubleSpinBox):
            return float(editor.value())
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QComboBox):
            return _combo_value(editor, kind)
        line = _line_edit(editor, kind)
        text = line.text().strip() if line is not None else ""
        if kind == "path":
            return text
        if kind == "floats":
            return _parse_floats(text) if text else None
        return text if text or not optional else None

    def _set_value(self, spec: dict[str, Any], editor: QWidget, value: Any) -> None:
        if isinstance(editor, QSpinBox):
            editor.setValue(editor.minimum() if value is None else int(value))
        elif isinstance(editor, QDoubleSpinBox):
            editor.setValue(float(value or 0.0))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            index = next((i for i in range(editor.count()) if editor.itemData(i) == value
                          and type(editor.itemData(i)) is type(value)), -1)
            if index < 0 and value is not None:
                editor.addItem(str(value), value)
                index = editor.count() - 1
            editor.setCurrentIndex(max(index, 0))
        elif (line := _line_edit(editor, spec["kind"])) is None:
            return
        elif spec["kind"] == "path":
            line.setText(str(value or ""))
        elif spec["kind"] == "floats":
            line.setText(", ".join(f"{v:g}" for v in value) if value else "")
        else:
            line.setText("" if value is None else str(value))


def _line_edit(editor: QWidget, kind: str) -> QLineEdit | None:
    """The text field of a text-like editor: a path row's inner field, else the editor."""
    if kind == "path":
        return editor.findChild(QLineEdit, "path")
    return editor if isinstance(editor, QLineEdit) else None


def _combo_value(combo: QComboBox, kind: str) -> Any:
    index = combo.currentIndex()
    if kind == "column" and combo.isEditable():
        text = combo.currentText().strip()
        if index >= 0 and combo.itemText(index) == text:
            return combo.itemData(index)
        return int(text) if text.lstrip("-").isdigit() else (text or None)
    return combo.itemData(index) if index >= 0 else None


def _parse_floats(text: str) -> list[float] | str:
    try:
        return [float(part) for part in text.replace(";", ",").split(",") if part.strip()]
    except ValueError:
        return text  # the registry reports the bad value in words
