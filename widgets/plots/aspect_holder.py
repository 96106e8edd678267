"""``AspectHolder``: keeps a plot's data area at the data's own aspect, so one unit of x is as
long on screen as one unit of y (a spiral stays round in a wide, short 1280×720 dock).

The holder takes whatever room its layout gives and places its one ``pg.PlotWidget`` inside,
centred, as large as fits while the *view box* (the data area, without the axes, margins and
title around it) has the width : height of ``set_ratio(x_span / y_span)``. The rest of the
room stays the dock's background. ``set_ratio(None)`` lets the plot fill the holder (inputs
of unrelated scales, ``shared_scale_ratio``: stretching is then the readable choice). The view
range stays exactly what its owner sets (no ``setAspectLocked``, which widens one range to the
widget's shape: white bands beside a decision map that covers exactly the data's extent).
``placed`` is called after each placement; ``place_corner`` puts a small control (the "Edit
points" switch) at the top right, beside the plot when the room left over there holds it.
"""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QWidget

SAME_SCALE = 4.0  # inputs whose spans differ by less than this factor share one scale


class AspectHolder(QWidget):
    """Holds ``plot`` at the data aspect ``ratio`` (see the module docstring)."""

    def __init__(self, plot: pg.PlotWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = plot
        plot.setParent(self)
        self.ratio: float | None = None
        self.placed: Callable[[], None] = lambda: None

    def set_ratio(self, ratio: float | None) -> None:
        """``ratio``: the data's x span / y span (> 0), or None to fill the holder."""
        if ratio is not None and not ratio > 0:
            ratio = None
        if ratio != self.ratio:
            self.ratio = ratio
            self.relayout()

    def chrome(self, top: float | None = None) -> tuple[float, float]:
        """(width, height) in px of what surrounds the view box: axes, margins, title (with
        ``top``: as if the plot's own top margin were that)."""
        item = self.plot_widget.getPlotItem()
        w = h = 0.0
        for margins in (item.getContentsMargins(), item.layout.getContentsMargins()):
            left, up, right, bottom = margins
            w, h = w + left + right, h + up + bottom
        if top is not None:
            h += top - item.getContentsMargins()[1]
        for name in ("left", "right"):
            axis = item.getAxis(name)
            if axis.isVisible():
                w += axis.width()
        for name in ("top", "bottom"):
            axis = item.getAxis(name)
            if axis.isVisible():
                h += axis.height()
        if item.titleLabel.isVisible():
            h += item.titleLabel.height()
        return w, h

    def target(self, top: float | None = None) -> QRect:
        """Where the plot widget goes in the holder (all of it when ``ratio`` is None);
        ``top``: see ``chrome``."""
        room = self.rect()
        if self.ratio is None:
            return room
        ox, oy = self.chrome(top)
        box_w, box_h = max(room.width() - ox, 1.0), max(room.height() - oy, 1.0)
        if box_w > box_h * self.ratio:
            box_w = box_h * self.ratio
        else:
            box_h = box_w / self.ratio
        w, h = min(round(box_w + ox), room.width()), min(round(box_h + oy), room.height())
        return QRect((room.width() - w) // 2, (room.height() - h) // 2, w, h)

    def place_corner(self, widget: QWidget, gap: int) -> bool:
        """Put ``widget`` (a small control) at the top right: in the empty room beside the
        plot when there is room for it there with the plot's top margin at ``2 * gap``, else
        on the plot itself. True when it is on the plot (the owner keeps a strip free under
        it)."""
        widget.adjustSize()
        free = (self.width() - self.target(top=2.0 * gap).width()) // 2
        parent = self if free >= widget.width() + 2 * gap else self.plot_widget
        if widget.parentWidget() is not parent:
            shown = not widget.isHidden()
            widget.setParent(parent)
            widget.setVisible(shown)
        widget.raise_()
        widget.move(max(parent.width() - widget.width() - gap, 0), gap)
        return parent is self.plot_widget

    def relayout(self) -> None:
        self.plot_widget.setGeometry(self.target())
        self.placed()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.relayout()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.plot_widget.sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.plot_widget.minimumSizeHint()


def shared_scale_ratio(x0: float, x1: float, y0: float, y1: float) -> float | None:
    """The x span / y span of a view ``[x0, x1] × [y0, y1]`` when both inputs share a scale
    (spans within ``SAME_SCALE`` of each other: keep the data's shape), else None (stretch)."""
    sx, sy = x1 - x0, y1 - y0
    if not (sx > 0 and sy > 0):
        return None
    ratio = sx / sy
    return ratio if 1 / SAME_SCALE <= ratio <= SAME_SCALE else None
