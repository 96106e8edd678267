"""Crisp, colour-coded run-control icons drawn with ``QPainter`` (no icon files to ship).

Play is green, pause orange, stop vermillion, steps and reset blue (Okabe–Ito), drawn at
64 px so they stay sharp on a projector and in a large toolbar. File and edit actions use
the platform style's standard icons.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from widgets.window.theme import OKABE_ITO

SIZE = 64
COLORS = {"play": OKABE_ITO["green"], "pause": OKABE_ITO["orange"],
          "stop": OKABE_ITO["vermillion"], "step_batch": OKABE_ITO["blue"],
          "step_epoch": OKABE_ITO["blue"], "reset": OKABE_ITO["purple"]}


def _triangle(x: float, width: float) -> QPolygonF:
    return QPolygonF([QPointF(x, 14), QPointF(x + width, SIZE / 2), QPointF(x, SIZE - 14)])


def _paint(name: str, painter: QPainter) -> None:
    color = QColor(COLORS.get(name, "#444444"))
    painter.setBrush(color)
    painter.setPen(Qt.PenStyle.NoPen)
    if name == "play":
        painter.drawPolygon(_triangle(18, 32))
    elif name == "pause":
        painter.drawRoundedRect(QRectF(16, 12, 11, 40), 3, 3)
        painter.drawRoundedRect(QRectF(37, 12, 11, 40), 3, 3)
    elif name == "stop":
        painter.drawRoundedRect(QRectF(15, 15, 34, 34), 5, 5)
    elif name == "step_batch":
        painter.drawPolygon(_triangle(14, 26))
        painter.drawRoundedRect(QRectF(43, 14, 8, 36), 2, 2)
    elif name == "step_epoch":
        painter.drawPolygon(_triangle(6, 20))
        painter.drawPolygon(_triangle(24, 20))
        painter.drawRoundedRect(QRectF(47, 14, 8, 36), 2, 2)
    elif name == "reset":
        _paint_reset(painter, color)


def _paint_reset(painter: QPainter, color: QColor) -> None:
    pen = QPen(color, 7)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    rect = QRectF(14, 14, 36, 36)
    painter.drawArc(rect, 90 * 16, 280 * 16)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    angle = math.radians(90)
    tip = QPointF(32 + 18 * math.cos(angle), 32 - 18 * math.sin(angle))
    path = QPainterPath()
    path.moveTo(tip + QPointF(12, 0))
    path.lineTo(tip + QPointF(-4, -10))
    path.lineTo(tip + QPointF(-4, 10))
    path.closeSubpath()
    painter.drawPath(path)


def run_icon(name: str) -> QIcon:
    """``play``, ``pause``, ``stop``, ``step_batch``, ``step_epoch`` or ``reset``."""
    pixmap = QPixmap(SIZE, SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _paint(name, painter)
    painter.end()
    return QIcon(pixmap)
