"""The headless runner: play a lesson's reference solution with the engine, no window.

For each step in order: apply its setup, judge every check (each must be *false* — a check
true from the start teaches nothing), apply its solution (training headless where it says
``train``), judge again (each must be *true* — otherwise it is unreachable). The state
carries from step to step as it would in the window. ``main.py lesson FILE`` prints the
result (``engine.cli``); tests/engine/test_lessons.py runs every shipped lesson this way.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.coach import coach, history_from_snapshots
from engine.graph import ShapeReport
from engine.lessons.actions import apply
from engine.lessons.checks import holds
from engine.lessons.model import Check, Lesson
from engine.lessons.run_record import RunRecord
from engine.lessons.views import shown_with
from engine.project import Project, load_project
from engine.snapshots import Snapshot
from engine.training import TrainConfig
from engine.types import GraphError, LayerLabError
from engine.weights_transfer import match_weights, read_project_weights

COACH_EVERY = 10  # epochs between two Coach runs while training headless


class HeadlessEditor(RunRecord):
    """A ``Project`` edited by lesson actions plus the engine's training: both an
    ``actions.Editor`` and a ``checks.LessonState``."""

    def __init__(self) -> None:
        self._project = Project()
        self._rows: list[dict[str, float]] = []
        self._cards: set[str] = set()
        self._answers: dict[str, Any] = {}
        self._recorded: dict[str, list[dict[str, float]]] = {}
        self._views: set[str] = set()  # brought to the front during this step
        self.trained_epochs = 0
        self.transfers: list[str] = []  # what each ``init_from`` loaded, one line per run
        self.weights: dict[str, np.ndarray] = {}  # the network's weights after the last run

    # -- LessonState -------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self._project

    @property
    def shapes(self) -> ShapeReport:
        return self._project.graph.infer_shapes()

    @property
    def views_shown(self) -> set[str]:
        """Without a window a view counts as shown once a ``show_view`` action of this step
        brought it to the front (``begin_step`` forgets them)."""
        return self._views

    def begin_step(self) -> None:
        self._views = set()

    # -- Editor ------------------------------------------------------------------------------
    def open_project(self, path: Path) -> None:
        self._project = load_project(path)
        self.reset()

    def add_layer(self, kind: str, name: str | None, options: dict[str, Any],
                  position: tuple[float, float]) -> None:
        self._project.graph.add_node(kind, name, options, position)
        self.reset()

    def remove_layer(self, name: str) -> None:
        self._node(name)
        self._project.graph.remove_node(name)
        self.reset()

    def set_options(self, name: str, options: dict[str, Any]) -> None:
        self._project.graph.set_options(name, {**self._node(name).options, **options})
        self.reset()

    def connect(self, source: str, target: str) -> None:
        self._project.graph.connect(source, target)
        self.reset()

    def disconnect(self, source: str, target: str) -> None:
        edge = next((e for e in self._project.graph.edges
                     if e.source == source and e.target == target), None)
        if edge is None:
            raise GraphError(f"There is no wire from '{source}' to '{target}'.")
        self._project.graph.disconnect(edge)
        self.reset()

    def set_training(self, values: dict[str, Any]) -> None:
        self._project.training = TrainConfig.from_dict(
            {**self._project.training.to_dict(), **values})

    def set_dataset(self, spec: dict[str, Any]) -> None:
        self._project.dataset = dict(spec)
        self.reset()

    def set_recipe(self, recipe: str) -> None:
        self._project.recipe = recipe
        self.reset()

    def reset(self) -> None:
        """A new network: the run's epoch rows and Coach cards belong to the old one."""
        self._rows, self._cards = [], set()

    def train(self, epochs: int | None, init_from: Path | None = None) -> None:
        """Train from fresh weights (``epochs`` also becomes the project's setting); with
        ``init_from``, the layers whose names and shapes match start from that project's
        saved weights (``engine.weights_transfer``, as File → Load weights does)."""
        from engine.recipes import prepare

        if epochs is not None:
            self.set_training({"epochs": epochs})
        self.reset()
        prepared = prepare(copy.deepcopy(self._project))
        if init_from is not None:
            picked, report = match_weights(prepared.model.get_weights(),
                                           read_project_weights(init_from))
            prepared.model.set_weights(picked)
            self.transfers.append(report.lines(init_from.name)[0])
        snaps: list[Snapshot] = []
        for snap in prepared.trainer.run():
            snaps.append(snap)
            self._rows.extend(snap.epoch_rows)
            if snap.epoch_rows and (snap.epoch % COACH_EVERY == 0 or snap.is_final):
                self._cards.update(a.kind for a in coach(history_from_snapshots(snaps)))
        self.trained_epochs += len(self._rows)
        self.weights = prepared.model.get_weights()

    def answer(self, check_id: str, value: Any) -> None:
        self._answers[check_id] = value

    def select(self, layer: str) -> None:
        self._node(layer)

    def show_view(self, view: str) -> None:
        """Nothing to draw without a window; the view counts as shown (``views_shown``)."""
        self._views |= shown_with(view)

    def _node(self, name: str) -> Any:
        if name not in self._project.graph.nodes:
            raise GraphError(f"There is no layer named '{name}' in the network.")
        return self._project.graph.nodes[name]


