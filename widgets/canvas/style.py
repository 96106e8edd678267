"""Colours, fonts, sizes and layer glyphs shared by the canvas items and the layer palette.

Everything is derived from the current theme (``widgets.window.theme.current_colors``) so the canvas
follows light/dark switches; categories get Okabe–Ito colours (colour-blind safe) and a simple
glyph drawn with ``QPainter`` (no icon files to ship). Fonts are in points and never below
11 pt so the network stays readable on a projector.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QIcon,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
)

from widgets.canvas import glyphs_more
from widgets.window.theme import OKABE_ITO, current_colors

NODE_WIDTH = 176.0
NODE_HEIGHT = 108.0
HEADER_HEIGHT = 34.0
PORT_RADIUS = 8.0
PORT_HIT_RADIUS = 16.0
CORNER = 10.0
GRID = 24.0
READABLE_ZOOM = 0.9  # below this zoom, text grows to compensate...
MAX_TEXT_SCALE = 1.6  # ...up to this factor (then boxes show fewer lines)
COMPACT_SCALE = 1.15  # past this, the subtitle line is dropped to make room

CATEGORY_COLORS = {
    "Core": OKABE_ITO["blue"], "Activations": OKABE_ITO["orange"],
    "Regularization": OKABE_ITO["green"], "Reshaping": OKABE_ITO["sky"],
    "Merge": OKABE_ITO["purple"], "Convolution": OKABE_ITO["vermillion"],
    "Normalization": OKABE_ITO["yellow"], "Recurrent": OKABE_ITO["purple"],
    "Pooling": OKABE_ITO["sky"], "Embedding": OKABE_ITO["green"],
    "Attention": OKABE_ITO["vermillion"], "Generative": OKABE_ITO["purple"],
    "Blocks": OKABE_ITO["blue"],
}
FALLBACK_COLORS = (OKABE_ITO["sky"], OKABE_ITO["purple"], OKABE_ITO["green"],
                   OKABE_ITO["orange"])
# Palette order a course follows; categories not listed come after, alphabetically.
CATEGORY_ORDER = ("Core", "Activations", "Regularization", "Normalization", "Convolution",
                  "Pooling", "Reshaping", "Merge", "Embedding", "Recurrent", "Attention",
                  "Generative", "Blocks")


def category_color(category: str) -> QColor:
    if category in CATEGORY_COLORS:
        return QColor(CATEGORY_COLORS[category])
    return QColor(FALLBACK_COLORS[sum(map(ord, category)) % len(FALLBACK_COLORS)])


def text_on(color: QColor) -> QColor:
    """Black or white, whichever reads better on ``color``."""
    r, g, b = color.redF(), color.greenF(), color.blueF()
    return QColor("#000000") if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else QColor("#FFFFFF")


def font(point_size: float, bold: bool = False, scale: float = 1.0) -> QFont:
    """A font of at least 11 pt, times ``scale`` (see ``text_scale_for_zoom``)."""
    f = QFont()
    f.setPointSizeF(max(11.0, point_size) * scale)
    f.setBold(bold)
    return f


def text_scale_for_zoom(zoom: float) -> float:
    """How much to enlarge canvas text so it stays readable when zoomed out (1.0 to 1.6)."""
    return 1.0 if zoom <= 0 else min(MAX_TEXT_SCALE, max(1.0, READABLE_ZOOM / zoom))


@dataclass(frozen=True)
class CanvasColors:
    """The colours the canvas paints with, for the current theme."""

    dark: bool
    background: QColor
    grid: QColor
    node_fill: QColor
    node_border: QColor
    text: QColor
    muted: QColor
    wire: QColor
    accent: QColor
    error: QColor
    error_fill: QColor
    ok: QColor
    label_fill: QColor


def canvas_colors() -> CanvasColors:
    c = current_colors()
    dark = c.name == "dark"
    return CanvasColors(
        dark=dark,
        background=QColor(c.base if dark else "#F7F8FA"),
        grid=QColor("#2C323C" if dark else "#D5D9E0"),
        node_fill=QColor(c.panel if dark else "#FFFFFF"),
        node_border=QColor("#6B7480" if dark else "#7A8494"),
        text=QColor(c.text), muted=QColor(c.muted),
        wire=QColor("#C3CAD5" if dark else "#4B5563"),
        accent=QColor(c.accent), error=QColor(OKABE_ITO["vermillion"] if not dark else c.error),
        error_fill=QColor(c.error_bg), ok=QColor(c.ok),
        label_fill=QColor("#2B313B" if dark else "#FFFFFF"),
    )


def grid_points(rect: QRectF, step: float = GRID) -> QPolygonF:
    """The dots of the background grid that fall inside ``rect`` (scene coordinates)."""
    left, top = (rect.left() // step) * step, (rect.top() // step) * step
    columns = max(0, int((rect.right() - left) // step) + 1)
    rows = max(0, int((rect.bottom() - top) // step) + 1)
    return QPolygonF([QPointF(left + i * step, top + j * step)
                      for i in range(columns) for j in range(rows)])


def pen(color: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    p = QPen(color, width, style)
    p.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return p


# -- layer glyphs ------------------------------------------------------------------------------
def paint_glyph(painter: QPainter, rect: QRectF, icon: str, category: str) -> None:
    """A rounded square in the category colour with a small white symbol for ``icon``."""
    color = category_color(category)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRoundedRect(rect, rect.width() * 0.22, rect.width() * 0.22)
    painter.setPen(pen(text_on(color), max(1.5, rect.width() * 0.09)))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    _SYMBOLS.get(icon, _symbol_default)(painter, rect.adjusted(*(rect.width() * f for f in
                                                                  (0.22, 0.22, -0.22, -0.22))))
    painter.restore()


def _symbol_default(p: QPainter, r: QRectF) -> None:
    p.drawRoundedRect(r.adjusted(r.width() * 0.1, r.height() * 0.1, -r.width() * 0.1,
                                 -r.height() * 0.1), 2, 2)


def _symbol_input(p: QPainter, r: QRectF) -> None:
    mid = r.center().y()
    p.drawLine(QPointF(r.left(), mid), QPointF(r.right(), mid))
    p.drawLine(QPointF(r.right() - r.width() * 0.35, r.top() + r.height() * 0.15),
               QPointF(r.right(), mid))
    p.drawLine(QPointF(r.right() - r.width() * 0.35, r.bottom() - r.height() * 0.15),
               QPointF(r.right(), mid))


def _symbol_dense(p: QPainter, r: QRectF) -> None:
    left = [QPointF(r.left(), r.top() + r.height() * f) for f in (0.1, 0.5, 0.9)]
    right = [QPointF(r.right(), r.top() + r.height() * f) for f in (0.25, 0.75)]
    for a in left:
        for b in right:
            p.drawLine(a, b)


def _symbol_activation(p: QPainter, r: QRectF) -> None:
    path = QPainterPath(QPointF(r.left(), r.bottom()))
    path.cubicTo(QPointF(r.center().x(), r.bottom()), QPointF(r.center().x(), r.top()),
                 QPointF(r.right(), r.top()))
    p.drawPath(path)


def _symbol_dropout(p: QPainter, r: QRectF) -> None:
    step = r.width() / 2
    for i in range(3):
        for j in range(3):
            centre = QPointF(r.left() + i * step, r.top() + j * step)
            if (i + j) % 2 == 0:
                p.drawPoint(centre)
            else:
                p.drawEllipse(centre, r.width() * 0.08, r.width() * 0.08)


def _symbol_flatten(p: QPainter, r: QRectF) -> None:
    p.drawRect(QRectF(r.left(), r.top(), r.width() * 0.45, r.height() * 0.45))
    p.drawLine(QPointF(r.left(), r.bottom()), QPointF(r.right(), r.bottom()))
    p.drawLine(QPointF(r.right(), r.top()), QPointF(r.right(), r.bottom() - r.height() * 0.3))


def _symbol_add(p: QPainter, r: QRectF) -> None:
    c = r.center()
    p.drawLine(QPointF(r.left(), c.y()), QPointF(r.right(), c.y()))
    p.drawLine(QPointF(c.x(), r.top()), QPointF(c.x(), r.bottom()))


def _symbol_concatenate(p: QPainter, r: QRectF) -> None:
    p.drawRect(QRectF(r.left(), r.top(), r.width() * 0.4, r.height()))
    p.drawRect(QRectF(r.left() + r.width() * 0.6, r.top(), r.width() * 0.4, r.height()))


_SYMBOLS = {"input": _symbol_input, "dense": _symbol_dense, "activation": _symbol_activation,
            "dropout": _symbol_dropout, "flatten": _symbol_flatten, "reshape": _symbol_flatten,
            "add": _symbol_add, "concatenate": _symbol_concatenate, **glyphs_more.SYMBOLS}


@lru_cache(maxsize=128)
def layer_icon(icon: str, category: str, size: int = 32) -> QIcon:
    """The glyph as a QIcon (for the palette and menus)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    paint_glyph(painter, QRectF(1, 1, size - 2, size - 2), icon, category)
    painter.end()
    return QIcon(pixmap)


