"""Loss landscapes in the window: the optimizer race on a classic surface, and the open
network's own loss surface along two filter-normalized directions.

``RaceView``: a contour map (pyqtgraph image + iso-lines) of an ``engine.landscape`` surface,
one path per optimizer stepping live from the same start (a GUI-thread QTimer steps the
``Race``: microseconds per step), a learning-rate slider (×0.01 … ×100 of each optimizer's
good rate) and, per optimizer, the verdict: too small, good, too large or diverging
(a diverged path ends in a cross); a click on the map races again from there.
``NetworkSurfaceView``: "Compute" takes a copy of the weights and the recorded training path
(``make_job()``, on the GUI thread), computes the surface on a worker thread, then draws it
with the training path projected onto it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.landscape import RACERS, SURFACES, LossSurface, Race
from engine.optimizers import OPTIMIZERS
from engine.types import LayerLabError

COLORS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6")
SCALES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
STEPS_PER_TICK, TICK_MS, RACE_STEPS = 2, 30, 400


def _image(xs: np.ndarray, ys: np.ndarray, vals: np.ndarray, log: bool, plot: pg.PlotItem
           ) -> None:
    """Heat map of vals[iy, ix] over the box plus 12 iso-lines."""
    finite = np.where(np.isfinite(vals), vals, np.nanmax(np.where(np.isfinite(vals), vals, 0)))
    shown = np.log10(finite - finite.min() + 1e-3) if log else finite
    img = pg.ImageItem(shown.T)
    img.setColorMap(pg.colormap.get("viridis"))
    img.setRect(float(xs[0]), float(ys[0]), float(xs[-1] - xs[0]), float(ys[-1] - ys[0]))
    img.setOpacity(0.8)
    plot.addItem(img)
    for level in np.linspace(shown.min(), shown.max(), 14)[1:-1]:
        iso = pg.IsocurveItem(data=shown.T, level=float(level), pen=pg.mkPen((255, 255, 255, 110)))
        iso.setParentItem(img)


class RaceView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.surface_box = QComboBox()
        for key, s in SURFACES.items():
            self.surface_box.addItem(s.title, key)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, len(SCALES) - 1)
        self.slider.setValue(SCALES.index(1.0))
        self.slider_label = QLabel()
        self.play_button = QPushButton("Pause")
        self.restart_button = QPushButton("Restart")
        self.blurb = QLabel()
        self.blurb.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setAspectLocked(False)
        self.legend = QGridLayout()
        self.verdict_labels: dict[str, QLabel] = {}
        for i, name in enumerate(RACERS):
            swatch = QLabel("━━")
            swatch.setStyleSheet(f"color: {COLORS[i]}; font-weight: bold")
            self.legend.addWidget(swatch, i, 0)
            self.legend.addWidget(QLabel(OPTIMIZERS[name].display_name), i, 1)
            self.verdict_labels[name] = QLabel()
            self.legend.addWidget(self.verdict_labels[name], i, 2)
        top = QHBoxLayout()
        for w in (QLabel("Surface:"), self.surface_box, QLabel("Learning rate:"), self.slider,
                  self.slider_label, self.play_button, self.restart_button):
            top.addWidget(w)
        body = QHBoxLayout()
        body.addWidget(self.plot, 1)
        side = QVBoxLayout()
        side.addLayout(self.legend)
        side.addStretch(1)
        body.addLayout(side)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.blurb)
        box.addLayout(body, 1)
        self.timer = QTimer(self, interval=TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.surface_box.currentIndexChanged.connect(self._new_surface)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.slider.valueChanged.connect(self.restart)
        self.restart_button.clicked.connect(self.restart)
        self.play_button.clicked.connect(self.toggle)
        self.race: Race | None = None
        self.start: tuple[float, float] | None = None  # None: the surface's own start
        self.restart()

    @property
    def lr_scale(self) -> float:
        return SCALES[self.slider.value()]

    def _new_surface(self) -> None:
        self.start = None
        self.restart()

    def _clicked(self, event: object) -> None:
        pos = self.plot.getPlotItem().vb.mapSceneToView(event.scenePos())  # type: ignore[attr-defined]
        self.set_start(pos.x(), pos.y())

    def set_start(self, x: float, y: float) -> None:
        """Race again from (x, y) (a click on the map), if it lies on the map."""
        x0, x1, y0, y1 = SURFACES[str(self.surface_box.currentData())].extent
        if x0 <= x <= x1 and y0 <= y <= y1:
            self.start = (float(x), float(y))
            self.restart()

    def restart(self) -> None:
        s = SURFACES[str(self.surface_box.currentData())]
        self.race = Race(s, self.lr_scale, start=self.start)
        self.blurb.setText(s.blurb + "  Click the map to start from another point.")
        self.slider_label.setText(f"× {self.lr_scale:g}")
        item = self.plot.getPlotItem()
        item.clear()
        xs, ys, vals = s.grid(90)
        _image(xs, ys, vals, s.log_colors, item)
        for m in s.minima:
            item.addItem(pg.ScatterPlotItem([m[0]], [m[1]], symbol="star", size=16,
                                            brush="w", pen="k"))
        self.curves = [item.plot([], [], pen=pg.mkPen(COLORS[i], width=2.5))
                       for i in range(len(RACERS))]
        self.heads = [pg.ScatterPlotItem(size=10, brush=COLORS[i], pen="k")
                      for i in range(len(RACERS))]
        for h in self.heads:
            item.addItem(h)
        x0, x1, y0, y1 = s.extent
        item.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self._redraw()
        self.timer.start()
        self.play_button.setText("Pause")

    def toggle(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.play_button.setText("Play")
        else:
            self.timer.start()
            self.play_button.setText("Pause")

    def tick(self) -> None:
        assert self.race is not None
        self.race.step(STEPS_PER_TICK)
        self._redraw()
        if self.race.steps >= RACE_STEPS or not self.race.running:
            self.timer.stop()
            self.play_button.setText("Play")

    def _redraw(self) -> None:
        assert self.race is not None
        for i, r in enumerate(self.race.racers):
            path = np.array(r.path)
            self.curves[i].setData(path[:, 0], path[:, 1])
            self.heads[i].setData([path[-1, 0]], [path[-1, 1]],
                                  symbol="x" if r.stopped else "o",
                                  size=18 if r.stopped else 10)
            verdict = self.race.verdict(r.name)
            self.verdict_labels[r.name].setText(
                f"{verdict} (lr {r.optimizer.learning_rate:.3g}, loss {loss_text(r.losses[-1])})")


def loss_text(loss: float) -> str:
    """A racer's loss for people: "≈ 0" below 1e-6 (not "1.1e-146"), else 3 significant
    digits without an exponent ("0.0000230", "0.0123", "2.5", "12,345")."""
    if not np.isfinite(loss):
        return "too large to show"
    if abs(loss) < 1e-6:
        return "≈ 0"
    if abs(loss) >= 1000:
        return f"{loss:,.0f}"
    return np.format_float_positional(loss, precision=3, fractional=False, trim="-")


class NetworkSurfaceView(QWidget):
    """The open network's loss surface. ``make_job()`` runs on the GUI thread and copies what
    the computation needs; the job it returns computes the LossSurface on a worker thread."""

    def __init__(self, make_job: Callable[[], Callable[[], LossSurface]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.make_job = make_job
        self.button = QPushButton("Compute the surface around the current weights")
        self.button.setEnabled(make_job is not None)
        self.info = QLabel("Loss along two random directions, each filter scaled to the "
                           "weights' own size (Li et al. 2018); the white line is the training "
                           "path seen from above.")
        self.info.setWordWrap(True)
        self.plot = pg.PlotWidget(labels={"bottom": "direction 1 (α)", "left": "direction 2 (β)"})
        box = QVBoxLayout(self)
        box.addWidget(self.button)
        box.addWidget(self.info)
        box.addWidget(self.plot, 1)
        self.button.clicked.connect(self.start)
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._future: Future[LossSurface] | None = None
        self._poll = QTimer(self, interval=50)
        self._poll.timeout.connect(self._check)
        self.surface: LossSurface | None = None

    def start(self) -> None:
        if self.make_job is None or self._future is not None:
            return
        try:
            job = self.make_job()
        except LayerLabError as err:
            self.info.setText(f"Cannot draw this network's surface: {err}")
            return
        self.button.setEnabled(False)
        self.info.setText("Computing the loss surface on the probe batch…")
        self._future = self._pool.submit(job)
        self._poll.start()

    def _check(self) -> None:
        if self._future is None or not self._future.done():
            return
        self._poll.stop()
        future, self._future = self._future, None
        self.button.setEnabled(True)
        try:
            self.show_surface(future.result())
        except LayerLabError as err:
            self.info.setText(f"Cannot draw this network's surface: {err}")

    def show_surface(self, surface: LossSurface) -> None:
        self.surface = surface
        item = self.plot.getPlotItem()
        item.clear()
        a, b = surface.alphas, surface.betas
        _image(a, b, surface.losses, True, item)
        if len(surface.path):
            item.plot(surface.path[:, 0], surface.path[:, 1], pen=pg.mkPen("w", width=2),
                      symbol="o", symbolSize=4, symbolBrush="w")
        item.addItem(pg.ScatterPlotItem([0], [0], symbol="star", size=16, brush="r"))
        n = len(a)
        self.info.setText(f"Loss at the current weights {surface.centre_loss:.4g}; grid {n}×{n} "
                          f"computed in {surface.seconds:.2f} s; {len(surface.path)} points of "
                          "the training path. The red star is where the network is now.")

    def shutdown(self) -> None:
        self._poll.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)


class LandscapeView(QTabWidget):
    def __init__(self, make_job: Callable[[], Callable[[], LossSurface]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.race = RaceView()
        self.network = NetworkSurfaceView(make_job)
        self.addTab(self.race, "Optimizer race")
        self.addTab(self.network, "This network's loss surface")

    def shutdown(self) -> None:
        self.race.timer.stop()
        self.network.shutdown()
