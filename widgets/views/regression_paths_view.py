"""Regression by formula and by descent, side by side (``engine.regression_closed_form``).

Three plots: the data with the least-squares curve (dashed) and descent's curve at the
chosen step; every parameter against the step, each with its closed-form value as a dashed
line of the same colour; the loss against the step with the formula's loss. A step slider
replays descent. Controls: the polynomial degree (1 = a straight line), the learning rate,
the optimizer and the number of steps. With degree 1 and a linear-regression project the
descent starts from the project's own initial weights with its optimizer and learning rate.
All numbers are computed on the GUI thread from a copy of the data (small: at most a few
thousand samples × 13 parameters × 2000 steps).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.datasets.base import Dataset
from engine.project import Project
from engine.regression_closed_form import (
    RegressionPaths,
    design_matrix,
    project_paths,
    regression_paths,
)
from engine.types import LayerLabError
from widgets.plots.log_axis import LogAxis
from widgets.plots.palette import run_color

OPTIMIZERS = ("sgd", "momentum", "adam")


class RegressionPathsView(QWidget):
    """Formula vs descent for ``data`` (a regression task); ``project`` gives the start."""

    def __init__(self, project: Project, data: Dataset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project, self.data = project, data
        self.paths: RegressionPaths | None = None
        self.start: RegressionPaths | None = None
        try:
            self.start = project_paths(project, data, steps=1)
        except LayerLabError:
            self.start = None
        self.degree = QSpinBox()
        self.degree.setRange(1, 8)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(4)
        self.lr.setRange(0.0001, 10.0)
        self.lr.setSingleStep(0.01)
        self.lr.setValue(self.start.learning_rate if self.start else 0.1)
        self.optimizer = QComboBox()
        self.optimizer.addItems(OPTIMIZERS)
        if self.start is not None and self.start.optimizer in OPTIMIZERS:
            self.optimizer.setCurrentText(self.start.optimizer)
        self.steps = QSpinBox()
        self.steps.setRange(1, 2000)
        self.steps.setValue(200)
        self.step = QSlider(Qt.Orientation.Horizontal)
        self.step.valueChanged.connect(self._show_step)
        bar = QHBoxLayout()
        for text, w in (("Degree", self.degree), ("Learning rate", self.lr),
                        ("Optimizer", self.optimizer), ("Steps", self.steps)):
            bar.addWidget(QLabel(text))
            bar.addWidget(w)
        for w in (self.degree, self.steps):
            w.valueChanged.connect(self.recompute)
        self.lr.valueChanged.connect(self.recompute)
        self.optimizer.currentIndexChanged.connect(self.recompute)
        self.fit = pg.PlotWidget(labels={"bottom": "x", "left": "y"})
        self.params = pg.PlotWidget(labels={"bottom": "step", "left": "parameter value"})
        self.loss = pg.PlotWidget(axisItems={"left": LogAxis("left")},
                                  labels={"bottom": "step", "left": "mean squared error"})
        self.loss.setLogMode(x=False, y=True)
        self.params.getPlotItem().addLegend(offset=(-10, 10))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        plots = QHBoxLayout()
        for p in (self.fit, self.params, self.loss):
            plots.addWidget(p)
        box = QVBoxLayout(self)
        box.addLayout(bar)
        box.addLayout(plots, 1)
        step_row = QHBoxLayout()
        step_row.addWidget(QLabel("Descent step"))
        step_row.addWidget(self.step, 1)
        box.addLayout(step_row)
        box.addWidget(self.summary)
        self.fit_curve = self.fit.getPlotItem().plot(pen=pg.mkPen(run_color(0), width=2.5))
        self.recompute()

    def _xy(self) -> tuple[np.ndarray, np.ndarray]:
        x = self.data.x_train.reshape(len(self.data.x_train), -1).astype(np.float64)
        return x, np.asarray(self.data.y_train, dtype=np.float64).reshape(len(x), -1)

    def recompute(self, *_: Any) -> None:
        if self.data.task != "regression":
            self.summary.setText("Regression by formula needs a regression dataset: choose "
                                 "sine, polynomial or step in the dataset panel.")
            return
        x, y = self._xy()
        degree = self.degree.value() if x.shape[1] == 1 else 1
        self.degree.setEnabled(x.shape[1] == 1)
        theta0 = self.start.path[0] if self.start is not None and degree == 1 else None
        try:
            self.paths = regression_paths(x, y, degree, self.lr.value(), self.steps.value(),
                                          theta0, self.optimizer.currentText())
        except LayerLabError as err:
            self.summary.setText(str(err))
            return
        self._draw_static(x, y)
        self.step.setRange(0, len(self.paths.losses) - 1)
        self.step.setValue(len(self.paths.losses) - 1)
        self._show_step(self.step.value())

    def _draw_static(self, x: np.ndarray, y: np.ndarray) -> None:
        p = self.paths
        assert p is not None
        fit = self.fit.getPlotItem()
        for item in list(fit.listDataItems()):
            if item is not self.fit_curve:
                fit.removeItem(item)
        if x.shape[1] == 1:
            fit.plot(x[:, 0], y[:, 0], pen=None, symbol="o", symbolSize=5,
                     symbolBrush=(120, 120, 120, 150))
            grid = np.linspace(x.min(), x.max(), 200).reshape(-1, 1)
            star = design_matrix(grid, self.degree.value()) @ p.theta_star
            fit.plot(grid[:, 0], star[:, 0], pen=pg.mkPen("#e6194b", width=2.5,
                                                           style=Qt.PenStyle.DashLine))
        params = self.params.getPlotItem()
        params.clear()
        steps = np.arange(len(p.losses))
        for i, name in enumerate(p.names):
            color = run_color(i)
            params.plot(steps, p.path[:, i, 0], pen=pg.mkPen(color, width=2), name=name)
            params.addItem(pg.InfiniteLine(p.theta_star[i, 0], angle=0,
                                           pen=pg.mkPen(color, style=Qt.PenStyle.DashLine)))
        self.params_marker = pg.InfiniteLine(0, angle=90, pen=pg.mkPen("#8C8C8C"))
        params.addItem(self.params_marker)
        loss = self.loss.getPlotItem()
        loss.clear()
        floor = max(p.loss_star, 1e-12)
        loss.plot(steps, np.maximum(p.losses, 1e-12), pen=pg.mkPen(run_color(0), width=2))
        loss.addItem(pg.InfiniteLine(np.log10(floor), angle=0,
                                     pen=pg.mkPen("#e6194b", style=Qt.PenStyle.DashLine)))
        self.loss_marker = pg.InfiniteLine(0, angle=90, pen=pg.mkPen("#8C8C8C"))
        loss.addItem(self.loss_marker)

    def _show_step(self, step: int) -> None:
        p = self.paths
        if p is None or step >= len(p.losses):
            return
        x, _ = self._xy()
        if x.shape[1] == 1:
            grid = np.linspace(x.min(), x.max(), 200).reshape(-1, 1)
            self.fit_curve.setData(grid[:, 0],
                                   (design_matrix(grid, self.degree.value()) @ p.path[step])[:, 0])
        self.params_marker.setValue(step)
        self.loss_marker.setValue(step)
        gap = float(np.max(np.abs(p.path[step] - p.theta_star)))
        formula = ", ".join(f"{n} = {v:.3f}" for n, v in zip(p.names, p.theta_star[:, 0]))
        now = ", ".join(f"{n} = {v:.3f}" for n, v in zip(p.names, p.path[step][:, 0]))
        stopped = ("" if len(p.losses) == self.steps.value() + 1 else
                   " Descent blew up (the learning rate is too large) and stopped.")
        self.summary.setText(
            f"By formula (least squares): {formula}; loss {p.loss_star:.4f}. "
            f"By descent after {step} steps: {now}; loss {p.losses[step]:.4f} "
            f"(largest difference {gap:.2g}).{stopped}")
