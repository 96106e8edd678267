"""What a lesson is, once read: a ``Lesson`` of ordered ``Step``s, each with ``Action``s
(setup and solution) and ``Check``s. Plain frozen dataclasses, no behaviour; the file format
that produces them is in ``engine.lessons.loader`` and docs/LESSONS.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.types import LayerLabError

FORMAT = "layerlab-lesson"
VERSION = 1
SUFFIX = ".lesson.json"


class LessonFileError(LayerLabError):
    """A lesson file that cannot be used; the message names the file, the place and the fix."""


@dataclass(frozen=True)
class Action:
    """One thing done to the app: ``do`` is the verb (``ACTIONS`` in ``engine.lessons.actions``),
    ``args`` its named values exactly as written in the file (checked when read)."""

    do: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """A predicate on the live state (``engine.lessons.checks``). ``id`` is unique within the
    lesson (answers are stored under it); ``label`` is what the learner reads."""

    id: str
    type: str
    label: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    title: str
    text: str  # lesson markup (engine.lessons.richtext)
    setup: tuple[Action, ...] = ()
    checks: tuple[Check, ...] = ()
    hints: tuple[str, ...] = ()
    solution: tuple[Action, ...] = ()
    record: str = ""  # keep this step's latest run under this name (for ``compare`` checks)


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    goals: tuple[str, ...]
    steps: tuple[Step, ...]
    order: int = 0  # place in the course (gallery order)
    minutes: int = 10
    summary: str = ""
    path: Path | None = None  # the file it was read from (relative paths start beside it)

    @property
    def folder(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()

    def check_ids(self) -> list[str]:
        return [c.id for s in self.steps for c in s.checks]
