"""Training dynamics: how each layer's weights, gradients and activations move over time.

Reads ``snapshot.probes["introspection:dynamics"]`` (``engine.introspection.dynamics``):
``weight_hist``/``grad_hist`` ``{"LAYER/PARAM": {"counts" (bins,), "edges" (bins+1,)}}``,
``act_hist`` ``{LAYER: ...}``, ``grad_norm``, ``update_ratio``, ``dead_fraction``
``{LAYER: float}`` and ``layers``. The update ratio (since the previous frame) is divided by
the optimizer steps between the two frames, to compare with the 10⁻³-per-step rule of thumb.
Every new frame (a new result object) adds one column to the history heatmap (x = probe
frame, y = value, brightness = share of values in that bin, per column); the bars below show
the latest frame. Asks with ``requests_changed({"dynamics": {}})``. At a projector's 1280×720
every plot keeps >= 110 px of data height (the Look-inside dock scrolls instead of squashing the
four plots to ~20 px each) and the caption wraps whole (``wrap_fit.keep_whole``).
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QWidget

from widgets.plots.palette import AXIS_PT, OKABE_ITO, map_lut, plot_style, scaled_pt
from widgets.views.common import ViewFrame, fill_combo
from widgets.views.inspect_common import axes, probe_result
from widgets.views.wrap_fit import keep_whole

MAX_FRAMES = 200
HEAT_MIN_PX = 110 + 50  # the history's data area >= 110 px (a projector) + its time axis
BARS_MIN_PX = 110 + 70  # each bar plot's data area >= 110 px + its title and layer axis
KINDS = (("weights", "weight_hist", "weight value"),
         ("gradients", "grad_hist", "log₁₀ |gradient|"),
         ("activations", "act_hist", "activation value"))
CAPTION = ("Top: how the values of one layer spread over time (bright = many values). "
           "Bottom: gradient size, step size relative to the weights (about 10⁻³ is healthy) "
           "and the share of ReLUs that never fire, per layer.")


def rebin(counts: np.ndarray, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Counts over ``old`` edges moved to ``new`` edges (each old bin by its centre)."""
    centres = (old[:-1] + old[1:]) / 2
    return np.histogram(np.clip(centres, new[0], new[-1]), bins=new, weights=counts)[0]


def log_ticks(lo: int, hi: int) -> list[list[tuple[float, str]]]:
    return [[(float(e), f"1e{e}") for e in range(lo, hi + 1)]]


