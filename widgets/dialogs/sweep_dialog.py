"""Tools → Capacity sweep…: the bias–variance U of the open project (``engine.sweep``).

The learner picks what to vary (width, depth, polynomial degree, training-set size, L2),
the values, the epochs and optionally k-fold cross-validation, and presses Run. The sweep
trains copies of the project on a worker thread (its own pool of cores − 1 threads; the GUI
thread only polls progress with a timer), then plots training and validation error against
the swept value (error bars: ± one standard deviation over the folds), marks the value with
the lowest validation error and can apply it to the network (width, depth and L2: one
undoable change of the document). Cancel stops every training at its next step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.sweep import PARAMS, SweepResult, SweepSpec, applicable
from engine.types import LayerLabError
from widgets.controllers.background_run import BackgroundRun, tool_buttons

DEFAULTS = {"width": "1, 2, 4, 8, 16, 32", "depth": "0, 1, 2, 3, 4", "degree": "1, 2, 3, 5, 8",
            "train_size": "0.1, 0.25, 0.5, 1", "l2": "0, 0.0001, 0.001, 0.01, 0.1"}
Runner = Callable[[SweepSpec, Callable[[int, int], None], Callable[[], bool]], SweepResult]


CURVES = {"train": ("#4363d8", "training error"), "val": ("#f58231", "validation error")}
MAX_TICKS = 9  # named x ticks; more swept values: every other one is named


def value_ticks(xs: np.ndarray, values: list[float]) -> list[tuple[float, str]]:
    """(position, text) x ticks at the swept ``values`` themselves ("1 2 4 8 16 32", depths
    "0 1 2 3"), whether the axis is spaced by value or by its log (``xs``: positions)."""
    step = max(1, -(-len(values) // MAX_TICKS))
    return [(float(p), f"{v:g}") for p, v in list(zip(xs, values, strict=True))[::step]]


def parse_values(text: str) -> list[float]:
    """``"1, 2, 4"`` -> ``[1.0, 2.0, 4.0]``; a ValueError with a plain message otherwise."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise ValueError("Write the values as numbers separated by commas, such as "
                         "'1, 2, 4, 8'.") from None


def apply_text(param: str, value: float, can: bool) -> str:
    """The Apply button's words for the best ``value`` of ``param``."""
    if not can:
        return "Apply (the training-set size belongs to the sweep only)"
    if param == "degree":
        return f"Apply degree {value:g} (polynomial features and Input size)"
    return f"Apply {value:g} to the network"


