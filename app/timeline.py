"""The timeline's controller: shows the network as it was at a recorded checkpoint.

``TimelineController`` turns a ``engine.checkpoints.Checkpoint`` of the session's run (or the
present weights, "Back to now") into a ``Snapshot`` whose probes — decision map, neuron maps,
confusion matrix, weights, and the introspection probes the Look-inside views asked for
(feature maps, saliency, latent space...) — are computed from those weights. The work runs on a
background thread on a private COPY of the model: a trainer prepared once per run from the
session's project and data (``engine.recipes.prepare``), loaded with the moment's weights, and
asked through the same probe functions the worker uses (``app.worker.with_introspection``,
``ProbeSet.compute``). The live model is never read from here: the present weights come from
``session.weights_snapshot()`` (copied by the training thread between two steps).

Scrubbing back pauses a running run (the views would otherwise move on); a paused run is not
otherwise touched. Pressing Play (the session reports ``running``) returns to the present.
"Branch from here" (``branch_here``) trains on from the moment shown instead, with the
learning rate set now: ``session.branch_from`` (the old curve stays dimmed beside the new one).
The optimizer and batch size chosen since (``settings_source``: the training panel's, see
``app.branch_settings``) are applied too, and each branch keeps the settings it trains with.
Requests coalesce: while one moment is computed, only the newest wanted one follows.

Signals (GUI thread): ``moment_ready(Snapshot)`` (show it on the views; ``is_past`` tells
whether it is a past one), ``returned()`` (back to the present: the views follow the live
run again), ``failed(str)`` (a learner-readable message). No QtWidgets here.
"""

from __future__ import annotations

import copy
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.branch_settings import describe, settings_of
from app.worker import with_introspection
from engine.checkpoints import Checkpoint, CheckpointStore, model_weights
from engine.recipes import prepare
from engine.snapshots import STEP, Snapshot
from engine.timeline_file import SavedBranch
from engine.trainer_protocol import RecipeTrainer
from engine.training import Trainer

log = logging.getLogger(__name__)

POLL_MS = 15


@dataclass(frozen=True)
class Moment:
    """Weights to show, with the counters and metrics of the moment they were taken."""

    weights: dict[str, Any]
    step: int
    epoch: int
    metrics: dict[str, float]
    is_past: bool


@dataclass
class Branch:
    """One line of the run's history: the first run, or a branch from a moment of another.
    ``present``: its whole state when it was left (None while it is the one training), and
    ``moments``: its timeline then; ``learning_rate``: the rate it trains with (None: the
    project's); ``settings``: its optimizer and batch size (``app.branch_settings``; None: the
    project's)."""

    name: str
    learning_rate: float | None = None
    settings: dict[str, Any] | None = None
    present: Checkpoint | None = None
    moments: list[Checkpoint] = field(default_factory=list)
    fork_step: int | None = None  # the step of the moment it branched from (None: first run)

    def saved(self) -> SavedBranch:
        return SavedBranch(self.name, self.fork_step, self.learning_rate, self.settings,
                           self.present, list(self.moments))

    @classmethod
    def from_saved(cls, saved: SavedBranch) -> Branch:
        return cls(saved.name, saved.learning_rate, saved.settings, saved.present,
                   list(saved.moments), saved.fork_step)


def moment_of(checkpoint: Checkpoint) -> Moment:
    return Moment(model_weights(checkpoint), checkpoint.step, checkpoint.epoch,
                  dict(checkpoint.metrics), True)


def banner_text(epoch: int, step: int) -> str:
    return f"Showing epoch {epoch} (step {step:,}) — press Play or 'Back to now'."


