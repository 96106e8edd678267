"""A timeline branch and its parent trained side by side, from the moment shown.

"Compare side by side…" on the timeline's banner (``widgets.panels.timeline_bar``) asks what
the branch changes (``VariantEditor``: learning rate — the one set in the training panel is
filled in —, optimizer, batch size, a layer's units or activation, a Dropout added or taken
out) and opens ``ForkCompareWindow``: the Compare window (``VariantsWindow``) with exactly two
runs from ``app.fork_compare.fork_plans`` — the parent going on with its own settings and the
branch — each on its own thread (``app.variants.VariantRun``), started at once. Their loss
curves are drawn from the fork (the parent's epochs before it in grey), their decision maps
(or confusion matrices) side by side, and the table's note says which layers kept the
checkpoint's weights after a graph edit. The main window's run stays paused meanwhile.
Once the runs have ended (finished or Stop all), "Keep as branch" keeps one of them as a
branch of the main run (``keep_requested(KeptRun)``, ``app.fork_compare.kept_run``: the
timeline adds it to its branch list with its curve and final state, to switch to).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any, Protocol

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QMenu, QPushButton, QWidget

from app.fork_compare import ForkPlan, ForkRun, KeptRun, fork_plans, history_before, kept_run
from app.variants import VariantRun, VariantSpec
from engine.checkpoints import Checkpoint
from engine.training import Trainer
from engine.types import LayerLabError
from widgets.dialogs.variant_editor import VariantEditor
from widgets.dialogs.variants_view import COLUMNS, VariantsWindow, map_probe


class ForkSource(Protocol):
    """What the comparison reads from the timeline (``app.timeline.TimelineController``)."""

    session: Any  # app.session.TrainingSession: project, trainer, data, history, rate
    shown: Checkpoint | None

    def settings_now(self) -> dict[str, Any] | None: ...


class ForkCompareWindow(VariantsWindow):
    """The Compare window running a branch beside its parent (see the module docstring)."""

    can_add = False
    keep_requested = Signal(object)  # KeptRun: keep this run as a branch of the main run
    keep_button: QPushButton | None = None

    def __init__(self, plans: list[ForkPlan], data: Any = None,
                 before: list[tuple[int, float]] | None = None,
                 parent: QWidget | None = None) -> None:
        self.plans = [replace(p, project=_with_map(p.project)) for p in plans]
        self.before = list(before or [])
        self.kept_rows: set[int] = set()
        super().__init__(self.plans[0].project, data, parent)
        self.setWindowTitle("Branch and parent side by side")
        self.curve_start = self.before[-1:]  # both curves part where the parent was
        self._build_keep()

    def _build_keep(self) -> None:
        """"Keep as branch": a menu of the runs, each kept once (once they have ended)."""
        button = self.keep_button = QPushButton("Keep as branch")
        button.setToolTip("Keep a run of this comparison as a branch of the main run: it "
                          "appears in the timeline's branch list with its curve and where "
                          "it ended, to switch to and train on.")
        menu = QMenu(button)
        for row, plan in enumerate(self.plans):
            def keep(_checked: bool = False, r: int = row) -> None:
                self.keep_as_branch(r)

            menu.addAction(f"Keep '{plan.label}'").triggered.connect(keep)
        button.setMenu(menu)
        self._button_row().insertWidget(self._button_row().count() - 1, button)
        self.refresh()

    def _button_row(self) -> QBoxLayout:
        """The row of Train / Pause / Stop all (the first item of the window's layout)."""
        outer = self.layout()
        item = outer.itemAt(0) if outer is not None else None
        row = item.layout() if item is not None else None
        assert isinstance(row, QBoxLayout), "the comparison window starts with its button row"
        return row

    def refresh(self) -> None:
        super().refresh()
        if self.keep_button is not None:
            ended = self.group is not None and not self.group.running
            self.keep_button.setEnabled(ended and len(self.kept_rows) < len(self.plans))
            for row, action in enumerate(self.keep_button.menu().actions()):
                action.setEnabled(row not in self.kept_rows)

    def keep_as_branch(self, row: int) -> KeptRun | None:
        """Keep the run of ``row`` (0: the parent, 1: the branch) as a branch of the main
        run (``keep_requested``); None, with the reason in the note, when it cannot be."""
        if self.group is None or row in self.kept_rows or not 0 <= row < len(self.plans):
            return None
        self.poll()  # its last snapshots, if not read yet
        run = self.group.runs[row]
        kept = kept_run(self.plans[row], run) if isinstance(run, ForkRun) else \
            "This run cannot be kept."
        if isinstance(kept, str):
            self.note.setText(kept)
            return None
        self.kept_rows.add(row)
        self.keep_requested.emit(kept)
        self.refresh()
        self.note.setText(f"Kept '{kept.name}' as a branch: switch to it in the timeline's "
                          "list under the loss curve.")
        return kept

    def labels(self) -> list[str]:
        return [plan.label for plan in self.plans]

    def new_runs(self) -> list[VariantRun]:
        return [plan.run(self.data) for plan in self.plans]

    def train_all(self) -> None:
        super().train_all()
        if self.before:
            xs, ys = zip(*self.before, strict=True)
            pen = pg.mkPen("#888888", width=2, style=Qt.PenStyle.DashLine)
            self.loss_plot.plot(list(xs), list(ys), pen=pen, name="before the fork")

    def _fill_row(self, row: int, run: VariantRun) -> None:
        super()._fill_row(row, run)
        last, since = run.last, self.plans[row].start.epoch
        if last is not None and last.epoch > since:  # the time of the epochs since the fork
            self._set_cell(row, COLUMNS.index("s / epoch"),
                           f"{last.elapsed / (last.epoch - since):.4g}")
        kept = self.plans[row].kept
        if kept and not run.result().message:
            self._set_cell(row, len(COLUMNS) - 1, kept)


def _with_map(project: Any) -> Any:
    project = copy.deepcopy(project)
    project.training.probes = [map_probe(project)]
    return project


def parent_rate(session: Any) -> float | None:
    """The base learning rate the run trains with now (a rate typed while paused is the
    branch's, not yet the parent's)."""
    trainer = session.trainer
    return float(trainer.optimizer.learning_rate) if isinstance(trainer, Trainer) else None


def branch_spec_asked(source: ForkSource, parent: QWidget | None) -> VariantSpec | None:
    """The branch's differences, asked with the variant editor filled with the settings
    chosen now (rate, optimizer, batch size); None when cancelled."""
    session = source.session
    rate = parent_rate(session)
    editor = VariantEditor(session.project, 2, parent, learning_rate=rate)
    editor.setWindowTitle("Branch from here and compare")
    override = session.learning_rate_override
    if override is not None:
        editor.lr.setValue(float(override))
    settings = source.settings_now() or {}
    if settings.get("optimizer"):
        editor.optimizer.setCurrentText(str(settings["optimizer"]))
    if settings.get("batch_mode") == "mini" and settings.get("batch_size"):
        editor.batch.setValue(int(settings["batch_size"]))
    return editor.spec() if editor.exec() else None


def open_fork_compare(source: ForkSource, parent: QWidget | None = None,
                      spec: VariantSpec | None = None) -> ForkCompareWindow | str | None:
    """Open and start the comparison from the moment shown (``spec``: the branch's
    differences; None: ask). Returns the window, a learner-readable reason it cannot be
    made, or None when the learner cancelled."""
    checkpoint, session = source.shown, source.session
    if checkpoint is None or session.project is None:
        return "Drag the timeline back to a moment first: the branch starts there."
    if not checkpoint.resumable:
        return ("A branch cannot start from this moment: it was saved by an earlier version "
                "with its weights only. Use Duplicate as variant to compare from the start.")
    if spec is None:
        spec = branch_spec_asked(source, parent)
        if spec is None:
            return None
    try:
        plans = fork_plans(session.project, checkpoint, parent_rate(session), spec)
    except LayerLabError as err:
        return f"That branch cannot be made: {err}"
    history = session.history
    before = history_before(history.epochs, history.metrics.get("train_loss", []),
                            checkpoint.epoch)
    window = ForkCompareWindow(plans, session.data, before, parent)
    window.show()
    window.train_all()
    return window
