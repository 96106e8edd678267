"""An editable combo box offering suggested texts, its first item standing for "".

The inspector's "Receives" of an Input uses it: the dataset's parts, or "the whole sample".
``suggestion_combo(texts, empty)`` builds it; ``combo_text(combo)`` reads the value (an item's
value when its text is shown, else the typed text, stripped); ``show_text(combo, value)``
shows a value without emitting anything of its own.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox


def suggestion_combo(texts: list[str], empty: str) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.addItem(empty, "")
    for text in texts:
        combo.addItem(text, text)
    line = combo.lineEdit()
    assert line is not None  # an editable combo box has its line edit
    line.setPlaceholderText(empty)
    return combo


def combo_text(combo: QComboBox) -> str:
    text = combo.currentText().strip()
    index = combo.findText(text)  # exact and case-sensitive
    return str(combo.itemData(index)) if index >= 0 else text


def show_text(combo: QComboBox, value: Any) -> None:
    index = combo.findData(str(value or ""))
    if index >= 0:
        combo.setCurrentIndex(index)
    else:
        combo.setEditText(str(value))