@dataclass
class CheckResult:
    check: Check
    at_start: bool
    after_solution: bool

    @property
    def ok(self) -> bool:
        return not self.at_start and self.after_solution


@dataclass
class StepResult:
    number: int
    title: str
    checks: list[CheckResult] = field(default_factory=list)


@dataclass
class LessonReport:
    lesson: Lesson
    steps: list[StepResult] = field(default_factory=list)
    error: str | None = None  # an action the engine refused (step and message)
    epochs_trained: int = 0
    transfers: list[str] = field(default_factory=list)  # weights loaded by 'init_from'

    @property
    def ok(self) -> bool:
        return self.error is None and all(c.ok for s in self.steps for c in s.checks)

    def lines(self) -> list[str]:
        """What ``main.py lesson`` prints."""
        out = [f"Lesson: {self.lesson.title} ({len(self.lesson.steps)} steps)"]
        word = {True: "true ", False: "false"}
        for step in self.steps:
            out.append(f"Step {step.number}: {step.title}")
            for c in step.checks:
                verdict = "ok" if c.ok else ("TRUE FROM THE START" if c.at_start
                                             else "NOT REACHED BY THE SOLUTION")
                out.append(f"  start {word[c.at_start]}  after solution "
                           f"{word[c.after_solution]}  {verdict:<4}  {c.check.label}")
        out += [f"weights: {line}" for line in self.transfers]
        if self.error:
            out.append(f"error: {self.error}")
        total = sum(len(s.checks) for s in self.steps)
        out.append(f"{'All' if self.ok else 'NOT all'} {total} checks false at the start of "
                   f"their step and true after its solution ({self.epochs_trained} epochs "
                   "trained).")
        return out


def run_lesson(lesson: Lesson, editor: HeadlessEditor | None = None) -> LessonReport:
    """Play every step's setup and solution headless and judge the checks before and after
    (on ``editor`` when given: the caller can look at its weights afterwards)."""
    editor = HeadlessEditor() if editor is None else editor
    report = LessonReport(lesson)
    for number, step in enumerate(lesson.steps, 1):
        result = StepResult(number, step.title)
        report.steps.append(result)
        try:
            editor.begin_step()
            for action in step.setup:
                apply(action, editor, lesson.folder)
            before = [holds(c, editor) for c in step.checks]
            for action in step.solution:
                apply(action, editor, lesson.folder)
            if step.record:
                editor.keep_run(step.record)
        except LayerLabError as err:
            report.error = f"step {number} ('{step.title}'): {err}"
            break
        result.checks = [CheckResult(c, b, holds(c, editor))
                         for c, b in zip(step.checks, before)]
    report.epochs_trained = editor.trained_epochs
    report.transfers = list(editor.transfers)
    return report
