"""The words of the readiness check: ``Problem``, its one-click ``Fix`` and the ``Context``.

Kept apart from ``engine.readiness`` so the check modules it calls (``readiness_data``,
``readiness_linear``, ``readiness_recipes``) import these types without importing
``engine.readiness`` back. ``engine.readiness`` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.datasets.base import Dataset
from engine.graph import Graph, ShapeReport
from engine.project import Project


@dataclass(frozen=True)
class SetOptions:
    """Replace the options of ``layer`` with ``options`` (its full new option set)."""

    layer: str
    options: dict[str, Any]


@dataclass(frozen=True)
class InsertLayer:
    """Put a new ``kind`` layer on the wire that feeds input ``port`` of ``before``."""

    kind: str
    before: str
    port: int = 0


@dataclass(frozen=True)
class Fix:
    """A one-click repair: ``label`` for the button, ``edits`` applied as one undo step."""

    label: str
    edits: tuple[SetOptions | InsertLayer, ...]


@dataclass(frozen=True)
class Problem:
    """Why the project cannot train (``level`` "error") or what looks wrong ("warning").

    ``layer`` names the layer to select on the canvas (None: the whole network, the data or
    the settings); ``fix`` is None when no single click mends it."""

    message: str
    layer: str | None = None
    fix: Fix | None = None
    level: str = "error"


@dataclass
class Context:
    """What the checks read: the project, its shapes and the loaded data (None: not loaded)."""

    project: Project
    report: ShapeReport
    data: Dataset | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def graph(self) -> Graph:
        return self.project.graph

    def add(self, message: str, layer: str | None = None, fix: Fix | None = None,
            level: str = "error") -> None:
        self.problems.append(Problem(message, layer, fix, level))
