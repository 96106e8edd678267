"""The timeline on disk: the run's moments and its branch list in the weights file.

``save_timeline(controller, sidecar)`` adds the moments recorded now and the branch list
(``TimelineController.saved_branches``: the current branch with its whole state) to the
weights file just written (``engine.timeline_file``). ``load_timeline(controller, sidecar)``
takes them back after the saved run was shown: the moments when they fit the network, each
branch when its moments fit its own network (``SavedBranch.graph``, else the run's); it says
whether they were loaded, with a learner-readable note (also why they could not be used;
None when the file holds none). No Qt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.branch_graph import network_of
from app.timeline import TimelineController, settings_text
from engine.checkpoints import Checkpoint, model_weights
from engine.graph import Graph
from engine.model import Model
from engine.timeline_file import SavedBranch, add_timeline, read_branches, read_timeline
from engine.types import LayerLabError


def save_timeline(controller: TimelineController, sidecar: Path) -> None:
    """Add the run's moments, and its branches, to ``sidecar``."""
    branches, current = controller.saved_branches()
    add_timeline(sidecar, controller.store.checkpoints(), branches, current)


def load_timeline(controller: TimelineController, sidecar: Path) -> tuple[bool, str | None]:
    """Take the moments (and branches) saved in ``sidecar``: whether they were loaded, and
    a note (None when the file holds none)."""
    session = controller.session
    try:
        items = read_timeline(sidecar) if sidecar.is_file() else []
        branches, current = read_branches(sidecar) if items else ([], 0)
    except LayerLabError as err:
        return False, str(err)
    if not items or session.model is None or not session.has_trained_weights:
        return False, None
    now = shapes_of(session.model.get_weights())
    if not all(_fits(c, now) for c in items):
        return False, (f"The timeline saved in '{sidecar.name}' no longer fits this network, "
                       "so it was not loaded.")
    session.checkpoints.replace_all(items)
    names = ""
    graph = session.project.graph
    if len(branches) > 1 and all(_branch_fits(b, now, b is branches[current], graph)
                                 for b in branches):
        controller.restore_branches(branches, current)
        branch = controller.branches[current]
        names = (f" and {len(branches)} branches; Play goes on with '{branch.name}' "
                 f"({settings_text(branch)})")
    return True, (f"Loaded the timeline: {len(items)} moments of the saved run{names} to "
                  "scrub back to.")


def shapes_of(weights: dict[str, Any]) -> dict[str, Any]:
    return {k: v.shape for k, v in weights.items()}


def _fits(checkpoint: Checkpoint, shapes: dict[str, Any]) -> bool:
    """The checkpoint's model arrays are those of the network (names and shapes)."""
    return shapes_of(model_weights(checkpoint)) == shapes


def _branch_fits(branch: SavedBranch, now: dict[str, Any], current: bool,
                 run_graph: Graph) -> bool:
    """Every kept moment of ``branch`` fits its network (the current one, or the run's
    network: the run's arrays; a GAN's two networks are not one ``Model``)."""
    shapes = now
    if branch.graph is not None and not current:
        try:
            graph = Graph.from_dict(branch.graph)
            if network_of(graph) != network_of(run_graph):
                shapes = shapes_of(Model(graph).get_weights())
        except Exception:  # noqa: BLE001 - a network that no longer builds: not restored
            return False
    kept = branch.moments + ([branch.present] if branch.present is not None else [])
    return all(_fits(c, shapes) for c in kept)
