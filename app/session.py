"""The training session: one project's data, model and trainer, driven from the GUI thread.

``TrainingSession`` prepares a run with ``engine.recipes.prepare`` (on its own copy of the
project, so live tweaks never touch the document) and drives a ``TrainingWorker``
(``app.worker``) with play / pause / step one batch / step one epoch / stop / reset. Views only
listen: ``snapshot_ready`` (throttled ``Snapshot``s, losses never dropped), ``state_changed``
(``idle``, ``preparing``, ``running``, ``paused``, ``finished``, ``stopped``, ``error``),
``run_finished`` (the final snapshot: finished, stopped, diverged or early-stopped, with its
message), ``error_occurred`` (a learner-readable message; nothing is ever raised into Qt),
``history_cleared`` (a new model: plots start over), ``data_replaced`` (the run now trains
on new data given by ``update_data``), ``advice_changed`` (the Coach's list of
``engine.coach.Advice``, most severe first, ``[]`` when a new model starts) and
``preparation_done`` (a background preparation is in place; ``KeptWeights`` or None).
Introspection views ask for their probes with ``set_probe_requests({name: options})``
(``engine.introspection``); results come in ``snapshot.probes["introspection:NAME"]``.
``history`` (``app.history.TrainingHistory``) keeps the step losses and epoch metrics.

Preparing a run (model, trainer, data, step-0 probes: up to ~1.4 s on the bigger examples)
happens either at once (``load``, ``reset_weights``: callers that need the model right away)
or on a background thread (``prepare_in_background``: the window's Play, Step and Reset,
``app.preparation``): the state is ``preparing`` until the new run is in place, a Play or
Step pressed meanwhile is queued and runs then, and a newer preparation, ``load``, ``stop``,
``unload`` or ``shutdown`` supersedes it (its result is dropped, never shown).

Module layout: ``app.session_core`` (state, signals, the worker's events delivered to the
GUI thread), ``app.session_live`` (live data, probes, learning rate, recipe options, speed),
``app.preparation`` (building a run off the GUI thread), ``app.session_prepare`` (putting a
prepared run in place, ``model_ready``), this module (loading, weights, branching and the
play controls). A timeline branch (``branch_from``) is prepared in the background too: the
checkpoint is restored into the new trainer on the preparation thread, and the state is
``preparing`` until it trains.

Stop ends the run but keeps the trained model (for export); Play or Step after a run ended
(finished, stopped, failed) starts afresh from the seed's weights. Read ``model`` only while
no run is alive (idle, paused, ended); views use snapshots. Weights leave the model through
``weights_snapshot()`` (copied by the training thread between two steps while a run is alive)
and enter it through ``restore_weights`` (kept weights after an edit) or ``restore_run`` (a
saved run: weights + history, see ``app.saved_run``); the first Play after ``restore_run``
starts a new curve from those weights.
"""

from __future__ import annotations

import copy
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from app import saved_run
from app.branch_graph import network_of, with_graph
from app.branch_settings import branch_start
from app.history import TrainingHistory
from app.preparation import (
    RECIPE_PROBES,
    SMALL_MODEL_PARAMS,
    PreparationJob,
    default_probes,
    describe_error,
    prepare_run,
)
from app.session_core import HALT_TIMEOUT_S, POLL_MS, STATES, coalesce_snapshots
from app.session_prepare import COMMANDS, SessionPreparing
from engine.checkpoints import Checkpoint, can_resume, capture, restore
from engine.datasets.base import Dataset
from engine.graph import Graph
from engine.optimizers import get_optimizer
from engine.project import Project
from engine.schedules import schedule_from_config
from engine.training import TrainConfig
from engine.types import LayerLabError

__all__ = ["HALT_TIMEOUT_S", "POLL_MS", "RECIPE_PROBES", "SMALL_MODEL_PARAMS", "STATES",
           "TrainingHistory", "TrainingSession", "coalesce_snapshots", "default_probes",
           "describe_error"]


