"""A timeline branch that trains an edited network: the graph the learner changed while
looking back at a past moment (a Dropout added or taken out, a layer's units or activation).

``edited_network(run_graph, canvas_graph)`` is the canvas's graph when it computes something
else than the run's (positions do not count), else None. ``grafted_start(project, graph,
checkpoint)`` fits the checkpoint to the edited network (``engine.checkpoint_graft``: layers
whose arrays all fit keep the checkpoint's weights and optimizer memory, the others start
from the fresh seeded weights a new run of that network would have) and says in words which
layers kept their weights. ``with_graph(project, graph)`` is a copy of the project training
that network. ``describe_edit(old, new)`` names the change for the branch's name
(e.g. ``"added dropout_1"``). No Qt.
"""

from __future__ import annotations

import copy
from typing import Any

from engine.checkpoint_graft import graft, kept_text
from engine.checkpoints import Checkpoint
from engine.graph import Graph
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
