"""Walk through the latent space: decoded images over a 2-D window, a draggable probe point and
an interpolation strip.

``update(snapshot)`` reads ``latent_grid (G, G, *output_shape)`` (decodes over the window; row
r is y = y0 + r·step from the bottom, column c is x) and ``latent_extent`` ``[x0, x1, y0, y1]``
(probe ``"latent_grid"``), optionally ``latent_codes (N, 2)`` (probe ``"latent_codes"``, drawn
faintly so the learner sees where data lies) and ``interpolation (8, *output_shape)`` (probe
``"interpolation"``: between the first two fixed samples). The grid is one mosaic image placed
in latent coordinates, so the cross the learner drags sits on the picture it decodes to.

``decode_point`` (set by the owner): ``(2,)`` point of the latent plane -> ``(*output_shape)``
output. Dragging the cross calls it and shows the result at once (while it costs < 10 ms; a
slower decoder is only asked when the drag ends). ``choose_sample(index)`` (e.g. from
``LatentScatterView.sample_clicked``) picks the two ends of the interpolation strip in turn; with
``decode_point`` set the strip decodes the straight line between their codes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from widgets.plots.palette import axis_font, current_style, plot_style, style_axes
from widgets.views.cnn_tiles import ink_lut
from widgets.views.common import hint_label
from widgets.views.gen_common import (
    ProbesWidget,
    data_levels,
    eased,
    image_box,
    image_layout,
    mosaic,
    muted_label,
    show_image,
    to_images,
)

STEPS = 8
FAST_MS = 10.0
EMPTY = "Train an autoencoder or VAE on images with the “latent_grid” probe to walk its latent " \
        "space."
EXPLAIN = ("Each small picture is what the decoder makes of that point of the latent plane. "
           "Drag the cross; click two dots in the latent-space view to morph one into the other.")


class LatentTraversalView(ProbesWidget):
    """Decoded latent grid + draggable point + interpolation strip (module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.style_ = current_style()
        self.decode_point: Callable[[np.ndarray], np.ndarray] | None = None
        self.out_shape: tuple[int, ...] | None = None
        self.levels = (0.0, 1.0)
        self.extent: np.ndarray | None = None
        self.codes = np.zeros((0, 2), np.float32)
        self.ends: list[int] = []  # chosen sample indices (≤ 2)
        self.last_decode_ms = 0.0
        self.grid_image_array: np.ndarray | None = None
        self.point_image: np.ndarray | None = None
        self.strip: np.ndarray | None = None
        self._rect_key: tuple | None = None
        self._view: np.ndarray | None = None  # the eased view window
        self.axis_names = ("z₁", "z₂")
        self._build()
        self.set_theme(self.style_.name)

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.plot_widget = pg.PlotWidget()
        plot = self.plot = self.plot_widget.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self.grid_image = pg.ImageItem(axisOrder="row-major")
        self.dots = pg.ScatterPlotItem(size=6, pxMode=True)
        self.line = pg.PlotCurveItem()
        self.target = pg.TargetItem(pos=(0.0, 0.0), size=22, movable=True)
        self.target.setToolTip("Drag me: the picture on the right is decoded from this point.")
        for z, item in enumerate((self.grid_image, self.dots, self.line, self.target)):
            item.setZValue(z)
            plot.addItem(item)
        self.target.sigPositionChanged.connect(self._on_moved)
        self.target.sigPositionChangeFinished.connect(lambda *_: self.refresh_point(force=True))
        self.hint = hint_label(EMPTY, 14)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.plot_widget)
        self.stack.addWidget(self.hint)
        self.stack.setCurrentWidget(self.hint)
        self.point_widget, _, self.point_item = image_box("decoded at the cross")
        self.point_widget.setFixedWidth(190)
        self.point_text = QLabel()
        self.point_text.setFont(axis_font(12))
        self.point_text.setWordWrap(True)
        self.strip_title = QLabel("Interpolation between two samples")
        self.strip_title.setFont(axis_font(12))
        self.strip_widget, _, self.strip_item = image_box()
        self.strip_widget.setFixedHeight(96)
        self.strip_widget.setToolTip("Decodes of the codes on the straight line from the first "
                                     "sample (left) to the second (right).")
        side = QVBoxLayout()
        side.addWidget(self.point_widget)
        side.addWidget(self.point_text)
        side.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.stack, 1)
        top.addLayout(side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top, 1)
        layout.addWidget(self.strip_title)
        layout.addWidget(self.strip_widget)
        layout.addWidget(muted_label(EXPLAIN))
        self.live_parts = (self.point_widget, self.point_text, self.strip_title,
                           self.strip_widget)
        for w in self.live_parts:
            w.hide()  # until a grid arrives

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(640, 560)

    # -- data ------------------------------------------------------------------------------------
    def reset_view(self) -> None:
        """Another project: no grid, codes, decodes or chosen samples of the old model."""
        self.extent = self._view = self._rect_key = None
        self.codes, self.ends = np.zeros((0, 2), np.float32), []
        self.grid_image_array = self.point_image = self.strip = None
        for item in (self.dots, self.line):
            item.setData([], [])
        for image in (self.grid_image, self.point_item, self.strip_item):
            image.clear()
        for w in self.live_parts:
            w.hide()
        self.hint.setText(EMPTY)
        self.stack.setCurrentWidget(self.hint)

    def set_dataset(self, dataset: Any) -> None:
        """Take the sample shape (outputs have as many values) and the display levels."""
        self.out_shape = tuple(getattr(dataset, "input_shape", ()) or ()) or None
        self.levels = data_levels(dataset)
        self.ends = []
        self.line.setData([], [])

    @property
    def layout_out(self) -> tuple[int, int, int] | None:
        return image_layout(self.out_shape)

    def show_probes(self, p: dict[str, Any], snapshot: Any) -> None:
        """Show the snapshot's decoded grid (and codes, interpolation)."""
        axes = p.get("latent_axes")
        if axes is not None and np.ndim(axes) == 2:
            self._set_axis_names(int(np.shape(axes)[1]))
        if p.get("latent_codes") is not None:
            self.codes = np.asarray(p["latent_codes"], np.float32).reshape(-1, 2)
            self.dots.setData(self.codes[:, 0], self.codes[:, 1])
            self._draw_line()
        grid, extent = p.get("latent_grid"), p.get("latent_extent")
        if grid is not None and extent is not None:
            self.show_grid(np.asarray(grid), np.asarray(extent, np.float64))
        if self.decode_point is not None:
            self.refresh_point(force=True)
            if len(self.ends) == 2:
                self._decode_strip()
        elif p.get("interpolation") is not None:
            self.show_strip(np.asarray(p["interpolation"]))

    def show_grid(self, grid: np.ndarray, extent: np.ndarray) -> None:
        """grid (G, G, *output_shape) over extent -> one mosaic image in latent coordinates."""
        g = grid.shape[0]
        if self.out_shape is None or int(np.prod(self.out_shape)) != int(np.prod(grid.shape[2:])):
            self.out_shape = tuple(grid.shape[2:])
        layout = self.layout_out
        first = self.extent is None
        self.extent = extent
        self._view = eased(self._view, extent)
        if layout is None:  # vectors: no pictures to tile
            self.hint.setText("The decoded grid is drawn for image data; drag the cross to "
                              "read decoded values.")
            self.grid_image.clear()
        else:
            tiles = to_images(grid.reshape(g * g, *grid.shape[2:]), layout)[:, ::-1]  # y up
            self.grid_image_array = mosaic(tiles.reshape(g, g, *tiles.shape[1:]))
            show_image(self.grid_image, self.grid_image_array, self.levels, self._lut)
            key = (tuple(extent), self.grid_image_array.shape[:2])
            if key != self._rect_key:
                x0, x1, y0, y1 = (float(v) for v in extent)
                dx, dy = (x1 - x0) / max(g - 1, 1), (y1 - y0) / max(g - 1, 1)
                self.grid_image.setRect(QRectF(x0 - dx / 2, y0 - dy / 2, dx * g, dy * g))
                self._rect_key = key
        self.stack.setCurrentWidget(self.plot_widget)
        for w in self.live_parts:
            w.show()
        x0, x1, y0, y1 = (float(v) for v in self._view)
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)
        if first:
            self.target.setPos(((x0 + x1) / 2, (y0 + y1) / 2))

    def _set_axis_names(self, d: int) -> None:
        names = ("z₁", "z₂") if d <= 2 else ("1st principal axis", "2nd principal axis")
        if names != self.axis_names:
            self.axis_names = names
            style_axes(self.plot, self.style_, left=names[1], bottom=names[0])

    # -- the draggable point ---------------------------------------------------------------------
    def _on_moved(self, *_: Any) -> None:
        self.refresh_point(force=self.last_decode_ms < FAST_MS)

    def refresh_point(self, force: bool = True) -> None:
        """Decode the cross's position through ``decode_point`` and show the result."""
        pos = self.target.pos()
        point = np.array([pos.x(), pos.y()], np.float64)
        self.point_text.setText(f"z = ({point[0]:.2f}, {point[1]:.2f})")
        if self.decode_point is None or not force:
            return
        start = time.perf_counter()
        try:
            out = np.asarray(self.decode_point(point), np.float32)
        except Exception:  # noqa: BLE001 - a failing decoder must not break dragging
            return
        self.last_decode_ms = (time.perf_counter() - start) * 1e3
        self.point_image = out
        layout = image_layout(tuple(out.shape)) or self.layout_out
        if layout is not None and out.size == layout[0] * layout[1] * layout[2]:
            show_image(self.point_item, to_images(out[None], layout)[0], self.levels, self._lut)
            self.point_widget.show()
        else:
            self.point_widget.hide()
            values = ", ".join(f"{v:.2f}" for v in out.ravel()[:8])
            self.point_text.setText(f"z = ({point[0]:.2f}, {point[1]:.2f})<br>"
                                    f"decoded: {values}")

    def move_point(self, x: float, y: float) -> None:
        """Put the cross at (x, y) (as a drag would) and decode there."""
        self.target.setPos((x, y))

    # -- interpolation ---------------------------------------------------------------------------
    def choose_sample(self, index: int) -> None:
        """Pick an end of the interpolation strip (the first, then the second, then anew)."""
        if not 0 <= index < len(self.codes):
            return
        self.ends = [index] if len(self.ends) >= 2 else [*self.ends, index]
        self._draw_line()
        if len(self.ends) == 2 and self.decode_point is not None:
            self._decode_strip()
        else:
            self.strip_title.setText(f"Interpolation: from sample {index} to … (click a "
                                     "second dot)")

    def _draw_line(self) -> None:
        ends = [i for i in self.ends if i < len(self.codes)]
        pts = self.codes[ends] if ends else np.zeros((0, 2))
        self.line.setData(pts[:, 0], pts[:, 1])

    def _decode_strip(self) -> None:
        a, b = self.ends
        if max(a, b) >= len(self.codes) or self.decode_point is None:
            return
        t = np.linspace(0.0, 1.0, STEPS)[:, None]
        pts = (1 - t) * self.codes[a] + t * self.codes[b]
        try:
            outs = np.stack([np.asarray(self.decode_point(p), np.float32) for p in pts])
        except Exception:  # noqa: BLE001
            return
        self.strip_title.setText(f"Interpolation: from sample {a} to sample {b}")
        self.show_strip(outs)

    def show_strip(self, outs: np.ndarray) -> None:
        """outs: (S, *output_shape) -> one row of pictures (vectors: a row of strips)."""
        layout = image_layout(tuple(outs.shape[1:])) or self.layout_out
        if layout is not None and outs[0].size != layout[0] * layout[1] * layout[2]:
            layout = None
        imgs = to_images(outs, layout)
        self.strip = mosaic(imgs[None])
        show_image(self.strip_item, self.strip, self.levels, self._lut)

    # -- theme -----------------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        s = self.style_ = plot_style(name)
        self._lut = ink_lut(s)
        self.plot_widget.setBackground(s.background)
        for w in (self.point_widget, self.strip_widget):
            w.setBackground(s.background)
        style_axes(self.plot, s, left=self.axis_names[1], bottom=self.axis_names[0])
        dot = pg.mkColor(s.train)
        dot.setAlpha(170)
        self.dots.setBrush(pg.mkBrush(dot))
        self.dots.setPen(pg.mkPen(s.background, width=0.8))
        self.line.setPen(pg.mkPen("#D55E00", width=3))
        self.target.setPen(pg.mkPen("#D55E00", width=3))
        self.target.setBrush(pg.mkBrush(0, 0, 0, 0))
        if self.grid_image_array is not None:
            show_image(self.grid_image, self.grid_image_array, self.levels, self._lut)
        if self.strip is not None:
            show_image(self.strip_item, self.strip, self.levels, self._lut)
        self.refresh_point()
