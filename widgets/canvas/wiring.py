"""Dragging a new wire from a port: the temporary wire, the target check and the connect.

A ``WireDrag`` starts on an output port (or an input port, to wire backwards), follows the
mouse with a ``TempWire`` and asks ``graph.check_connection`` about the layer under the mouse:
a target that can never accept the wire (a cycle, an Input layer, a full port) turns the wire
red and dashed and yields the reason, so the view can show it before the button is released.
Releasing over a valid target connects through the document (one undoable command).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF

from app.document import ProjectDocument
from widgets.canvas.edge_item import TempWire
from widgets.canvas.node_item import NodeItem, PortItem
from widgets.canvas.scene import CanvasScene


@dataclass
class WireTarget:
    """What is under the mouse: the layer, the wire's two ends and why it is refused (if so)."""

    node: NodeItem | None
    source: str = ""
    target: str = ""
    reason: str | None = None


class WireDrag:
    """One connection gesture, from mouse press on a port to release."""

    def __init__(self, scene: CanvasScene, doc: ProjectDocument, port: PortItem) -> None:
        self.scene, self.doc, self.port = scene, doc, port
        self.from_output = port.is_output
        start = port.node.output_anchor() if port.is_output else port.node.input_anchor()
        self.wire = TempWire(start, self.from_output)
        scene.addItem(self.wire)
        self.current = WireTarget(None)

    def target_at(self, pos: QPointF) -> WireTarget:
        node = self.scene.node_at(pos, exclude=self.port.node)
        if node is None:
            return WireTarget(None)
        mine = self.port.node.name
        source, target = (mine, node.name) if self.from_output else (node.name, mine)
        return WireTarget(node, source, target, self.doc.graph.check_connection(source, target))

    def move(self, pos: QPointF) -> WireTarget:
        """Follow the mouse; snap onto a valid target's port. Returns what is under the mouse."""
        found = self.target_at(pos)
        end = pos
        if found.node is not None and found.reason is None:
            end = found.node.input_anchor() if self.from_output else found.node.output_anchor()
        self.wire.update_end(end, found.reason is None)
        self.current = found
        return found

    def finish(self, pos: QPointF) -> tuple[bool, str | None]:
        """Release: (connected, reason it was refused or None)."""
        found = self.move(pos)
        self.cancel()
        if found.node is None:
            return False, None
        if found.reason:
            return False, found.reason
        reason = self.doc.connect_layers(found.source, found.target)
        return reason is None, reason

    def cancel(self) -> None:
        if self.wire.scene() is not None:
            self.scene.removeItem(self.wire)
