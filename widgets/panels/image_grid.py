"""Rows of small images with a caption each: the dataset preview and the augmentation preview.

``ImageGrid.set_rows(rows, labels, levels)`` takes one ``(n, C, H, W)`` array per row (C = 1
grey, 3 RGB, anything else: its first channel) and shows each row as ONE composed RGBA strip
in its own view box, with the caption (a class name, "original", ...) at the left. Pixels are
drawn square and unsmoothed (nearest), so a 28×28 digit stays crisp when scaled up. Rows are
created only when their number changes; later calls only ``setImage``/``setText`` in place.

The numpy helpers (``to_rgba``, ``compose_strip``, ``display_levels``, ``class_rows``,
``image_samples``) have no Qt in them and are what the tests check.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import QWidget

from widgets.plots.palette import LABEL_PT, axis_font, current_style, plot_style, scaled_pt

GAP = 2  # transparent pixels between two images of a row
MIN_ROW, MAX_ROW = 26, 72  # row height in screen pixels
LABEL_MAX = 130  # widest caption column in screen pixels (longer names are elided)


def image_samples(data: Any) -> np.ndarray | None:
    """A dataset's training inputs as images ``(N, C, H, W)``, or None when they are not images.

    The 8×8 digits given as vectors of 64 pixels are shown as the images they are.
    """
    if data is None:
        return None
    x = data.x_train
    if x.ndim == 4 and x.shape[0] > 0:
        return x
    if data.name == "digits" and tuple(data.input_shape) == (64,) and len(x):
        return x.reshape(len(x), 1, 8, 8)
    return None


def display_levels(x: np.ndarray) -> tuple[float, float]:
    """Black and white levels for images ``x``: [0, 1] when they fit, else their min and max
    (standardized data), so augmentation noise shows as noise and is not stretched away."""
    if x.size == 0:
        return 0.0, 1.0
    lo, hi = float(np.nanmin(x)), float(np.nanmax(x))
    if lo >= 0.0 and hi <= 1.0:
        return 0.0, 1.0
    return lo, hi if hi - lo > 1e-6 else lo + 1.0


def class_rows(y: np.ndarray, n_classes: int, per_class: int, max_rows: int
               ) -> list[np.ndarray]:
    """Indices of the first ``per_class`` samples of each class (one array per class, at most
    ``max_rows`` classes); ``y: (N,)`` labels."""
    labels = np.asarray(y).reshape(len(y), -1)[:, 0]
    return [np.flatnonzero(labels == k)[:per_class] for k in range(min(n_classes, max_rows))]


def to_rgba(x: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """``x: (n, C, H, W)`` float -> ``(n, H, W, 4)`` uint8, levels[0] black, levels[1] white."""
    lo, hi = levels
    rgb = x[:, :3] if x.shape[1] == 3 else np.repeat(x[:, :1], 3, axis=1)  # (n, 3, H, W)
    scaled = (np.nan_to_num(rgb, nan=lo) - lo) * (255.0 / max(hi - lo, 1e-12))
    out = np.empty((x.shape[0], x.shape[2], x.shape[3], 4), dtype=np.uint8)
    out[..., :3] = np.clip(np.rint(scaled), 0, 255).transpose(0, 2, 3, 1)
    out[..., 3] = 255
    return out


def compose_strip(x: np.ndarray, cols: int, levels: tuple[float, float]) -> np.ndarray:
    """``x: (n, C, H, W)``, n ≤ cols -> ``(H, cols·(W + GAP) − GAP, 4)`` uint8; gaps and empty
    slots are transparent (the theme's background shows through)."""
    h, w = x.shape[2], x.shape[3]
    strip = np.zeros((h, cols * (w + GAP) - GAP, 4), dtype=np.uint8)
    for i, tile in enumerate(to_rgba(x[:cols], levels)):
        strip[:, i * (w + GAP): i * (w + GAP) + w] = tile
    return strip


class ImageGrid(pg.GraphicsLayoutWidget):
    """Captioned rows of images; ``strips`` holds the RGBA array drawn in each row."""

    def __init__(self, cols: int = 6, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cols = cols
        self.style_ = current_style()
        self.setBackground(self.style_.background)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        self.ci.setContentsMargins(2, 2, 2, 2)
        self.ci.setSpacing(4)
        self.labels: list[pg.LabelItem] = []
        self.boxes: list[pg.ViewBox] = []
        self.items: list[pg.ImageItem] = []
        self.strips: list[np.ndarray] = []
        self.counts: list[int] = []
        self._aspect = 1.0  # strip height / width
        self.setFixedHeight(MIN_ROW)

    @property
    def n_images(self) -> int:
        """How many images are shown (for tests and the caption under the grid)."""
        return int(sum(self.counts))

    def set_rows(self, rows: list[np.ndarray], labels: list[str],
                 levels: tuple[float, float] | None = None) -> None:
        """rows: one ``(n, C, H, W)`` array per row (n ≤ cols); labels: one caption per row."""
        if levels is None:
            levels = display_levels(np.concatenate([r.reshape(-1) for r in rows])) if rows \
                else (0.0, 1.0)
        if len(rows) != len(self.items):
            self._make_rows(len(rows))
        self.strips, self.counts = [], []
        for i, (row, label) in enumerate(zip(rows, labels)):
            strip = compose_strip(row, self.cols, levels)
            self.items[i].setImage(strip, autoLevels=False)
            self.boxes[i].setRange(QRectF(0, 0, strip.shape[1], strip.shape[0]), padding=0)
            self.labels[i].setText(self._elide(label), color=self.style_.foreground,
                                   size=f"{LABEL_PT}pt")
            self.labels[i].setToolTip(label)
            self.labels[i].setMaximumHeight(self.labels[i].itemRect().height())  # v-centred
            self.strips.append(strip)
            self.counts.append(min(len(row), self.cols))
        if self.strips:
            self._aspect = self.strips[0].shape[0] / self.strips[0].shape[1]
        self._fit_height()

    def _make_rows(self, n: int) -> None:
        self.ci.clear()
        self.labels, self.boxes, self.items = [], [], []
        for r in range(n):
            label = self.ci.addLabel("", row=r, col=0, justify="right")
            self.ci.layout.setAlignment(label, Qt.AlignmentFlag.AlignRight
                                        | Qt.AlignmentFlag.AlignVCenter)
            box = self.ci.addViewBox(row=r, col=1, lockAspect=True, enableMouse=False,
                                     invertY=True, enableMenu=False)
            item = pg.ImageItem(axisOrder="row-major")
            box.addItem(item)
            self.labels.append(label)
            self.boxes.append(box)
            self.items.append(item)

    def _label_width(self) -> int:
        metrics = QFontMetrics(axis_font(LABEL_PT))
        widest = max((metrics.horizontalAdvance(str(lb.toolTip())) for lb in self.labels),
                     default=0)
        return min(widest + 12, LABEL_MAX)

    def _elide(self, text: str) -> str:
        metrics = QFontMetrics(axis_font(LABEL_PT))
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, LABEL_MAX - 12)

    def _fit_height(self) -> None:
        """Rows as tall as the images are when they fill the width (within MIN/MAX_ROW)."""
        label_w = self._label_width()
        if self.labels:
            self.ci.layout.setColumnFixedWidth(0, label_w)
        width = max(self.width() - label_w - 9, 40)  # margins 2 + 2, spacing 4
        row = int(np.clip(width * self._aspect, MIN_ROW, MAX_ROW))
        n = max(len(self.items), 1)
        self.setFixedHeight(n * row + (n - 1) * 4 + 8)
        pg.GraphicsView.resizeEvent(self, None)  # the scene follows the new size at once

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if event is not None and hasattr(self, "items") \
                and event.size().width() != event.oldSize().width():
            # later, not inside this event: a nested resize skips the viewport's relayout
            QTimer.singleShot(0, self, self._fit_height)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        QTimer.singleShot(0, self, self._fit_height)  # sized while hidden: may be pending

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt API)
        """Follow a theme switch (the application palette changes before its name is set)."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            QTimer.singleShot(0, self, self._follow_theme)

    def _follow_theme(self) -> None:
        self.set_theme(current_style().name)

    def set_theme(self, name: str) -> None:
        self.style_ = plot_style(name)
        self.setBackground(self.style_.background)
        for label in self.labels:
            label.setText(label.text, color=self.style_.foreground,
                          size=f"{scaled_pt(LABEL_PT)}pt")
