"""Inputs and their reconstructions, side by side, for a fixed set of samples (live).

``update(snapshot)`` reads the ``"reconstructions"`` probe: ``recon_inputs (S, *input_shape)``
and ``recon_outputs (S, *output_shape)`` (S = 8 fixed samples, the same every frame). Image
data becomes one mosaic: the inputs in the top row, the reconstructions right under them;
vectors become two rows of value strips. The readout gives the mean squared error per value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from widgets.plots.palette import axis_font, current_style, plot_style
from widgets.views.cnn_tiles import ink_lut
from widgets.views.gen_common import (
    ProbesWidget,
    data_levels,
    hint_label,
    image_box,
    image_layout,
    levels_for,
    mosaic,
    muted_label,
    show_image,
    to_images,
)

EMPTY = "Train an autoencoder with the “reconstructions” probe to compare inputs and outputs."
EXPLAIN = "Top row: samples the network sees. Bottom row: what it rebuilds from their codes."


class ReconstructionView(ProbesWidget):
    """Input / reconstruction pairs of the fixed probe samples (module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.style_ = current_style()
        self.levels: tuple[float, float] | None = None
        self.shape: tuple[int, ...] | None = None
        self.image: np.ndarray | None = None  # the mosaic shown: (2·H+1, S·(W+1)−1[, 3])
        self.error: float | None = None
        self.picture, self.box, self.item = image_box()
        self.picture.setToolTip("Each column is one sample: input above, reconstruction below.")
        self.readout = QLabel()
        self.readout.setFont(axis_font(13))
        self.hint = hint_label(EMPTY)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.picture)
        self.stack.addWidget(self.hint)
        self.stack.setCurrentWidget(self.hint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.readout)
        layout.addWidget(muted_label(EXPLAIN))
        self.set_theme(self.style_.name)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(560, 240)

    def reset_view(self) -> None:
        """Another project: no pairs of the old model; the hint until a snapshot."""
        self.image, self.error = None, None
        self.item.clear()
        self.readout.setText("")
        self.stack.setCurrentWidget(self.hint)

    def set_dataset(self, dataset: Any) -> None:
        """Sample shape and display levels of the data."""
        self.shape = tuple(getattr(dataset, "input_shape", ()) or ()) or None
        self.levels = data_levels(dataset)

    def show_probes(self, p: dict[str, Any], snapshot: Any) -> None:
        """Show the snapshot's input/reconstruction pairs."""
        x, y = p.get("recon_inputs"), p.get("recon_outputs")
        if x is None or y is None or not len(x):
            return
        self.show_pairs(np.asarray(x, np.float32), np.asarray(y, np.float32))

    def show_pairs(self, x: np.ndarray, y: np.ndarray) -> None:
        """x: (S, *input_shape), y: (S, *output_shape) with as many values per sample."""
        n = min(len(x), len(y))
        x, y = x[:n], y[:n].reshape(x[:n].shape)
        layout = image_layout(tuple(x.shape[1:]))
        self.box.setAspectLocked(layout is not None)
        pair = np.stack([to_images(x, layout), to_images(y, layout)])  # (2, S, H, W[, 3])
        self.image = mosaic(pair)
        levels = self.levels or levels_for(x)
        show_image(self.item, self.image, levels, self._lut)
        self.box.autoRange(padding=0.02)
        self.error = float(np.mean((x - y) ** 2))
        self.readout.setText(f"Mean squared error per value: {self.error:.4f}")
        self.stack.setCurrentWidget(self.picture)

    def set_theme(self, name: str) -> None:
        s = self.style_ = plot_style(name)
        self._lut = ink_lut(s)
        self.picture.setBackground(s.background)
        if self.image is not None:
            show_image(self.item, self.image, self.levels or (0.0, 1.0), self._lut)
