"""The training session: one project's data, model and trainer, driven from the GUI thread.

``TrainingSession`` prepares a run with ``engine.recipes.prepare`` (on its own deep copy of the
project, so live tweaks never touch the document) and drives a ``TrainingWorker``
(``app.worker``) with play / pause / step one batch / step one epoch / stop / reset. Views only
listen: ``snapshot_ready`` (throttled ``Snapshot``s, losses never dropped), ``state_changed``
(``idle``, ``running``, ``paused``, ``finished``, ``stopped``, ``error``), ``run_finished``
(the final snapshot: finished, stopped, diverged or early-stopped, with its message),
``error_occurred`` (a learner-readable message; nothing is ever raised into Qt),
``history_cleared`` (a new model: plots start over) and ``data_replaced`` (the run now trains
on new data given by ``update_data``: the learner edited the points while it trains) and
``advice_changed`` (the Coach's list of ``engine.coach.Advice``, most severe first; emitted
at most about once a second and only when it changed, ``[]`` when a new model starts).
Introspection views ask for their probes with ``set_probe_requests({name: options})``
(``engine.introspection``); results come in ``snapshot.probes["introspection:NAME"]``.
``history`` (``app.history.TrainingHistory``) keeps the step losses and epoch metrics received
so far, for redrawing plots and for the Coach: the newest 100,000 steps, and epoch rows thinned
in their older half past 5,000, so an hour-long run stays flat in memory.

The worker thread never touches Qt (see ``app.worker``): a GUI-thread ``QTimer`` drains its
event queue every few milliseconds while a run is alive. States come from what the worker
actually does: ``paused`` is emitted once it has parked, so a paused view never changes
behind the learner's back. Stop ends the run but keeps the trained model (for export); Play
or Step after a run ended (finished, stopped, failed) starts afresh from the seed's weights.
Read ``model`` only while no run is alive (idle, paused, ended); views use snapshots.
Weights leave the model through ``weights_snapshot()`` (copied by the training thread
between two steps while a run is alive) and enter it through ``restore_weights`` (kept
weights after an edit) or ``restore_run`` (a saved run: weights + history, see
``app.saved_run``); the first Play after ``restore_run`` starts a new curve from those weights.
"""

from __future__ import annotations

import copy
import logging
import math
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from app import saved_run
from app.branch_settings import branch_start
from app.coach_monitor import CoachMonitor
from app.history import TrainingHistory
from app.worker import (
    TrainingWorker,
    merge_snapshots,
    with_introspection,
)
from engine.checkpoints import Checkpoint, CheckpointStore, capture, restore
from engine.datasets.base import Dataset
from engine.model import Model
from engine.project import Project
from engine.readiness_linear import is_linear
from engine.recipes import Prepared, prepare
from engine.snapshots import STEP, STOPPED, Snapshot
from engine.trainer_protocol import RecipeTrainer
from engine.training import Trainer
from engine.types import LayerLabError

log = logging.getLogger(__name__)

STATES = ("idle", "running", "paused", "finished", "stopped", "error")
SMALL_MODEL_PARAMS = 2000  # below this, network-view probes (weights, neuron maps) are on
HALT_TIMEOUT_S = 1.0
POLL_MS = 8  # how often the GUI thread collects the worker's events while a run is alive


def default_probes(requested: list[str], model: Model, data: Dataset,
                   recipe: str = "supervised") -> list[str]:
    """The project's probes plus those its views need: decision grid, neuron maps, curve;
    for the generative recipes, the latent space / GAN probes of their trainers."""
    names = list(requested)
    if recipe in RECIPE_PROBES:
        return names + [n for n in RECIPE_PROBES[recipe] if n not in names]
    wanted: list[str] = ["confusion"] if data.task == "classification" else []
    line = getattr(data, "is_line", False)  # x expanded into x, x², … (polynomial features)
    if not line and (getattr(data, "x_train_raw", None) is not None or model.input_shape == (2,)):
        wanted.append("decision_grid")  # 2-D points, with or without derived features
        if model.n_params < SMALL_MODEL_PARAMS:
            wanted += ["neuron_maps", "weights"]
    elif (line or tuple(model.input_shape) == (1,)) and data.task == "regression":
        wanted.append("curve")
    return names + [n for n in wanted if n not in names]


