"""Automatic layout: layers in columns by topological depth, flowing left to right.

``layered_positions(graph)`` is pure (no Qt): each layer goes one column right of its deepest
input; inside a column, layers are ordered by the average row of their inputs (fewer crossing
wires), then by their current height, and the column is centred vertically.
"""

from __future__ import annotations

from engine.graph import Graph

COLUMN_STEP = 270.0
ROW_STEP = 150.0


def depths(graph: Graph) -> dict[str, int]:
    """Longest-path depth of every layer from the layers without inputs."""
    depth: dict[str, int] = {}
    for name in graph.topological_order():
        sources = graph.inputs_of(name)
        depth[name] = max((depth[s] + 1 for s in sources), default=0)
    return depth


def layered_positions(graph: Graph, column_step: float = COLUMN_STEP,
                      row_step: float = ROW_STEP) -> dict[str, tuple[float, float]]:
    """New centre position of every layer; the layout keeps the network's left edge and middle."""
    if not graph.nodes:
        return {}
    depth = depths(graph)
    columns: dict[int, list[str]] = {}
    for name in graph.nodes:
        columns.setdefault(depth[name], []).append(name)
    row: dict[str, float] = {}
    for d in sorted(columns):
        names = columns[d]
        names.sort(key=lambda n: (_barycentre(graph, n, row), graph.nodes[n].position[1]))
        for i, name in enumerate(names):
            row[name] = i - (len(names) - 1) / 2.0
    x0 = min(node.position[0] for node in graph.nodes.values())
    ys = [node.position[1] for node in graph.nodes.values()]
    y0 = (min(ys) + max(ys)) / 2.0
    return {name: (x0 + depth[name] * column_step, y0 + row[name] * row_step)
            for name in graph.nodes}


def _barycentre(graph: Graph, name: str, row: dict[str, float]) -> float:
    rows = [row[s] for s in graph.inputs_of(name) if s in row]
    return sum(rows) / len(rows) if rows else 0.0
