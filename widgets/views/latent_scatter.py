"""Latent space of an autoencoder/VAE: the validation codes as points coloured by class.

``update(snapshot)`` reads the ``"latent_codes"`` probe (``engine.generative.latent_probes``):
``latent_codes (N, 2)`` (the 2-D view of the codes; PCA for codes of d > 2, axes kept stable
by the engine's projector), ``latent_labels (N,)`` (−1: no classes), ``latent_extent``
``[x0, x1, y0, y1]`` and ``latent_axes (2, d)``. One ``ScatterPlotItem`` per class is updated
in place; the view range eases towards the extent so the cloud moves smoothly.

Clicking a point emits ``sample_clicked(index)`` (index into the encoded samples: the dataset's
validation split, or training split when there is none) and the side panel shows that sample's
input and its reconstruction (from ``reconstruct_sample``, else ``decode_point`` at the
point), as images for image data, as numbers for vectors. The plane keeps at least 200 × 200 px
(at 1280×720 the Look-inside dock scrolls instead of squashing it to a strip); the key and the
explanation wrap whole (``wrap_fit.keep_whole``).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from widgets.plots.palette import axis_font, class_color, current_style, plot_style, style_axes
from widgets.views.cnn_tiles import ink_lut
from widgets.views.gen_common import (
    ProbesWidget,
    eased,
    eval_samples,
    hint_label,
    image_box,
    image_layout,
    levels_for,
    muted_label,
    show_image,
    to_images,
)
from widgets.views.wrap_fit import fit, keep_whole

POINT_SIZE = 8
SYMBOLS = (("o", "●"), ("s", "■"), ("t1", "▲"), ("d", "◆"))  # classes 8+ repeat colours
PLOT_MIN_PX = 200 + 60  # the latent plane >= 200 × 200 px (a projector) + its axes
EASE = 0.35  # share of the way the view range moves towards the new extent per frame
EMPTY = "Train an autoencoder or VAE with the “latent_codes” probe to see its latent space."
EXPLAIN = ("Each dot is one validation sample, placed at its code; colours are classes. "
           "Click a dot to see the sample and its reconstruction.")

Decoder = Callable[[np.ndarray], np.ndarray]


def symbol_of(k: int) -> tuple[str, str]:
    """(pyqtgraph symbol, legend glyph) of class k: 8 colours, then a new shape per cycle."""
    return SYMBOLS[(max(k, 0) // 8) % len(SYMBOLS)]


class LatentScatterView(ProbesWidget):
    """Codes of the validation samples in the latent plane (see the module docstring)."""

    sample_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.style_ = current_style()
        self.decode_point: Decoder | None = None  # (2,) view point -> (*output_shape)
        self.reconstruct_sample: Decoder | None = None  # (*input_shape) -> (*output_shape)
        self.samples: np.ndarray | None = None
        self.class_names: list[str] = []
        self.layout_in: tuple[int, int, int] | None = None
        self.levels = (0.0, 1.0)
        self.codes = np.zeros((0, 2), np.float32)
        self.labels = np.zeros(0, np.int64)
        self.selected: int | None = None
        self._range: np.ndarray | None = None
        self._classes: tuple[int, ...] = ()
        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setAspectLocked(False)
        self.items: dict[int, pg.ScatterPlotItem] = {}
        self.ring = pg.ScatterPlotItem(size=20, pxMode=True, brush=None)
        self.ring.setZValue(10)
        self.plot.addItem(self.ring)
        self._build_side()
        self._lay_out()
        self.set_theme(self.style_.name)

    # -- layout ----------------------------------------------------------------------------------
    def _build_side(self) -> None:
        self.side = QWidget()
        box = QVBoxLayout(self.side)
        box.setContentsMargins(4, 4, 4, 4)
        self.side_title = QLabel("Click a dot")
        self.side_title.setFont(axis_font(13))
        self.side_title.setWordWrap(True)
        self.in_widget, self.in_box, self.in_image = image_box("input")
        self.out_widget, self.out_box, self.out_image = image_box("reconstruction")
        self.values = QLabel()
        self.values.setFont(axis_font(12))
        self.values.setTextFormat(Qt.TextFormat.RichText)
        self.values.setAlignment(Qt.AlignmentFlag.AlignTop)
        for w in (self.side_title, self.in_widget, self.out_widget, self.values):
            box.addWidget(w)
        box.addStretch(1)
        self.side.setFixedWidth(170)
        self.side.hide()  # until codes arrive
        self.side.setToolTip("The clicked sample (top) and what the network rebuilds from its "
                             "code (bottom).")

    def _lay_out(self) -> None:
        self.hint = hint_label(EMPTY)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.plot_widget)
        self.stack.addWidget(self.hint)
        self.stack.setCurrentWidget(self.hint)
        self.key = QLabel()
        self.key.setTextFormat(Qt.TextFormat.RichText)
        self.key.setWordWrap(True)
        self.key.setContentsMargins(6, 0, 6, 0)
        self.explain = muted_label(EXPLAIN)
        self.plot_widget.setToolTip("The latent space: where the encoder puts each sample.")
        self.plot_widget.setMinimumSize(PLOT_MIN_PX, PLOT_MIN_PX)  # a short dock scrolls
        keep_whole(self.key, self.explain)  # wrapped whole, never cut
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.stack, 1)
        row.addWidget(self.side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row, 1)
        layout.addWidget(self.key)
        layout.addWidget(self.explain)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(620, 460)

    # -- data ------------------------------------------------------------------------------------
    def reset_view(self) -> None:
        """Another project: no codes or pick of the old model; the hint until a snapshot."""
        self.selected, self._range = None, None
        self.ring.setData([], [])
        self._make_items(())
        self.codes, self.labels = np.zeros((0, 2), np.float32), np.zeros(0, np.int64)
        self.stack.setCurrentWidget(self.hint)
        self.side.setVisible(False)

    def set_dataset(self, dataset: Any) -> None:
        """Keep the encoded samples (for the side panel), class names and value levels."""
        self.samples = eval_samples(dataset)
        self.class_names = list(getattr(dataset, "class_names", []) or [])
        shape = tuple(getattr(dataset, "input_shape", ()) or ())
        self.layout_in = image_layout(shape)
        self.levels = levels_for(self.samples[:500] if self.samples is not None else None)
        self.selected = None
        self.ring.setData([], [])
        self._show_side()
        self._build_key()

    def class_name(self, k: int) -> str:
        if k < 0:
            return "sample"
        return self.class_names[k] if k < len(self.class_names) else f"class {k}"

    # -- live update -----------------------------------------------------------------------------
    def show_probes(self, p: dict[str, Any], snapshot: Any) -> None:
        """Move the points to the snapshot's codes."""
        codes = p.get("latent_codes")
        if codes is None:
            return
        codes = np.asarray(codes, np.float32).reshape(-1, 2)
        labels = np.asarray(p.get("latent_labels", np.full(len(codes), -1))).reshape(-1)
        if len(labels) != len(codes):
            labels = np.full(len(codes), -1)
        self.show_codes(codes, labels.astype(np.int64), p.get("latent_extent"),
                        p.get("latent_axes"))

    def show_codes(self, codes: np.ndarray, labels: np.ndarray, extent: Any = None,
                   axes: Any = None) -> None:
        """codes (N, 2), labels (N,) -> points updated in place, one item per class."""
        self.codes, self.labels = codes, labels
        classes = tuple(int(k) for k in np.unique(labels))
        if classes != self._classes:
            self._make_items(classes)
        for k, item in self.items.items():
            idx = np.flatnonzero(labels == k)
            item.setData(codes[idx, 0], codes[idx, 1], data=idx)
        d = int(np.shape(axes)[1]) if axes is not None and np.ndim(axes) == 2 else 2
        bottom, left = ("z₁", "z₂") if d <= 2 else ("1st principal axis", "2nd principal axis")
        if getattr(self, "_axis_names", None) != (bottom, left):
            self._axis_names = (bottom, left)
            style_axes(self.plot, self.style_, left=left, bottom=bottom)
        self._ease_range(extent, codes)
        self.stack.setCurrentWidget(self.plot_widget if len(codes) else self.hint)
        self.side.setVisible(bool(len(codes)))
        if self.selected is not None and self.selected < len(codes):
            self.ring.setData([codes[self.selected, 0]], [codes[self.selected, 1]])
            self._show_side()

    def _make_items(self, classes: tuple[int, ...]) -> None:
        for item in self.items.values():
            self.plot.removeItem(item)
        self.items = {}
        for k in classes:
            item = pg.ScatterPlotItem(size=POINT_SIZE + (k >= 8), pxMode=True,
                                      symbol=symbol_of(k)[0])
            item.sigClicked.connect(self._on_clicked)
            self.plot.addItem(item)
            self.items[k] = item
        self._classes = classes
        self._color_items()
        self._build_key()

    def _color_items(self) -> None:
        edge = pg.mkPen(self.style_.point_edge, width=0.8)
        for k, item in self.items.items():
            color = self.color_of(k)
            item.setPen(edge)
            item.setBrush(pg.mkBrush(color))

    def color_of(self, k: int) -> str:
        """Class k's colour; black turns white on a dark background, no class: foreground."""
        if k < 0:
            return self.style_.foreground
        color = class_color(k)
        return "#FFFFFF" if color == "#000000" and self.style_.name == "dark" else color

    def _ease_range(self, extent: Any, codes: np.ndarray) -> None:
        if extent is None or np.size(extent) != 4:
            if not len(codes):
                return
            lo, hi = codes.min(axis=0), codes.max(axis=0)
            extent = np.array([lo[0], hi[0], lo[1], hi[1]])
        self._range = eased(self._range, extent, EASE)
        x0, x1, y0, y1 = (float(v) for v in self._range)
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    # -- clicking --------------------------------------------------------------------------------
    def _on_clicked(self, _item: Any, points: Any, *_: Any) -> None:
        if len(points):
            self.select(int(points[0].data()))

    def select(self, index: int) -> None:
        """Show sample ``index`` in the side panel, ring it and emit ``sample_clicked``."""
        if not 0 <= index < len(self.codes):
            return
        self.selected = index
        self.ring.setData([self.codes[index, 0]], [self.codes[index, 1]])
        self._show_side()
        self.sample_clicked.emit(index)

    def _reconstruction(self, index: int) -> np.ndarray | None:
        try:
            if self.reconstruct_sample is not None and self.samples is not None \
                    and index < len(self.samples):
                return np.asarray(self.reconstruct_sample(self.samples[index]))
            if self.decode_point is not None:
                return np.asarray(self.decode_point(self.codes[index]))
        except Exception:  # noqa: BLE001 - a failing callback must not break the view
            return None
        return None

    def _show_side(self) -> None:
        i, samples = self.selected, self.samples
        have = i is not None and samples is not None and i < len(samples)
        for w in (self.in_widget, self.out_widget):
            w.setVisible(bool(have) and self.layout_in is not None)
        if i is None or samples is None or not have:
            self.side_title.setText("Click a dot to see its sample")
            self.values.setText("")
            return
        label = self.class_name(int(self.labels[i])) if i < len(self.labels) else ""
        self.side_title.setText(f"Sample {i}" + (f" — {escape(label)}" if label else ""))
        x, out = samples[i], self._reconstruction(i)
        if self.layout_in is not None:
            lut = ink_lut(self.style_)
            show_image(self.in_image, to_images(x[None], self.layout_in)[0], self.levels, lut)
            if out is not None and out.size == x.size:
                show_image(self.out_image, to_images(out.reshape(1, *x.shape),
                                                     self.layout_in)[0], self.levels, lut)
            else:
                self.out_image.clear()
            self.values.setText("" if out is not None else "no reconstruction yet")
            return
        fmt = ", ".join
        rec = fmt(f"{v:.2f}" for v in out.ravel()[:8]) if out is not None else "—"
        self.values.setText(f"<b>input</b><br>{fmt(f'{v:.2f}' for v in x.ravel()[:8])}<br>"
                            f"<b>reconstruction</b><br>{rec}")

    # -- theme -----------------------------------------------------------------------------------
    def _build_key(self) -> None:
        parts = [f"<span style='color:{self.color_of(k)}; font-size:15pt'>{symbol_of(k)[1]}"
                 "</span>&nbsp;"
                 f"{escape(self.class_name(k)).replace(' ', '&nbsp;')}"
                 for k in self._classes if k >= 0]
        self.key.setText("&nbsp;&nbsp; ".join(parts))
        fit(self.key)

    def set_theme(self, name: str) -> None:
        s = self.style_ = plot_style(name)
        self.plot_widget.setBackground(s.background)
        for w in (self.in_widget, self.out_widget):
            w.setBackground(s.background)
        bottom, left = getattr(self, "_axis_names", ("z₁", "z₂"))
        style_axes(self.plot, s, left=left, bottom=bottom)
        self.plot.showGrid(x=True, y=True, alpha=s.grid_alpha)
        self.ring.setPen(pg.mkPen(s.mistake, width=2.5))
        self.ring.setBrush(None)
        self._color_items()
        self._show_side()
