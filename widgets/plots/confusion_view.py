"""Confusion matrix: true class per row, predicted class per column, a number in every cell.

Cells are tinted by the row fraction (so a small class is as visible as a big one): blue on the
diagonal (right answers), vermillion off it (mistakes); the text switches between dark and
light for contrast. The "Normalized" box shows row percentages instead of counts. Text items
are created when the number of classes changes and only re-texted afterwards. With many
classes (a character vocabulary) only every n-th class is named on the axes. The numbers'
font follows the cell size (never overlapping a neighbour's); cells too small for a readable
number (< ``MIN_NUMBER_PX``) show none, and the summary line says so.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QFont, QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from widgets.plots.palette import (
    OKABE_ITO,
    PlotStyle,
    current_look,
    current_style,
    hex_rgb,
    plot_style,
    style_axes,
)

MAX_TEXT_CLASSES = 30
MAX_TICKS = 20  # class names along an axis; more classes: every n-th name, so none overlap
TICK_PX = 16  # room one class name needs along an axis
ALWAYS_NAMED = 6  # a matrix of this many classes or fewer names every class, however small
MIN_NUMBER_PX, MAX_NUMBER_PX = 9, 20  # cell numbers' pixel size: smaller is hidden


def row_normalized(matrix: np.ndarray) -> np.ndarray:
    """Each row divided by its sum (rows without samples stay 0)."""
    m = np.asarray(matrix, dtype=np.float64)
    sums = m.sum(axis=1, keepdims=True)
    return np.divide(m, sums, out=np.zeros_like(m), where=sums > 0)


def cell_colors(fractions: np.ndarray, style: PlotStyle) -> np.ndarray:
    """``(K, K)`` row fractions -> ``(K, K, 4)`` uint8: blue diagonal, vermillion mistakes."""
    k = fractions.shape[0]
    mid = hex_rgb(style.background)
    tint = np.where(np.eye(k, dtype=bool)[..., None], hex_rgb(OKABE_ITO["blue"]),
                    hex_rgb(OKABE_ITO["vermillion"]))  # (K, K, 3)
    strength = np.sqrt(np.clip(fractions, 0, 1))[..., None]  # small error rates stay visible
    out = np.empty((k, k, 4), dtype=np.uint8)
    out[..., :3] = np.clip(np.rint(mid + (tint - mid) * strength), 0, 255)
    out[..., 3] = 255
    return out


def tick_name(name: str) -> str:
    """A class name as a short plain axis label ("<pad>" -> "pad": labels are rich text)."""
    text = name[1:-1] if name.startswith("<") and name.endswith(">") else name
    return {" ": "␣", "": "·"}.get(text, text if len(text) <= 10 else text[:9] + "…")


class ConfusionView(QWidget):
    """Counts or row percentages of (true, predicted) pairs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.style_ = current_style()
        self.normalized_box = QCheckBox("Normalized (row %)")
        self.normalized_box.toggled.connect(self._redraw)
        self.summary = QLabel("")
        row = QHBoxLayout()
        row.setContentsMargins(6, 2, 6, 0)
        row.addWidget(self.normalized_box)
        row.addStretch(1)
        row.addWidget(self.summary)
        self.plot_widget = pg.PlotWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.plot_widget, 1)
        plot = self.plot = self.plot_widget.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.invertY(True)
        plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.image)
        self.matrix = np.zeros((0, 0), np.int64)
        self.class_names: list[str] = []
        self.texts: list[pg.TextItem] = []
        self.tick_every = 0
        self.numbers_hidden = False
        self.set_theme(self.style_.name)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(440, 440)

    @property
    def normalized(self) -> bool:
        return self.normalized_box.isChecked()

    def set_normalized(self, on: bool) -> None:
        self.normalized_box.setChecked(on)

    def values(self) -> np.ndarray:
        """What the cells show: counts, or row percentages when normalized."""
        if self.normalized:
            return row_normalized(self.matrix) * 100.0
        return self.matrix.astype(np.float64)

    def update(self, matrix: np.ndarray | None = None,  # type: ignore[override]
               class_names: list[str] | None = None) -> None:
        """Show ``matrix (K, K)`` of counts; ``update()`` alone repaints the widget."""
        if matrix is None:
            super().update()
            return
        m = np.asarray(matrix).astype(np.int64)
        names = list(class_names or [])
        names = [names[i] if i < len(names) else str(i) for i in range(m.shape[0])]
        resized = m.shape != self.matrix.shape or names != self.class_names
        if not resized and np.array_equal(m, self.matrix):
            return  # the same counts (most live frames): nothing to redraw
        self.matrix, self.class_names = m, names
        if resized:
            self._rebuild(m.shape[0])
        self._redraw()

    def clear(self) -> None:
        """An empty view (another project): no cells, names or summary until ``update``."""
        self.matrix, self.class_names = np.zeros((0, 0), np.int64), []
        for item in self.texts:
            self.plot.removeItem(item)
        self.texts, self.tick_every = [], 0
        self.image.clear()
        self.summary.setText("")
        for axis in ("bottom", "left"):
            self.plot.getAxis(axis).setTicks(None)

    def _rebuild(self, k: int) -> None:
        for item in self.texts:
            self.plot.removeItem(item)
        self.texts = []
        self.tick_every = 0
        self._set_ticks()
        self.plot.setRange(xRange=(-0.5, k - 0.5), yRange=(-0.5, k - 0.5), padding=0.02)
        if k > MAX_TEXT_CLASSES:
            return
        font = QFont()
        font.setPointSize(14 if k <= 6 else 12 if k <= 12 else 9)
        font.setBold(True)
        for i in range(k):
            for j in range(k):
                text = pg.TextItem(anchor=(0.5, 0.5))
                text.setFont(font)
                text.setPos(j, i)
                self.plot.addItem(text)
                self.texts.append(text)

    def _set_ticks(self) -> None:
        """Name every n-th class, as many as the plot's size lets stand apart; a few classes
        (``ALWAYS_NAMED``) are all named: a learner needs each of them, and thinning them left
        one name of three on a short panel."""
        k = len(self.class_names)
        side = max(1, min(self.plot_widget.width(), self.plot_widget.height()) - 60)
        every = 1 if k <= ALWAYS_NAMED else \
            max(1, -(-k // MAX_TICKS), -(-k * TICK_PX // side))
        if every == self.tick_every:
            return
        self.tick_every = every
        ticks = [[(i, tick_name(name)) for i, name in enumerate(self.class_names)
                  if i % every == 0]]
        self.plot.getAxis("bottom").setTicks(ticks)
        self.plot.getAxis("left").setTicks(ticks)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self.class_names:
            self._set_ticks()
            self._fit_numbers()
            self._show_summary()

    def cell_px(self) -> float:
        """Side of one cell on screen (px): the matrix is square in the plot's square part."""
        side = max(1, min(self.plot_widget.width(), self.plot_widget.height()) - 60)
        return side / max(1, len(self.class_names))

    def _fit_numbers(self) -> None:
        """Size the cell numbers to the cells (widest text ≤ 85 % of a cell); hide them when
        they would be smaller than ``MIN_NUMBER_PX``."""
        if not self.texts:
            self.numbers_hidden = len(self.class_names) > MAX_TEXT_CLASSES
            return
        cell = self.cell_px()
        largest = MAX_NUMBER_PX * current_look().font_scale  # presenter mode: larger
        font = QFont(self.texts[0].textItem.font())
        font.setPixelSize(round(largest))
        metrics = QFontMetricsF(font)
        widest = max(metrics.horizontalAdvance(t.textItem.toPlainText()) for t in self.texts)
        px = min(largest * min(1.0, 0.85 * cell / max(widest, 1.0)), cell * 0.5)
        self.numbers_hidden = px < MIN_NUMBER_PX
        font.setPixelSize(max(1, int(px)))
        for text in self.texts:
            text.setFont(font)
            text.setVisible(not self.numbers_hidden)

    def _show_summary(self) -> None:
        total = self.matrix.sum()
        acc = np.trace(self.matrix) / total if total else 0.0
        note = " · cells too small for numbers: enlarge the panel" if self.numbers_hidden \
            else ""
        self.summary.setText(f"accuracy {acc:.1%} of {int(total)} samples{note}")

    def _redraw(self, *_: object) -> None:
        if not self.matrix.size:
            return
        s = self.style_
        fractions = row_normalized(self.matrix)
        k = self.matrix.shape[0]
        self.image.setImage(cell_colors(fractions, s), autoLevels=False)
        self.image.setRect(QRectF(-0.5, -0.5, k, k))  # after setImage: it scales the image
        values = self.values()
        light = np.sqrt(fractions) > 0.55  # dark tint underneath: light text
        for idx, text in enumerate(self.texts):
            i, j = divmod(idx, k)
            v = values[i, j]
            text.setText(f"{v:.0f}%" if self.normalized else f"{int(v)}")
            zero = self.matrix[i, j] == 0
            text.setColor(s.text_light if light[i, j] else s.muted if zero else s.foreground)
        self._fit_numbers()
        self._show_summary()

    def set_theme(self, name: str) -> None:
        s = self.style_ = plot_style(name)
        self.plot_widget.setBackground(s.background)
        style_axes(self.plot, s, left="true class", bottom="predicted class")
        self._redraw()
