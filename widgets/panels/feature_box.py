"""Playground-style derived input features (x₁², x₂², x₁x₂, sin x₁, sin x₂) as checkboxes.

Shown for data in the x₁/x₂ plane. Ticking a box emits ``features_chosen(list)`` with the
feature names in catalogue order; the dataset panel turns that into one undoable change of
the dataset and the Input layer's shape.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QGroupBox, QWidget

from engine.datasets.features import feature_catalog


class FeatureBox(QGroupBox):
    features_chosen = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Input features", parent)
        self.setToolTip("Feed the network extra, hand-made inputs computed from x₁ and x₂ "
                        "(as in TensorFlow Playground). None ticked = just x₁ and x₂.")
        grid = QGridLayout(self)
        self.boxes: dict[str, QCheckBox] = {}
        for i, entry in enumerate(feature_catalog()):
            box = QCheckBox(entry["label"])
            box.setToolTip(entry["help"])
            box.toggled.connect(self._on_toggled)
            grid.addWidget(box, i // 4, i % 4)
            self.boxes[entry["name"]] = box

    def set_chosen(self, names: list[str]) -> None:
        """Show the current choice without emitting."""
        for name, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(name in names)
            box.blockSignals(False)

    def chosen(self) -> list[str]:
        return [name for name, box in self.boxes.items() if box.isChecked()]

    def _on_toggled(self, _checked: bool) -> None:
        self.features_chosen.emit(self.chosen())
