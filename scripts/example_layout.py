"""Helpers of the example scripts: canvas positions wrapped into rows, and saving.

A long chain in one row shrinks to a thin strip when the canvas fits it to the view; rows of
``per_row`` layers stay readable on a projector (like lines of text).
"""

from __future__ import annotations

from engine.graph import Graph
from engine.project import Project, save_project

COLUMN, ROW = 270.0, 170.0


def wrap_positions(graph: Graph, per_row: int = 4) -> Graph:
    """Place every node of ``graph`` (in topological order) on a grid; returns the graph."""
    for i, name in enumerate(graph.topological_order()):
        graph.nodes[name].position = (COLUMN * (i % per_row), ROW * (i // per_row))
    return graph


def save_examples(projects: dict[str, Project], folder: str = "assets/examples") -> None:
    """Write each project as ``folder/NAME.layerlab.json`` (atomic) and say so."""
    for name, project in projects.items():
        save_project(project, f"{folder}/{name}.layerlab.json")
        print(f"wrote {folder}/{name}.layerlab.json")
