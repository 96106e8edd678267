"""The timeline's list of runs: the first run and its branches (``Branch``), in words too.

``Branch`` is one line of the run's history with what it needs to train on later: its whole
state when it was left, its moments, its rate, optimizer and batch size, and its network.
``settings_text(branch)`` says its settings in a few words; ``history_of(snapshots)`` gives
a run's history and last snapshot from its snapshots; ``unique_name(names, name)`` gives
a name not taken yet (``"lr 0.1 (2)"``). Used by ``app.timeline``. No Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.history import TrainingHistory
from engine.checkpoints import Checkpoint
from engine.graph import Graph
from engine.snapshots import Snapshot
from engine.timeline_file import SavedBranch


@dataclass
class Branch:
    """One line of the run's history: the first run, or a branch from a moment of another.
    ``present``: its whole state when it was left (None while it is the one training), and
    ``moments``: its timeline then; ``learning_rate``: the rate it trains with (None: the
    project's); ``settings``: its optimizer and batch size (``app.branch_settings``; None: the
    project's); ``graph``: the network it trains (None: the project's). ``history`` and
    ``last``: its losses and metrics and its last snapshot when it was left (this session
    only, not saved), so switching back shows its numbers and curve again."""

    name: str
    learning_rate: float | None = None
    settings: dict[str, Any] | None = None
    present: Checkpoint | None = None
    moments: list[Checkpoint] = field(default_factory=list)
    fork_step: int | None = None  # the step of the moment it branched from (None: first run)
    graph: Graph | None = None
    history: TrainingHistory | None = None
    last: Snapshot | None = None

    def saved(self) -> SavedBranch:
        return SavedBranch(self.name, self.fork_step, self.learning_rate, self.settings,
                           self.present, list(self.moments),
                           None if self.graph is None else self.graph.to_dict())

    @classmethod
    def from_saved(cls, saved: SavedBranch) -> Branch:
        graph = None if saved.graph is None else Graph.from_dict(saved.graph)
        return cls(saved.name, saved.learning_rate, saved.settings, saved.present,
                   list(saved.moments), saved.fork_step, graph)


def settings_text(branch: Branch) -> str:
    """A branch's optimizer, batch and rate in a few words (``"sgd, batch 5, lr 0.05"``)."""
    settings = branch.settings or {}
    parts = [str(settings["optimizer"])] if "optimizer" in settings else []
    if settings.get("batch_mode") == "mini":
        parts.append(f"batch {settings.get('batch_size')}")
    elif "batch_mode" in settings:
        parts.append(f"{settings['batch_mode']} batch")
    if branch.learning_rate is not None:
        parts.append(f"lr {branch.learning_rate:g}")
    return ", ".join(parts) or "the project's settings"


def history_of(snapshots: list[Snapshot]) -> tuple[TrainingHistory | None, Snapshot | None]:
    """The history and last snapshot of a run trained elsewhere (a Compare window's run kept
    as a branch), from its snapshots, oldest first; (None, None) without any."""
    if not snapshots:
        return None, None
    history = TrainingHistory()
    for snap in snapshots:
        history.add(snap)
    return history, snapshots[-1]


def unique_name(names: list[str], name: str) -> str:
    """``name``, or ``"name (2)"``, ``"name (3)"``… when it is taken."""
    candidate, i = name, 2
    while candidate in names:
        candidate, i = f"{name} ({i})", i + 1
    return candidate
