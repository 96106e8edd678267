"""One layer on the canvas: a rounded box with its name, kind, output shape and parameter count.

``NodeItem`` only *shows* the document's node (the scene updates it from the document's
signals); its position is the node's position (the box's centre). It has an input port on the
left (none for an Input layer) and an output port on the right, both ``PortItem`` children that
the view uses to start and finish wires. A layer with a problem gets a red outline, a "!"
badge and the problem as tooltip. A frozen layer (option ``trainable: false``) gets a greyed
header, a hatched body, a padlock badge and "frozen" after its parameter count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetricsF, QPainter, QPainterPath
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from engine.layers import layer_class
from engine.types import format_shape
from widgets.canvas import style as st

if TYPE_CHECKING:
    from engine.graph import Node

GIF = QGraphicsItem.GraphicsItemFlag
GIC = QGraphicsItem.GraphicsItemChange


class PortItem(QGraphicsEllipseItem):
    """A round connector; ``is_output`` tells which side of the layer it is."""

    def __init__(self, node: NodeItem, is_output: bool) -> None:
        r = st.PORT_RADIUS
        super().__init__(-r, -r, 2 * r, 2 * r, node)
        self.node, self.is_output = node, is_output
        self.hovered = False
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag from here to another layer to connect them." if is_output else
                        "Drop a wire here (from another layer's output) to feed this layer.")
        self.setPos(QPointF(st.NODE_WIDTH / 2 if is_output else -st.NODE_WIDTH / 2, 0.0))
        self.setZValue(1)

    def shape(self) -> QPainterPath:  # a generous hit area: easier to grab on a touchpad
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), st.PORT_HIT_RADIUS, st.PORT_HIT_RADIUS)
        return path

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        r = st.PORT_HIT_RADIUS
        return QRectF(-r, -r, 2 * r, 2 * r)

    def hoverEnterEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self.hovered = False
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        colors = st.canvas_colors()
        ring = st.category_color(self.node.category)
        ring = ring.lighter(150) if colors.dark else ring
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(st.pen(ring, 3.0))
        painter.setBrush(colors.accent if self.hovered else colors.node_fill)
        r = st.PORT_RADIUS * (1.25 if self.hovered else 1.0)
        painter.drawEllipse(QPointF(0, 0), r, r)


class NodeItem(QGraphicsItem):
    """The box of one layer; ``set_node`` and ``set_report`` refresh what it shows."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.name, self.kind = node.name, node.kind
        cls = layer_class(node.kind)
        self.category, self.icon = cls.category, cls.icon
        self.display_name, self.blurb = cls.display_name or cls.kind, cls.blurb
        self.options: dict[str, Any] = dict(node.options)
        self.shape_text, self.params_text, self.error = "", "", ""
        self.setFlags(GIF.ItemIsMovable | GIF.ItemIsSelectable | GIF.ItemSendsGeometryChanges
                      | GIF.ItemIsFocusable)
        self.setAcceptHoverEvents(True)
        self.setZValue(2)
        self.input_port = PortItem(self, False) if cls.max_inputs > 0 else None
        self.output_port = PortItem(self, True)
        self.on_moved: Any = None  # set by the scene: called with self while dragged
        self.set_node(node)

    # -- content -------------------------------------------------------------------------------
    def set_node(self, node: Node) -> None:
        self.name, self.options = node.name, dict(node.options)
        self.setPos(QPointF(*node.position))
        self._update_tooltip()
        self.update()

    def set_report(self, shape: tuple[int, ...] | None, params: int | None, error: str) -> None:
        self.shape_text = format_shape(shape) if shape is not None else ""
        self.params_text = "" if params is None else f"{params:,} param{'s' if params != 1 else ''}"
        self.error = error
        self._update_tooltip()
        self.update()

    @property
    def frozen(self) -> bool:
        """True when the layer's option ``trainable`` is off (its weights are not trained)."""
        return self.options.get("trainable", True) is False

    def subtitle(self) -> str:
        activation = self.options.get("activation")
        return f"{self.display_name} · {activation}" if activation else self.display_name

    def _update_tooltip(self) -> None:
        head = f"{self.name} — {self.display_name}"
        if self.frozen:
            head += ("\n🔒 Frozen: training leaves its weights as they are (switch Trainable "
                     "back on in the Layer settings to train it).")
        self.setToolTip(f"{head}\n⚠ {self.error}" if self.error else f"{head}\n{self.blurb}")

    def input_anchor(self, index: int = 0, count: int = 1) -> QPointF:
        """Scene point where wire ``index`` of ``count`` wires ends (spread on merge layers)."""
        offset = (index - (count - 1) / 2.0) * 14.0 if count > 1 else 0.0
        return self.mapToScene(QPointF(-st.NODE_WIDTH / 2, offset))

    def output_anchor(self) -> QPointF:
        return self.mapToScene(QPointF(st.NODE_WIDTH / 2, 0.0))

    # -- geometry ------------------------------------------------------------------------------
    def box(self) -> QRectF:
        return QRectF(-st.NODE_WIDTH / 2, -st.NODE_HEIGHT / 2, st.NODE_WIDTH, st.NODE_HEIGHT)

    def lock_rect(self) -> QRectF:
        """Where a frozen layer's padlock badge sits: on the header's right corner."""
        box = self.box()
        return QRectF(box.right() - 18, box.top() - 10, 22, 22)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self.box().adjusted(-6, -14, 6, 6)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.box(), st.CORNER, st.CORNER)
        return path

    def itemChange(self, change: GIC, value: Any) -> Any:  # noqa: N802 - Qt override
        if change == GIC.ItemPositionHasChanged and self.on_moved is not None:
            self.on_moved(self)
        return super().itemChange(change, value)

    # -- painting ------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        colors = st.canvas_colors()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        box, accent = self.box(), st.category_color(self.category)
        if self.frozen:
            accent = st.frozen_color(accent)
        if self.isSelected():
            painter.setPen(st.pen(colors.accent, 4.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box.adjusted(-5, -5, 5, 5), st.CORNER + 4, st.CORNER + 4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.error_fill if self.error else colors.node_fill)
        painter.drawRoundedRect(box, st.CORNER, st.CORNER)
        if self.frozen:
            painter.setBrush(st.frozen_hatch(colors.muted))
            painter.drawRoundedRect(box, st.CORNER, st.CORNER)
        self._paint_header(painter, box, accent)
        self._paint_body(painter, box, colors)
        border = st.pen(colors.error, 3.5) if self.error else st.pen(colors.node_border, 1.5)
        painter.setPen(border)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(box, st.CORNER, st.CORNER)
        if self.error:
            self._paint_badge(painter, box, colors)
        elif self.frozen:
            st.paint_lock(painter, self.lock_rect(), colors.node_fill, colors.text)

    def _paint_header(self, painter: QPainter, box: QRectF, accent: Any) -> None:
        header = QPainterPath()
        header.addRoundedRect(QRectF(box.left(), box.top(), box.width(), st.HEADER_HEIGHT + 12),
                              st.CORNER, st.CORNER)
        clip = QPainterPath()
        clip.addRect(QRectF(box.left(), box.top(), box.width(), st.HEADER_HEIGHT))
        painter.fillPath(header.intersected(clip), QBrush(accent))
        glyph = QRectF(box.left() + 8, box.top() + 6, st.HEADER_HEIGHT - 12, st.HEADER_HEIGHT - 12)
        painter.setPen(st.pen(st.text_on(accent), 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(glyph, 4, 4)
        st.paint_glyph(painter, glyph.adjusted(2, 2, -2, -2), self.icon, self.category)
        title_rect = QRectF(glyph.right() + 8, box.top(), box.right() - glyph.right() - 14,
                            st.HEADER_HEIGHT)
        self._text(painter, title_rect, self.name, st.font(13, True, self.text_scale()),
                   st.text_on(accent))

    def text_scale(self) -> float:
        return float(getattr(self.scene(), "text_scale", 1.0))

    def _paint_body(self, painter: QPainter, box: QRectF, colors: st.CanvasColors) -> None:
        scale = self.text_scale()
        if self.error:
            shape, shape_color = "⚠ problem", colors.error
        else:
            shape, shape_color = (f"→ {self.shape_text}" if self.shape_text else "→ ?"), colors.text
        params = self.params_text or ("no params" if not self.error else "")
        if self.frozen and self.params_text:
            params = f"{self.params_text} · frozen"
        part = str(self.options.get("part", "")) if self.kind == "Input" else ""
        if part:  # which part of a sample this Input receives (encoder-decoder data)
            params = f"← {part}"
        rows = [(shape, st.font(14, True, scale), shape_color, 14.0),
                (params, st.font(11, False, scale), colors.muted, 11.0)]
        if scale < st.COMPACT_SCALE:
            rows.insert(0, (self.subtitle(), st.font(11, False, scale), colors.muted, 11.0))
        top = box.top() + st.HEADER_HEIGHT + 2
        height = box.height() - st.HEADER_HEIGHT - 6
        total = sum(r[3] for r in rows)
        for text, fnt, color, weight in rows:
            row_height = height * weight / total
            self._text(painter, QRectF(box.left() + 12, top, box.width() - 24, row_height),
                       text, fnt, color)
            top += row_height

    def _paint_badge(self, painter: QPainter, box: QRectF, colors: st.CanvasColors) -> None:
        centre = QPointF(box.right() - 4, box.top() + 2)
        painter.setPen(st.pen(colors.node_fill, 2.0))
        painter.setBrush(colors.error)
        painter.drawEllipse(centre, 12, 12)
        painter.setPen(st.text_on(colors.error))
        painter.setFont(st.font(12, bold=True))
        painter.drawText(QRectF(centre.x() - 12, centre.y() - 12, 24, 24),
                         Qt.AlignmentFlag.AlignCenter, "!")

    @staticmethod
    def _text(painter: QPainter, rect: QRectF, text: str, fnt: Any, color: Any) -> None:
        """Draw one line: shrink the font (not below 11 pt) before eliding what still overflows."""
        fnt = QFont(fnt)
        while (QFontMetricsF(fnt).horizontalAdvance(text) > rect.width()
               and fnt.pointSizeF() * 0.92 >= 11.0):
            fnt.setPointSizeF(fnt.pointSizeF() * 0.92)
        painter.setFont(fnt)
        painter.setPen(color)
        elided = QFontMetricsF(fnt).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         elided)
