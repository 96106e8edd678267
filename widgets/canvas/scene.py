"""The canvas scene: node and wire items that mirror a ``ProjectDocument``, nothing more.

The scene never holds its own copy of the network: every item is created, moved, updated or
removed in a slot of one of the document's signals (``layer_added``, ``edge_removed``,
``shapes_changed``, ``project_loaded`` …), so undo/redo, loading a file and editing in the
inspector all show up the same way. Dragging a node moves only the item; the view commits the
move to the document on release.

A network of more than ``MAX_DRAWN_LAYERS`` layers gets no items at all (``undrawn`` says how
many layers there are; the view paints a note instead, ``widgets.canvas.overflow``); an edit
that brings it back under the limit rebuilds the items.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from app.document import ProjectDocument
from engine.graph import Edge, ShapeReport
from engine.layers import LAYERS
from engine.types import format_shape
from widgets.canvas.edge_item import EdgeItem
from widgets.canvas.node_item import NodeItem, PortItem
from widgets.canvas.overflow import MAX_DRAWN_LAYERS


class CanvasScene(QGraphicsScene):
    """Items for the document's layers (``nodes``) and wires (``edges``)."""

    def __init__(self, doc: ProjectDocument, parent: Any = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[Edge, EdgeItem] = {}
        self.text_scale = 1.0  # > 1 when zoomed out, so the text stays readable
        doc.layer_added.connect(self._on_layer_added)
        doc.layer_removed.connect(self._on_layer_removed)
        doc.layer_moved.connect(self._on_layer_moved)
        doc.layer_changed.connect(self._on_layer_changed)
        doc.layer_renamed.connect(self._on_layer_renamed)
        doc.edge_added.connect(self._on_edge_added)
        doc.edge_removed.connect(self._on_edge_removed)
        doc.shapes_changed.connect(self._on_shapes_changed)
        doc.project_loaded.connect(self._on_project_loaded)
        self._on_project_loaded()

    @property
    def undrawn(self) -> int:
        """The document's layer count when it is over ``MAX_DRAWN_LAYERS`` (no items), else 0."""
        count = len(self.doc.graph.nodes)
        return count if count > MAX_DRAWN_LAYERS else 0

    # -- lookups -------------------------------------------------------------------------------
    def node_at(self, pos: QPointF, exclude: NodeItem | None = None) -> NodeItem | None:
        """The layer box (or one of its ports) under a scene point."""
        for item in self.items(pos):
            node = item.node if isinstance(item, PortItem) else item
            if isinstance(node, NodeItem) and node is not exclude:
                return node
        return None

    def port_at(self, pos: QPointF) -> PortItem | None:
        return next((i for i in self.items(pos) if isinstance(i, PortItem)), None)

    def edge_at(self, pos: QPointF) -> EdgeItem | None:
        return next((i for i in self.items(pos) if isinstance(i, EdgeItem)), None)

    def selected_layers(self) -> list[str]:
        return [i.name for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_edges(self) -> list[Edge]:
        return [i.edge for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def network_rect(self) -> QRectF:
        rect = QRectF()
        for item in self.nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    # -- document signals ----------------------------------------------------------------------
    def _on_project_loaded(self) -> None:
        for wire in list(self.edges.values()):
            self.removeItem(wire)
        for box in list(self.nodes.values()):
            self.removeItem(box)
        self.nodes, self.edges = {}, {}
        if self.undrawn:
            self.update()  # the view's note replaces the items
            return
        for name in self.doc.graph.nodes:
            self._on_layer_added(name)
        for edge in self.doc.graph.edges:
            self._on_edge_added(edge)
        self._on_shapes_changed(self.doc.report)

    def _on_layer_added(self, name: str) -> None:
        if self.undrawn:
            if self.nodes:  # this layer took the network over the limit
                self._on_project_loaded()
            return
        if name in self.nodes:
            return
        item = NodeItem(self.doc.graph.nodes[name])
        item.on_moved = self._on_item_moved
        self.nodes[name] = item
        self.addItem(item)
        self._apply_node_report(item, self.doc.report)

    def _on_layer_removed(self, name: str) -> None:
        for edge in [e for e in self.edges if name in (e.source, e.target)]:
            self._on_edge_removed(edge)
        item = self.nodes.pop(name, None)
        if item is not None:
            self.removeItem(item)
        elif not self.nodes and self.doc.graph.nodes and not self.undrawn:
            self._on_project_loaded()  # back under the limit: draw it again

    def _on_layer_moved(self, name: str) -> None:
        item = self.nodes.get(name)
        if item is not None:
            item.setPos(QPointF(*self.doc.graph.nodes[name].position))

    def _on_layer_changed(self, name: str) -> None:
        item = self.nodes.get(name)
        if item is not None:
            item.set_node(self.doc.graph.nodes[name])

    def _on_layer_renamed(self, old: str, new: str) -> None:
        item = self.nodes.pop(old, None)
        if item is not None:
            self.nodes[new] = item
            item.set_node(self.doc.graph.nodes[new])
        self._sync_edges()

    def _on_edge_added(self, edge: Edge) -> None:
        source, target = self.nodes.get(edge.source), self.nodes.get(edge.target)
        if edge in self.edges or source is None or target is None:
            return
        item = EdgeItem(edge, source, target)
        self.edges[edge] = item
        self.addItem(item)
        self._apply_edge_report(item, self.doc.report)
        self._update_anchors(edge.target)

    def _on_edge_removed(self, edge: Edge) -> None:
        item = self.edges.pop(edge, None)
        if item is not None:
            self.removeItem(item)
            self._update_anchors(edge.target)

    def _on_shapes_changed(self, report: ShapeReport) -> None:
        for node in self.nodes.values():
            self._apply_node_report(node, report)
        for edge in self.edges.values():
            self._apply_edge_report(edge, report)

    # -- helpers -------------------------------------------------------------------------------
    def _sync_edges(self) -> None:
        """Make the wire items match the graph's edges exactly (after a rename)."""
        wanted = set(self.doc.graph.edges)
        for edge in [e for e in self.edges if e not in wanted]:
            self._on_edge_removed(edge)
        for edge in self.doc.graph.edges:
            self._on_edge_added(edge)

    def _update_anchors(self, target: str) -> None:
        # the graph's edge index, not a scan of every wire: loading a chain stays linear
        wired = (self.edges.get(e) for e in self.doc.graph.in_edges(target))
        items = sorted((i for i in wired if i is not None), key=lambda i: i.edge.port)
        for index, item in enumerate(items):
            item.set_anchor(index, len(items))

    def _on_item_moved(self, node: NodeItem) -> None:
        for item in self.edges.values():
            if item.source is node or item.target is node:
                item.update_path()

    def _apply_node_report(self, item: NodeItem, report: ShapeReport) -> None:
        error = report.errors.get(item.name, "")
        item.set_report(report.shapes.get(item.name), report.params.get(item.name), error)

    def _apply_edge_report(self, item: EdgeItem, report: ShapeReport) -> None:
        shape = report.shapes.get(item.edge.source)
        bad = item.edge in report.bad_edges
        message = report.errors.get(item.edge.target, "") if bad else ""
        text = format_shape(shape) if shape is not None else ""
        role = self._port_role(item.edge)
        item.set_state(f"{role} · {text}" if role and text else text, bad, message)

    def _port_role(self, edge: Any) -> str:
        """"query", "key/value", "initial state"…: what a wire is for, when its layer takes
        several inputs that mean different things (none for Add/Concatenate)."""
        node = self.doc.graph.nodes.get(edge.target)
        if node is None:
            return ""
        names = LAYERS[node.kind].port_names if node.kind in LAYERS else ()
        wired = len(self.doc.graph.in_edges(edge.target))
        return names[edge.port] if wired > 1 and edge.port < len(names) else ""

    def set_text_scale(self, scale: float) -> None:
        if abs(scale - self.text_scale) > 1e-3:
            self.text_scale = scale
            self.restyle()

    def restyle(self) -> None:
        """Repaint every item with the current theme's colours and text scale."""
        for edge in self.edges.values():
            edge.restyle()
        for item in self.items():
            if isinstance(item, QGraphicsItem):
                item.update()
        self.update()
