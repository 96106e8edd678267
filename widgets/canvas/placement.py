"""Where a layer added from the palette (double-click or Enter) goes, and what feeds it.

The canvas flows left to right (``layout.layered_positions``: one column per depth), so a new
layer continues the network one column (``COLUMN_STEP``) right of the layer it follows: the one
selected layer, else the most downstream layer (deepest, then the last added). It takes the
first free slot there: the same row, then one row (``ROW_STEP``) below, above, two below, …,
then the next column. Positions are node centres in scene pixels; a slot is free when a node
box (``NODE_WIDTH`` × ``NODE_HEIGHT`` plus ``GAP`` around it) there touches no other node.

With exactly one layer selected the new layer is also wired from it, add and wire as one undo
step (``ProjectDocument.add_layer_after``), unless that output cannot feed it (an Input, a
Conv2D after a Dense). Drag and drop keeps its own placement (the drop position). The new
layer is always on screen afterwards (``ZoomView.reveal``: the whole network while it fits
readably, else the layer).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPointF

from app.document import ProjectDocument
from engine.graph import Graph
from engine.layers import LAYERS
from engine.types import GraphError
from widgets.canvas import editing
from widgets.canvas.layout import COLUMN_STEP, ROW_STEP, depths
from widgets.canvas.style import NODE_HEIGHT, NODE_WIDTH
from widgets.canvas.view import CanvasView

GAP = 24.0
MAX_ROWS = 4  # rows tried on each side of the anchor's row before the next column


def follow_layer(graph: Graph, selected: list[str]) -> str | None:
    """The layer a new one continues from: the single selected layer, else the most
    downstream one (largest depth; among equals the last added); None on an empty canvas."""
    if len(selected) == 1 and selected[0] in graph.nodes:
        return selected[0]
    if not graph.nodes:
        return None
    order = list(graph.nodes)
    try:
        depth = depths(graph)
    except GraphError:  # a loop: no depths, fall back to the last added
        return order[-1]
    return max(order, key=lambda name: (depth[name], order.index(name)))


def is_free(spot: tuple[float, float], taken: Iterable[tuple[float, float]]) -> bool:
    """True when a node centred at ``spot`` keeps ``GAP`` clear of every centre in ``taken``."""
    return all(abs(spot[0] - x) >= NODE_WIDTH + GAP or abs(spot[1] - y) >= NODE_HEIGHT + GAP
               for x, y in taken)


def free_slot(graph: Graph, anchor: tuple[float, float]) -> tuple[float, float]:
    """The first free snapped centre right of ``anchor`` (see the module docstring)."""
    taken = [node.position for node in graph.nodes.values()]
    offsets = [0] + [k * sign for k in range(1, MAX_ROWS + 1) for sign in (1, -1)]
    column = 1
    while True:  # ends: finitely many nodes, every column is eventually empty
        x = editing.snap(anchor[0] + column * COLUMN_STEP)
        for row in offsets:
            spot = (x, editing.snap(anchor[1] + row * ROW_STEP))
            if is_free(spot, taken):
                return spot
        column += 1


def add_from_palette(view: CanvasView, doc: ProjectDocument, kind: str) -> str:
    """Add ``kind`` as the palette's double-click does; select and show it. Returns the
    status-bar hint ("" when the view already posted one, e.g. for a block)."""
    if view.refused_undrawn("Adding a layer"):
        return ""
    graph = doc.graph
    selected = view.selected_layers()
    anchor = follow_layer(graph, selected)
    if anchor is None:
        centre = view.mapToScene(view.viewport().rect().center())
        spot = (editing.snap(centre.x()), editing.snap(centre.y()))
    else:
        spot = free_slot(graph, graph.nodes[anchor].position)
    if kind not in LAYERS:  # a block (or an unknown kind): the view's own path and message
        _reveal(view, view.add_layer_at(kind, QPointF(*spot)))
        return ""
    if len(selected) == 1 and anchor is not None and LAYERS[kind].max_inputs > 0:
        name, reason = doc.add_layer_after(kind, spot, anchor)
        view.select_layers([name])
        _reveal(view, name)
        if reason is None:
            return f"Added {name} after {anchor}."
        return f"Added {name}, not wired to {anchor}: {reason}"
    name = doc.add_layer(kind, spot)
    view.select_layers([name])
    _reveal(view, name)
    if LAYERS[kind].max_inputs == 0:
        return f"Added {name}: double-click the next layer to add it after {name}."
    return (f"Added {name}: drag a wire from another layer's output to connect it (a layer "
            "added while one layer is selected is wired from it).")


def _reveal(view: CanvasView, name: str | None) -> None:
    """Bring the layer ``name`` (None: nothing was added) into view."""
    item = view.canvas.nodes.get(name) if name is not None else None
    if item is not None:
        view.reveal(item.sceneBoundingRect())
