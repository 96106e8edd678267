"""Set the number of hidden Dense layers of a chain Input → Dense… → output, undoably.

``set_hidden_depth(doc, depth, layer)`` turns the document's graph into exactly the variant a
depth sweep trains (``engine.sweep.with_depth``): ``depth`` hidden Dense layers with the options
(units, activation, …) of ``layer`` (default: the first hidden Dense), the same Input and output
layer, wired one after the other. Existing hidden layers are kept (by name and position) up to
``depth``, extra ones removed, missing ones added between the last hidden layer and the output.
All of it is one undo step (a macro on the document's ``QUndoStack``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app import commands as cmd
from engine.graph import Edge, Node
from engine.sweep import dense_chain, hidden_layer, with_depth

if TYPE_CHECKING:
    from app.document import ProjectDocument


def set_hidden_depth(doc: ProjectDocument, depth: int, layer: str | None = None) -> list[str]:
    """Make the chain hold ``depth`` hidden layers (ConfigError when the graph is no plain
    Dense chain or has no hidden Dense to copy). Returns the hidden layers' names in order."""
    graph = doc.graph
    order = dense_chain(graph)
    template = hidden_layer(graph, layer)
    target = with_depth(graph, depth, template)  # the sweep's variant: the graph to reach
    first, last, hidden = order[0], order[-1], order[1:-1]
    options = dict(target.nodes["hidden_1"].options) if depth else {}
    keep, drop = hidden[:depth], hidden[depth:]
    x0, y0 = graph.nodes[first].position
    x1, y1 = graph.nodes[last].position
    anchor = graph.nodes[keep[-1]].position if keep else (x0, y0)
    steps = depth - len(keep) + 1
    dx, dy = (x1 - anchor[0]) / steps, (y1 - anchor[1]) / steps
    doc.undo_stack.beginMacro(f"Set the number of hidden layers to {depth}")
    try:
        for edge in [e for e in graph.edges if e.source in order and e.target in order]:
            doc.undo_stack.push(cmd.Disconnect(doc, edge))
        if drop:
            doc.undo_stack.push(cmd.RemoveLayers(doc, drop))
        names = list(keep)
        for name in keep:
            doc.set_layer_options(name, options)
        for i in range(depth - len(keep)):
            name = graph.unique_name("Dense")
            pos = (anchor[0] + dx * (i + 1), anchor[1] + dy * (i + 1))
            doc.undo_stack.push(cmd.AddLayer(doc, Node(name, "Dense", dict(options), pos)))
            names.append(name)
        chain = [first, *names, last]
        for source, dest in zip(chain, chain[1:], strict=False):
            doc.undo_stack.push(cmd.Connect(doc, Edge(source, dest, 0)))
    finally:
        doc.undo_stack.endMacro()
    return names
