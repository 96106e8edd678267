"""Tools → Find learning rate…: the learning-rate range test (``engine.lr_finder``) in a
dialog — loss against a log learning-rate axis, the suggested rate and min/10 marked, and a
button that applies the suggestion as one undoable change of the project's training settings.

The sweep runs on a worker thread (a copy of the model, fresh from the seed); a GUI-thread
timer polls it and shows its progress; Cancel asks the sweep to stop at its next batch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from engine.lr_finder import LRFinderResult
from widgets.controllers.background_run import BackgroundRun, tool_buttons
from widgets.plots.log_axis import LogAxis
from widgets.plots.palette import no_si_prefix

Sweep = Callable[[Callable[[int, int], bool]], LRFinderResult]


class LRFinderDialog(QDialog):
    """``sweep(progress)`` runs the range test; ``apply(lr)`` sets the project's rate."""

    def __init__(self, sweep: Sweep, apply: Callable[[float], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find a learning rate")
        self.sweep, self.apply_fn = sweep, apply
        self.outcome: LRFinderResult | None = None
        self.info = QLabel("Trains a copy of the network for one short sweep while the learning "
                           "rate grows from 0.000001 to 10, and watches the loss. It suggests "
                           "the more cautious of where the loss falls fastest and a tenth of "
                           "where it is lowest, well before it turns up.")
        self.info.setWordWrap(True)
        self.plot = pg.PlotWidget(axisItems={"bottom": LogAxis("bottom")},
                                  labels={"bottom": "learning rate (log scale)",
                                          "left": "loss (smoothed)"})
        self.plot.setLogMode(x=True, y=False)
        for name in ("bottom", "left"):  # plain numbers: no "(x0.001)" scale
            no_si_prefix(self.plot.getAxis(name))
        self.marks = QLabel()  # the marked rates, under the plot: never over the curve
        self.marks.setTextFormat(Qt.TextFormat.RichText)
        self.progress = QProgressBar()
        buttons, self.run_button, self.cancel_button, self.apply_button = tool_buttons(
            "Run the sweep")
        box = QVBoxLayout(self)
        box.addWidget(self.info)
        box.addWidget(self.plot, 1)
        box.addWidget(self.marks)
        box.addWidget(self.progress)
        box.addLayout(buttons)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.apply_button.clicked.connect(self.apply)
        self.job: BackgroundRun[LRFinderResult] = BackgroundRun(
            self, self.progress, self.run_button, self.cancel_button, self.info, self.show_result)
        self.resize(640, 480)

    def start(self) -> None:
        if self.job.running:
            return
        self.apply_button.setEnabled(False)
        job = self.job

        def progress(i: int, n: int) -> bool:
            job.report(i, n)
            return not job.stop.is_set()

        job.submit(self.sweep, progress)

    def cancel(self) -> None:
        self.job.stop.set()

    @property
    def running(self) -> bool:
        return self.job.running

    def show_result(self, result: LRFinderResult) -> None:
        self.outcome = result
        self.progress.setValue(self.progress.maximum())
        item = self.plot.getPlotItem()
        item.clear()
        item.plot(result.lrs, result.losses, pen=pg.mkPen((150, 150, 150, 90)))
        item.plot(result.lrs, result.smoothed, pen=pg.mkPen("#4363d8", width=2.5))
        item.setYRange(*loss_range(result.smoothed), padding=0.05)
        marks = self._marks(result)
        for lr, color, _text in marks:
            item.addItem(pg.InfiniteLine(np.log10(lr), angle=90, pen=pg.mkPen(color, width=2)))
        self.marks.setText("&nbsp;&nbsp;&nbsp;".join(
            f"<span style='color:{color}; font-weight:700'>┃</span>&nbsp;{text} {lr:.3g}"
            for lr, color, text in marks))
        stopped = (f" The loss blew up at {result.lrs[-1]:.3g}, so the sweep stopped there."
                   if result.diverged else "")
        self.info.setText(result.summary() + stopped)
        if result.suggestion is None:  # a flat curve: nothing worth applying
            self.apply_button.setText("No learning rate to apply")
            self.apply_button.setEnabled(False)
            return
        self.apply_button.setText(f"Apply learning rate {result.suggestion:.3g}")
        self.apply_button.setEnabled(True)

    @staticmethod
    def _marks(result: LRFinderResult) -> list[tuple[float, str, str]]:
        """(rate, colour, name) of the lines to draw: the suggestion, and where the loss
        turned up the two readings it was chosen from (the chosen one named with it)."""
        if result.suggestion is None:
            return []
        rule = {"steepest": " (steepest)", "min/10": " (min / 10)"}.get(result.rule, "")
        marks = [(result.suggestion, "#e6194b", "suggested" + rule)]
        if result.turned and result.steepest is not None and result.rule != "steepest":
            marks.append((result.steepest, "#f58231", "steepest"))
        if result.turned and result.rule != "min/10":  # else min/10 measures nothing
            marks.append((result.min_over_ten, "#3cb44b", "min / 10"))
        return marks

    def apply(self) -> None:
        if self.outcome is not None and self.outcome.suggestion is not None:
            self.apply_fn(float(f"{self.outcome.suggestion:.3g}"))

    def done(self, code: int) -> None:  # noqa: D401 - QDialog override: stop the sweep too
        self.job.shutdown()
        super().done(code)


def loss_range(smoothed: np.ndarray) -> tuple[float, float]:
    """The y range that shows the smoothed curve's fall and the start of its rise (as fastai
    plots it): from its lowest point to 1.5 × where it started. A blow-up (raw losses of 18
    after a start of 0.7) would otherwise flatten the part that matters into a line."""
    finite = smoothed[np.isfinite(smoothed)]
    if not len(finite):
        return 0.0, 1.0
    low, start = float(finite.min()), float(finite[0])
    high = min(float(finite.max()), max(start * 1.5, low + 1e-12))
    return low, high
