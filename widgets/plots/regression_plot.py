"""Fitted curve of a 1-D regression network over its data, updated live.

``set_data`` draws the training points (filled) and validation points (hollow) once;
``update(snapshot)`` moves the network's curve from the ``curve_x``/``curve_y`` probes (200
inputs spanning the data) in place.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from widgets.plots.palette import (
    FIT,
    LABEL_PT,
    VALIDATION,
    current_style,
    plot_style,
    style_axes,
)


class RegressionPlot(QWidget):
    """Data points and the network's current prediction curve."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        plot = self.plot = self.plot_widget.getPlotItem()
        plot.setMenuEnabled(False)
        self.legend = plot.addLegend(offset=(10, 10), labelTextSize=f"{LABEL_PT}pt")
        self.train_points = pg.ScatterPlotItem(size=8, name="training data")
        self.val_points = pg.ScatterPlotItem(size=8, name="validation data")
        self.curve = pg.PlotDataItem(name="network's prediction")
        for z, item in enumerate((self.train_points, self.val_points, self.curve)):
            item.setZValue(z)
            plot.addItem(item)
        self.set_theme(current_style().name)

    def set_data(self, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
                 y_val: np.ndarray) -> None:
        """Draw the data (first input against first target); clear the old curve."""
        xt, yt = _column(x_train), _column(y_train)
        xv, yv = _column(x_val), _column(y_val)
        self.train_points.setData(xt, yt)
        self.val_points.setData(xv, yv)
        self.curve.setData([], [])
        self.plot.enableAutoRange()

    def update(self, snapshot: Any = None) -> None:  # type: ignore[override]
        """Move the curve to the snapshot's prediction; ``update()`` alone repaints."""
        if snapshot is None:
            super().update()
            return
        probes = snapshot.probes or {}
        x, y = probes.get("curve_x"), probes.get("curve_y")
        if x is None or y is None:
            return
        self.curve.setData(_column(x), _column(y))

    def clear_curve(self) -> None:
        """No prediction drawn (another project; the data points stay until ``set_data``)."""
        self.curve.setData([], [])

    def set_theme(self, name: str) -> None:
        s = plot_style(name)
        self.plot_widget.setBackground(s.background)
        style_axes(self.plot, s, left="y", bottom="x")
        self.plot.showGrid(x=True, y=True, alpha=s.grid_alpha)
        self.legend.setLabelTextColor(s.foreground)
        self.legend.setBrush(pg.mkBrush(s.background + "C8"))
        self.train_points.setPen(pg.mkPen(s.point_edge, width=1))
        self.train_points.setBrush(pg.mkBrush(s.train + "C0"))
        self.val_points.setPen(pg.mkPen(VALIDATION, width=2))
        self.val_points.setBrush(pg.mkBrush(s.background + "A0"))
        self.curve.setPen(pg.mkPen(FIT, width=3.5))


def _column(a: Any) -> np.ndarray:
    """First column of ``(N,)`` or ``(N, D)`` data as float64 ``(N,)``."""
    a = np.asarray(a, dtype=np.float64)
    return a.reshape(len(a), -1)[:, 0] if a.ndim > 1 else a