class TrainingSession(SessionPreparing):
    """Owns the run of one project; every public method is called from the GUI thread."""

    # -- setup -----------------------------------------------------------------------------------
    def load(self, project: Project, data: Dataset | None = None) -> bool:
        """Prepare ``project`` (a private copy) for training at once, superseding any
        preparation under way; False + ``error_occurred`` if not."""
        self._halt()
        try:
            project = copy.deepcopy(project)
        except Exception as err:  # noqa: BLE001 - shown to the learner, never raised into Qt
            self._fail(describe_error(err))
            return False
        self._begin_load(project)
        run = prepare_run(PreparationJob(project, data, requests=self.probe_requests))
        if isinstance(run, str):
            self._fail(run)
            return False
        self._install(run)
        return True

    def prepare_in_background(self, project: Project | None = None,
                              data: Dataset | None = None, *, then: str | None = None,
                              weights: dict[str, Any] | None = None) -> bool:
        """Prepare a run off the GUI thread; state ``preparing`` until it is in place.

        ``project``: a copy the session keeps (the document's ``snapshot_project()``), with
        ``data`` (None: the project's own dataset); None: fresh seeded weights for the
        loaded project on its data (Reset, Play after a run ended). ``then``: "running",
        "step" or "epoch" to start once prepared (Play/Step pressed meanwhile replace it).
        ``weights``: arrays to keep (``preparation_done`` says which did). Any earlier
        preparation is superseded. False when there is nothing to rebuild."""
        if project is None:
            if self.project is None or self.prepared is None:
                return False
            job = self._job_for(weights=weights)
            self._halt()
            self._restored = False
            self._clear_history()
        else:
            self._halt()
            self._begin_load(project)
            job = PreparationJob(project, data, None, self.probe_requests, None, weights)
        self._start_preparing(job, then)
        return True

    def weights_snapshot(self, timeout: float = 2.0) -> dict[str, Any]:
        """A consistent copy of the model's weights (``{}`` when none is loaded): taken by
        the training thread between two steps while a run is alive, at once otherwise."""
        model, worker = self.model, self._worker
        if model is None:
            return {}
        if worker is not None and worker.is_alive():
            try:
                return dict(worker.call_between_steps(model.get_weights).result(timeout))
            except FutureTimeout:
                if worker.is_alive():
                    raise LayerLabError("The training thread did not answer in time; pause "
                                        "training and try again.") from None
        return model.get_weights()

    @property
    def has_trained_weights(self) -> bool:
        """The model has trained (or restored) weights, not only the seed's."""
        return self.model is not None and (self.history.steps_seen > 0 or self._restored)

    def restore_weights(self, weights: dict[str, Any]) -> list[str]:
        """Load the arrays of ``weights`` whose names and shapes fit (call after ``load``,
        while no run is alive); a snapshot with probes of the new weights follows."""
        if self.model is None or self.is_worker_alive():
            return []
        loaded = self.model.set_weights(weights)
        self._show_probes_of_new_data()
        return loaded

    def restore_run(self, weights: dict[str, Any], history: dict[str, list[float]]) -> str | None:
        """Show a saved run (call after ``load``): its weights and its history, as one
        snapshot the views draw. Returns why the weights do not fit (the model keeps its
        fresh weights), or None."""
        model = self.model
        if model is None or self.prepared is None or self.is_worker_alive():
            return "nothing is loaded for training"
        problem = saved_run.fit_problem(model.get_weights(), weights)
        if problem is not None:
            return problem
        model.set_weights(weights, strict=True)
        self._restored = True  # ``load`` just cleared the history: the saved one follows
        lr = self.prepared.trainer.learning_rate()
        self._take_snapshot(saved_run.history_snapshot(history, lr, self._probes_now()))
        return None

    def branch_from(self, checkpoint: Checkpoint, moments: list[Checkpoint] | None = None,
                    learning_rate: float | None = None,
                    settings: dict[str, Any] | None = None,
                    graph: Graph | None = None, mode: str = "running") -> bool:
        """Train on from a past ``checkpoint`` of this run (the timeline's "Branch from
        here"): a new trainer with this run's settings and the learning rate set now, loaded
        with the checkpoint (``engine.checkpoints.restore``: it goes on exactly where the run
        was). The old curve stays dimmed, the new one starts at the checkpoint's step, and
        the timeline keeps the moments up to it (or ``moments``: switching back to a branch
        left earlier, with its ``learning_rate``). ``settings``: optimizer and batch size to
        train on with (``app.branch_settings``). ``graph``: the network it trains (an edited
        one: the checkpoint was fitted to it, ``app.branch_graph``; a new branch's timeline then
        starts at the fork). ``mode``: "running", or "step"/"epoch" for a Step that resumes it.
        The new trainer is prepared off the GUI thread (state ``preparing``, ``mode`` queued;
        ``branch_rate`` is the rate it starts with); what refuses at once (a recipe or a
        moment that cannot be trained on from) gives False + ``error_occurred`` and leaves the
        run as it was; a later failure gives ``error_occurred`` and state ``error``."""
        if self.project is None or self.prepared is None:
            return False
        earlier = [c for c in self.checkpoints.checkpoints() if c.step <= checkpoint.step]
        if graph is not None and network_of(graph) != network_of(self.project.graph):
            earlier = [checkpoint]  # the moments before the fork are of the other network
        failure = f"Cannot branch from {checkpoint.label}: "
        try:  # what refuses at once, before the run is halted; the rest is prepared off
            trainer = self.prepared.trainer  # the GUI thread (~1 s)
            if not can_resume(trainer):
                raise LayerLabError("Branching works for networks trained on labelled data.")
            if not checkpoint.resumable:
                restore(trainer, checkpoint)  # raises the learner's reason, changes nothing
            base = self.project if graph is None else with_graph(self.project, graph)
            project, checkpoint = branch_start(base, checkpoint, settings, moments is None)
        except Exception as err:  # noqa: BLE001 - shown to the learner, never raised into Qt
            self.error_occurred.emit(failure + describe_error(err))
            return False
        if moments is not None:  # a switch: that branch's own rate (None: the project's)
            self._lr_override = learning_rate
        job = self._job_for(project=project, checkpoint=checkpoint, failure=failure)
        self.branch_rate = branch_rate(project.training, checkpoint, self._lr_override)
        self._halt()
        self.project, self._restored = project, False
        self._clear_history()
        self.checkpoints.replace_all(earlier if moments is None else moments)
        self._start_preparing(job, mode if mode in COMMANDS else "running")  # a button's
        return True  # ``clicked(bool)`` may arrive as the mode

    @property
    def learning_rate_override(self) -> float | None:
        """The learning rate set live (training panel), None: the project's."""
        return self._lr_override

    def present_checkpoint(self, timeout: float = 2.0) -> Checkpoint | None:
        """The run's whole state now (weights, optimizer, place in its epoch), taken by the
        training thread between two steps while a run is alive; while a branch is being
        prepared, the moment it starts from; None without a timeline."""
        if self.preparing_branch:
            return self._branch_start
        trainer, worker = self.trainer, self._worker
        if not can_resume(trainer):  # every recipe's trainer (engine.checkpoints)
            return None
        if worker is not None and worker.is_alive():
            return worker.call_between_steps(lambda: capture(trainer)).result(timeout)
        return capture(trainer)

    def unload(self) -> None:
        """Forget the loaded project (another one was opened): the worker stops at once and
        its unread events are dropped, so nothing of the old run reaches a view; model,
        history (``history_cleared``), Coach advice (``advice_changed([])``) and the views'
        probe requests go; state ``idle``."""
        self._halt()
        self.project = self.prepared = self.last_snapshot = None
        self._lr_override, self._requests, self._probes = None, {}, []
        self._clear_history()
        self._set_state("idle")

    def forget_advice(self) -> None:
        """The network was edited after the run: its Coach advice no longer applies
        (``advice_changed([])`` when there was any)."""
        if self.coach.reset():
            self.advice_changed.emit([])

    def reset_weights(self) -> bool:
        """Stop any run, rebuild the model from the seed with a fresh trainer, clear history."""
        if self.project is None or self.prepared is None:
            return False
        self._halt()
        self._restored = False
        self._clear_history()
        return self._rebuild()

    # -- controls --------------------------------------------------------------------------------
    def play(self) -> None:
        self._command("running")

    def step_batch(self) -> None:
        """Exactly one optimizer step, then paused."""
        self._command("step")

    def step_epoch(self) -> None:
        """Train to the end of the current epoch (a whole one when at a boundary), then pause."""
        self._command("epoch")

    def pause(self) -> None:
        """Park the run (while preparing: prepare only, start nothing)."""
        self._queued = None
        if self._worker is not None:
            self._worker.request("paused")

    def stop(self) -> None:
        """End the run after the chunk in flight; ``state_changed("stopped")`` follows.
        While preparing, the preparation is dropped (state ``idle``, nothing loaded)."""
        if self.preparing:
            self._halt()
            self._set_state("idle")
        elif self._worker is not None:
            self._worker.request("stopping")

    def shutdown(self) -> None:
        """Stop and join the worker (window closing); returns within about a second."""
        running, preparing = self._state in ("running", "paused"), self.preparing
        self._halt()
        if running:
            self._set_state("stopped")
        elif preparing:
            self._set_state("idle")

    # -- internals -------------------------------------------------------------------------------
    def _command(self, mode: str) -> None:
        if self.preparing:  # runs once the preparation is in place
            self._queued = mode
            return
        if self.prepared is None:
            return
        if self._worker is not None and not self._worker.is_alive():
            self._on_poll_timer_timeout()  # the run just ended: take its last events first
        if self._worker is not None and self._worker.is_alive():
            self._worker.request(mode)
            return
        if self._state in ("finished", "stopped", "error"):
            self._clear_history()
            if not self._rebuild():
                return
        elif self._restored:  # a saved run goes on from its weights: a new curve
            self._clear_history()
        self._restored = False
        self._start_worker(mode)

    def _rebuild(self) -> bool:
        """Fresh model (seeded initial weights) and trainer on the same data, at once; state
        idle."""
        run = prepare_run(self._job_for())
        if isinstance(run, str):
            self._fail(run)
            return False
        self._install(run)
        return True


def branch_rate(config: TrainConfig, checkpoint: Checkpoint, override: float | None) -> float:
    """The learning rate a branch's first step uses (its schedule at the checkpoint's
    optimizer step; ``override``: the rate set live): what ``Trainer.learning_rate()``
    returns once the branch is prepared, known without preparing it."""
    optimizer = get_optimizer(config.optimizer, **config.optimizer_options)
    optimizer.schedule = schedule_from_config(config.schedule)
    optimizer.iterations = checkpoint.optimizer_iterations
    if override is not None:
        optimizer.learning_rate = override
    return float(optimizer.current_lr())
