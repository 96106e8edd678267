"""What the sequence views share: token labels and a labelled heatmap with a colour bar.

``HeatmapPanel.show(values (rows, cols), lo, hi, signed, row_labels, col_labels)`` draws a
matrix as an image (row 0 on top, cell (r, c) centred at (c + 0.5, r + 0.5)), with text tick
labels on both axes and a colour bar from
``lo`` to ``hi`` (labels of every nth row/column when the cells are smaller than a label:
``thinned_ticks``): viridis for values in 0..1 (attention weights, gates), the palette's
orange/blue diverging map for signed values (hidden states). Everything is updated in place;
ticks and the colour map change only when the labels or the kind of values change.
``token_labels(result, n)`` reads the names of the input tokens a sequence probe sends;
``axis_labels(result, names, n)`` prefers the names of one layer's own axis (the probes'
``axes``: with two Inputs a layer sees only its part of the sample).
``SampleSpin`` is the spin box that picks the probe sample; ``SampleProbeView`` is a
``ProbeView`` that asks for one probe sample, ``{"index": i, "tokens": [...]}`` (``tokens``:
the input token names of the dataset given to ``set_dataset``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer
from PySide6.QtGui import QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import QSpinBox, QWidget

from engine.introspection.sequence_probes import input_token_names
from widgets.plots.palette import PlotStyle, axis_font, current_style
from widgets.views.cnn_tiles import signed_lut, viridis_lut
from widgets.views.common import ProbeView
from widgets.views.inspect_common import FixedPlot, axes

PROBE_SAMPLES = 256
MAX_LABEL = 10  # characters of one tick label
TALL_PX = 240  # a heatmap panel at least this tall shows its bottom axis title
SPECIAL = {" ": "␣", "\n": "↵", "\t": "⇥", "<pad>": "·", "<unk>": "?", "<s>": "▸"}


def display_token(token: str) -> str:
    """A token as a readable tick label: visible spaces/newlines, long words shortened."""
    text = SPECIAL.get(token, token)
    if text.startswith("<") and text.endswith(">"):  # axis labels are rich text
        text = text[1:-1]
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def token_labels(result: dict[str, Any] | None, n: int) -> list[str]:
    """n tick labels for the positions of a probe ``result``: the token names when it has
    them (``token_names``), else the token ids (``tokens``), else the step numbers."""
    result = result or {}
    names = result.get("token_names")
    if names is not None and len(names) == n:
        return [display_token(str(t)) for t in names]
    ids = result.get("tokens")
    if ids is not None and len(ids) == n:
        return [str(int(i)) for i in ids]
    return [str(i) for i in range(n)]


def axis_labels(result: dict[str, Any] | None, names: Any, n: int) -> list[str]:
    """n tick labels for one layer's axis: ``names`` (from the probe's ``axes``: the tokens
    that layer sees, e.g. a cross-attention's decoder queries) when there are n of them,
    else ``token_labels``."""
    if names is not None and len(names) == n:
        return [display_token(str(t)) for t in names]
    return token_labels(result, n)


def layer_axes(result: dict[str, Any] | None, layer: str) -> Any:
    """The probe's ``axes`` entry of ``layer`` (None when the probe sends none)."""
    axes = (result or {}).get("axes")
    return axes.get(layer) if isinstance(axes, dict) else None


def step_labels(n: int) -> list[str]:
    return [str(i) for i in range(n)]


def colormap(signed: bool, style: PlotStyle) -> pg.ColorMap:
    lut = signed_lut(style) if signed else viridis_lut()
    return pg.ColorMap(np.linspace(0.0, 1.0, len(lut)), lut)


class SampleSpin(QSpinBox):
    def __init__(self) -> None:
        super().__init__()
        self.setRange(0, PROBE_SAMPLES - 1)
        self.setToolTip("Which sample of the fixed probe batch to look at")
        self.setMinimumWidth(64)


