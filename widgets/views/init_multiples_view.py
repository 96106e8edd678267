"""Initialization side by side: small multiples of every layer's activation histogram (top
row) and weight-gradient histogram (bottom row, log10|g|) of the untrained network, for the
initializer picked with the buttons (zeros, N(0, σ²), U(±1/√n), Glorot, He) — switching is
live (one forward + backward pass on a copy, ``engine.init_multiples``). Each cell's title
gives the spread (activations: std; gradients: RMS), so fading or exploding signals show as
numbers as well as shapes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.datasets.base import Dataset
from engine.init_multiples import SCHEMES, init_statistics
from engine.project import Project
from engine.types import LayerLabError
from widgets.plots.palette import run_color

MAX_LAYERS = 12  # cells per row; deeper networks show their first 12 layers


class InitMultiplesView(QWidget):
    """Pick an initializer; see every layer's activations and gradients at once."""

    def __init__(self, project: Project, data: Dataset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project, self.data = project, data
        self.stats: dict[str, Any] | None = None
        self.buttons = QButtonGroup(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Start the weights with"))
        for i, (key, label) in enumerate(SCHEMES.items()):
            button = QPushButton(label)
            button.setCheckable(True)
            button.setProperty("scheme", key)
            self.buttons.addButton(button, i)
            bar.addWidget(button)
        self.sigma = QDoubleSpinBox()
        self.sigma.setDecimals(3)
        self.sigma.setRange(0.001, 10.0)
        self.sigma.setValue(0.01)
        self.sigma.setSingleStep(0.01)
        bar.addWidget(QLabel("σ"))
        bar.addWidget(self.sigma)
        bar.addStretch(1)
        self.grid = pg.GraphicsLayoutWidget()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        box = QVBoxLayout(self)
        box.addLayout(bar)
        box.addWidget(self.grid, 1)
        box.addWidget(self.summary)
        self.buttons.idClicked.connect(lambda _i: self.refresh())
        self.sigma.valueChanged.connect(lambda _v: self.refresh())
        self.buttons.button(3).setChecked(True)  # Glorot
        self.refresh()

    @property
    def scheme(self) -> str:
        checked = self.buttons.checkedButton()
        assert checked is not None  # an exclusive group with one button checked from the start
        return str(checked.property("scheme"))

    def set_scheme(self, scheme: str) -> None:
        self.buttons.button(list(SCHEMES).index(scheme)).setChecked(True)
        self.refresh()

    def refresh(self) -> None:
        try:
            self.stats = init_statistics(self.project, self.data, self.scheme,
                                         sigma=self.sigma.value())
        except LayerLabError as err:
            self.stats = None
            self.grid.clear()
            self.summary.setText(f"Cannot show the initialization: {err}")
            return
        self._draw(self.stats)

    def _draw(self, s: dict[str, Any]) -> None:
        self.grid.clear()
        layers = s["layers"][:MAX_LAYERS]
        for col, name in enumerate(layers):
            hist = s["act_hist"].get(name)
            cell = self.grid.addPlot(row=0, col=col,
                                     title=f"{name}<br>act std {s['act_std'][name]:.2g}")
            if hist is not None:
                _bars(cell, hist["counts"], hist["edges"], run_color(0))
            grads = [k for k in s["grad_hist"] if k.startswith(f"{name}/")]
            cell = self.grid.addPlot(row=1, col=col)
            if grads:
                g = s["grad_hist"][grads[0]]
                rms = s["grad_rms"].get(name, 0.0)
                cell.setTitle(f"grad RMS {rms:.2g}<br>zeros {g['zeros']}")
                _bars(cell, g["counts"], g["edges"], run_color(1))
            else:
                cell.setTitle("no weights")
        first, last = layers[0], layers[-1]
        ratio = s["act_std"][last] / s["act_std"][first] if s["act_std"][first] else 0.0
        self.summary.setText(
            f"{SCHEMES[s['scheme']]}: activation spread {s['act_std'][first]:.2g} in "
            f"'{first}' and {s['act_std'][last]:.2g} in '{last}' (×{ratio:.2g}). Top row: "
            "outputs of each layer; bottom row: size of each layer's weight gradients "
            "(log10 |g|; 'zeros' counts gradients that are exactly 0).")


def _bars(plot: Any, counts: np.ndarray, edges: np.ndarray, color: str) -> None:
    plot.hideAxis("left")
    plot.setMouseEnabled(x=False, y=False)
    plot.plot(np.asarray(edges, dtype=np.float64), np.asarray(counts, dtype=np.float64),
              stepMode="center", fillLevel=0, brush=color, pen=pg.mkPen(color))
