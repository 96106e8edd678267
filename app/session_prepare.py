"""Putting prepared runs in place: the background ``Preparer`` of a training session.

``SessionPreparing`` is the part of ``app.session.TrainingSession`` that installs a prepared
run (``app.preparation``): a new project's, a fresh one's (Reset, Play after a run ended) or
a timeline branch's (``branch_job``: the checkpoint is restored off the GUI thread too). While
a preparation runs the state is ``preparing``; a Play or Step pressed meanwhile is queued
(``queued_command``) and starts once the run is in place; a newer preparation, ``stop`` or
``unload`` supersedes it and its result is dropped (the ``Preparer``'s generation numbers).

``model_ready`` is emitted each time a new model is in place (before its first snapshot), on
every path — ``load``, background preparation, branch, rebuild — so views that keep a private
copy of the model (the latent decoder of a VAE) never miss the first run after a fresh load:
``history_cleared`` comes while the old model is already gone and the new one not yet built.

A timeline branch left for another keeps a copy of its history and last snapshot
(``kept_history``); switching back to it puts them back (``resume_history``): its losses and
metrics are the run's again (saved with its weights) and the views show its last numbers.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.history import TrainingHistory
from app.preparation import PreparationJob, PreparedRun, Preparer
from app.session_live import SessionLive
from app.worker import TrainingWorker
from engine.checkpoints import Checkpoint
from engine.project import Project
from engine.snapshots import Snapshot

COMMANDS = ("running", "step", "epoch")  # what Play, Step batch and Step epoch ask for


class SessionPreparing(SessionLive):
    """Background preparation and installation of runs (GUI thread); see the module doc."""

    preparation_done = Signal(object)  # app.preparation.KeptWeights | None
    model_ready = Signal()  # a new model is in place (``prepared`` is set); snapshots follow

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._restored = False  # the history shown is a saved run's (restore_run)
        self._queued: str | None = None  # the command to run once the preparation is done
        self.branch_rate: float | None = None  # the rate the last branch starts with
        self._branching = False  # the preparation under way is a branch's
        self._branch_start: Checkpoint | None = None  # where that branch starts
        self._preparer = Preparer(self._on_prepared, self._on_preparation_failed, self)

    @property
    def preparing(self) -> bool:
        """A run is being prepared in the background (state ``preparing``)."""
        return self._state == "preparing"

    def drop_stale_preparation(self) -> None:
        """The version being prepared is out of date (the document changed): its result will
        be dropped. The state stays ``preparing``, with its queued command, until the newer
        version's ``prepare_in_background`` (or ``stop``)."""
        self._preparer.cancel()

    @property
    def preparing_branch(self) -> bool:
        """The preparation under way is a timeline branch: it trains the session's own
        project (the branch's network and settings), not the document's version."""
        return self.preparing and self._branching

    @property
    def queued_command(self) -> str | None:
        """What runs once the preparation is done ("running", "step", "epoch" or None)."""
        return self._queued if self.preparing else None

    def wait_for_preparation(self, timeout: float = 30.0) -> bool:
        """Block until no preparation thread is alive (tests); True when none is."""
        return self._preparer.wait_idle(timeout)

    def kept_history(self) -> tuple[TrainingHistory, Snapshot | None]:
        """A copy of the run's history and its last snapshot (for a branch being left)."""
        return copy.deepcopy(self.history), self.last_snapshot

    def resume_history(self, history: TrainingHistory, last: Snapshot | None) -> None:
        """A branch switched back to (right after ``branch_from``): its ``history`` (kept by
        ``kept_history``) is the run's again, in place (the Coach reads the same object), and
        its ``last`` snapshot goes to the views (``snapshot_ready``) without its losses, which
        the history and the loss plot hold already. Its next steps follow on."""
        kept = copy.deepcopy(history)
        self.history.clear()
        self.history.step_losses.extend(kept.step_losses)
        self.history.first_step = kept.first_step
        self.history.epochs.extend(kept.epochs)
        self.history.metrics.update(kept.metrics)
        if last is not None:
            self.last_snapshot = replace(last, batch_losses=(), epoch_rows=())
            self.snapshot_ready.emit(self.last_snapshot)

    def _start_preparing(self, job: PreparationJob, then: str | None) -> None:
        """State ``preparing`` with ``then`` queued; ``job`` runs on the preparer's thread."""
        self.prepared = self.last_snapshot = None
        self._branching = job.checkpoint is not None
        self._branch_start = job.checkpoint
        self._queued = then if then in COMMANDS else None
        self._set_state("preparing")
        self._preparer.start(job)

    def _begin_load(self, project: Project) -> None:
        """Forget the old run for ``project`` (the session's own copy)."""
        self.prepared, self.last_snapshot, self._lr_override = None, None, None
        self._restored = False
        self._clear_history()
        self.project = project
        self.step_rate = float(project.training.max_steps_per_second)

    def _install(self, run: PreparedRun, idle: bool = True) -> None:
        """Put a prepared run in place: ``model_ready``, its step-0 snapshot (a branch has
        none: its curve starts at the checkpoint), and state idle unless a queued command
        starts it at once."""
        project = run.job.project
        self.prepared, self._probes = run.prepared, list(run.probes)
        self.coach.linear, self.coach.adversarial = run.linear, project.recipe == "gan"
        if self._lr_override != run.job.learning_rate and self._lr_override is not None:
            run.prepared.trainer.set_learning_rate(self._lr_override)  # set meanwhile
        if idle:
            self._set_state("idle")
        self.model_ready.emit()
        if run.first is not None:
            self._take_snapshot(run.first)
        if self._requests != run.job.requests:  # a view asked for more meanwhile
            self._show_probes_of_new_data()

    def _on_prepared(self, run: PreparedRun) -> None:
        """The background preparation is done (GUI thread): in place, then the queued run."""
        mode, self._queued = self._queued, None
        self._install(run, idle=mode is None)
        self.preparation_done.emit(run.kept)
        if mode is not None and self.prepared is run.prepared:
            self._start_worker(mode)

    def _on_preparation_failed(self, message: str) -> None:
        self._queued, self.prepared = None, None
        self._fail(message)

    def _start_worker(self, mode: str) -> None:
        assert self.prepared is not None
        self._worker = TrainingWorker(self.prepared.trainer, self._probes, mode,
                                      checkpoints=self.checkpoints)
        self._worker.set_probe_requests(self._requests)
        self._worker.set_step_rate(self.step_rate)
        self._set_state("running")
        self._worker.start()
        self._poll_timer.start()

    def _halt(self) -> None:
        """Drop any preparation under way, stop the worker and forget its unread events."""
        self._preparer.cancel()
        self._queued = None
        self._halt_worker()

    def _job_for(self, **changes: Any) -> PreparationJob:
        """A job for the loaded project on its data with this session's probes, requests
        and learning rate set live, with ``changes`` (PreparationJob fields)."""
        assert self.project is not None and self.prepared is not None
        fields: dict[str, Any] = dict(project=self.project, data=self.prepared.data,
                                      probes=list(self._probes), requests=self.probe_requests,
                                      learning_rate=self._lr_override)
        fields.update(changes)
        return PreparationJob(**fields)
