"""Glyphs of the layer families beyond the dense core: conv, pooling, normalization, recurrent,
embedding, attention, sampling and composite blocks. Each paints white strokes into ``r``."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QPainterPath


def conv(p: QPainter, r: QRectF) -> None:
    """A 3×3 kernel grid."""
    for i in range(4):
        x, y = r.left() + i * r.width() / 3, r.top() + i * r.height() / 3
        p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
        p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))


def deconv(p: QPainter, r: QRectF) -> None:
    """A small grid growing into a large one."""
    p.drawRect(QRectF(r.left(), r.top(), r.width() * 0.4, r.height() * 0.4))
    p.drawRect(r)


def pool(p: QPainter, r: QRectF) -> None:
    """Four cells funnelled into one."""
    half = r.width() / 2
    p.drawRect(QRectF(r.left(), r.top(), r.width(), r.height() * 0.5))
    x = r.left() + half
    p.drawLine(QPointF(x, r.top()), QPointF(x, r.top() + r.height() * 0.5))
    p.drawRect(QRectF(r.left() + r.width() * 0.3, r.bottom() - r.height() * 0.3, r.width() * 0.4,
                      r.height() * 0.3))


def upsample(p: QPainter, r: QRectF) -> None:
    p.drawRect(QRectF(r.left() + r.width() * 0.3, r.top(), r.width() * 0.4, r.height() * 0.3))
    p.drawRect(QRectF(r.left(), r.bottom() - r.height() * 0.5, r.width(), r.height() * 0.5))


def normalization(p: QPainter, r: QRectF) -> None:
    """A bell curve."""
    path = QPainterPath(QPointF(r.left(), r.bottom()))
    mid = r.center().x()
    path.cubicTo(QPointF(mid - r.width() * 0.2, r.bottom()), QPointF(mid - r.width() * 0.2,
                 r.top()), QPointF(mid, r.top()))
    path.cubicTo(QPointF(mid + r.width() * 0.2, r.top()), QPointF(mid + r.width() * 0.2,
                 r.bottom()), QPointF(r.right(), r.bottom()))
    p.drawPath(path)


def recurrent(p: QPainter, r: QRectF) -> None:
    """A loop with an arrow head: the state fed back."""
    p.drawArc(r, 40 * 16, 280 * 16)
    tip = QPointF(r.right() - r.width() * 0.1, r.top() + r.height() * 0.2)
    p.drawLine(tip, QPointF(tip.x(), tip.y() - r.height() * 0.25))
    p.drawLine(tip, QPointF(tip.x() - r.width() * 0.25, tip.y()))


def embedding(p: QPainter, r: QRectF) -> None:
    """A token (dot) looked up as a row of a table."""
    p.drawEllipse(QPointF(r.left() + r.width() * 0.12, r.center().y()), r.width() * 0.1,
                  r.width() * 0.1)
    for i in range(3):
        y = r.top() + (i + 0.5) * r.height() / 3
        p.drawLine(QPointF(r.left() + r.width() * 0.4, y), QPointF(r.right(), y))


def attention(p: QPainter, r: QRectF) -> None:
    """One query looking at every key."""
    q = QPointF(r.left(), r.center().y())
    for f in (0.05, 0.35, 0.65, 0.95):
        p.drawLine(q, QPointF(r.right(), r.top() + r.height() * f))


def positional(p: QPainter, r: QRectF) -> None:
    """A sine wave: the sinusoidal position code."""
    path = QPainterPath(QPointF(r.left(), r.center().y()))
    w, h = r.width() / 4, r.height() * 0.45
    for i in range(4):
        sign = -1 if i % 2 == 0 else 1
        x0 = r.left() + i * w
        path.cubicTo(QPointF(x0 + w * 0.35, r.center().y() + sign * h),
                     QPointF(x0 + w * 0.65, r.center().y() + sign * h),
                     QPointF(x0 + w, r.center().y()))
    p.drawPath(path)


def sampling(p: QPainter, r: QRectF) -> None:
    """Scattered dots: a random draw."""
    for fx, fy in ((0.1, 0.2), (0.5, 0.1), (0.85, 0.35), (0.3, 0.6), (0.7, 0.8), (0.15, 0.9)):
        p.drawEllipse(QPointF(r.left() + fx * r.width(), r.top() + fy * r.height()),
                      r.width() * 0.06, r.width() * 0.06)


def block(p: QPainter, r: QRectF) -> None:
    """Stacked layers: a ready-made block that expands on the canvas."""
    for i in range(3):
        y = r.top() + i * r.height() * 0.36
        p.drawRoundedRect(QRectF(r.left(), y, r.width(), r.height() * 0.26), 2, 2)


SYMBOLS = {"conv": conv, "deconv": deconv, "pool": pool, "upsample": upsample,
           "normalization": normalization, "recurrent": recurrent, "embedding": embedding,
           "attention": attention, "positional": positional, "sampling": sampling,
           "block": block}
