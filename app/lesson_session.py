"""A lesson in the window: progress, live check evaluation, hints and "show me" (QtCore only).

``LessonSession`` follows one ``engine.lessons.Lesson`` through a ``ProjectDocument`` and a
``TrainingSession``. It is the ``engine.lessons.checks.LessonState`` of the window: the
document's project and shape report, the epoch rows of the current run (collected from the
session's snapshots, cleared when the run starts over or the network changes, as in the
headless runner), the Coach cards seen in that run and the answers given. It is also the
``engine.lessons.actions.Editor``: setup and solution actions become undoable document edits;
opening a project, selecting a layer, showing a view and starting a run go to a
``LessonHost`` (the window). Checks are judged after edits and on snapshots at most
``1 / EVAL_INTERVAL_MS`` times a second, and when the host says another view came to the
front (``views_changed``); a check stays ticked for its step once it held. On a step with
``record``, each judgement keeps the current run under that name (``compare`` checks of later
steps read it; kept runs live as long as the session, so a resumed lesson needs the step's
run again). ``view_shown`` checks ask the host which views are on screen now.
Progress (the step reached, the steps passed) is saved in ``app.settings`` per lesson id.
A resumed lesson keeps which steps were done, but their checks are judged again on the live
network (only given answers stay ticked): ``done_before`` tells a check passed in an earlier
sitting that does not hold now, so the panel never shows a remembered ✓ as true.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from app.document import ProjectDocument
from app.project_io import project_problem
from app.settings import Settings
from engine.graph import ShapeReport
from engine.lessons import SUFFIX, Lesson, Step, load_lesson
from engine.lessons.actions import apply
from engine.lessons.checks import answer_is_right, holds
from engine.lessons.run_record import RunRecord
from engine.project import Project
from engine.types import GraphError, LayerLabError

EVAL_INTERVAL_MS = 100  # checks judged at most 10 times a second while training


def open_problem(path: str | Path) -> str | None:
    """Why a file given to the window cannot open (a lesson or a project), or None."""
    if str(path).endswith(SUFFIX):
        try:
            load_lesson(path)
        except LayerLabError as err:
            return str(err)
        return None
    return project_problem(path)


class LessonHost(Protocol):
    """What the window does for a lesson."""

    def open_project(self, path: Path) -> bool: ...
    def reset_run(self) -> None: ...
    def load_weights_from(self, path: Path) -> list[str]:
        """Load the layers of the project at ``path`` (its saved weights) whose names and
        shapes match into the network (File → Load weights from another project); the
        report's lines. ``LayerLabError`` when nothing could be loaded."""
    def start_training(self) -> None: ...
    def select_layer(self, name: str) -> None: ...
    def show_view(self, view: str) -> None: ...
    def views_in_front(self) -> Collection[str]:
        """The views on screen now, named as in ``engine.lessons.views`` (a Look-inside tab
        and ``inside`` while that tab is in front of the shown dock)."""


class RunSignals(Protocol):
    """The parts of ``app.session.TrainingSession`` a lesson listens to."""

    snapshot_ready: Any  # Signal(Snapshot)
    history_cleared: Any  # Signal()
    advice_changed: Any  # Signal(list[Advice])
    run_finished: Any  # Signal(Snapshot)


