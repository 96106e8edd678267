"""The augmentation box of the dataset panel: options form + live "what the network sees" preview.

The form is generated from ``engine.datasets.augment.augment_option_specs`` (shift, rotation,
flip, zoom, noise, cutout). Every edit goes through ``doc.set_training({"augment": {...}})``
(undoable; only options that differ from their default are stored, so ``{}`` = off). The
preview shows a few training images as they are and, below, the same images augmented with the
current options (``engine.datasets.augment.preview``); "Shuffle" draws new random variations.
The box follows ``doc.training_changed`` (undo/redo) and refreshes at once.

``set_samples(x, levels, hint)``: ``x (n, C, H, W)`` images to preview, or None with a hint
(the data are not images) — then the form is disabled.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.datasets.augment import augment_option_specs, is_active, preview
from engine.types import LayerLabError
from widgets.forms.option_form import OptionForm
from widgets.panels.image_grid import ImageGrid

PREVIEW_COUNT = 6
SUFFIX = {"shift": " px", "rotation": " °", "cutout": " px"}
STEP = {"rotation": 5.0, "zoom": 0.05, "noise": 0.05}
DECIMALS = {"rotation": 0, "zoom": 2, "noise": 2}
INTRO = ("Random changes to every training image, new in each batch: the network sees more "
         "variety and learns what does not matter. Validation images stay as they are.")


class AugmentBox(QGroupBox):
    """Augmentation options (stored in the project's training settings) with a live preview."""

    def __init__(self, doc, parent: QWidget | None = None) -> None:
        super().__init__("Augmentation", parent)  # the intro says: training images only
        self.doc = doc
        self.samples: np.ndarray | None = None
        self.levels: tuple[float, float] = (0.0, 1.0)
        self.seed = 0
        self._hint = ""
        layout = QVBoxLayout(self)
        self.hint = QLabel(INTRO)
        self.hint.setWordWrap(True)
        self.hint.setProperty("role", "muted")
        layout.addWidget(self.hint)
        self.form = OptionForm()
        self.form.set_specs(augment_option_specs(), {})
        self._tune_editors()
        self.form.values_edited.connect(self._on_values_edited)
        layout.addWidget(self.form)
        self.grid = ImageGrid(PREVIEW_COUNT)
        self.grid.setToolTip("Top row: training images as stored. Bottom row: the same images "
                             "as the network may see them with these settings.")
        layout.addWidget(self.grid)
        row = QHBoxLayout()
        self.shuffle_button = QPushButton("Shuffle")
        self.shuffle_button.setToolTip("Draw new random variations of the same images.")
        self.shuffle_button.clicked.connect(self.shuffle)
        self.reset_button = QPushButton("Turn off")
        self.reset_button.setToolTip("Set every augmentation option back to 0 (off).")
        self.reset_button.clicked.connect(self.turn_off)
        row.addWidget(self.shuffle_button)
        row.addWidget(self.reset_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setProperty("role", "banner-error")
        self.error.hide()
        layout.addWidget(self.error)
        doc.training_changed.connect(self._on_training_changed)
        doc.project_loaded.connect(self._on_training_changed)
        self._on_training_changed()

    def _tune_editors(self) -> None:
        for name, editor in self.form.editors.items():
            if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
                editor.setSuffix(SUFFIX.get(name, ""))
                editor.setSpecialValueText("off")  # shown at the minimum, 0
                if isinstance(editor, QDoubleSpinBox) and name in STEP:
                    editor.setDecimals(DECIMALS[name])
                    editor.setSingleStep(STEP[name])

    # -- state ---------------------------------------------------------------------------------
    @property
    def options(self) -> dict[str, Any]:
        return dict(self.doc.project.training.augment or {})

    def set_samples(self, x: np.ndarray | None, levels: tuple[float, float] = (0.0, 1.0),
                    hint: str = "") -> None:
        """Images ``x (n, C, H, W)`` to preview, or None (not images) with ``hint`` saying why."""
        self.samples = None if x is None else np.asarray(x[:PREVIEW_COUNT])
        self.levels, self._hint = levels, hint
        images = self.samples is not None and self.samples.ndim == 4
        self.form.setEnabled(images)
        self.shuffle_button.setEnabled(images)
        self.grid.setVisible(images)
        self.hint.setText(INTRO if images else hint)
        self.hint.setVisible(bool(self.hint.text()))
        self._refresh()

    def shuffle(self) -> None:
        self.seed += 1
        self._refresh()

    def turn_off(self) -> None:
        self._push({})

    # -- document ↔ box ------------------------------------------------------------------------
    def _on_training_changed(self, *_args: object) -> None:
        self.form.set_values(self.options)
        self._refresh()

    def _on_values_edited(self) -> None:
        defaults = {s["name"]: s["default"] for s in self.form.specs}
        values = {k: v for k, v in self.form.values().items() if v != defaults[k]}
        self._push(values)

    def _push(self, values: dict[str, Any]) -> None:
        try:
            self.doc.set_training({"augment": values})
        except LayerLabError as err:
            self._show_error(str(err))
            self.form.set_values(self.options)
            return
        self.error.hide()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _refresh(self) -> None:
        options = self.options
        try:
            active = is_active(options)
        except LayerLabError as err:
            self._show_error(str(err))
            return
        self.reset_button.setEnabled(active)
        samples = self.samples
        images = samples is not None and samples.ndim == 4
        if self.parentWidget() is not None:  # never pop up as a window of its own
            self.setVisible(images or active or bool(self._hint))
        if samples is None or not images:
            self.error.setVisible(active)
            self.error.setText("Augmentation is on, but it only works on images: training "
                               "will stop with an error. Press “Turn off”.")
            return
        try:
            varied = preview(samples, options, self.seed)
        except LayerLabError as err:
            self._show_error(str(err))
            return
        self.error.hide()
        self.grid.set_rows([samples, varied], ["original", "augmented"], self.levels)