class SweepDialog(QDialog):
    """``runner(spec, progress, should_stop)`` runs a sweep (on a worker thread);
    ``apply(spec, value)`` applies a value to the project (GUI thread)."""

    def __init__(self, runner: Runner, apply: Callable[[SweepSpec, float], None],
                 epochs: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Capacity sweep: training vs validation error")
        self.runner, self.apply_fn = runner, apply
        self.sweep_result: SweepResult | None = None
        self.spec: SweepSpec | None = None
        self.param = QComboBox()
        for key, text in PARAMS.items():
            self.param.addItem(text, key)
        self.values = QLineEdit(DEFAULTS["width"])
        self.param.currentIndexChanged.connect(
            lambda _i: self.values.setText(DEFAULTS[self.param.currentData()]))
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 10_000)
        self.epochs.setValue(max(1, epochs))
        self.kfold = QCheckBox("k-fold cross-validation")
        self.folds = QSpinBox()
        self.folds.setRange(2, 10)
        self.folds.setValue(5)
        folds_row = QHBoxLayout()
        folds_row.addWidget(self.kfold)
        folds_row.addWidget(self.folds)
        form = QFormLayout()
        form.addRow("Vary", self.param)
        form.addRow("Values", self.values)
        form.addRow("Epochs each", self.epochs)
        form.addRow(folds_row)
        self.info = QLabel("Trains one copy of the network per value and compares the error on "
                           "the training data with the error on data it never saw. Too little "
                           "capacity: both are high (underfitting). Too much: training error "
                           "keeps falling while validation error rises (overfitting).")
        self.info.setWordWrap(True)
        self.plot = pg.PlotWidget()
        for side in ("left", "bottom"):  # plain numbers: no "(×0.001)" prefix on an axis
            self.plot.getPlotItem().getAxis(side).enableAutoSIPrefix(False)
        self.key = QLabel(" ".join(f"<span style='color:{c}'>■ {n}</span>"
                                   for c, n in CURVES.values()))  # above, never on a marker
        self.progress = QProgressBar()
        buttons, self.run_button, self.cancel_button, self.apply_button = tool_buttons(
            "Run the sweep")
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.info)
        box.addWidget(self.key)
        box.addWidget(self.plot, 1)
        box.addWidget(self.progress)
        box.addLayout(buttons)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.apply_button.clicked.connect(self.apply)
        self.job: BackgroundRun[SweepResult] = BackgroundRun(
            self, self.progress, self.run_button, self.cancel_button, self.info, self.show_result)
        self.resize(720, 560)

    @property
    def running(self) -> bool:
        return self.job.running

    def start(self) -> None:
        """Read the form and start the sweep on the worker thread."""
        if self.job.running:
            return
        try:
            values = parse_values(self.values.text())
            spec = SweepSpec(self.param.currentData(), values, epochs=self.epochs.value(),
                             folds=self.folds.value() if self.kfold.isChecked() else 0)
            spec.check()
        except (ValueError, LayerLabError) as err:
            self.info.setText(str(err))
            return
        self.spec, self.sweep_result = spec, None
        total = len(values) * max(spec.folds, 1)
        self.job.report(0, total)
        self.apply_button.setEnabled(False)
        self.info.setText(f"Training {total} copies of the network…")
        self.job.submit(self.runner, spec, self.job.report, self.job.stop.is_set)

    def cancel(self) -> None:
        self.job.stop.set()

    def show_result(self, result: SweepResult) -> None:
        """Plot training and validation error per value; mark and offer the best value."""
        self.sweep_result = result
        item = self.plot.getPlotItem()
        item.clear()
        x = np.asarray(result.values, dtype=np.float64)
        log = result.param in ("width", "l2", "train_size") and np.all(x > 0) and len(x) > 2
        xs = np.log10(x) if log else x  # positions; the ticks name the values swept
        scale, unit = (100.0, "error rate (%)") if result.metric == "error rate" else \
            (1.0, result.metric)
        for (mean, std), (color, name) in zip(
                ((result.train_mean, result.train_std), (result.val_mean, result.val_std)),
                CURVES.values(), strict=True):
            item.plot(xs, scale * mean, pen=pg.mkPen(color, width=2.5), symbol="o",
                      symbolSize=8, symbolBrush=color, name=name)
            if result.folds:
                item.addItem(pg.ErrorBarItem(x=xs, y=scale * mean, height=2 * scale * std,
                                             pen=pg.mkPen(color, width=1.5)))
        item.getAxis("bottom").setTicks([value_ticks(xs, result.values)])
        item.setLabel("bottom", PARAMS[result.param] + (" (log spacing)" if log else ""))
        item.setLabel("left", unit)
        best = result.best_index
        summary = "Cancelled: only the finished values are shown. " if result.cancelled else ""
        if best is None:
            self.info.setText(summary + "No value finished training.")
            return
        value = result.values[best]
        item.addItem(pg.InfiniteLine(xs[best], angle=90, pen=pg.mkPen("#3cb44b", width=2),
                                     label=f"best {value:g}",
                                     labelOpts={"position": 0.9, "color": "#3cb44b"}))
        def num(v: float) -> str:
            return f"{scale * v:.1f} %" if scale == 100.0 else f"{v:.3f}"
        spread = f" ± {num(result.val_std[best])}" if result.folds else ""
        self.info.setText(
            summary + f"Lowest validation {result.metric}: {num(result.val_mean[best])}{spread} "
            f"at {PARAMS[result.param]} = {value:g} (training {num(result.train_mean[best])}).")
        can = applicable(result.param)
        self.apply_button.setEnabled(can)
        self.apply_button.setText(apply_text(result.param, value, can))

    def apply(self) -> None:
        best = self.sweep_result.best_value if self.sweep_result is not None else None
        if self.spec is not None and best is not None:
            try:
                self.apply_fn(self.spec, best)
            except LayerLabError as err:  # e.g. a dataset without polynomial features
                self.info.setText(str(err))

    def done(self, code: int) -> None:  # noqa: D401 - QDialog override: stop the sweep too
        self.job.shutdown()
        super().done(code)

    def summary(self) -> dict[str, Any]:
        """The shown numbers (for tests and the lesson runner)."""
        r = self.sweep_result
        return {} if r is None else {"values": r.values, "val": r.val_mean.tolist(),
                                     "train": r.train_mean.tolist(), "best": r.best_value}