class LessonSession(QObject, RunRecord):
    step_changed = Signal(int)  # the step shown (0-based)
    checks_changed = Signal()  # a check was ticked (see ``passed``)
    hints_changed = Signal(int)  # how many hints of the step are shown
    step_completed = Signal(int)  # every check of that step holds
    message = Signal(str)  # a refused action, in words

    def __init__(self, lesson: Lesson, doc: ProjectDocument, runs: RunSignals,
                 settings: Settings, host: LessonHost, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lesson, self.doc, self.settings, self.host = lesson, doc, settings, host
        self.index = 0
        self.passed: set[str] = set()  # check ids ticked (their step's checks stay ticked)
        self.steps_done: set[int] = set()
        self.hints_shown = 0
        self._rows: list[dict[str, float]] = []
        self._cards: set[str] = set()
        self._answers: dict[str, Any] = {}
        self._recorded: dict[str, list[dict[str, float]]] = {}
        self._timer = QTimer(self, singleShot=True, interval=EVAL_INTERVAL_MS)
        self._timer.timeout.connect(self.evaluate)
        self.editor = DocumentEditor(self)
        self._runs = runs
        runs.snapshot_ready.connect(self._on_snapshot)
        runs.history_cleared.connect(self.forget_run)
        runs.advice_changed.connect(self._on_advice)
        runs.run_finished.connect(self._on_run_finished)
        doc.structure_changed.connect(self._on_structure_changed)
        doc.training_changed.connect(self.schedule)
        doc.project_loaded.connect(self.forget_run)

    def close(self) -> None:
        """Stop listening (another lesson, or none, takes the panel)."""
        self._timer.stop()
        for signal, slot in ((self._runs.snapshot_ready, self._on_snapshot),
                             (self._runs.history_cleared, self.forget_run),
                             (self._runs.advice_changed, self._on_advice),
                             (self._runs.run_finished, self._on_run_finished),
                             (self.doc.structure_changed, self._on_structure_changed),
                             (self.doc.training_changed, self.schedule),
                             (self.doc.project_loaded, self.forget_run)):
            signal.disconnect(slot)

    # -- LessonState ---------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self.doc.project

    @property
    def shapes(self) -> ShapeReport:
        return self.doc.report

    @property
    def views_shown(self) -> Collection[str]:
        return self.host.views_in_front()

    # -- navigation ----------------------------------------------------------------------------
    @property
    def step(self) -> Step:
        return self.lesson.steps[self.index]

    def start(self) -> None:
        """Resume where this user left off (earlier steps replayed without training), or
        begin at step 1."""
        step, done = self.settings.lesson_progress(self.lesson.id)
        step = min(max(step, 0), len(self.lesson.steps) - 1)
        self.steps_done = {i for i in done if 0 <= i < len(self.lesson.steps)}
        for i in range(step):
            self._perform(self.lesson.steps[i].setup)
            self._perform(tuple(a for a in self.lesson.steps[i].solution
                                if a.do not in ("train", "answer")))
        # answers given stay given; every other check is judged again on the live network
        self.passed = {c.id for i in self.steps_done for c in self.lesson.steps[i].checks
                       if c.type == "answer"}
        self._enter(step, setup=True)

    def restart(self) -> None:
        """Forget this user's progress and begin again at step 1 (its setup reopens the
        project)."""
        self.settings.clear_lesson_progress(self.lesson.id)
        self.steps_done, self.passed, self._answers, self._recorded = set(), set(), {}, {}
        self._enter(0, setup=True)

    def next(self) -> None:
        if self.index + 1 < len(self.lesson.steps):
            self._enter(self.index + 1, setup=self.index + 1 not in self.steps_done)

    def back(self) -> None:
        if self.index > 0:
            self._enter(self.index - 1, setup=False)

    def _enter(self, index: int, setup: bool) -> None:
        self.index, self.hints_shown = index, 0
        if setup:
            self._perform(self.step.setup)
        self._save()
        self.step_changed.emit(index)
        self.hints_changed.emit(0)
        self.evaluate()

    # -- the learner's actions ------------------------------------------------------------------
    def show_me(self) -> None:
        """Perform the step's solution (training starts last, where it says so)."""
        self._perform(self.step.solution)
        self.evaluate()

    def answer(self, check_id: str, value: Any) -> bool:
        """Record an answer; a wrong one reveals the next hint. True when right."""
        self._answers[check_id] = value
        check = next((c for s in self.lesson.steps for c in s.checks if c.id == check_id), None)
        right = check is not None and answer_is_right(check, value)
        if not right:
            self.more_hint()
        self.evaluate()
        return right

    def more_hint(self) -> None:
        if self.hints_shown < len(self.step.hints):
            self.hints_shown += 1
            self.hints_changed.emit(self.hints_shown)

    def done_before(self, check_id: str) -> bool:
        """True for a check of a step done earlier (this or an earlier sitting) that does
        not hold on the live network now."""
        return check_id not in self.passed and any(
            check_id in {c.id for c in self.lesson.steps[i].checks} for i in self.steps_done)

    def is_complete(self) -> bool:
        return len(self.steps_done) == len(self.lesson.steps)

    # -- judging ---------------------------------------------------------------------------------
    def schedule(self, *_args: Any) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def evaluate(self) -> None:
        """Judge the current step's checks not yet ticked; save progress when all hold."""
        if self.step.record:
            self.keep_run(self.step.record)
        fresh = [c.id for c in self.step.checks if c.id not in self.passed and holds(c, self)]
        if fresh:
            self.passed.update(fresh)
            self.checks_changed.emit()
        if self.index not in self.steps_done and all(c.id in self.passed
                                                     for c in self.step.checks):
            if self.step.checks:
                self.steps_done.add(self.index)
                self._save()
                self.step_completed.emit(self.index)

    def views_changed(self) -> None:
        """The host brought another view to the front (``view_shown`` checks)."""
        if any(c.type == "view_shown" for c in self.step.checks):
            self.schedule()

    def _on_snapshot(self, snap: Any) -> None:
        self._rows.extend(snap.epoch_rows)
        if snap.epoch_rows or snap.is_final:
            self.schedule()

    def _on_advice(self, advice: list) -> None:
        kinds = {a.kind for a in advice} - self._cards
        if kinds:
            self._cards.update(kinds)
            self.schedule()

    def _on_run_finished(self, _snap: Any) -> None:
        self.evaluate()
        if any(c.id not in self.passed for c in self.step.checks if c.type != "answer"):
            self.more_hint()  # a run that ended without passing: a failed attempt

    def _on_structure_changed(self) -> None:
        self.forget_run()

    def forget_run(self) -> None:
        """A new network or a new run: the old run's epochs and Coach cards no longer count."""
        self._rows, self._cards = [], set()
        self.schedule()

    def _save(self) -> None:
        self.settings.set_lesson_progress(self.lesson.id, self.index, sorted(self.steps_done))

    def _perform(self, actions: Sequence[Any]) -> None:
        try:
            for action in actions:
                apply(action, self.editor, self.lesson.folder)
        except LayerLabError as err:
            self.message.emit(f"The lesson could not do this step for you: {err}")


class DocumentEditor:
    """``engine.lessons.actions.Editor`` on the window: undoable document edits, the rest
    through the ``LessonHost``."""

    def __init__(self, lesson_session: LessonSession) -> None:
        self.lesson_session = lesson_session
        self.doc, self.host = lesson_session.doc, lesson_session.host

    def answer(self, check_id: str, value: Any) -> None:
        self.lesson_session.answer(check_id, value)

    def open_project(self, path: Path) -> None:
        if not self.host.open_project(path):
            raise LayerLabError(f"the project '{path.name}' could not be opened")

    def add_layer(self, kind: str, name: str | None, options: dict[str, Any],
                  position: tuple[float, float]) -> None:
        self.doc.add_layer(kind, position, options, name)

    def remove_layer(self, name: str) -> None:
        self._node(name)
        self.doc.remove_layers([name])

    def set_options(self, name: str, options: dict[str, Any]) -> None:
        self.doc.set_layer_options(name, {**self._node(name).options, **options})

    def connect(self, source: str, target: str) -> None:
        reason = self.doc.connect_layers(source, target)
        if reason:
            raise GraphError(reason)

    def disconnect(self, source: str, target: str) -> None:
        edge = next((e for e in self.doc.graph.edges
                     if e.source == source and e.target == target), None)
        if edge is None:
            raise GraphError(f"There is no wire from '{source}' to '{target}'.")
        self.doc.disconnect_edge(edge)

    def set_training(self, values: dict[str, Any]) -> None:
        self.doc.set_training(values)

    def set_dataset(self, spec: dict[str, Any]) -> None:
        self.doc.set_dataset(spec)

    def set_recipe(self, recipe: str) -> None:
        self.doc.set_recipe(recipe)

    def reset(self) -> None:
        self.host.reset_run()
        self.lesson_session.forget_run()

    def train(self, epochs: int | None, init_from: Path | None = None) -> None:
        if epochs is not None:
            self.doc.set_training({"epochs": epochs})
        self.host.reset_run()
        self.lesson_session.forget_run()
        if init_from is not None:  # fine-tuning: start from another project's weights
            self.host.load_weights_from(init_from)
        self.host.start_training()

    def select(self, layer: str) -> None:
        self._node(layer)
        self.host.select_layer(layer)

    def show_view(self, view: str) -> None:
        self.host.show_view(view)

    def _node(self, name: str) -> Any:
        if name not in self.doc.graph.nodes:
            raise GraphError(f"There is no layer named '{name}' in the network.")
        return self.doc.graph.nodes[name]
