"""A timeline branch that trains an edited network: the graph the learner changed while
looking back at a past moment (a Dropout added or taken out, a layer's units or activation).

``edited_network(run_graph, canvas_graph)`` is the canvas's graph when it computes something
else than the run's (positions do not count), else None. ``grafted_start(project, graph,
checkpoint)`` fits the checkpoint to the edited network (``engine.checkpoint_graft``: layers
whose arrays all fit keep the checkpoint's weights and optimizer memory, the others start
from the fresh seeded weights a new run of that network would have) and says in words which
layers kept their weights. ``with_graph(project, graph)`` is a copy of the project training
that network. ``describe_edit(old, new)`` names the change for the branch's name
(e.g. ``"added dropout_1"``). ``graph_changes(old, new)`` lists what differs layer by layer
(``GraphChanges``), so the document can put another branch's network on the canvas with its
ordinary per-layer signals. No Qt.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from engine.checkpoint_graft import graft, kept_text, require_graftable
from engine.checkpoints import Checkpoint
from engine.graph import Edge, Graph
from engine.model import Model
from engine.project import Project


def network_of(graph: Graph) -> tuple[Any, Any]:
    """The network without canvas positions: what decides what the run computes."""
    data = graph.to_dict()
    layers = [{k: v for k, v in layer.items() if k != "position"} for layer in data["layers"]]
    return layers, data.get("edges")


def edited_network(run_graph: Graph, canvas_graph: Graph | None) -> Graph | None:
    """``canvas_graph`` when its network differs from ``run_graph``'s, else None."""
    if canvas_graph is None or network_of(run_graph) == network_of(canvas_graph):
        return None
    return canvas_graph


def with_graph(project: Project, graph: Graph) -> Project:
    """A copy of ``project`` that trains ``graph`` (a copy too)."""
    changed = copy.deepcopy(project)
    changed.graph = copy.deepcopy(graph)
    return changed


def grafted_start(project: Project, graph: Graph, checkpoint: Checkpoint,
                  ) -> tuple[Checkpoint, str]:
    """``checkpoint`` fitted to ``graph`` (trained with ``project``'s seed) and which layers
    kept their weights, in words; a ``ConfigError`` when the graph cannot be built."""
    require_graftable(checkpoint)  # before building a model the recipe may not build
    fitted, report = graft(checkpoint, Model(graph, seed=project.training.seed))
    return fitted, kept_text(report)


def describe_edit(old: Graph, new: Graph) -> str:
    """What the edit changed, in a few words (``"added dropout_1, changed hidden1"``)."""
    added = [n for n in new.nodes if n not in old.nodes]
    removed = [n for n in old.nodes if n not in new.nodes]
    changed = [n for n in new.nodes if n in old.nodes
               and new.nodes[n].options != old.nodes[n].options]
    parts = ([f"added {', '.join(added)}"] if added else []) + \
        ([f"removed {', '.join(removed)}"] if removed else []) + \
        ([f"changed {', '.join(changed)}"] if changed else [])
    return "; ".join(parts) or "rewired"


@dataclass(frozen=True)
class GraphChanges:
    """What turns one graph into another: layers removed, added (a layer whose kind changed is
    both), changed (options or position), and the wires removed and added."""

    removed: list[str]
    added: list[str]
    changed: list[str]
    edges_removed: list[Edge]
    edges_added: list[Edge]


def graph_changes(old: Graph, new: Graph) -> GraphChanges:
    """The layer-by-layer difference from ``old`` to ``new`` (names, kinds, options,
    positions, wires)."""
    def same_kind(name: str) -> bool:
        return name in old.nodes and old.nodes[name].kind == new.nodes[name].kind

    removed = [n for n in old.nodes if n not in new.nodes or not same_kind(n)]
    added = [n for n in new.nodes if not same_kind(n)]
    changed = [n for n in new.nodes if same_kind(n) and (
        old.nodes[n].options != new.nodes[n].options
        or tuple(old.nodes[n].position) != tuple(new.nodes[n].position))]
    old_edges, new_edges = list(old.edges), list(new.edges)
    touched = set(removed) | set(added)  # a layer taken out takes its wires with it

    def moved(edge: Edge, others: list[Edge]) -> bool:
        return edge not in others or edge.source in touched or edge.target in touched

    return GraphChanges(removed, added, changed,
                        [e for e in old_edges if moved(e, new_edges)],
                        [e for e in new_edges if moved(e, old_edges)])
