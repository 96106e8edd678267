"""The network canvas: a ``QGraphicsView`` on a ``CanvasScene`` with every editing gesture.

Drop a layer from the palette (MIME ``application/x-layerlab-layer``, payload = kind) to add
it, or drop it on a wire to insert it there; drag from a port to another layer to connect
(a refused target shows why, and ``message_posted`` says it); click, rubber-band select, move
(committed on release), Delete, Ctrl+C/Ctrl+V; zoom with Ctrl+wheel, pan with the middle
button or Space+drag. All edits go through the document, and the scene follows its signals.
Zooming, fitting and panning are the base class ``ZoomView`` (``widgets.canvas.zoom_view``);
Auto layout wraps the network into bands as wide as the view at ``MIN_FIT_ZOOM``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
)
from PySide6.QtWidgets import QGraphicsView, QMenu, QToolTip, QWidget

from app.document import ProjectDocument
from engine.composites import COMPOSITES
from engine.layers import LAYERS
from engine.types import LayerLabError
from widgets.canvas import editing
from widgets.canvas import style as st
from widgets.canvas.edge_item import EdgeItem
from widgets.canvas.layout import COLUMN_STEP
from widgets.canvas.overflow import edit_refused, not_drawn_note, paint_note
from widgets.canvas.scene import CanvasScene
from widgets.canvas.wiring import WireDrag
from widgets.canvas.zoom_view import MIN_FIT_ZOOM, ZoomView

MIME_LAYER = "application/x-layerlab-layer"
BLOCK_PREFIX = "block:"  # a palette block (engine.composites), not a single layer kind
EMPTY_HINT = "Drag a layer here from the Layers panel — start with an Input"


class CanvasView(ZoomView):
    """Shows and edits the document's network."""

    selection_changed = Signal(list)
    message_posted = Signal(str)

    def __init__(self, doc: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.canvas = CanvasScene(doc, self)
        self.setScene(self.canvas)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 240)
        self._wire: WireDrag | None = None
        self._pan_from: QPoint | None = None
        self._space_held = self._space_panned = False
        self._drop_edge: EdgeItem | None = None
        self.canvas.selectionChanged.connect(self._on_scene_selection_changed)
        for signal in (doc.shapes_changed, doc.layer_moved, doc.project_loaded):
            signal.connect(self._update_scene_rect)
        self._update_scene_rect()

    # -- public API ----------------------------------------------------------------------------
    def add_layer_at(self, kind: str, scene_pos: QPointF) -> str | None:
        """Add ``kind`` centred at ``scene_pos`` — or into the wire there; select it.

        ``kind`` may be ``"block:<key>"``: a palette block that expands into its layers."""
        if self.refused_undrawn("Adding a layer"):
            return None
        if kind.startswith(BLOCK_PREFIX):
            return self._add_block_at(kind[len(BLOCK_PREFIX):], scene_pos)
        if kind not in LAYERS:
            self.message_posted.emit(f"Unknown layer type '{kind}'.")
            return None
        pos = (editing.snap(scene_pos.x()), editing.snap(scene_pos.y()))
        edge = self.canvas.edge_at(scene_pos) if LAYERS[kind].max_inputs > 0 else None
        if edge is not None:
            name = self.doc.insert_on_wire(kind, edge.edge, pos)
            self.message_posted.emit(f"Inserted {name} between {edge.edge.source} and "
                                     f"{edge.edge.target}.")
        else:
            name = self.doc.add_layer(kind, pos)
        self.select_layers([name])
        return name

    def _add_block_at(self, key: str, scene_pos: QPointF) -> str | None:
        pos = (editing.snap(scene_pos.x()), editing.snap(scene_pos.y()))
        edge = self.canvas.edge_at(scene_pos)
        try:
            names = self.doc.add_block(key, pos, edge.edge if edge is not None else None)
        except LayerLabError as err:
            self.message_posted.emit(str(err))
            return None
        where = (f" between {edge.edge.source} and {edge.edge.target}" if edge is not None
                 else "; wire its input")
        self.message_posted.emit(f"Added a block of {len(names)} layers{where}.")
        self.select_layers(names)
        return names[-1] if names else None

    def selected_layers(self) -> list[str]:
        return self.canvas.selected_layers()

    def select_layers(self, names: list[str]) -> None:
        self.canvas.clearSelection()
        for name in names:
            if name in self.canvas.nodes:
                self.canvas.nodes[name].setSelected(True)
        if len(names) == 1 and names[0] in self.canvas.nodes:
            self.ensureVisible(self.canvas.nodes[names[0]], 40, 40)

    def select_all(self) -> None:
        for item in self.canvas.nodes.values():
            item.setSelected(True)

    def delete_selected(self) -> None:
        editing.delete_selection(self.canvas, self.doc)

    def copy(self) -> None:
        count = editing.copy_selection(self.canvas, self.doc)
        if count:
            self.message_posted.emit(f"Copied {count} layer(s).")

    def refused_undrawn(self, action: str) -> bool:
        """True (and the reason posted) when the network is too large for the canvas to draw."""
        if self.canvas.undrawn:
            self.message_posted.emit(edit_refused(self.canvas.undrawn, action))
        return bool(self.canvas.undrawn)

    def paste(self) -> None:
        if self.refused_undrawn("Paste"):
            return
        names = editing.paste_clipboard(self.doc)
        if names:
            self.select_layers(names)

    def auto_layout(self) -> None:
        """Columns by depth, wrapped into bands that fit the view's width at a readable zoom."""
        if self.refused_undrawn("Auto layout"):
            return
        width = self.viewport().width() / MIN_FIT_ZOOM
        wrap = max(2, int((width - st.NODE_WIDTH - 80) // COLUMN_STEP) + 1)
        problem = editing.auto_layout(self.doc, wrap)
        if problem:
            self.message_posted.emit(problem)
        self.fit_to_view()

    def restyle(self) -> None:
        """Repaint with the current theme and look (palette changes, presenter mode)."""
        self._on_zoom_changed()  # presenter mode's text scale may have changed
        self.canvas.restyle()
        self.viewport().update()

    # -- mouse ---------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (
                button == Qt.MouseButton.LeftButton and self._space_held):
            self._pan_from = event.position().toPoint()
            self._space_panned = True
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        scene_pos = self.mapToScene(event.position().toPoint())
        port = self.canvas.port_at(scene_pos) if button == Qt.MouseButton.LeftButton else None
        if port is not None:
            self._wire = WireDrag(self.canvas, self.doc, port)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._pan_from is not None:
            self._pan(event.position().toPoint())
            event.accept()
            return
        if self._wire is not None:
            found = self._wire.move(self.mapToScene(event.position().toPoint()))
            self._show_reason(found.reason, event.globalPosition().toPoint())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self._space_held
                                      else Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        if self._wire is not None:
            wire, self._wire = self._wire, None
            _connected, reason = wire.finish(self.mapToScene(event.position().toPoint()))
            self._show_reason(None, None)
            if reason:
                self.message_posted.emit(reason)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            editing.commit_moves(self.canvas, self.doc)

    def _show_reason(self, reason: str | None, global_pos: QPoint | None) -> None:
        self.setStatusTip(reason or "")
        self.setToolTip(reason or "")
        if reason and global_pos is not None:
            QToolTip.showText(global_pos, reason, self.viewport())
        else:
            QToolTip.hideText()

    # -- keyboard ------------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        # Space is the window's Play shortcut; on the canvas it also means "hold to pan", so
        # take the key here and give Play its turn when Space is released without a drag.
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Space and event.modifiers() == Qt.KeyboardModifier(0):
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        if key == Qt.Key.Key_Space and not event.modifiers():
            if not event.isAutoRepeat():
                self._space_held, self._space_panned = True, False
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selected()
        elif event.matches(QKeySequence.StandardKey.Copy):
            self.copy()
        elif event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
        elif event.matches(QKeySequence.StandardKey.SelectAll):
            self.select_all()
        elif key == Qt.Key.Key_Escape:
            self._cancel_wire()
            self.canvas.clearSelection()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            if not self._space_panned:
                self._trigger_window_shortcut(QKeySequence(Qt.Key.Key_Space))
            event.accept()
            return
        super().keyReleaseEvent(event)

    def _trigger_window_shortcut(self, sequence: QKeySequence) -> None:
        for action in self.window().findChildren(QAction):
            if action.isEnabled() and sequence in action.shortcuts():
                action.trigger()
                return

    def _cancel_wire(self) -> None:
        if self._wire is not None:
            self._wire.cancel()
            self._wire = None
            self._show_reason(None, None)

    # -- drag and drop from the palette --------------------------------------------------------
    @staticmethod
    def _dropped_kind(event: QDropEvent | QDragMoveEvent | QDragEnterEvent) -> str | None:
        mime = event.mimeData()
        if not mime.hasFormat(MIME_LAYER):
            return None
        kind = bytes(mime.data(MIME_LAYER).data()).decode("utf-8")
        if kind.startswith(BLOCK_PREFIX):
            return kind if kind[len(BLOCK_PREFIX):] in COMPOSITES else None
        return kind if kind in LAYERS else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if self._dropped_kind(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        kind = self._dropped_kind(event)
        if not kind:
            event.ignore()
            return
        edge = None
        if kind.startswith(BLOCK_PREFIX) or LAYERS[kind].max_inputs > 0:
            edge = self.canvas.edge_at(self.mapToScene(event.position().toPoint()))
        self._highlight_drop_edge(edge)
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self._highlight_drop_edge(None)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        self._highlight_drop_edge(None)
        kind = self._dropped_kind(event)
        if not kind:
            event.ignore()
            return
        self.add_layer_at(kind, self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()
        self.setFocus()

    def _highlight_drop_edge(self, edge: EdgeItem | None) -> None:
        """Show which wire a dragged palette layer would be inserted into (None: no wire)."""
        if self._drop_edge is not None and self._drop_edge is not edge:
            self._drop_edge.set_drop_target(False)
        self._drop_edge = edge
        if edge is not None:
            edge.set_drop_target(True)

    def drop_target(self) -> EdgeItem | None:
        """The wire highlighted as the insert point of the current palette drag, if any."""
        return self._drop_edge

    # -- painting and misc ---------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802
        rect = QRectF(rect)
        colors = st.canvas_colors()
        painter.fillRect(rect, colors.background)
        if self.zoom_level() < 0.45:
            return
        painter.setPen(st.pen(colors.grid, 2.5))
        painter.drawPoints(st.grid_points(rect))

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802
        if self.canvas.undrawn:
            paint_note(painter, QRectF(self.viewport().rect()), not_drawn_note(self.canvas.undrawn))
            return
        if self.canvas.nodes:
            return
        painter.save()
        painter.resetTransform()
        painter.setPen(st.canvas_colors().muted)
        painter.setFont(st.font(16))
        painter.drawText(QRectF(self.viewport().rect()), Qt.AlignmentFlag.AlignCenter
                         | Qt.TextFlag.TextWordWrap, EMPTY_HINT)
        painter.restore()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self.restyle()
        super().changeEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt override
        self.context_menu(self.mapToScene(event.pos())).exec(event.globalPos())

    def context_menu(self, scene_pos: QPointF) -> QMenu:
        """Right-click menu; a layer under the mouse is selected first."""
        node = self.canvas.node_at(scene_pos)
        if node is not None and not node.isSelected():
            self.select_layers([node.name])
        menu = QMenu(self)
        has_selection = bool(self.canvas.selectedItems())
        for text, slot, enabled in (("Delete", self.delete_selected, has_selection),
                                    ("Copy", self.copy, bool(self.selected_layers())),
                                    ("Paste", self.paste, True), (None, None, True),
                                    ("Auto layout", self.auto_layout, bool(self.canvas.nodes)),
                                    ("Fit network", self.fit_to_view, True)):
            if text is None or slot is None:
                menu.addSeparator()
            else:
                menu.addAction(text, slot).setEnabled(enabled)
        return menu

    def _on_scene_selection_changed(self) -> None:
        self.selection_changed.emit(self.canvas.selected_layers())

