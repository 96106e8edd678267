"""Canvas editing commands that go through the document: delete, copy/paste, auto layout.

Each function takes the scene and the document, turns the canvas selection into document
edits (undoable, grouped in one macro where several edits make one gesture) and returns the
names the view should select afterwards or a message for the learner.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QPointF
from PySide6.QtGui import QGuiApplication

from app.document import ProjectDocument
from engine.types import GraphError
from widgets.canvas import clipboard
from widgets.canvas.layout import WRAP_COLUMNS, layered_positions
from widgets.canvas.scene import CanvasScene

SNAP = 12.0
PASTE_SHIFT = 40.0


def snap(value: float) -> float:
    return round(value / SNAP) * SNAP


def delete_selection(scene: CanvasScene, doc: ProjectDocument) -> int:
    """Delete the selected layers and wires as one undo step; return how many things went."""
    names = scene.selected_layers()
    edges = [e for e in scene.selected_edges()
             if e.source not in names and e.target not in names]
    if not names and not edges:
        return 0
    doc.undo_stack.beginMacro(f"Delete {len(names) + len(edges)} item(s)")
    for edge in edges:
        doc.disconnect_edge(edge)
    doc.remove_layers(names)
    doc.undo_stack.endMacro()
    return len(names) + len(edges)


def _xy(position: tuple[float, float] | list[float]) -> tuple[float, float]:
    """A layer's position as an (x, y) tuple (a loaded project may hold a list)."""
    return float(position[0]), float(position[1])


def commit_moves(scene: CanvasScene, doc: ProjectDocument) -> list[str]:
    """Push a move for every layer box the learner dragged away from its document position."""
    moves = []
    for name, item in scene.nodes.items():
        node = doc.graph.nodes.get(name)
        if node is None or (item.pos().x(), item.pos().y()) == _xy(node.position):
            continue
        new = (snap(item.pos().x()), snap(item.pos().y()))
        if new != _xy(node.position):
            moves.append((name, _xy(node.position), new))
        else:  # dragged less than half a grid step: back to where the document has it
            item.setPos(QPointF(*node.position))
    if len(moves) > 1:
        doc.undo_stack.beginMacro(f"Move {len(moves)} layers")
    for name, old, new in moves:
        doc.move_layer(name, old, new)
    if len(moves) > 1:
        doc.undo_stack.endMacro()
    return [m[0] for m in moves]


def copy_selection(scene: CanvasScene, doc: ProjectDocument) -> int:
    """Put the selected layers (and the wires between them) on the clipboard."""
    names = scene.selected_layers()
    if not names:
        return 0
    nodes = [copy.deepcopy(doc.graph.nodes[n]) for n in names]
    edges = [e for e in doc.graph.edges if e.source in names and e.target in names]
    QGuiApplication.clipboard().setMimeData(clipboard.layers_to_mime(nodes, edges))
    return len(nodes)


def paste_clipboard(doc: ProjectDocument) -> list[str]:
    """Paste the clipboard's layers (one undo step); the next paste lands further down-right."""
    board = QGuiApplication.clipboard()
    found = clipboard.layers_from_mime(board.mimeData())
    if not found or not found[0]:
        return []
    nodes, edges = found
    names = doc.paste_layers(nodes, edges)
    board.setMimeData(clipboard.layers_to_mime(
        clipboard.shifted(nodes, PASTE_SHIFT, PASTE_SHIFT), edges))
    return names


def auto_layout(doc: ProjectDocument, wrap: int = WRAP_COLUMNS) -> str | None:
    """Arrange the layers in columns, ``wrap`` columns to a band (one undoable macro);
    return a problem, if any."""
    try:
        positions = layered_positions(doc.graph, wrap=wrap)
    except GraphError as err:
        return str(err)
    moves = [(name, _xy(doc.graph.nodes[name].position), (snap(x), snap(y)))
             for name, (x, y) in positions.items()]
    moves = [m for m in moves if m[1] != m[2]]
    if not moves:
        return None
    doc.undo_stack.beginMacro("Auto layout")
    for name, old, new in moves:
        doc.move_layer(name, old, new)
    doc.undo_stack.endMacro()
    return None
