"""Live loss and accuracy curves of the current run, with earlier runs dimmed for comparison.

``LossPlot.add_snapshot(snap)`` appends ``snap.batch_losses`` (one point per optimizer step,
drawn lightly, plus an EMA-smoothed line) and, once per finished epoch, the epoch's train and
validation loss and accuracy. Buffers grow by doubling and the curves are updated in place with
peak downsampling and clip-to-view, so a run of 100k steps stays cheap. ``start_run(label)``
keeps the finished run as dimmed, labelled curves until ``clear_runs()`` (their bookkeeping,
and a curve kept from another run's snapshots: ``loss_runs.KeptRuns``). Controls: log scale,
smoothing, accuracy plot toggle; hovering shows a crosshair and the values under it.
A GAN run also draws the generator's loss (``gan_loss.GeneratorLoss``); the step axis grows
in coarse jumps (``coarse_range.CoarseXRange``), so it is not redrawn every frame, and ends at
the last step once the run's final snapshot (``is_final``) arrives.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from widgets.plots.coarse_range import CoarseXRange
from widgets.plots.gan_loss import GeneratorLoss
from widgets.plots.loss_key import key_html, key_tooltip
from widgets.plots.loss_runs import MAX_KEPT_RUNS, KeptRuns, RunCurves, readout_text  # noqa: F401
from widgets.plots.palette import (
    LABEL_PT,
    VALIDATION,
    PlotStyle,
    axis_font,
    compact_axes,
    current_style,
    plot_style,
    style_axes,
)
from widgets.plots.series import MAX_POINTS, GrowingSeries, ema, thin_older_half  # noqa: F401

REDRAW_INTERVAL_S = 1 / 12  # the curves follow the data at most ~12 times a second
MAX_MARKED_EPOCHS = 60
DEFAULT_SMOOTHING = 0.9
MIN_HEIGHT_FOR_METRIC = 300  # below this the accuracy plot would squash the loss plot


class LossPlot(QWidget, KeptRuns):
    """Loss per step and per epoch (train/validation), accuracy per epoch, earlier runs dimmed."""

    MIN_WIDTH_BESIDE = 460  # a short panel this wide shows the accuracy beside the loss

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.style_ = current_style()
        self.run = RunCurves("run 1")
        self.kept: list[RunCurves] = []
        self.metric_name = ""
        self._ema_state: tuple[float, int] = (0.0, 0)
        self._step_offset = self._epoch_offset = 0
        self.finished = False  # the run's final snapshot came: the step axis ends at its end
        self.min_redraw_interval = REDRAW_INTERVAL_S
        self._last_redraw = 0.0
        self._redraw_timer = QTimer(self, singleShot=True)
        self._redraw_timer.timeout.connect(self.redraw)
        self._build_controls()
        self._build_plots()
        self.set_theme(self.style_.name)

    # -- construction --------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.log_box = QCheckBox("Log scale")
        self.log_box.toggled.connect(self.set_log_scale)
        self.smooth_slider = QSlider(Qt.Orientation.Horizontal)
        self.smooth_slider.setRange(0, 99)
        self.smooth_slider.setValue(int(DEFAULT_SMOOTHING * 100))
        self.smooth_slider.setToolTip("Exponential moving average of the per-step loss")
        self.smooth_slider.valueChanged.connect(self._on_smoothing_changed)
        self.smooth_label = QLabel()
        self.acc_box = QCheckBox("Accuracy")  # hidden where no metric applies: set_metric
        self.metric_applies = True
        self.acc_box.setChecked(True)
        self.acc_box.toggled.connect(self._show_metric_plot)
        row = QHBoxLayout()
        row.setContentsMargins(6, 2, 6, 0)
        row.addWidget(self.log_box)
        row.addSpacing(6)
        row.addWidget(QLabel("Smoothing"))
        row.addWidget(self.smooth_slider, 1)
        row.addWidget(self.smooth_label)
        row.addSpacing(6)
        row.addWidget(self.acc_box)
        self.smooth_slider.setMinimumWidth(50)  # the row fits a 1280×720 screen's column
        self._on_smoothing_changed(self.smooth_slider.value())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        self.graphics = pg.GraphicsLayoutWidget()
        layout.addWidget(self.graphics, 1)
        self.key = QLabel()  # the legend, under the plots so it never hides a curve
        self.key.setTextFormat(Qt.TextFormat.RichText)
        self.key.setWordWrap(True)
        self.key.setContentsMargins(6, 0, 6, 2)
        layout.addWidget(self.key)
        self.note = QLabel()  # says when the ticked accuracy plot has no room
        self.note.setWordWrap(True)
        self.note.setContentsMargins(6, 0, 6, 2)
        self.note.setProperty("role", "muted")
        self.note.hide()
        layout.addWidget(self.note)
        self.metric_hidden = False
        self._metric_place = (1, 0)

    def _build_plots(self) -> None:
        self.loss_plot = self.graphics.addPlot(row=0, col=0, axisItems=compact_axes())
        self.metric_plot = pg.PlotItem(axisItems=compact_axes())
        self.metric_plot.setXLink(self.loss_plot)
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        for plot in (self.loss_plot, self.metric_plot):
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            plot.setMenuEnabled(False)
            plot.getAxis("left").setWidth(64)
            plot.getAxis("left").setStyle(maxTextLevel=0)  # label the major ticks only
        self.raw_item = self.loss_plot.plot(name=None)
        self.smooth_item = self.loss_plot.plot(name="train (per step, smoothed)")
        self.train_item = self.loss_plot.plot(name="train (epoch mean)", symbol="o",
                                              symbolSize=8)
        self.val_item = self.loss_plot.plot(name="validation (epoch)", symbol="s",
                                            symbolSize=8)
        self.generator = GeneratorLoss(self.loss_plot)  # a GAN run's second loss curve
        self.x_range = CoarseXRange(self.loss_plot, self.metric_plot)  # no redraw per frame
        self.acc_train_item = self.metric_plot.plot(name="train", symbol="o", symbolSize=7)
        self.acc_val_item = self.metric_plot.plot(name="validation", symbol="s", symbolSize=7)
        self.crosshair = pg.InfiniteLine(angle=90, movable=False)
        self.crosshair.setZValue(20)
        self.loss_plot.addItem(self.crosshair, ignoreBounds=True)
        self.crosshair.hide()
        self.readout = pg.TextItem(anchor=(0, 1))  # pixel-placed in the view's lower left
        self.readout.setParentItem(self.loss_plot.vb)
        self.readout.setZValue(30)
        self.readout.setFont(axis_font(LABEL_PT))
        self.readout.hide()
        self._mouse = pg.SignalProxy(self.graphics.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._on_mouse_moved)

    def set_theme(self, name: str) -> None:
        """Recolour every curve for the ``"light"`` or ``"dark"`` theme."""
        s = self.style_ = plot_style(name)
        self.graphics.setBackground(s.background)
        style_axes(self.loss_plot, s, left="loss", bottom="step")
        style_axes(self.metric_plot, s, left=self.metric_name or "accuracy", bottom="step")
        for plot in (self.loss_plot, self.metric_plot):
            plot.showGrid(x=True, y=True, alpha=s.grid_alpha)
        raw = pg.mkColor(s.train)
        raw.setAlpha(55 if s.name == "light" else 45)
        self.raw_item.setPen(pg.mkPen(raw, width=1))
        self.smooth_item.setPen(pg.mkPen(s.train, width=2.5))
        self._style_epoch_item(self.train_item, s.train, Qt.PenStyle.SolidLine, s)
        self._style_epoch_item(self.val_item, VALIDATION, Qt.PenStyle.DashLine, s)
        self._style_epoch_item(self.acc_train_item, s.train, Qt.PenStyle.SolidLine, s)
        self._style_epoch_item(self.acc_val_item, VALIDATION, Qt.PenStyle.DashLine, s)
        self.generator.set_theme(s)
        self.crosshair.setPen(pg.mkPen(s.muted, width=1, style=Qt.PenStyle.DotLine))
        self.readout.fill = pg.mkBrush(s.background + "E6")
        self.readout.border = pg.mkPen(s.muted)
        self.readout.setColor(s.foreground)
        self._update_key()

    @staticmethod
    def _style_epoch_item(item: pg.PlotDataItem, color: str, dash: Qt.PenStyle,
                          s: PlotStyle) -> None:
        item.setPen(pg.mkPen(color, width=2.5, style=dash))
        item.setSymbolBrush(pg.mkBrush(color))
        item.setSymbolPen(pg.mkPen(s.background, width=1))

    # -- public API ----------------------------------------------------------------------------
    def add_snapshot(self, snap: Any) -> None:
        """Append a snapshot's step losses and, at a new epoch, its epoch values."""
        losses = np.asarray(snap.batch_losses, dtype=np.float64)
        if len(losses):
            first = int(snap.step) - len(losses) + 1 + self._step_offset
            if self.run.steps.n and first <= self.run.steps.x[-1]:  # the counters restarted
                self._step_offset += int(self.run.steps.x[-1]) + 1 - first
                first = int(self.run.steps.x[-1]) + 1
                self._epoch_offset = self.run.last_epoch
            xs = np.arange(first, first + len(losses), dtype=np.float64)
            self.run.steps.extend(xs, losses)
            smooth, self._ema_state = ema(losses, self.smoothing, self._ema_state)
            self.run.smooth.extend(xs, smooth)
            extra = getattr(snap, "extra", None)
            g_losses = extra.get("g_losses") if isinstance(extra, dict) else None
            if g_losses is not None and self.generator.add(first, len(losses), g_losses,
                                                           self.smoothing):
                self._update_key()  # a GAN: "discriminator" and "generator"
        rows = []  # every epoch since the last snapshot
        for row in getattr(snap, "epoch_rows", ()):
            epoch = int(row["epoch"]) + self._epoch_offset
            if epoch > self.run.last_epoch:
                self.run.last_epoch = epoch
                rows.append(row)
        if rows:
            self._add_epochs(rows)
        self.finished = bool(getattr(snap, "is_final", False))
        self._request_redraw()

    def _request_redraw(self) -> None:
        """Redraw now, or once the interval since the last redraw has passed (coalesced).

        Repainting a long loss curve costs ~15 ms of the GUI thread; at the 30 Hz snapshot rate
        that would be half of it, so the curves follow at most ``min_redraw_interval``.
        """
        wait = self.min_redraw_interval - (time.perf_counter() - self._last_redraw)
        if wait <= 0:
            self._redraw_timer.stop()
            self.redraw()
        elif not self._redraw_timer.isActive():
            self._redraw_timer.start(max(1, int(wait * 1000)))

    def redraw(self) -> None:
        """Give every curve of the current run its buffered data."""
        self._last_redraw = time.perf_counter()
        run = self.run
        pairs = ((self.raw_item, run.steps), (self.smooth_item, run.smooth),
                 (self.train_item, run.train), (self.val_item, run.val),
                 (self.acc_train_item, run.acc_train), (self.acc_val_item, run.acc_val))
        for item, series in pairs:
            item.setData(series.x, series.y)
        self.generator.redraw()
        ends = [float(s.x[-1]) for _, s in pairs if s.n] + [self.generator.last_x()]
        ends += [float(item.xData[-1]) for r in self.kept for item in r.items
                 if item.xData is not None and len(item.xData)]
        self.x_range.fit(max(ends), final=self.finished)

    def _add_epochs(self, rows: list[dict[str, float]]) -> None:
        """Append finished epochs' values; one ``setData`` per curve however many rows came
        (a tiny dataset finishes hundreds of epochs a second)."""
        x = np.array([float(int(row["step"]) + self._step_offset) for row in rows])
        self.run.epoch_marks.extend(x, np.array([float(row["epoch"]) + self._epoch_offset
                                            for row in rows]))
        for series, item, values in (
            (self.run.train, self.train_item, [row.get("train_loss") for row in rows]),
            (self.run.val, self.val_item, [row.get("val_loss") for row in rows]),
            (self.run.acc_train, self.acc_train_item, [self._metric(r, "train") for r in rows]),
            (self.run.acc_val, self.acc_val_item, [self._metric(r, "val") for r in rows]),
        ):
            y = np.array([np.nan if v is None else float(v) for v in values])
            keep = np.isfinite(y)
            if not keep.any():
                continue
            before = series.n
            series.extend(x[keep], y[keep])
            if before <= MAX_MARKED_EPOCHS < series.n:  # markers would crowd: line only
                item.setSymbol(None)
        self._show_metric_plot()

    def _metric(self, metrics: dict[str, float], prefix: str) -> float | None:
        for key, name in (("accuracy", "accuracy"), ("r2", "R²")):
            value = metrics.get(f"{prefix}_{key}")
            if value is not None:
                if self.metric_name != name:
                    self.metric_name = name
                    style_axes(self.metric_plot, self.style_, left=name, bottom="step")
                return float(value)
        return None

    def clear_runs(self) -> None:
        """Forget every run, the current one included."""
        for run in self.kept:
            self._drop_items(run)
        self.kept.clear()
        self.run = RunCurves(self.run.label)
        self._reset_current()
        for plot in (self.loss_plot, self.metric_plot):  # an empty plot keeps its last range:
            plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)  # not the old project's
            plot.enableAutoRange()
        self.x_range.reset()

    def set_metric(self, name: str | None) -> None:
        """The project's metric: "accuracy" or "R²" names the checkbox; None (an autoencoder,
        a GAN: no metric) hides the checkbox and the metric plot, not just empties them."""
        self.metric_applies = name is not None
        self.acc_box.setVisible(self.metric_applies)
        if name is not None:
            self.acc_box.setText(name[:1].upper() + name[1:])
        self._show_metric_plot()

    def set_log_scale(self, on: bool) -> None:
        if self.log_box.isChecked() != on:
            self.log_box.setChecked(on)  # re-enters through toggled
            return
        self.loss_plot.setLogMode(y=on)

    @property
    def log_scale(self) -> bool:
        return bool(self.loss_plot.getAxis("left").logMode)

    @property
    def smoothing(self) -> float:
        return self.smooth_slider.value() / 100.0

    def set_smoothing(self, weight: float) -> None:
        self.smooth_slider.setValue(int(round(weight * 100)))

    # -- runs ----------------------------------------------------------------------------------
    def _reset_current(self) -> None:
        self._ema_state, self._step_offset, self._epoch_offset = (0.0, 0), 0, 0
        self.finished = False
        for item in (self.raw_item, self.smooth_item, self.train_item, self.val_item,
                     self.acc_train_item, self.acc_val_item):
            item.setData([], [])
        self.generator.clear()
        for item, symbol in ((self.train_item, "o"), (self.val_item, "s"),
                             (self.acc_train_item, "o"), (self.acc_val_item, "s")):
            item.setSymbol(symbol)
        self._update_key()
        self._show_metric_plot()

    def _show_metric_plot(self, *_: Any) -> None:
        """The accuracy (or R²) plot under the loss — beside it when the panel is short but
        wide; with no room at all a note under the plots says so and gives the last value."""
        has_data = self.run.acc_val.n + self.run.acc_train.n > 0 or any(
            r.acc_val.n for r in self.kept)
        height, width = self.graphics.height(), self.graphics.width()
        roomy = height >= MIN_HEIGHT_FOR_METRIC or not self.isVisible()
        beside = not roomy and width >= max(self.MIN_WIDTH_BESIDE, 2 * height)
        ticked = self.metric_applies and self.acc_box.isChecked()
        want = ticked and has_data and (roomy or beside)
        place = (0, 1) if beside else (1, 0)
        shown = self.metric_plot.scene() is not None
        if shown and (not want or self._metric_place != place):
            self.graphics.removeItem(self.metric_plot)
            shown = False
        if want and not shown:
            self.graphics.addItem(self.metric_plot, row=place[0], col=place[1])
            self.graphics.ci.layout.setRowStretchFactor(1, 0 if beside else 1)
            self._metric_place = place
        self.metric_hidden = ticked and has_data and not want
        self._update_note()

    def _update_note(self) -> None:
        """Say that the metric curve has no room (never hide a ticked plot silently)."""
        if not self.metric_hidden:
            self.note.hide()
            return
        series = self.run.acc_val if self.run.acc_val.n else self.run.acc_train
        last = f" (last: {series.y[series.n - 1]:.3g})" if series.n else ""
        name = self.metric_name or "accuracy"
        self.note.setText(f"The {name} curve{last} needs a taller or wider Loss panel: "
                          f"drag its edge.")
        self.note.show()

    def _on_smoothing_changed(self, value: int) -> None:
        self.smooth_label.setText(f"{value / 100:.2f}")
        if not hasattr(self, "run") or not hasattr(self, "smooth_item"):
            return
        smooth, self._ema_state = ema(self.run.steps.y, self.smoothing)
        self.run.smooth.clear()
        self.run.smooth.extend(self.run.steps.x, smooth)
        self.smooth_item.setData(self.run.smooth.x, self.run.smooth.y)
        self.generator.resmooth(self.smoothing)

    def _update_key(self) -> None:
        gan = self.generator.color if self.generator.active else None
        self.key.setText(key_html(self.style_, self.run.label, gan,
                                  [(run.label, run.color) for run in self.kept]))
        self.key.setToolTip(key_tooltip(self.run.label))

    # -- hover read-out ------------------------------------------------------------------------
    def readout_at(self, x: float) -> str:
        """Text of the read-out for step ``x`` (empty when there is no data)."""
        return readout_text(self.run, self.metric_name, x)

    def _on_mouse_moved(self, event: tuple) -> None:
        pos = event[0]
        vb = self.loss_plot.vb
        if not vb.sceneBoundingRect().contains(pos) or self.run.empty:
            self.crosshair.hide()
            self.readout.hide()
            return
        x = vb.mapSceneToView(pos).x()
        self.crosshair.setPos(x)
        self.readout.setText(self.readout_at(x))
        self.readout.setPos(4, vb.height() - 4)
        self.crosshair.show()
        self.readout.show()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._show_metric_plot()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(560, 380)
