"""Playground-style picture of a small dense network: neurons as activation maps, weights as lines.

``set_structure([(layer, units), ...])`` lays the layers out left to right. ``update(snapshot)``
colours every connection by the sign of its weight (``weights:LAYER/kernel``, ``(in, out)``;
orange negative, blue positive) and sets its width and opacity by ``|w|`` (relative to the
largest weight), and draws each neuron as a small heat map of its activation over the 2-D
input grid (``neuron_map:LAYER``, ``(G, G, units)``). Lines are grouped into a few
width/colour bins, each one ``PlotCurveItem(connect="pairs")``, and each layer's neurons form
one RGBA image, so an update costs a handful of ``setData``/``setImage`` calls whatever the
size. Hovering a line shows its weight. Layers wider than 64 neurons, or more than 64
layers, get a text instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsItem, QLabel, QStackedWidget, QVBoxLayout, QWidget

from widgets.plots.palette import (
    LABEL_PT,
    NEGATIVE,
    axis_font,
    current_style,
    diverging_lut,
    plot_style,
    shade,
)

MAX_UNITS = 64
MAX_COLUMNS = 64  # layers drawn side by side (a 20,000-layer chain would take minutes and GBs)
TOO_LARGE = "Network view shows dense networks of up to 64 neurons per layer"
TOO_DEEP = "Network view shows dense networks of up to 64 layers"
EMPTY = "Add Dense layers to see the network here"
LEGEND = "Weights: orange < 0, blue > 0, thicker = larger."
MAPS_LEGEND = "  Squares: each neuron's response over the input plane."
TIP = ("Each line is one weight: orange negative, blue positive, its width the size of the\n"
       "weight. Each square shows a neuron's activation for every point of the input plane.\n"
       "Point at a line to read its value.")
LEVELS = 6  # width bins per sign
SQUARE = 0.72  # neuron square size; neurons are 1.0 apart
HOVER_PX = 6.0
LABEL_WIDTH_PX = 150
MIN_HEIGHT_FOR_LABELS = 200


@dataclass
class Geometry:
    """Where the neurons and the candidate connections are, in view units."""

    xs: np.ndarray  # (L,) x of each layer column
    ys: list[np.ndarray]  # per layer: (units,) y of each neuron, top first
    seg: np.ndarray  # (S, 4) x0, y0, x1, y1 of every possible connection
    pair: np.ndarray  # (S,) index of the target layer of each connection
    src: np.ndarray  # (S,) source neuron
    dst: np.ndarray  # (S,) target neuron
    starts: list[int]  # first segment of each target layer (index 0 unused)


def layout(units: list[int]) -> Geometry:
    """Columns ``spacing`` apart, neurons 1 apart and centred, all-to-all candidate lines."""
    spacing = max(3.5, 0.35 * max(units, default=0) + 1.5)
    xs = np.arange(len(units)) * spacing
    ys = [((n - 1) / 2 - np.arange(n)).astype(np.float64) for n in units]
    segs, pair, src, dst, starts = [], [], [], [], [0]
    total = 0
    for i in range(1, len(units)):
        a, b = units[i - 1], units[i]
        s, d = np.divmod(np.arange(a * b), b)  # row-major (in, out) like the kernel
        segs.append(np.stack([np.full(a * b, xs[i - 1] + SQUARE / 2), ys[i - 1][s],
                              np.full(a * b, xs[i] - SQUARE / 2), ys[i][d]], axis=1))
        pair.append(np.full(a * b, i))
        src.append(s)
        dst.append(d)
        starts.append(total)
        total += a * b
    return Geometry(xs, ys, _cat(segs, (0, 4), float), _cat(pair, (0,), int),
                    _cat(src, (0,), int), _cat(dst, (0,), int), starts)


def _cat(parts: list[np.ndarray], empty: tuple[int, ...], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(empty, dtype)


def weight_widths(weights: np.ndarray) -> np.ndarray:
    """Line width in pixels for each weight: 0.5 px at 0 up to 6 px at the largest ``|w|``."""
    mag = np.abs(np.nan_to_num(weights))
    top = float(mag.max()) if mag.size else 0.0
    return 0.5 + 5.5 * (mag / top if top > 0 else mag)


class NetworkView(QWidget):
    """Neurons, weights and activation maps of a small dense network."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.style_ = current_style()
        self.layers: list[tuple[str, int]] = []
        self.geo = layout([])
        self.weights = np.zeros(0)  # (S,) NaN where a connection is not drawn
        self.neutral = np.zeros(0, bool)  # one-to-one links of layers without a kernel
        self.widths = np.zeros(0)
        self.group = np.zeros(0, int)
        self._atlas: list[np.ndarray | None] = []
        self._build()
        self.set_theme(self.style_.name)

    def _build(self) -> None:
        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        plot = self.plot = self.plot_widget.getPlotItem()
        for name in ("left", "bottom"):
            plot.hideAxis(name)
        plot.setAspectLocked(True)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self.bins = [pg.PlotCurveItem() for _ in range(2 * LEVELS + 1)]  # last: neutral
        self.highlight = pg.PlotCurveItem()
        self.outlines = pg.PlotCurveItem()
        for item in (*self.bins, self.highlight, self.outlines):  # pixmaps: a new map is a blit
            plot.addItem(item)
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.highlight.setZValue(5)
        self.outlines.setZValue(4)
        self.images: list[pg.ImageItem] = []
        self.labels: list[pg.TextItem] = []
        self.tip = pg.TextItem(anchor=(0, 1))
        self.tip.setZValue(10)
        self.tip.setFont(axis_font(LABEL_PT))
        plot.addItem(self.tip, ignoreBounds=True)
        self.tip.hide()
        self._build_notes()
        self._mouse = pg.SignalProxy(self.plot_widget.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._on_mouse_moved)

    def _build_notes(self) -> None:
        """The text shown instead of the network, the one-line key, and the layout."""
        self.message = QLabel(EMPTY)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setProperty("role", "muted")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.plot_widget)
        self.stack.addWidget(self.message)
        self.legend_label = QLabel(LEGEND)
        self.legend_label.setWordWrap(True)
        self.legend_label.setContentsMargins(6, 0, 6, 2)
        self.setToolTip(TIP)
        self.legend_label.setProperty("role", "muted")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.stack, 1)
        box.addWidget(self.legend_label)
        self.stack.setCurrentWidget(self.message)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(520, 380)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_labels()

    def _fit_labels(self) -> None:
        """Layer names are pixel-sized: in a very small view they would cover the network."""
        show = self.plot_widget.height() >= MIN_HEIGHT_FOR_LABELS or not self.isVisible()
        for label in self.labels:
            label.setVisible(show)

    # -- structure -----------------------------------------------------------------------------
    @property
    def too_large(self) -> bool:
        return len(self.layers) > MAX_COLUMNS or any(units > MAX_UNITS for _, units in self.layers)

    def _note(self) -> str:
        if not self.layers:
            return EMPTY
        if len(self.layers) > MAX_COLUMNS:
            return f"{TOO_DEEP}.\n(This one has {len(self.layers):,}.)"
        name, units = max(self.layers, key=lambda layer: layer[1])
        return f"{TOO_LARGE}.\n(“{name}” has {units}.)"

    def set_structure(self, layers: list[tuple[str, int]]) -> None:
        """Lay out ``[(layer name, units)]`` in order; wider than 64 neurons shows a note."""
        self.layers = [(str(name), int(units)) for name, units in layers]
        self._bin_rows: list[Any] = [None] * len(self.bins)  # drawn rows; None: redraw
        for item in (*self.images, *self.labels):
            self.plot.removeItem(item)
        self.images, self.labels, self._atlas = [], [], []
        if not self.layers or self.too_large:
            self.message.setText(self._note())
            self.stack.setCurrentWidget(self.message)
            self.legend_label.hide()
            self.geo = layout([])
            self._set_weights(np.zeros(0), np.zeros(0, bool))
            return
        self.stack.setCurrentWidget(self.plot_widget)
        self.legend_label.setText(LEGEND)
        self.legend_label.show()
        units = [n for _, n in self.layers]
        self.geo = layout(units)
        self._add_columns(units)
        weights, neutral = self._default_links()
        self._set_weights(weights, neutral)
        top = max(units) / 2
        room = max(1.4, 0.12 * max(units))  # for the layer names above the columns
        self.plot.setRange(xRange=(-1.0, float(self.geo.xs[-1]) + 1.0),
                           yRange=(-top - 0.3, top + room),
                           padding=0.02)

    def _add_columns(self, units: list[int]) -> None:
        top = max(units) / 2 + 0.15
        for (name, n), x, ys in zip(self.layers, self.geo.xs, self.geo.ys):
            image = pg.ImageItem(axisOrder="row-major")
            image.setZValue(3)
            self.plot.addItem(image)
            self.images.append(image)
            self._atlas.append(None)
            label = pg.TextItem(anchor=(0.5, 1))
            label.setFont(axis_font(LABEL_PT))
            label.setPos(float(x), top)
            self.plot.addItem(label)
            self.labels.append(label)
        self._color_labels()
        self._fit_labels()
        h = SQUARE / 2
        corners = np.array([[-h, -h, h, -h], [h, -h, h, h], [h, h, -h, h], [-h, h, -h, -h]])
        centres = np.array([(x, y) for x, ys in zip(self.geo.xs, self.geo.ys) for y in ys])
        lines = (centres[:, None, [0, 1, 0, 1]] + corners[None]).reshape(-1, 2, 2)
        self.outlines.setData(lines[..., 0].ravel(), lines[..., 1].ravel(), connect="pairs")

    def _default_links(self, probes: dict[str, Any] | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Per segment: weight (NaN = no line) and the one-to-one mask.

        Before any snapshot every candidate line is drawn thin and neutral. With weights, a
        layer whose ``kernel`` is ``(in, out)`` gets its weights; a layer without one and as
        many units as its input (activation, dropout, normalization) passes neuron k to
        neuron k; anything else is left unconnected.
        """
        g = self.geo
        if probes is None:
            return np.zeros(len(g.seg)), np.zeros(len(g.seg), bool)
        weights = np.full(len(g.seg), np.nan)
        neutral = np.zeros(len(g.seg), bool)
        for i in range(1, len(self.layers)):
            a, b = self.layers[i - 1][1], self.layers[i][1]
            part = slice(g.starts[i], g.starts[i] + a * b)
            kernel = probes.get(f"weights:{self.layers[i][0]}/kernel")
            if kernel is not None and np.shape(kernel) == (a, b):
                weights[part] = np.asarray(kernel, dtype=np.float64).ravel()
            elif a == b:
                diagonal = g.src[part] == g.dst[part]
                weights[part] = np.where(diagonal, 0.0, np.nan)
                neutral[part] = diagonal
        return weights, neutral

    # -- live update ---------------------------------------------------------------------------
    def update(self, snapshot: Any = None) -> None:  # type: ignore[override]
        """Recolour weights and neuron maps from the snapshot; ``update()`` alone repaints."""
        if snapshot is None:
            super().update()
            return
        if not self.layers or self.too_large:
            return
        probes = snapshot.probes or {}
        if any(key.startswith("weights:") for key in probes):
            self._set_weights(*self._default_links(probes))
        self._set_maps(probes)

    def _set_weights(self, weights: np.ndarray, neutral: np.ndarray) -> None:
        self.weights, self.neutral = weights, neutral
        self.widths = weight_widths(np.where(neutral, 0.0, weights))
        shown = ~np.isnan(weights)
        level = np.minimum(((self.widths - 0.5) / 5.5 * LEVELS).astype(int), LEVELS - 1)
        sign = (weights > 0).astype(int)
        group = np.where(neutral | (weights == 0), 2 * LEVELS, sign * LEVELS + level)
        self.group = group
        seg = self.geo.seg
        for b, item in enumerate(self.bins):
            rows = np.flatnonzero(shown & (group == b))
            if not np.array_equal(rows, self._bin_rows[b]):  # else: same lines, same picture
                self._bin_rows[b], sel = rows, seg[rows]
                item.setData(sel[:, [0, 2]].ravel(), sel[:, [1, 3]].ravel(), connect="pairs")

    def _set_maps(self, probes: dict[str, Any]) -> None:
        any_map = next((v for k, v in probes.items() if k.startswith("neuron_map:")), None)
        for i, (name, n) in enumerate(self.layers):
            maps = probes.get(f"neuron_map:{name}")
            if maps is None and i == 0 and n == 2 and any_map is not None:
                size = np.shape(any_map)[0]
                atlas = self._atlas[0]
                if atlas is not None and atlas.shape[2] == size:
                    continue  # the input maps never change
                g = np.linspace(-1.0, 1.0, size)  # the inputs x1, x2
                maps = np.stack(np.meshgrid(g, g), axis=-1)  # x1 varies along columns
            if maps is None or np.ndim(maps) != 3 or np.shape(maps)[2] != n:
                continue
            last = i == len(self.layers) - 1
            self._draw_layer(i, np.asarray(maps, dtype=np.float32), last)

    def _draw_layer(self, i: int, maps: np.ndarray, last: bool) -> None:
        """Stack the ``(G, G, n)`` maps bottom-up into one RGBA image for column ``i``."""
        grid, n = maps.shape[0], maps.shape[2]
        rows = grid + 2 * int(round((grid / SQUARE - grid) / 2))  # image rows per neuron
        atlas = self._atlas[i]
        fresh = atlas is None or atlas.shape[:3] != (n, rows, grid)
        if atlas is None or fresh:
            atlas = self._atlas[i] = np.zeros((n, rows, grid, 4), np.uint8)
        lo, hi = float(maps.min()), float(maps.max())
        if last and lo >= 0.0 and hi <= 1.0:  # probabilities: 0.5 is the neutral middle
            values = (maps - 0.5) * 2.0
        else:
            scale = np.abs(maps).max(axis=(0, 1), keepdims=True)  # per neuron
            values = maps / np.where(scale > 0, scale, 1.0)
        off = (rows - grid) // 2
        stacked = np.moveaxis(values, 2, 0)[::-1]  # (n, G, G): bottom neuron first
        atlas[:, off : off + grid] = shade(stacked, self._lut, -1.0, 1.0)
        self.images[i].setImage(atlas.reshape(n * rows, grid, 4), autoLevels=False)
        if fresh:  # the rect scales the image as it is now: set it after the first image
            self.legend_label.setText(LEGEND + MAPS_LEGEND)
            h = grid / rows / 2
            x = float(self.geo.xs[i])
            self.images[i].setRect(QRectF(x - h, -n / 2, 2 * h, float(n)))

    def drawn_width(self, index: int) -> float:
        """Pen width (pixels) the connection ``index`` is drawn with."""
        return float(self.bins[int(self.group[index])].opts["pen"].widthF())

    # -- hover ---------------------------------------------------------------------------------
    def connection_at(self, x: float, y: float, tol: tuple[float, float] = (0.1, 0.1)
                      ) -> int | None:
        """Index of the drawn connection nearest ``(x, y)`` within ``tol`` (view units)."""
        shown = np.flatnonzero(~np.isnan(self.weights))
        if not len(shown):
            return None
        s = self.geo.seg[shown]
        sx, sy = 1.0 / tol[0], 1.0 / tol[1]  # distances in units of the tolerance
        p = np.array([x * sx, y * sy])
        a = s[:, :2] * [sx, sy]
        d = s[:, 2:] * [sx, sy] - a
        t = np.clip(((p - a) * d).sum(1) / np.maximum((d * d).sum(1), 1e-12), 0, 1)
        dist = np.hypot(*(a + t[:, None] * d - p).T)
        k = int(np.argmin(dist))
        return int(shown[k]) if dist[k] <= 1.0 else None

    def describe(self, index: int) -> str:
        g = self.geo
        i = int(g.pair[index])
        src, dst = self.layers[i - 1][0], self.layers[i][0]
        if self.neutral[index]:
            return f"{src} {g.src[index] + 1} → {dst} {g.dst[index] + 1} (passed through)"
        return (f"{src} neuron {g.src[index] + 1} → {dst} neuron {g.dst[index] + 1}\n"
                f"weight = {self.weights[index]:+.4f}")

    def _on_mouse_moved(self, event: tuple) -> None:
        pos = event[0]
        vb = self.plot.vb
        index = None
        if self.layers and vb.sceneBoundingRect().contains(pos):
            p = vb.mapSceneToView(pos)
            px, py = vb.viewPixelSize()
            index = self.connection_at(p.x(), p.y(), (HOVER_PX * px, HOVER_PX * py))
        if index is None:
            self.tip.hide()
            self.highlight.setData([], [])
            return
        seg = self.geo.seg[index]
        self.highlight.setData(seg[[0, 2]], seg[[1, 3]])
        self.tip.setText(self.describe(index))
        self.tip.setPos(p.x(), p.y())
        self.tip.show()

    # -- theme ---------------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        s = self.style_ = plot_style(name)
        self._lut = diverging_lut(s, strength=0.95)
        self.plot_widget.setBackground(s.background)
        for b, item in enumerate(self.bins[:-1]):
            sign, level = divmod(b, LEVELS)
            color = pg.mkColor(s.positive if sign else NEGATIVE)
            color.setAlpha(int(90 + 165 * level / (LEVELS - 1)))
            item.setPen(pg.mkPen(color, width=0.5 + 5.5 * (level + 0.5) / LEVELS))
        self.bins[-1].setPen(pg.mkPen(s.muted, width=1))
        self.highlight.setPen(pg.mkPen(s.foreground, width=3))
        self.outlines.setPen(pg.mkPen(s.muted, width=1))
        self.tip.fill = pg.mkBrush(s.background + "E6")
        self.tip.border = pg.mkPen(s.muted)
        self.tip.setColor(s.foreground)
        self._color_labels()

    def _color_labels(self) -> None:
        s = self.style_
        for label, (name, n) in zip(self.labels, self.layers):
            label.setHtml(f"<div style='text-align:center; color:{s.foreground}'>"
                          f"<b>{escape(name)}</b><br><span style='color:{s.muted}'>{n} neuron"
                          f"{'s' if n != 1 else ''}</span></div>")
            label.textItem.setTextWidth(LABEL_WIDTH_PX)
            label.updateTextPos()
