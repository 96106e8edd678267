"""Thick lines, big markers and big tick labels in the plots a window owns (presenter mode).

``apply_look(views, look)`` walks the items of the given pyqtgraph views (the window passes
its own, never ``QApplication.allWidgets()``) and scales, relative to what the view itself
set: curve pen widths by ``look.line_scale``, scatter and symbol sizes by
``look.marker_scale``, default tick fonts by ``look.font_scale``. Each item remembers the size
its view gave it and the size applied here, so applying again (after new items appear, or
after a view restyled itself) never compounds, and applying ``NORMAL_LOOK`` puts back
exactly what the view had set.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

from widgets.plots.palette import TICK_PT, Look, axis_font

_MARK = "_layerlab_look"  # attribute on an item: {what: (base, applied)}


def _scaled(item: QGraphicsItem, what: str, current: object, scale: float,
            floor: float = 0.0, whole: bool = False) -> object:
    """The value to set for ``what`` (``None``: leave it); records base and applied value."""
    marks: dict[str, tuple[object, object]] = item.__dict__.setdefault(_MARK, {})
    base, applied = marks.get(what, (current, None))
    if applied is None or applied != current:  # new, or the view set its own value since
        base = current
    if not isinstance(base, (int, float)) or isinstance(base, bool):
        return None
    value = max(base, floor) * scale if scale != 1.0 else base
    if whole:
        value = round(value)
    marks[what] = (base, value)
    return value if value != current else None


def _restyle_pen(item: QGraphicsItem, pen: object, scale: float, setter: str) -> None:
    if pen is None:
        return
    qpen = pg.mkPen(pen)
    if qpen.style() == pg.QtCore.Qt.PenStyle.NoPen:
        return
    value = _scaled(item, "pen", qpen.widthF(), scale, floor=1.0)  # width 0 draws 1 px
    if value is not None:
        qpen.setWidthF(float(value))  # type: ignore[arg-type]
        getattr(item, setter)(qpen)


def _data_item(item: pg.PlotDataItem, look: Look) -> None:
    _restyle_pen(item, item.opts.get("pen"), look.line_scale, "setPen")
    if item.opts.get("symbol") is not None:
        value = _scaled(item, "symbol", item.opts.get("symbolSize"), look.marker_scale)
        if value is not None:
            item.setSymbolSize(value)


def _curve(item: pg.PlotCurveItem, look: Look) -> None:
    _restyle_pen(item, item.opts.get("pen"), look.line_scale, "setPen")


def _scatter(item: pg.ScatterPlotItem, look: Look) -> None:
    value = _scaled(item, "size", item.opts.get("size"), look.marker_scale)
    if value is not None:
        item.setSize(value)


def _axis(item: pg.AxisItem, look: Look) -> None:
    """Fixed axis widths grow with the text; axes left at pyqtgraph's default font get the
    look's tick font."""
    if item.orientation in ("left", "right"):
        width = _scaled(item, "width", item.fixedWidth, look.font_scale, whole=True)
        if width is not None:
            item.setWidth(width)  # type: ignore[arg-type]
    marks = item.__dict__.setdefault(_MARK, {})
    current = item.style.get("tickFont")
    if current is not None and current is not marks.get("font"):
        return  # the view chose its own font (``style_axes`` scales it already)
    font = axis_font(TICK_PT) if look.font_scale != 1.0 else None
    marks["font"] = font
    if font is not current:
        item.setStyle(tickFont=font)


def apply_look(views: Iterable[pg.GraphicsView], look: Look) -> int:
    """Restyle every curve, scatter and axis in ``views``; return how many items were seen."""
    seen = 0
    for view in views:
        scene = view.scene()
        if scene is None:
            continue
        for item in scene.items():
            seen += 1
            if isinstance(item, pg.PlotDataItem):
                _data_item(item, look)
            elif isinstance(item.parentItem(), pg.PlotDataItem):
                continue  # its PlotDataItem owns the pens and sizes
            elif isinstance(item, pg.PlotCurveItem):
                _curve(item, look)
            elif isinstance(item, pg.ScatterPlotItem):
                _scatter(item, look)
            elif isinstance(item, pg.AxisItem):
                _axis(item, look)
    return seen