class SampleProbeView(ProbeView):
    """A probe view with a ``sample_spin`` (not yet in the bar) that asks for that sample."""

    def __init__(self, caption: str, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(caption, hint, parent)
        self.sample_spin = SampleSpin()
        self.tokens: list[str] | None = None

    def probe_requests(self) -> dict[str, dict[str, Any]]:
        opts: dict[str, Any] = {"index": self.sample_spin.value()}
        if self.tokens is not None:
            opts["tokens"] = list(self.tokens)
        return {self.probe_name(): opts}

    def set_dataset(self, data: Any) -> None:
        """The input token names of ``data`` label the axes (asked for with the probe)."""
        tokens = input_token_names(data)
        n = len(getattr(data, "x_val", ())) or len(getattr(data, "x_train", ()))
        if n:
            self.sample_spin.setMaximum(min(n, PROBE_SAMPLES) - 1)
        if tokens != self.tokens:
            self.tokens = tokens
            self._emit()

    def accepts(self, result: dict[str, Any]) -> bool:
        return bool(result.get("layers"))


def thinned_ticks(labels: tuple[str, ...] | list[str], cell_px: float,
                  label_px: float) -> list[tuple[float, str]]:
    """Ticks (position, label) at the cell centres i + 0.5, every nth cell so that labels
    ``label_px`` long (along the axis) never overlap in cells ``cell_px`` long."""
    step = max(1, int(np.ceil(label_px / max(cell_px, 1e-6))))
    return [(i + 0.5, labels[i]) for i in range(0, len(labels), step)]


class HeatmapPanel(FixedPlot):
    """A labelled matrix image with a colour bar."""

    def __init__(self, left: str = "", bottom: str = "") -> None:
        super().__init__()
        plot = self.plot
        plot.invertY(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(0.0, 1.0), width=14, interactive=False,
                                   colorMap=colormap(False, current_style()), colorMapMenu=False)
        self.bar.setImageItem(self.image, insert_in=plot)
        self.left, self.bottom = left, bottom
        self.signed: bool | None = None
        self.levels: tuple[float, float] = (0.0, 1.0)
        self.labels: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())

    def show(self, values: np.ndarray, lo: float, hi: float, signed: bool,
             row_labels: list[str], col_labels: list[str]) -> None:
        """values (rows, cols) drawn from ``lo`` (bottom of the colour bar) to ``hi``."""
        v = np.asarray(values, dtype=np.float32)
        if signed != self.signed:
            self.signed = signed
            self.bar.setColorMap(colormap(signed, self.style_))
        if (lo, hi) != self.levels:
            self.levels = (lo, hi)
            self.bar.setLevels((lo, hi))
        self.image.setImage(v, autoLevels=False, levels=(lo, hi))
        labels = (tuple(row_labels), tuple(col_labels))
        if labels != self.labels or v.shape != self.image_shape:
            self.labels = labels
            self.image_shape = v.shape
            rows, cols = v.shape
            self.image.setRect(QRectF(0, 0, cols, rows))
            self.plot.setRange(xRange=(0, cols), yRange=(0, rows), padding=0.0)
            self._thin_ticks()

    image_shape: tuple[int, ...] = ()
    labels: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())  # set before __init__ ends
    bottom = ""

    def _thin_ticks(self) -> None:
        """Label every nth row/column when the cells are smaller than a label (every one
        when they fit): ``thinned_ticks`` with the cells' size in px."""
        rows, cols = self.labels
        box = self.plot.getViewBox().sceneBoundingRect()
        metrics = QFontMetricsF(axis_font())
        row_px = box.height() / max(len(rows), 1)
        col_px = box.width() / max(len(cols), 1)
        widest = max((metrics.horizontalAdvance(t) for t in cols), default=0.0)
        self.plot.getAxis("left").setTicks([thinned_ticks(rows, row_px, metrics.height())])
        self.plot.getAxis("bottom").setTicks([thinned_ticks(cols, col_px, widest + 4)])

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_bottom_title()
        if self.labels != ((), ()):
            QTimer.singleShot(0, self, self._thin_ticks)  # after the plot's layout has settled

    def _fit_bottom_title(self) -> None:
        """Short (a 1280×720 dock): the cells get the bottom title's ~20 px (it becomes the
        axis' tooltip)."""
        if self.bottom:  # "" until __init__ has built the plot
            axis = self.plot.getAxis("bottom")
            axis.showLabel(self.height() >= TALL_PX)
            axis.setToolTip(self.bottom)

    def set_axis_titles(self, left: str, bottom: str) -> None:
        if (left, bottom) != (self.left, self.bottom):
            self.left, self.bottom = left, bottom
            axes(self.plot, self.style_, left=left, bottom=bottom)
            self._fit_bottom_title()

    def set_title(self, text: str) -> None:
        if text != self.title:
            super().set_title(text)

    def set_theme(self, style: PlotStyle) -> None:
        self.style_ = style
        self.setBackground(style.background)
        axes(self.plot, style, left=self.left, bottom=self.bottom)
        self._fit_bottom_title()
        bar_axis = self.bar.getAxis("right")
        bar_axis.setPen(pg.mkPen(style.foreground))
        bar_axis.setTextPen(pg.mkPen(style.foreground))
        bar_axis.setStyle(tickFont=axis_font())
        if self.signed is not None:
            self.bar.setColorMap(colormap(self.signed, style))
        title, self.title = self.title, ""
        self.set_title(title)
