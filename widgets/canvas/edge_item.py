"""Wires: a bezier curve from a layer's output port to another layer's input port.

``EdgeItem`` shows one document edge with a label for the tensor shape it carries; a wire the
shape inference marked bad is drawn red and dashed (colour-blind safe: the dash says "broken"
too) with the learner-readable problem as tooltip. ``TempWire`` is the wire that follows the
mouse while the learner drags a new connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from widgets.canvas import style as st

if TYPE_CHECKING:
    from engine.graph import Edge
    from widgets.canvas.node_item import NodeItem

GIF = QGraphicsItem.GraphicsItemFlag
GIC = QGraphicsItem.GraphicsItemChange


def wire_path(start: QPointF, end: QPointF) -> QPainterPath:
    """An S-shaped cubic from ``start`` (going right) to ``end`` (arriving from the left)."""
    dx = max(40.0, abs(end.x() - start.x()) * 0.5)
    path = QPainterPath(start)
    path.cubicTo(QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y()), end)
    return path


class WireLabel(QGraphicsItem):
    """The shape a wire carries, on a small rounded plate above the wire's middle."""

    def __init__(self) -> None:
        super().__init__()
        self.text, self.bad, self.zoom = "", False, 1.0
        self._rect = QRectF()
        self.setZValue(3)  # above the layer boxes: a long shape may overhang a short wire

    def set_text(self, text: str, bad: bool, scale: float = 1.0) -> None:
        self.prepareGeometryChange()
        self.text, self.bad, self.zoom = text, bad, scale
        metrics = QFontMetricsF(st.font(11, True, scale))
        width, height = metrics.horizontalAdvance(text) + 12 * scale, metrics.height() + 6 * scale
        self._rect = QRectF(-width / 2, -height / 2, width, height) if text else QRectF()
        self.setVisible(bool(text))
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self._rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        colors = st.canvas_colors()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        edge_color = colors.error if self.bad else colors.wire
        painter.setPen(st.pen(edge_color, 1.5))
        painter.setBrush(colors.error_fill if self.bad else colors.label_fill)
        painter.drawRoundedRect(self._rect, 8, 8)
        painter.setPen(colors.error if self.bad else colors.text)
        painter.setFont(st.font(11, True, self.zoom))
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self.text)


class EdgeItem(QGraphicsPathItem):
    """One wire of the document; the scene keeps its ends in sync with the node items."""

    def __init__(self, edge: Edge, source: NodeItem, target: NodeItem) -> None:
        super().__init__()
        self.edge, self.source, self.target = edge, source, target
        self.bad, self.message, self.shape_text = False, "", ""
        self.hovered = False
        self.drop_target = False  # a palette layer dragged over it would be inserted here
        self.anchor_index, self.anchor_count = 0, 1
        self.label = WireLabel()  # a scene item of its own, kept in step by itemChange
        self.setFlags(GIF.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(0)
        self.update_path()

    def set_state(self, shape_text: str, bad: bool, message: str) -> None:
        self.shape_text, self.bad, self.message = shape_text, bad, message
        self.label.set_text(shape_text, bad, self.text_scale())
        tip = f"{self.edge.source} → {self.edge.target}"
        tip += f": carries {shape_text}" if shape_text else ""
        self.setToolTip(f"⚠ {message}\n({tip})" if bad and message else tip)
        self.label.setToolTip(self.toolTip())
        self.update()

    def text_scale(self) -> float:
        return float(getattr(self.scene(), "text_scale", 1.0))

    def restyle(self) -> None:
        """Re-measure the label (the text scale changed) and move it to the wire's middle."""
        self.label.set_text(self.shape_text, self.bad, self.text_scale())
        self.update_path()

    def set_anchor(self, index: int, count: int) -> None:
        self.anchor_index, self.anchor_count = index, count
        self.update_path()

    def update_path(self) -> None:
        start = self.source.output_anchor()
        end = self.target.input_anchor(self.anchor_index, self.anchor_count)
        path = wire_path(start, end)
        self.setPath(path)
        mid = path.pointAtPercent(0.5)
        self.label.setPos(QPointF(mid.x(), mid.y() - 6 - self.label.boundingRect().height() / 2))

    def itemChange(self, change: Any, value: Any) -> Any:  # noqa: N802 - Qt override
        if change == GIC.ItemSceneChange:
            old = self.label.scene()
            if old is not None:
                old.removeItem(self.label)
            if value is not None:
                value.addItem(self.label)
        return super().itemChange(change, value)

    def shape(self) -> QPainterPath:  # a wide hit area so thin wires are easy to click
        stroker = QPainterPathStroker()
        stroker.setWidth(16)
        return stroker.createStroke(self.path())

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self.path().boundingRect().adjusted(-12, -12, 12, 12)

    def hoverEnterEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self.set_hovered(True)

    def hoverLeaveEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self.set_hovered(False)

    def set_hovered(self, hovered: bool) -> None:
        self.hovered = hovered
        self.update()

    def set_drop_target(self, on: bool) -> None:
        """Mark (or unmark) this wire as where a dragged layer will be inserted."""
        self.drop_target = on
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        colors = st.canvas_colors()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = 4.0 if (self.hovered or self.isSelected()) else 3.0
        if self.drop_target:  # a wide glow and a ⊕ where the dragged layer will go
            glow = QColor(colors.accent)
            glow.setAlpha(90)
            painter.setPen(st.pen(glow, 18.0))
            painter.drawPath(self.path())
            width = 5.0
        if self.isSelected():
            painter.setPen(st.pen(colors.accent, width + 5))
            painter.drawPath(self.path())
        if self.bad:
            painter.setPen(st.pen(colors.error, width + 0.5, Qt.PenStyle.DashLine))
        else:
            painter.setPen(st.pen(colors.accent if self.hovered or self.drop_target
                                  else colors.wire, width))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())
        if self.drop_target:
            mid = self.path().pointAtPercent(0.5)
            painter.setBrush(colors.node_fill)
            painter.drawEllipse(mid, 10.0, 10.0)
            painter.drawLine(QPointF(mid.x() - 5, mid.y()), QPointF(mid.x() + 5, mid.y()))
            painter.drawLine(QPointF(mid.x(), mid.y() - 5), QPointF(mid.x(), mid.y() + 5))


class TempWire(QGraphicsPathItem):
    """The wire under the mouse while connecting; dashed red over a target that refuses it."""

    def __init__(self, start: QPointF, from_output: bool) -> None:
        super().__init__()
        self.start, self.from_output, self.valid = start, from_output, True
        self.setZValue(5)
        self.update_end(start, True)

    def update_end(self, end: QPointF, valid: bool) -> None:
        self.valid = valid
        colors = st.canvas_colors()
        style = Qt.PenStyle.SolidLine if valid else Qt.PenStyle.DashLine
        self.setPen(st.pen(colors.accent if valid else colors.error, 3.5, style))
        a, b = (self.start, end) if self.from_output else (end, self.start)
        self.setPath(wire_path(a, b))
