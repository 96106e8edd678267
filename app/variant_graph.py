"""Graph edits a variant or a timeline branch may make: add a Dropout after a layer, or take
a Dropout out.

``add_dropout(graph, after, rate)`` puts a new Dropout layer on every wire leaving ``after``
(named ``dropout_N``, placed beside it) and returns its name; ``remove_dropout(graph, name)``
takes a Dropout layer out and wires its input straight to where its output went. Both keep
every weighted layer as it was, so a checkpoint's weights still fit the edited network
(``engine.checkpoint_graft``). A ``ConfigError`` in plain words when the edit cannot be made.
No Qt.
"""

from __future__ import annotations

from engine.graph import Edge, Graph
from engine.types import ConfigError


def add_dropout(graph: Graph, after: str, rate: float) -> str:
    """A Dropout of ``rate`` on the output of layer ``after``; returns its name."""
    if after not in graph.nodes:
        raise ConfigError(f"The network has no layer called '{after}'.")
    leaving = list(graph.out_edges(after))
    if not leaving:
        raise ConfigError(f"'{after}' is the network's output: put the dropout after a hidden "
                          "layer.")
    x, y = graph.nodes[after].position
    node = graph.add_node("Dropout", options={"rate": float(rate)}, position=(x + 60.0, y + 60.0))
    for edge in leaving:
        graph.disconnect(edge)
    graph.edges.append(Edge(after, node.name, 0))
    for edge in leaving:
        graph.edges.append(Edge(node.name, edge.target, edge.port))
    return node.name


def remove_dropout(graph: Graph, name: str) -> None:
    """Take the Dropout ``name`` out; its input feeds its outputs' layers directly."""
    node = graph.nodes.get(name)
    if node is None:
        raise ConfigError(f"The network has no layer called '{name}'.")
    if node.kind != "Dropout":
        raise ConfigError(f"Only a Dropout layer can be taken out here ('{name}' is a "
                          f"{node.kind}): other layers hold weights.")
    sources = graph.inputs_of(name)
    _node, removed = graph.remove_node(name)
    for edge in removed:
        if edge.source == name:
            for source in sources:
                graph.edges.append(Edge(source, edge.target, edge.port))
