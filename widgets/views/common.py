"""What every CNN view shares: a control bar, the picture or a muted hint, a one-line caption.

``ViewFrame`` lays out ``bar`` (a QHBoxLayout for combos/spin boxes), a stack that shows either
the view's content or ``hint`` (a muted sentence such as "Add a Conv2D layer to see its
filters") and ``caption`` (the muted one-line explanation under the view). ``ImagePanel`` is
a pyqtgraph plot without axes holding one row-major RGBA ``ImageItem`` (y down, square
pixels); ``show(rgba)`` calls ``setImage`` in place and re-fits the range only when the image
size changes. ``probe_of(snapshot, key)`` reads a probe under ``key`` or
``"introspection:" + key`` and splits off an ``{"error": message}`` result.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from widgets.plots.palette import AXIS_PT, PlotStyle, axis_font, current_style, plot_style


def probe_of(snapshot: Any, key: str) -> tuple[Any, str | None]:
    """(value, None), (None, error message) or (None, None) when the snapshot lacks it."""
    probes = getattr(snapshot, "probes", None) or {}
    value = probes.get(key, probes.get("introspection:" + key))
    if isinstance(value, dict) and isinstance(value.get("error"), str):
        return None, value["error"]
    return value, None


def muted_label(text: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setProperty("role", "muted")
    return label


class ImagePanel(pg.PlotWidget):
    """One RGBA image, pixel (row, col) drawn at (x=col, y=row), row 0 at the top."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        plot = self.plot = self.getPlotItem()
        for name in ("left", "bottom"):
            plot.hideAxis(name)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.invertY(True)
        plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.image)
        self.title = title
        self.shape: tuple[int, ...] = ()
        self.style_ = current_style()

    def show_rgba(self, rgba: np.ndarray) -> None:
        """rgba (H, W, 4) uint8 -> the image, in place."""
        self.image.setImage(rgba, autoLevels=False)
        if rgba.shape[:2] != self.shape:
            self.shape = rgba.shape[:2]
            h, w = self.shape
            self.image.setRect(QRectF(0, 0, w, h))
            self.plot.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)

    def set_title(self, text: str) -> None:
        self.title = text
        self.plot.setTitle(text, color=self.style_.foreground, size=f"{AXIS_PT}pt")

    def set_theme(self, style: PlotStyle) -> None:
        self.style_ = style
        self.setBackground(style.background)
        self.set_title(self.title)


class ViewFrame(QWidget):
    """Control bar on top, content or hint in the middle, muted caption below."""

    def __init__(self, caption: str, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.style_ = current_style()
        self.bar = QHBoxLayout()
        self.bar.setContentsMargins(6, 2, 6, 0)
        self.hint = muted_label(hint)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setFont(axis_font(AXIS_PT))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.hint)
        self.caption = muted_label(caption)
        self.caption.setContentsMargins(6, 0, 6, 2)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addLayout(self.bar)
        box.addWidget(self.stack, 1)
        box.addWidget(self.caption)

    def set_content(self, widget: QWidget) -> None:
        self.content = widget
        self.stack.addWidget(widget)

    def show_hint(self, text: str | None = None) -> None:
        if text is not None:
            self.hint.setText(text)
        self.stack.setCurrentWidget(self.hint)

    def show_content(self) -> None:
        self.stack.setCurrentWidget(self.content)

    @property
    def showing_hint(self) -> bool:
        return self.stack.currentWidget() is self.hint

    def theme_style(self, name: str) -> PlotStyle:
        self.style_ = plot_style(name)
        return self.style_
