"""Automatic layout: layers in columns by topological depth, flowing left to right.

``layered_positions(graph)`` is pure (no Qt): each layer goes one column right of its deepest
input; inside a column, layers are ordered by the average row of their inputs (fewer crossing
wires), then by their current height, and the column is centred vertically. A deep network
(a CNN, a transformer) wraps after ``WRAP_COLUMNS`` columns into a new band below, like lines
of text, so it stays readable on a projector instead of becoming one thin strip.
"""

from __future__ import annotations

from engine.graph import Graph

COLUMN_STEP = 270.0
ROW_STEP = 150.0
WRAP_COLUMNS = 5


def depths(graph: Graph) -> dict[str, int]:
    """Longest-path depth of every layer from the layers without inputs."""
    depth: dict[str, int] = {}
    for name in graph.topological_order():
        sources = graph.inputs_of(name)
        depth[name] = max((depth[s] + 1 for s in sources), default=0)
    return depth


def layered_positions(graph: Graph, column_step: float = COLUMN_STEP,
                      row_step: float = ROW_STEP, wrap: int = WRAP_COLUMNS
                      ) -> dict[str, tuple[float, float]]:
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
    band_top = _band_offsets(columns, wrap, row_step)
    return {name: (x0 + (depth[name] % wrap) * column_step,
                   y0 + band_top[depth[name] // wrap] + row[name] * row_step)
            for name in graph.nodes}


def _band_offsets(columns: dict[int, list[str]], wrap: int, row_step: float) -> list[float]:
    """Vertical offset of each band of ``wrap`` columns: tall enough for its tallest column."""
    n_bands = max(columns) // wrap + 1
    height = [max((len(columns.get(d, [])) for d in range(b * wrap, (b + 1) * wrap)), default=1)
              for b in range(n_bands)]
    offsets, y = [], 0.0
    for b in range(n_bands):
        if b:
            y += (height[b - 1] + height[b]) / 2.0 * row_step + row_step * 0.5
        offsets.append(y)
    return offsets


def _barycentre(graph: Graph, name: str, row: dict[str, float]) -> float:
    rows = [row[s] for s in graph.inputs_of(name) if s in row]
    return sum(rows) / len(rows) if rows else 0.0