class TimelineController(QObject):
    """Asks for the views of a past moment off the GUI thread; see the module docstring."""

    moment_ready = Signal(object)  # Snapshot of the shown moment
    returned = Signal()
    failed = Signal(str)
    branches_changed = Signal()  # the list, the current one or a name changed
    leaving = Signal(str)  # the branch of this name stops training (its curve is kept)
    branch_deleted = Signal(str)  # the branch of this name was deleted (its curves go)
    renamed = Signal(str, str)  # old name, new name

    def __init__(self, session: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.shown: Checkpoint | None = None  # the past moment on the views; None: the present
        self.last_past: Snapshot | None = None
        self._copy: RecipeTrainer | None = None  # prepared once per run, used by the thread
        self._copy_model: Any = None  # its model (a GAN's: both networks)
        self._generation = 0  # counts new runs and new data: a new copy is needed
        self._sent_key: int | None = None  # the generation of the newest copy asked for
        self._lock = threading.Lock()
        self._wanted: tuple[Any, ...] | None = None
        self._busy = False
        self._results: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._drain)
        self.branches: list[Branch] = [Branch("first run")]
        self.current = 0  # index of the branch training now
        self._switching = False  # a branch or a switch clears the history: not a new run
        # the branchable settings chosen now (the window sets it: the training panel's)
        self.settings_source: Callable[[], dict[str, Any]] | None = None
        session.history_cleared.connect(self._on_new_run)
        session.data_replaced.connect(self._on_new_data)
        session.state_changed.connect(self._on_state_changed)

    # -- reading -----------------------------------------------------------------------------
    @property
    def store(self) -> CheckpointStore:
        return self.session.checkpoints

    @property
    def available(self) -> bool:
        """The run has a timeline (every recipe; a GAN's and the perceptron's moments hold
        the weights only: shown, not branched from)."""
        return self.session.prepared is not None

    @property
    def is_scrubbed(self) -> bool:
        return self.shown is not None

    def settings_now(self) -> dict[str, Any] | None:
        """The branchable settings chosen now (``settings_source``), None without one."""
        return self.settings_source() if self.settings_source is not None else None

    # -- commands (GUI thread) ---------------------------------------------------------------
    def show_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Show the views of ``checkpoint`` (pausing a running run first)."""
        if not self.available:
            return
        if self.session.state == "running":
            self.session.pause()
        self.shown = checkpoint
        self._ask(moment_of(checkpoint))

    def branch_here(self) -> bool:
        """Train on from the moment shown, with the learning rate, optimizer and batch size
        set now (a new curve from its step; ``session.branch_from``). False when nothing past
        is shown or it cannot."""
        checkpoint = self.shown
        if checkpoint is None or not checkpoint.resumable or not self._leave_current():
            return False
        settings = self.settings_source() if self.settings_source is not None else None
        old = self.session.project.training
        if not self._switch(lambda: self.session.branch_from(checkpoint, settings=settings)):
            return False
        trainer, new = self.session.trainer, self.session.project.training
        rate = trainer.learning_rate() if trainer is not None else None
        changes = describe(old, new)
        name = (f"branch at step {checkpoint.step:,}" + (f", lr {rate:g}" if rate else "")
                + (f", {changes}" if changes else ""))
        self.branches.append(Branch(name, self.session.learning_rate_override,
                                    settings=settings_of(new), fork_step=checkpoint.step))
        self.current = len(self.branches) - 1
        self.branches_changed.emit()
        return True

    def switch_to(self, index: int) -> bool:
        """Train on the branch ``index`` from where it was left (exactly: its whole state was
        kept); the one left keeps its state for a later switch back."""
        if index == self.current or not 0 <= index < len(self.branches):
            return False
        target = self.branches[index]
        if target.present is None or not self._leave_current():
            return False
        present = target.present
        if not self._switch(lambda: self.session.branch_from(
                present, moments=target.moments, learning_rate=target.learning_rate,
                settings=target.settings)):
            return False
        target.present, target.moments, self.current = None, [], index
        self.branches_changed.emit()
        return True

    def rename(self, index: int, name: str) -> None:
        if 0 <= index < len(self.branches) and name.strip():
            old, self.branches[index].name = self.branches[index].name, name.strip()
            self.renamed.emit(old, name.strip())
            self.branches_changed.emit()

    def delete(self, index: int) -> bool:
        """Forget a branch that is not training now (its state and timeline)."""
        if index == self.current or not 0 <= index < len(self.branches):
            return False
        gone = self.branches.pop(index)
        self.current -= 1 if index < self.current else 0
        self.branch_deleted.emit(gone.name)
        self.branches_changed.emit()
        return True

    def saved_branches(self) -> tuple[list[SavedBranch], int]:
        """The branch list to save with the timeline (``engine.timeline_file``), and the
        index of the one training; ``([], 0)`` while there is only the first run."""
        if len(self.branches) < 2:
            return [], 0
        return [b.saved() for b in self.branches], self.current

    def restore_branches(self, saved: list[SavedBranch], current: int) -> None:
        """Take a saved branch list (after its timeline was loaded into the store)."""
        if len(saved) > 1 and 0 <= current < len(saved):
            self.branches, self.current = [Branch.from_saved(b) for b in saved], current
            self.branches_changed.emit()

    def _leave_current(self) -> bool:
        """Keep the current branch's whole state and timeline before another trains."""
        try:
            present = self.session.present_checkpoint()
        except Exception as err:  # noqa: BLE001 - a message for the learner
            self.failed.emit(f"Could not keep the current run to come back to: {err}")
            return False
        if present is None:
            return False
        branch = self.branches[self.current]
        self.leaving.emit(branch.name)
        branch.present, branch.moments = present, self.store.checkpoints()
        if self.session.project is not None:
            branch.settings = settings_of(self.session.project.training)
        trainer = self.session.trainer  # the base rate it trained with (a rate set while
        if isinstance(trainer, Trainer):  # paused is still pending: it is the new branch's)
            branch.learning_rate = trainer.optimizer.learning_rate
        return True

    def _switch(self, start: Any) -> bool:
        self._switching = True
        try:
            return bool(start())
        finally:
            self._switching = False

    def back_to_now(self) -> None:
        """Show the present weights again (the views then follow the live run)."""
        if self.shown is None:
            return
        self.shown, self.last_past = None, None
        self.returned.emit()
        last = self.session.last_snapshot
        if last is None or not self.available:
            return
        try:
            weights = self.session.weights_snapshot()
        except Exception as err:  # noqa: BLE001 - a message for the learner
            self.failed.emit(f"Could not show the present network: {err}")
            return
        self._ask(Moment(weights, int(last.step), int(last.epoch), dict(last.metrics), False))

    # -- the background computation ----------------------------------------------------------
    def _ask(self, moment: Moment) -> None:
        base = self.session.last_snapshot
        if base is None:
            return
        key = self._generation
        source = None
        if key != self._sent_key:  # a new run or new data: a new private copy
            source = (key, copy.deepcopy(self.session.project), self.session.data)
            self._sent_key = key
        job = (source, moment, base, self.session.probes, self.session.probe_requests)
        with self._lock:
            if source is None and self._wanted is not None:
                job = (self._wanted[0], *job[1:])  # keep a copy not yet prepared
            self._wanted = job
            start = not self._busy
            self._busy = True
        if start:
            threading.Thread(target=self._work, name="timeline", daemon=True).start()
        self._timer.start()

    def _work(self) -> None:
        """Background thread: compute every wanted moment, newest last, then end."""
        try:
            while True:
                with self._lock:
                    job, self._wanted = self._wanted, None
                    if job is None:
                        self._busy = False
                        return
                source, *rest = job
                if source is not None:
                    _key, project, data = source
                    copied = prepare(project, data)
                    self._copy, self._copy_model = copied.trainer, copied.model
                self._results.put(("moment", self._compute(*rest)))
        except Exception as err:  # noqa: BLE001 - the thread must end cleanly
            log.exception("timeline probes failed")
            with self._lock:
                self._busy, self._wanted = False, None
            self._sent_key = None  # prepare a new copy next time
            self._results.put(("failed", "The network of that moment could not be shown "
                                         f"({type(err).__name__}); try another moment."))

    def _compute(self, moment: Moment, base: Snapshot, probes: list[str],
                 requests: dict[str, Any]) -> tuple[Moment, Snapshot]:
        trainer, model = self._copy, self._copy_model
        assert trainer is not None and model is not None
        model.set_weights(moment.weights, strict=True)
        grid = trainer.probe_grid
        names = with_introspection(trainer, probes, requests, None)
        values = grid.compute(names) if names and grid is not None else {}
        metrics = moment.metrics
        snap = replace(base, event=STEP, step=moment.step, epoch=moment.epoch,
                       batch_losses=(), epoch_rows=(), message=None, probes=values,
                       metrics=metrics, train_loss=metrics.get("train_loss"),
                       val_loss=metrics.get("val_loss"))
        return moment, snap

    def _drain(self) -> None:
        while True:
            try:
                kind, payload = self._results.get_nowait()
            except queue.Empty:
                break
            if kind == "failed":
                self.failed.emit(payload)
                continue
            moment, snap = payload
            if moment.is_past != (self.shown is not None):
                continue  # the learner moved on (back to now, or scrubbed again)
            if moment.is_past:
                self.last_past = snap
            self.moment_ready.emit(snap)
        with self._lock:
            idle = not self._busy
        if idle and self._results.empty():
            self._timer.stop()

    # -- session events ----------------------------------------------------------------------
    def _on_new_run(self) -> None:
        """A new model or run: the copy is rebuilt on the next request; back to the present."""
        self._generation += 1
        if not self._switching:  # a new run (Reset, another project): one branch again
            self.branches, self.current = [Branch("first run")], 0
            self.branches_changed.emit()
        self.shown, self.last_past = None, None
        self.returned.emit()

    def _on_new_data(self, _data: Any) -> None:
        self._generation += 1  # the learner edited the points: probes of the new data

    def _on_state_changed(self, state: str) -> None:
        if state == "running" and self.shown is not None:
            self.shown, self.last_past = None, None  # Play resumes from the present
            self.returned.emit()