RECIPE_PROBES = {  # computed by the generative trainers' own probe sets (engine.generative)
    "autoencoder": ["latent_codes", "latent_grid", "reconstructions", "interpolation", "weights"],
    "vae": ["latent_codes", "latent_grid", "reconstructions", "interpolation", "weights"],
    "gan": ["gan_samples", "gan_surface", "mode_coverage"],
}


def coalesce_snapshots(events: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """``events`` with each run of consecutive snapshots merged into one (every loss and epoch
    row kept, the newest probes): a GUI thread that fell behind draws the latest state once
    instead of replaying every frame it missed."""
    out: list[tuple[str, Any]] = []
    for kind, payload in events:
        if kind == "snapshot" and out and out[-1][0] == "snapshot":
            out[-1] = (kind, merge_snapshots(out[-1][1], payload))
        else:
            out.append((kind, payload))
    return out


def describe_error(err: Exception) -> str:
    """A learner-readable message; unexpected errors get their type and a logged traceback."""
    if isinstance(err, LayerLabError):
        return str(err)
    log.error("unexpected error in the training session", exc_info=err)
    return f"Training failed unexpectedly: {type(err).__name__}: {err}"


class TrainingSession(QObject):
    """Owns the run of one project; every public method is called from the GUI thread."""

    snapshot_ready = Signal(object)  # Snapshot
    state_changed = Signal(str)
    error_occurred = Signal(str)
    run_finished = Signal(object)  # the final Snapshot
    history_cleared = Signal()
    data_replaced = Signal(object)  # the Dataset the run trains on from now on
    advice_changed = Signal(list)  # list[engine.coach.Advice]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = TrainingHistory()
        self.project: Project | None = None
        self.prepared: Prepared | None = None
        self.last_snapshot: Snapshot | None = None
        self._state = "idle"
        self._probes: list[str] = []
        self._requests: dict[str, dict[str, Any]] = {}  # introspection probes the views want
        self.coach = CoachMonitor(self.history)
        self._lr_override: float | None = None
        self._restored = False  # the history shown is a saved run's (restore_run)
        self.step_rate = 0.0  # most steps a second (0: full speed); the training panel's Speed
        self._worker: TrainingWorker | None = None
        self.checkpoint_cap: int | None = None  # the timeline's memory cap (None: by model)
        self.checkpoints = CheckpointStore(self.checkpoint_cap)  # this run's (app.timeline)
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_MS)
        self._poll_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._poll_timer.timeout.connect(self._on_poll_timer_timeout)

    # -- read-only views -------------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    @property
    def model(self) -> Model | None:
        return self.prepared.model if self.prepared else None

    @property
    def data(self) -> Dataset | None:
        return self.prepared.data if self.prepared else None

    @property
    def trainer(self) -> RecipeTrainer | None:
        return self.prepared.trainer if self.prepared else None

    @property
    def probes(self) -> list[str]:
        return list(self._probes)

    @property
    def probe_requests(self) -> dict[str, dict[str, Any]]:
        """The introspection probes the views asked for, ``{name: options}``."""
        return {name: dict(opts) for name, opts in self._requests.items()}

    def set_checkpoint_cap(self, cap_bytes: int) -> None:
        """The timeline's memory cap (the learner's), for this run and the next ones."""
        self.checkpoint_cap = max(0, int(cap_bytes))
        self.checkpoints.set_cap(self.checkpoint_cap)

    def is_worker_alive(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    def wait_for_worker(self, timeout: float = HALT_TIMEOUT_S) -> bool:
        """Block until the worker thread has ended (tests, shutdown); True when it has."""
        return self._worker is None or self._worker.join(timeout)

    # -- setup -----------------------------------------------------------------------------------
    def load(self, project: Project, data: Dataset | None = None) -> bool:
        """Prepare ``project`` (a private copy) for training; False + ``error_occurred`` if not."""
        self._halt()
        self.prepared, self.last_snapshot, self._lr_override = None, None, None
        self._restored = False
        self._clear_history()
        try:
            self.project = copy.deepcopy(project)
            self.step_rate = float(self.project.training.max_steps_per_second)
            self.coach.linear = self.project.recipe == "supervised" \
                and is_linear(self.project.graph)
            self.coach.adversarial = self.project.recipe == "gan"
            self.prepared = prepare(self.project, data)
            self._probes = default_probes(self.project.training.probes, self.prepared.model,
                                          self.prepared.data, self.project.recipe)
            self._show_initial_state()
        except Exception as err:  # noqa: BLE001 - shown to the learner, never raised into Qt
            self.prepared = None
            self._fail(describe_error(err))
            return False
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
                    settings: dict[str, Any] | None = None) -> bool:
        """Train on from a past ``checkpoint`` of this run (the timeline's "Branch from
        here"): a new trainer with this run's settings and the learning rate set now, loaded
        with the checkpoint (``engine.checkpoints.restore``: it goes on exactly where the run
        was). The old curve stays dimmed, the new one starts at the checkpoint's step, and
        the timeline keeps the moments up to it (or ``moments``: switching back to a branch
        left earlier, with its ``learning_rate``). ``settings``: optimizer and batch size to
        train on with (``app.branch_settings``). False + ``error_occurred`` if it cannot."""
        if self.project is None or self.prepared is None:
            return False
        earlier = [c for c in self.checkpoints.checkpoints() if c.step <= checkpoint.step]
        if moments is not None:  # a switch: that branch's own rate (None: the project's)
            self._lr_override = learning_rate
        try:
            project, checkpoint = branch_start(self.project, checkpoint, settings, moments is None)
            prepared = prepare(project, self.prepared.data)
            if not isinstance(prepared.trainer, Trainer):
                raise LayerLabError("Branching works for networks trained on labelled data.")
            restore(prepared.trainer, checkpoint)
            if self._lr_override is not None:
                prepared.trainer.set_learning_rate(self._lr_override)
        except Exception as err:  # noqa: BLE001 - shown to the learner, never raised into Qt
            self.error_occurred.emit(f"Cannot branch from {checkpoint.label}: "
                                     f"{describe_error(err)}")
            return False
        self._halt()
        self.project, self.prepared, self._restored = project, prepared, False
        self._clear_history()
        self.checkpoints.replace_all(earlier if moments is None else moments)
        self._start_worker("running")
        return True

    @property
    def learning_rate_override(self) -> float | None:
        """The learning rate set live (training panel), None: the project's."""
        return self._lr_override

    def present_checkpoint(self, timeout: float = 2.0) -> Checkpoint | None:
        """The run's whole state now (weights, optimizer, place in its epoch), taken by the
        training thread between two steps while a run is alive; None without a timeline."""
        trainer, worker = self.trainer, self._worker
        if not isinstance(trainer, Trainer):
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

    def update_data(self, data: Dataset, spec: dict[str, Any] | None = None) -> bool:
        """Train on ``data`` from now on, keeping the weights (Playground-style live editing).

        While a run is alive the worker swaps it in between two chunks and ``data_replaced``
        follows; otherwise it is swapped at once and the views get a snapshot with probes of
        the new data. Data that does not fit the network (another input shape, a class beyond
        the output units) gives ``error_occurred`` and training goes on with the old data.
        False when nothing is loaded or the data was rejected at once. ``spec`` (the dataset
        spec ``data`` was loaded from) is recorded in the session's copy of the project.
        """
        if self.prepared is None:
            return False
        if spec is not None and self.project is not None and self.data_problem(data) is None:
            self.project.dataset = copy.deepcopy(spec)
        if self._worker is not None and self._worker.is_alive():
            self._worker.update_data(data)
            return True
        trainer = self.prepared.trainer
        try:
            trainer.replace_data(data)
        except Exception as err:  # noqa: BLE001 - shown to the learner, never raised into Qt
            self.error_occurred.emit(describe_error(err))
            return False
        self.prepared.data = data
        self.data_replaced.emit(data)
        self._show_probes_of_new_data()
        return True

    def data_problem(self, data: Dataset) -> str | None:
        """Why ``update_data(data)`` would be refused (None when it would be accepted).

        Only reads the model and the trainer's settings, so it is safe while a run is alive:
        the window asks before choosing between a live update and a reload.
        """
        trainer = self.trainer
        if trainer is None:
            return "Nothing is loaded for training yet."
        try:
            trainer.check_replacement(data)
        except Exception as err:  # noqa: BLE001 - a message for the learner
            return describe_error(err)
        return None

    def _show_probes_of_new_data(self) -> None:
        """A snapshot (no new losses) with probes of the current weights on the new data."""
        probes = self._probes_now()
        if self.last_snapshot is None or not probes:
            return
        snap = replace(self.last_snapshot, event=STEP, batch_losses=(), epoch_rows=(),
                       message=None, probes=probes)
        self._take_snapshot(snap)

    def _probes_now(self) -> dict[str, Any]:
        """Every probe (and requested introspection probe) on the current weights."""
        trainer = self.trainer
        grid = trainer.probe_grid if trainer is not None else None
        if trainer is None or grid is None:
            return {}
        names = with_introspection(trainer, self._probes, self._requests, None)
        return grid.compute(names) if names else {}

    def set_probe_requests(self, requests: dict[str, dict[str, Any]]) -> None:
        """The introspection probes the views want, ``{name: options}`` (see
        ``engine.introspection``); they refresh live, and at once while paused or idle."""
        self._requests = {name: dict(opts or {}) for name, opts in requests.items()}
        if self._worker is not None and self._worker.is_alive():
            self._worker.set_probe_requests(self._requests)
        else:
            self._show_probes_of_new_data()

    def set_probes(self, names: list[str]) -> None:
        """Choose the heavy probes (e.g. add "weights" when the network view opens)."""
        self._probes = list(names)
        if self._worker is not None:
            self._worker.set_probes(self._probes)

    def set_learning_rate(self, lr: float) -> None:
        """Change the learning rate live; the next optimizer step uses it."""
        try:
            value = float(lr)
        except (TypeError, ValueError):
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            self.error_occurred.emit(f"The learning rate must be a positive number, not {lr}.")
            return
        self._lr_override = value
        if self._worker is not None and self._worker.is_alive():
            self._worker.set_learning_rate(value)
        elif self.trainer is not None:
            self.trainer.set_learning_rate(value)

    def set_recipe_options(self, options: dict[str, Any]) -> None:
        """Recipe options (β, KL warm-up, GAN learning rates...) for the loaded trainer, which
        re-reads ``config.recipe_options`` before every chunk. While a run is alive the
        training thread applies them between two steps (``call_between_steps``), never the
        GUI thread; with no run alive they are applied at once."""
        trainer, worker, opts = self.trainer, self._worker, dict(options)
        if trainer is None:
            return

        def apply(target: RecipeTrainer = trainer) -> None:
            target.config.recipe_options = dict(opts)

        if worker is not None and worker.is_alive():
            done = worker.call_between_steps(apply)
            if not worker.is_alive() and not done.done():  # ended before serving it
                apply()
        else:
            apply()

    def set_step_rate(self, steps_per_second: float) -> None:
        """Limit training to this many optimizer steps a second (0: full speed), live."""
        self.step_rate = max(0.0, float(steps_per_second))
        if self._worker is not None and self._worker.is_alive():
            self._worker.set_step_rate(self.step_rate)

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
        if self._worker is not None:
            self._worker.request("paused")

    def stop(self) -> None:
        """End the run after the chunk in flight; ``state_changed("stopped")`` follows."""
        if self._worker is not None:
            self._worker.request("stopping")

    def shutdown(self) -> None:
        """Stop and join the worker (window closing); returns within about a second."""
        running = self._state in ("running", "paused")
        self._halt()
        if running:
            self._set_state("stopped")

    # -- internals -------------------------------------------------------------------------------
    def _command(self, mode: str) -> None:
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

    def _start_worker(self, mode: str) -> None:
        assert self.prepared is not None
        self._worker = TrainingWorker(self.prepared.trainer, self._probes, mode,
                                      checkpoints=self.checkpoints)
        self._worker.set_probe_requests(self._requests)
        self._worker.set_step_rate(self.step_rate)
        self._set_state("running")
        self._worker.start()
        self._poll_timer.start()

    def _rebuild(self) -> bool:
        """Fresh model (seeded initial weights) and trainer on the same data; state idle."""
        assert self.project is not None and self.prepared is not None
        try:
            self.prepared = prepare(self.project, self.prepared.data)
            if self._lr_override is not None:
                self.prepared.trainer.set_learning_rate(self._lr_override)
            self._show_initial_state()
        except Exception as err:  # noqa: BLE001 - shown to the learner, never raised into Qt
            self._fail(describe_error(err))
            return False
        return True

    def _show_initial_state(self) -> None:
        """State idle and a step-0 snapshot, so views show the untrained network at once."""
        assert self.prepared is not None
        trainer = self.prepared.trainer
        grid = trainer.probe_grid
        snap = Snapshot(
            event=STEP, step=0, epoch=0, epoch_progress=0.0, samples_seen=0, batch_losses=(),
            train_loss=None, val_loss=None, metrics={},
            learning_rate=trainer.learning_rate(), elapsed=0.0, samples_per_second=0.0,
            time_to_first_step=None,
            probes=self._probes_now() if grid is not None else {},
        )
        self._set_state("idle")
        self._take_snapshot(snap)

    def _halt(self) -> None:
        """Stop the worker and forget it with its unread events."""
        worker, self._worker = self._worker, None
        self._poll_timer.stop()
        if worker is None:
            return
        if not worker.halt(HALT_TIMEOUT_S):
            log.warning("training thread did not stop within %.1f s; abandoned (daemon)",
                        HALT_TIMEOUT_S)

    def _clear_history(self) -> None:
        self.history.clear()
        self.checkpoints = CheckpointStore(self.checkpoint_cap)  # a new run: a new timeline
        self.history_cleared.emit()
        if self.coach.reset():
            self.advice_changed.emit([])

    def _fail(self, message: str) -> None:
        self.error_occurred.emit(message)
        self._set_state("error")

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    # -- worker events (collected in the GUI thread) -----------------------------------------------
    def _on_poll_timer_timeout(self) -> None:
        worker = self._worker
        if worker is None:
            self._poll_timer.stop()
            return
        for kind, payload in coalesce_snapshots(worker.take_events()):
            if worker is not self._worker:  # a handler ended or replaced the run
                return
            if kind == "snapshot":
                self._take_snapshot(payload)
            elif kind == "activity" and self._state in ("running", "paused"):
                self._set_state(payload)
            elif kind == "ended":
                self._end_run(worker, payload)
            elif kind == "failed":
                self._forget_worker(worker)
                self._fail(payload)
            elif kind == "data_replaced" and self.prepared is not None:
                self.prepared.data = payload
                self.data_replaced.emit(payload)
            elif kind == "data_rejected":
                self.error_occurred.emit(payload)

    def _take_snapshot(self, snap: Snapshot) -> None:
        self.history.add(snap)
        self.last_snapshot = snap
        self.snapshot_ready.emit(snap)
        advice = self.coach.take(snap)
        if advice is not None:
            self.advice_changed.emit(advice)

    def _end_run(self, worker: TrainingWorker, final: Snapshot | None) -> None:
        stopped = worker.mode == "stopping"
        self._forget_worker(worker)
        if final is not None:
            stopped = final.event == STOPPED
            self.run_finished.emit(final)
        self._set_state("stopped" if stopped else "finished")

    def _forget_worker(self, worker: TrainingWorker) -> None:
        """The thread has sent its last event: it ends at once."""
        self._worker = None
        self._poll_timer.stop()
        worker.join(HALT_TIMEOUT_S)