# -- frozen layers (trainable: false) -------------------------------------------------------------
def frozen_color(accent: QColor) -> QColor:
    """A frozen layer's header: its category colour greyed (a third of the saturation)."""
    grey = QColor(accent)
    h, s, v, a = grey.hsvHueF(), grey.hsvSaturationF(), grey.valueF(), grey.alphaF()
    grey.setHsvF(max(h, 0.0), s / 3.0, min(1.0, v * 0.9 + 0.05), a)
    return grey


def frozen_hatch(color: QColor) -> QBrush:
    """Diagonal hatching drawn over a frozen layer's body (``color`` at low opacity)."""
    hatch = QColor(color)
    hatch.setAlphaF(0.35)
    return QBrush(hatch, Qt.BrushStyle.BDiagPattern)


def paint_lock(painter: QPainter, rect: QRectF, fill: QColor, ink: QColor) -> None:
    """A padlock in ``rect`` (square): a round badge of ``fill`` with the lock drawn in ``ink``."""
    painter.save()
    painter.setPen(pen(ink, 1.5))
    painter.setBrush(fill)
    painter.drawEllipse(rect)
    w, h = rect.width(), rect.height()
    body = QRectF(rect.left() + w * 0.3, rect.top() + h * 0.47, w * 0.4, h * 0.3)
    shackle = QRectF(rect.left() + w * 0.37, rect.top() + h * 0.22, w * 0.26, h * 0.4)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(pen(ink, max(1.5, w * 0.08)))
    painter.drawArc(shackle, 0, 180 * 16)
    painter.drawLine(QPointF(shackle.left(), shackle.center().y()),
                     QPointF(shackle.left(), body.top()))
    painter.drawLine(QPointF(shackle.right(), shackle.center().y()),
                     QPointF(shackle.right(), body.top()))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ink)
    painter.drawRoundedRect(body, 1.5, 1.5)
    painter.restore()