class DynamicsView(ViewFrame):
    """History heatmap of one layer's histogram plus per-layer bars of the latest frame."""

    requests_changed = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, "Press Play or Step: the dynamics appear after the first "
                                  "probe of a network with weights.", parent)
        self.kind_box = QComboBox()
        for text, key, _ in KINDS:
            self.kind_box.addItem(text, key)
        self.kind_box.setToolTip("Which values to follow over time")
        self.key_box = QComboBox()
        self.key_box.setMinimumContentsLength(14)
        self.key_box.setToolTip("Which layer (and parameter) to follow")
        for widget in (QLabel("show"), self.kind_box, QLabel("of"), self.key_box):
            self.bar.addWidget(widget)
        self.bar.addStretch(1)
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        self.heat_widget = pg.PlotWidget()
        self.heat_plot = self.heat_widget.getPlotItem()
        self.heat = pg.ImageItem(axisOrder="row-major")
        self.heat.setLookupTable(map_lut())
        self.heat_plot.addItem(self.heat)
        grid.addWidget(self.heat_widget, 0, 0, 1, 3)
        self.bar_widgets = [pg.PlotWidget() for _ in range(3)]
        self.bar_items = [pg.BarGraphItem(x=[], height=[], width=0.7) for _ in range(3)]
        for col, (w, item) in enumerate(zip(self.bar_widgets, self.bar_items, strict=True)):
            w.getPlotItem().addItem(item)
            grid.addWidget(w, 1, col)
        self.healthy = pg.InfiniteLine(pos=-3, angle=0, pen=pg.mkPen(OKABE_ITO["green"],
                                                                     width=2, dash=[4, 4]))
        self.bar_widgets[1].getPlotItem().addItem(self.healthy)
        for w in (self.heat_widget, *self.bar_widgets):
            w.getPlotItem().setMenuEnabled(False)
            w.getPlotItem().hideButtons()
            w.getPlotItem().setMouseEnabled(x=False, y=False)
        self.heat_widget.setMinimumHeight(HEAT_MIN_PX)  # a short dock scrolls instead
        for w in self.bar_widgets:
            w.setMinimumHeight(BARS_MIN_PX)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        self.set_content(body)
        keep_whole(self.caption)
        self.history: dict[tuple[str, str], dict[str, Any]] = {}
        self.frames = 0
        self.latest: dict[str, Any] | None = None
        self._last_frame: Any = None
        self._ratio: dict[str, float] = {}
        self._steps = self._frame_step = 0  # optimizer steps between the last two frames
        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        self.key_box.currentIndexChanged.connect(self._redraw_heat)
        self.set_theme(self.style_.name)

    def probe_requests(self) -> dict[str, dict[str, Any]]:
        return {"dynamics": {}}

    def set_model_context(self, _context: Any) -> None:
        """Another network: its history starts over."""
        self.clear()

    def clear(self) -> None:
        """Forget the history (a new model; also done when the step count goes back)."""
        self.history.clear()
        self.frames, self.latest, self._last_frame, self._ratio = 0, None, None, {}
        self._steps = self._frame_step = 0
        self.key_box.clear()
        self.show_hint()

    @property
    def kind(self) -> str:
        return str(self.kind_box.currentData())

    def update(self, snapshot: Any = None) -> None:  # type: ignore[override]
        """Add ``snapshot``'s dynamics frame (when new) and redraw."""
        if snapshot is None:
            super().update()
            return
        result, error = probe_result(snapshot, "dynamics")
        if error is not None:
            self.show_hint(error)
            return
        if result is None or result is self._last_frame:
            return
        step = int(getattr(snapshot, "step", 0))
        if step < self._frame_step:  # a new run started: a new history
            self.clear()
        self._last_frame, self.latest = result, result
        self._steps, self._frame_step = max(step - self._frame_step, 0), step
        self.frames += 1
        for _, kind, _ in KINDS:
            for key, h in result.get(kind, {}).items():
                self._add(kind, key, np.asarray(h["counts"]), np.asarray(h["edges"]))
        self._fill_keys()
        self._redraw_heat()
        self._redraw_bars()
        self.show_content()

    def _add(self, kind: str, key: str, counts: np.ndarray, edges: np.ndarray) -> None:
        entry = self.history.get((kind, key))
        if entry is None:
            entry = self.history[(kind, key)] = {"edges": edges, "cols": deque(maxlen=MAX_FRAMES)}
        elif not np.array_equal(entry["edges"], edges):  # the engine widened the edges
            entry["cols"] = deque((rebin(c, entry["edges"], edges) for c in entry["cols"]),
                                  maxlen=MAX_FRAMES)
            entry["edges"] = edges
        entry["cols"].append(counts.astype(np.float64))

    def _fill_keys(self) -> None:
        fill_combo(self.key_box, [k for kind, k in self.history if kind == self.kind])

    def _kind_changed(self, *_: object) -> None:
        self._fill_keys()
        self._redraw_heat()

    def heat_matrix(self) -> np.ndarray | None:
        """(bins, T) shares per column of the selected key, or None."""
        entry = self.history.get((self.kind, self.key_box.currentText()))
        if entry is None or not entry["cols"]:
            return None
        m = np.stack(list(entry["cols"]), axis=1)  # (bins, T)
        top = m.max(axis=0, keepdims=True)
        return np.divide(m, top, out=np.zeros_like(m), where=top > 0)

    def _redraw_heat(self, *_: object) -> None:
        m = self.heat_matrix()
        if m is None:
            return
        entry = self.history[(self.kind, self.key_box.currentText())]
        edges = entry["edges"]
        self.heat.setImage(m, levels=(0.0, 1.0), autoLevels=False)
        first = self.frames - m.shape[1]
        self.heat.setRect(QRectF(first, float(edges[0]), m.shape[1],
                                 float(edges[-1] - edges[0])))
        self.heat_plot.setRange(xRange=(first, first + max(m.shape[1], 2)),
                                yRange=(float(edges[0]), float(edges[-1])), padding=0)
        label = next(lab for _, k, lab in KINDS if k == self.kind)
        axes(self.heat_plot, self.style_, left=label, bottom="probe frame (time →)")

    def _redraw_bars(self) -> None:
        r = self.latest or {}
        layers = list(r.get("layers", []))
        dead = r.get("dead_fraction", {})
        ratio = r.get("update_ratio", {})
        if self._steps > 0 and any(v > 0 for v in ratio.values()):  # per step (roughly)
            self._ratio = {k: v / self._steps for k, v in ratio.items()}
        ratio = self._ratio  # paused: no step since the previous frame; keep the last one
        series = (
            (layers, [r.get("grad_norm", {}).get(n, np.nan) for n in layers], True),
            (layers, [ratio.get(n, np.nan) for n in layers], True),
            (list(dead), [dead[n] for n in dead], False),
        )
        for n, (w, item, (names, values, log)) in enumerate(zip(self.bar_widgets,
                                                                self.bar_items, series,
                                                                strict=True)):
            v = np.asarray(values, dtype=np.float64)
            ok = np.isfinite(v) & ((v > 0) if log else True)
            x = np.arange(len(names))[ok]
            if log:
                floor = np.floor(np.log10(v[ok]).min()) - 1 if ok.any() else -6.0
                top = max(np.ceil(np.log10(v[ok]).max()), floor + 2) if ok.any() else 0.0
                if n == 1:  # keep the healthy 10⁻³ line in view
                    floor, top = min(floor, -4.0), max(top, -2.0)
                item.setOpts(x=x, y0=floor, height=np.log10(v[ok]) - floor, width=0.7)
                w.getPlotItem().getAxis("left").setTicks(log_ticks(int(floor), int(top)))
                w.getPlotItem().setYRange(floor, top, padding=0.05)
            else:
                item.setOpts(x=x, y0=0, height=v[ok], width=0.7)
                w.getPlotItem().setYRange(0, 1, padding=0.05)
            w.getPlotItem().getAxis("bottom").setTicks([list(enumerate(names))])
            w.getPlotItem().setXRange(-0.6, max(len(names), 1) - 0.4, padding=0)

    def set_theme(self, name: str) -> None:
        s = self.theme_style(name)
        style = plot_style(s.name)
        self.heat_widget.setBackground(s.background)
        titles = ("gradient norm", "update / weight per step", "dead ReLUs (share)")
        for w, item, title in zip(self.bar_widgets, self.bar_items, titles, strict=True):
            w.setBackground(s.background)
            axes(w.getPlotItem(), style)
            w.getPlotItem().setTitle(title, color=s.foreground, size=f"{scaled_pt(AXIS_PT)}pt")
            item.setOpts(brush=style.train, pen=None)
        self.heat.setLookupTable(map_lut())
        label = next(lab for _, k, lab in KINDS if k == self.kind)
        axes(self.heat_plot, style, left=label, bottom="probe frame (time →)")
