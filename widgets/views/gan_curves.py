"""The small GAN history plot: both losses and the discriminator's mean outputs over steps.

``add(step, values)`` appends one frame's ``d_loss``, ``g_loss``, ``d_real`` (mean D(x)) and
``d_fake`` (mean D(G(z))); a step lower than the last one starts a new run (the history is
cleared). Curves are updated in place; at most ``MAX_POINTS`` are kept (every other point is
dropped when full), so a frame stays cheap however long the run.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from widgets.plots.palette import LABEL_PT, OKABE_ITO, axis_font, current_style, plot_style
from widgets.plots.palette import style_axes as _style_axes
from widgets.views.gen_common import FAKE, REAL

MAX_POINTS = 4000
KEYS = ("d_loss", "g_loss", "d_real", "d_fake")
NAMES = {"d_loss": "D loss", "g_loss": "G loss", "d_real": "D(x) real",
         "d_fake": "D(G(z)) fake"}
COLORS = {"d_loss": OKABE_ITO["blue"], "g_loss": OKABE_ITO["vermillion"], "d_real": REAL,
          "d_fake": FAKE}


class GANCurves(QWidget):
    """Losses (solid) and mean discriminator outputs (dashed) of a GAN run over steps, with
    their key under the plot (never over the curves)."""

    def __init__(self) -> None:
        super().__init__()
        self.style_ = current_style()
        self.plot_widget = pg.PlotWidget()
        plot = self.plot_item = self.plot_widget.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self.curves = {k: plot.plot([], []) for k in KEYS}
        self.key = QLabel()
        self.key.setTextFormat(Qt.TextFormat.RichText)
        self.key.setFont(axis_font(LABEL_PT))
        self.key.setContentsMargins(6, 0, 6, 0)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.plot_widget, 1)
        box.addWidget(self.key)
        self.steps: list[float] = []
        self.values: dict[str, list[float]] = {k: [] for k in KEYS}
        self.setToolTip("D loss and G loss (solid): ln 4 ≈ 1.39 and ln 2 ≈ 0.69 at the "
                        "equilibrium. D(x) and D(G(z)) (dashed) both tend to 0.5 when the "
                        "discriminator can no longer tell real from generated.")
        self.set_theme(self.style_.name)

    def reset(self) -> None:
        self.steps = []
        self.values = {k: [] for k in KEYS}
        for curve in self.curves.values():
            curve.setData([], [])

    def add(self, step: float, values: dict[str, float]) -> None:
        """One point per curve at ``step`` (missing or NaN values leave a gap)."""
        if self.steps and step < self.steps[-1]:
            self.reset()
        if self.steps and step == self.steps[-1]:
            return
        self.steps.append(float(step))
        for k in KEYS:
            v = values.get(k)
            self.values[k].append(float(v) if v is not None else float("nan"))
        if len(self.steps) > MAX_POINTS:
            self.steps = self.steps[::2]
            self.values = {k: v[::2] for k, v in self.values.items()}
        x = np.asarray(self.steps)
        for k, curve in self.curves.items():
            curve.setData(x, np.asarray(self.values[k]), connect="finite")

    def set_theme(self, name: str) -> None:
        s = self.style_ = plot_style(name)
        self.plot_widget.setBackground(s.background)
        _style_axes(self.plot_item, s, left="loss · D", bottom="step")
        self.plot_item.showGrid(x=True, y=True, alpha=s.grid_alpha)
        for k, curve in self.curves.items():
            dash = Qt.PenStyle.DashLine if k in ("d_real", "d_fake") else Qt.PenStyle.SolidLine
            curve.setPen(pg.mkPen(COLORS[k], width=2.5, style=dash))
        self.key.setText("&nbsp;&nbsp; ".join(
            f"<span style='color:{COLORS[k]}; font-size:15pt'>"
            f"{'━' if k in ('d_loss', 'g_loss') else '╍'}</span>&nbsp;{NAMES[k]}" for k in KEYS))
