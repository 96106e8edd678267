"""Every edit of a project as a ``QUndoCommand`` (DESIGN.md §5).

Each command changes the document's model through its low-level ``_apply_*`` methods, which
emit the signals views follow; ``undo`` applies the inverse. Consecutive moves of the same
layer merge into one undo step. Commands see the document only through the ``EditTarget``
Protocol (app/edit_target.py), so this module does not import ``app.document``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from app.edit_target import EditTarget
from app.undo_text import describe_changes
from engine.graph import Edge, Node

MOVE_ID = 1001


class AddLayer(QUndoCommand):
    def __init__(self, doc: EditTarget, node: Node, edges: list[Edge] | None = None,
                 text: str = "") -> None:
        super().__init__(text or f"Add {node.kind} '{node.name}'")
        self.doc, self.node, self.edges = doc, node, list(edges or [])

    def redo(self) -> None:
        self.doc._apply_insert(self.node, [])
        for edge in self.edges:
            self.doc._apply_connect(edge)

    def undo(self) -> None:
        self.doc._apply_remove(self.node.name)


class RemoveLayers(QUndoCommand):
    def __init__(self, doc: EditTarget, names: list[str]) -> None:
        super().__init__(f"Delete {', '.join(names)}")
        self.doc, self.names = doc, list(names)
        self.removed: list[tuple[Node, list[Edge]]] = []

    def redo(self) -> None:
        self.removed = [self.doc._apply_remove(n) for n in self.names if n in self.doc.graph.nodes]

    def undo(self) -> None:
        for node, _ in reversed(self.removed):
            self.doc._apply_insert(node, [])
        seen: set[Edge] = set()
        for _, edges in self.removed:
            for edge in edges:
                if edge not in seen:
                    seen.add(edge)
                    self.doc._apply_connect(edge)


class MoveLayer(QUndoCommand):
    def __init__(self, doc: EditTarget, name: str, old: tuple[float, float],
                 new: tuple[float, float]) -> None:
        super().__init__(f"Move '{name}'")
        self.doc, self.name, self.old, self.new = doc, name, old, new

    def id(self) -> int:  # noqa: A003 - Qt's API name
        return MOVE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's API name
        if not isinstance(other, MoveLayer) or other.name != self.name:
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self.doc._apply_move(self.name, self.new)

    def undo(self) -> None:
        self.doc._apply_move(self.name, self.old)


class Connect(QUndoCommand):
    def __init__(self, doc: EditTarget, edge: Edge) -> None:
        super().__init__(f"Connect '{edge.source}' → '{edge.target}'")
        self.doc, self.edge = doc, edge

    def redo(self) -> None:
        self.doc._apply_connect(self.edge)

    def undo(self) -> None:
        self.doc._apply_disconnect(self.edge)


class Disconnect(Connect):
    def __init__(self, doc: EditTarget, edge: Edge) -> None:
        super().__init__(doc, edge)
        self.setText(f"Disconnect '{edge.source}' → '{edge.target}'")

    def redo(self) -> None:
        super().undo()

    def undo(self) -> None:
        super().redo()


class InsertOnWire(QUndoCommand):
    """Drop a new layer onto a wire: source → new → target."""

    def __init__(self, doc: EditTarget, node: Node, edge: Edge) -> None:
        super().__init__(f"Insert {node.kind} '{node.name}'")
        self.doc, self.node, self.edge = doc, node, edge

    def redo(self) -> None:
        self.doc._apply_disconnect(self.edge)
        self.doc._apply_insert(self.node, [])
        self.doc._apply_connect(Edge(self.edge.source, self.node.name, 0))
        self.doc._apply_connect(Edge(self.node.name, self.edge.target, self.edge.port))

    def undo(self) -> None:
        self.doc._apply_remove(self.node.name)
        self.doc._apply_connect(self.edge)


class SetLayerOptions(QUndoCommand):
    def __init__(self, doc: EditTarget, name: str, old: dict[str, Any],
                 new: dict[str, Any]) -> None:
        super().__init__(describe_changes(old, new, f"'{name}'", f"options of '{name}'"))
        self.doc, self.name, self.old, self.new = doc, name, dict(old), dict(new)

    def redo(self) -> None:
        self.doc._apply_options(self.name, self.new)

    def undo(self) -> None:
        self.doc._apply_options(self.name, self.old)


class RenameLayer(QUndoCommand):
    def __init__(self, doc: EditTarget, old: str, new: str) -> None:
        super().__init__(f"Rename '{old}' to '{new}'")
        self.doc, self.old, self.new = doc, old, new

    def redo(self) -> None:
        self.doc._apply_rename(self.old, self.new)

    def undo(self) -> None:
        self.doc._apply_rename(self.new, self.old)


class SetSection(QUndoCommand):
    """Replace the dataset spec or the training settings (a dict) of the project."""

    def __init__(self, doc: EditTarget, section: str, old: Any, new: Any, text: str) -> None:
        super().__init__(text)
        self.doc, self.section, self.old, self.new = doc, section, old, new

    def redo(self) -> None:
        self.doc._apply_section(self.section, self.new)

    def undo(self) -> None:
        self.doc._apply_section(self.section, self.old)
