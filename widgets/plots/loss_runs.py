"""The loss plot's runs: the series of one run, and the earlier runs kept as dimmed curves.

``RunCurves`` holds a run's series (per-step loss and its smoothed line, epoch train and
validation loss, accuracy or R², the epoch marks: x = step). ``KeptRuns`` is the part of
``widgets.plots.loss_plot.LossPlot`` that keeps finished runs dimmed beside the current one
(at most ``MAX_KEPT_RUNS``), names, renames and drops them — a timeline branch's curves
follow its name — and ``keep_snapshots(label, snaps)`` keeps the curve of a run trained
elsewhere (a run of the Compare window kept as a branch) from its snapshots;
``resume_run(label)`` makes a kept run the current one again (a branch switched back to).
``curves_of(label, snaps, smoothing)`` builds those series; ``readout_text(run, metric, x)``
is the hover read-out of a run at step ``x``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from widgets.plots.palette import run_color
from widgets.plots.series import GrowingSeries, ema

MAX_KEPT_RUNS = 6
METRIC_KEYS = ("accuracy", "r2")


@dataclass
class RunCurves:
    """The series of one run (current or kept)."""

    label: str
    steps: GrowingSeries = field(default_factory=GrowingSeries)
    smooth: GrowingSeries = field(default_factory=GrowingSeries)
    train: GrowingSeries = field(default_factory=lambda: GrowingSeries(64))
    val: GrowingSeries = field(default_factory=lambda: GrowingSeries(64))
    acc_train: GrowingSeries = field(default_factory=lambda: GrowingSeries(64))
    acc_val: GrowingSeries = field(default_factory=lambda: GrowingSeries(64))
    epoch_marks: GrowingSeries = field(default_factory=lambda: GrowingSeries(64))  # x step, y epoch
    last_epoch: int = 0
    items: list[Any] = field(default_factory=list)  # plot items of a kept run
    color: str = ""  # colour of a kept run

    @property
    def epochs(self) -> list[int]:
        """The epoch numbers kept (older ones thinned in a long run)."""
        return [int(e) for e in self.epoch_marks.y]

    @property
    def empty(self) -> bool:
        return self.steps.n == 0 and self.train.n == 0 and self.val.n == 0


def _metric(row: dict[str, Any], prefix: str) -> float | None:
    for key in METRIC_KEYS:
        value = row.get(f"{prefix}_{key}")
        if value is not None:
            return float(value)
    return None


def curves_of(label: str, snaps: list[Any], smoothing: float) -> RunCurves:
    """The series of a run from its snapshots, oldest first (``batch_losses`` of the steps up
    to ``step``; ``epoch_rows`` of the epochs finished), smoothed with weight ``smoothing``."""
    run = RunCurves(label)
    state: tuple[float, int] = (0.0, 0)
    for snap in snaps:
        losses = np.asarray(snap.batch_losses, dtype=np.float64)
        if len(losses):
            first = int(snap.step) - len(losses) + 1
            xs = np.arange(first, first + len(losses), dtype=np.float64)
            run.steps.extend(xs, losses)
            smooth, state = ema(losses, smoothing, state)
            run.smooth.extend(xs, smooth)
        for row in getattr(snap, "epoch_rows", ()):
            if int(row["epoch"]) <= run.last_epoch:
                continue
            run.last_epoch = int(row["epoch"])
            x = np.array([float(row["step"])])
            run.epoch_marks.extend(x, np.array([float(row["epoch"])]))
            for series, value in ((run.train, row.get("train_loss")),
                                  (run.val, row.get("val_loss")),
                                  (run.acc_train, _metric(row, "train")),
                                  (run.acc_val, _metric(row, "val"))):
                if value is not None and np.isfinite(value):
                    series.extend(x, np.array([float(value)]))
    return run


class KeptRuns:
    """Earlier runs as dimmed curves (a mixin of ``LossPlot``: its ``run``, ``kept``,
    ``loss_plot``, ``metric_plot``, ``smoothing``, ``_update_key`` and ``_reset_current``)."""

    run: RunCurves
    kept: list[RunCurves]
    loss_plot: Any
    metric_plot: Any
    _ema_state: tuple[float, int]

    @property
    def smoothing(self) -> float:  # LossPlot's: the smoothing slider's weight
        raise NotImplementedError

    def _update_key(self) -> None: ...

    def _reset_current(self) -> None: ...

    def redraw(self) -> None: ...

    def start_run(self, label: str) -> None:
        """Begin a new run; the current one (if it has data) stays as dimmed curves."""
        if not self.run.empty:
            self._keep_run(self.run)
        self.run = RunCurves(label)
        self._reset_current()

    def rename_run(self, label: str) -> None:
        """Name the current run in the key (a timeline branch: where it forked)."""
        self.run.label = label
        self._update_key()

    def resume_run(self, label: str) -> bool:
        """The newest kept run called ``label`` is the current run again (a timeline branch
        switched back to: it trains on from its end), no longer dimmed; the current one is
        kept dimmed when it has data. False when no kept run has that name."""
        found = [r for r in self.kept if r.label == label]
        if not found:
            return False
        run = found[-1]
        self._drop_items(run)
        self.kept.remove(run)
        if not self.run.empty:
            self._keep_run(self.run)
        self.run = run
        self._reset_current()  # offsets and items of the current curve start afresh
        finite = int(np.isfinite(run.steps.y).sum()) if run.steps.n else 0
        if finite and np.isfinite(run.smooth.y[-1]):  # the smoothing goes on where it was
            weight = self.smoothing
            self._ema_state = (float(run.smooth.y[-1]) * (1.0 - weight ** finite), finite)
        self.redraw()
        return True

    def drop_runs(self, label: str) -> None:
        """Remove the dimmed curves of the earlier runs called ``label`` (a deleted branch)."""
        for run in [r for r in self.kept if r.label == label]:
            self._drop_items(run)
            self.kept.remove(run)
        self._update_key()

    def relabel_runs(self, old: str, new: str) -> None:
        """Earlier runs called ``old`` are called ``new`` now (a renamed branch)."""
        for run in self.kept:
            if run.label == old:
                run.label = new
        self._update_key()

    def keep_snapshots(self, label: str, snaps: list[Any]) -> RunCurves | None:
        """Keep the curve of a run trained elsewhere, from its snapshots, dimmed as an
        earlier run called ``label``; None when they hold no loss."""
        run = curves_of(label, snaps, self.smoothing)
        if run.empty:
            return None
        self._keep_run(run)
        return run

    def _keep_run(self, run: RunCurves) -> None:
        if len(self.kept) >= MAX_KEPT_RUNS:
            self._drop_items(self.kept.pop(0))
        color = pg.mkColor(run_color(len(self.kept)))
        color.setAlpha(150)
        solid = pg.mkPen(color, width=1.8)
        dashed = pg.mkPen(color, width=1.8, style=Qt.PenStyle.DashLine)
        main = run.smooth if run.smooth.n else run.train
        items = [self.loss_plot.plot(main.x.copy(), main.y.copy(), pen=solid,
                                     name=f"earlier: {run.label}")]
        if run.val.n:
            items.append(self.loss_plot.plot(run.val.x.copy(), run.val.y.copy(), pen=dashed))
        if run.acc_val.n:
            items.append(self.metric_plot.plot(run.acc_val.x.copy(), run.acc_val.y.copy(),
                                               pen=dashed))
        for item in items:
            item.setZValue(-5)
        run.items = items
        run.color = color.name()
        self.kept.append(run)
        self._update_key()

    def _drop_items(self, run: RunCurves) -> None:
        for item in run.items:
            plot = self.metric_plot if item.getViewBox() is self.metric_plot.vb else self.loss_plot
            plot.removeItem(item)
        run.items = []


def readout_text(run: RunCurves, metric_name: str, x: float) -> str:
    """The hover read-out of ``run`` at step ``x`` (empty when there is no data)."""
    lines = []
    steps = run.steps
    if steps.n:
        i = int(np.clip(np.searchsorted(steps.x, x), 0, steps.n - 1))
        lines.append(f"step {int(steps.x[i])}:   loss {steps.y[i]:.4g}"
                     f"   (smoothed {run.smooth.y[i]:.4g})")
    ends = run.train.x if run.train.n else run.val.x
    if len(ends):
        j = int(np.clip(np.searchsorted(ends, x), 0, len(ends) - 1))
        marks = run.epoch_marks
        e = int(np.clip(np.searchsorted(marks.x, ends[j]), 0, max(marks.n - 1, 0)))
        parts = [f"epoch {int(marks.y[e]) if marks.n else j + 1}:"]
        for name, series in (("train loss", run.train), ("val loss", run.val),
                             (f"train {metric_name}", run.acc_train),
                             (f"val {metric_name}", run.acc_val)):
            k = int(np.searchsorted(series.x, ends[j]))
            if k < series.n and series.x[k] == ends[j]:
                parts.append(f"{name} {series.y[k]:.4g}")
        lines.append("   ".join(parts))
    return "\n".join(lines)
