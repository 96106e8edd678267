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
        fit_side_label(item, shrink=look.font_scale != 1.0)
    marks = item.__dict__.setdefault(_MARK, {})
    current = item.style.get("tickFont")
    if current is not None and current is not marks.get("font"):
        return  # the view chose its own font (``style_axes`` scales it already)
    font = axis_font(TICK_PT) if look.font_scale != 1.0 else None
    marks["font"] = font
    if font is not current:
        item.setStyle(tickFont=font)


LABEL_MIN_PT = 7.0


def fit_side_label(item: pg.AxisItem, shrink: bool = True) -> None:
    """Presenting: size a left/right axis title to the plot's height — at most the size its
    view chose, at least ``LABEL_MIN_PT`` (a short accuracy plot showed "accurac)"); it grows
    back with the plot, and the view's own restyle sets its size afresh. ``shrink=False``
    (the normal look): the view's size."""
    size = str(item.labelStyle.get("font-size", ""))
    room = item.size().height()
    if not item.label.isVisible() or room < 20 or not size.endswith("pt"):
        return
    pt = float(size[:-2])
    marks: dict[str, tuple[float, float]] = item.__dict__.setdefault(_MARK, {})
    base, applied = marks.get("label_pt", (pt, pt))
    if abs(applied - pt) > 0.05:  # the view set its own size since
        base = pt
    need = item.label.boundingRect().width() * base / pt  # turned by 90°: its width
    target = round(max(LABEL_MIN_PT, min(base, base * 0.95 * room / need)), 1) if shrink \
        else base
    marks["label_pt"] = (base, target)
    if abs(target - pt) > 0.05:
        item.setLabel(item.labelText, item.labelUnits,
                      **{**item.labelStyle, "font-size": f"{target:.1f}pt"})


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
