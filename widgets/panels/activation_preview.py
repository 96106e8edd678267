"""A small plot of an activation function f(x) and its slope f′(x), for the inspector.

The curves come from ``engine.activations`` (``forward`` and ``derivative``), so the picture
is exactly what the network computes. The two plot items are created once and updated with
``setData``. Softmax acts on a whole vector, so it is shown for two scores (x, 0), where it
equals the sigmoid, with a note saying so.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine import activations
from widgets.window.theme import OKABE_ITO, current_colors

X_RANGE = 4.0
SAMPLES = 241


def curves(name: str, alpha: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, f(x), f′(x) over [-4, 4] for the activation ``name``."""
    x = np.linspace(-X_RANGE, X_RANGE, SAMPLES)
    info = activations.get(name)
    if info.name == "softmax":
        pair = np.stack([x, np.zeros_like(x)], axis=1)  # (N, 2): scores (x, 0)
        y = activations.forward("softmax", pair)[:, 0]
        return x, y, y * (1.0 - y)
    return x, activations.forward(info.name, x, alpha), activations.derivative(info.name, x, alpha)


class ActivationPreview(QWidget):
    """Formula + plot of f and f′; ``set_activation(name)`` updates it in place."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.formula = QLabel()
        self.formula.setWordWrap(True)
        self.formula.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.formula)
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(170)
        self.plot.setMaximumHeight(230)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.addLegend(offset=(8, 8), labelTextSize="11pt")
        self.zero = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen((128, 128, 128), width=1))
        self.plot.addItem(self.zero)
        self.f_curve = self.plot.plot([], [], name="f(x)",
                                      pen=pg.mkPen(OKABE_ITO["blue"], width=3))
        self.df_curve = self.plot.plot([], [], name="f′(x)  slope",
                                       pen=pg.mkPen(OKABE_ITO["orange"], width=2.5,
                                                    style=pg.QtCore.Qt.PenStyle.DashLine))
        layout.addWidget(self.plot)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setProperty("role", "muted")
        layout.addWidget(self.note)
        self.name = ""
        self._apply_theme()

    def set_activation(self, name: str, alpha: float | None = None) -> None:
        info = activations.get(name)
        self.name = info.name
        x, y, dy = curves(info.name, alpha)
        self.f_curve.setData(x, y)
        self.df_curve.setData(x, dy)
        low, high = float(min(y.min(), dy.min())), float(max(y.max(), dy.max()))
        pad = max(0.1, 0.08 * (high - low))
        self.plot.setXRange(-X_RANGE, X_RANGE, padding=0)
        self.plot.setYRange(low - pad, high + pad, padding=0)
        self.formula.setText(f"{info.display_name}:  {info.formula}")
        note = info.blurb
        if info.name == "softmax":
            note = ("Softmax turns a whole vector of scores into probabilities; drawn here for "
                    "two scores (x, 0), where it equals the sigmoid. " + note)
        self.note.setText(note)
        self._apply_theme()

    def _apply_theme(self) -> None:
        c = current_colors()
        self.plot.setBackground(c.plot_bg)
        for side in ("left", "bottom"):
            axis = self.plot.getPlotItem().getAxis(side)
            axis.setPen(pg.mkPen(c.plot_fg))
            axis.setTextPen(pg.mkPen(c.plot_fg))
        sky = OKABE_ITO["sky"] if c.name == "dark" else OKABE_ITO["blue"]
        self.f_curve.setPen(pg.mkPen(sky, width=3))
