"""Preparing a run off the GUI thread: model, trainer, data and the step-0 probes.

``prepare_run(job)`` does what Play after an edit (or Reset) needs before the first step: it
builds the run with ``engine.recipes.prepare`` (the dataset loaded when ``job.data`` is None),
applies the learning rate set live, loads kept weights, and computes the probes of the
untrained network (decision map, confusion, introspection...) for a step-0 ``Snapshot``. On
the bigger examples (digits_cnn, tiny_transformer) that took up to 1.35 s, mostly numba
kernels loaded from the cache and the first probes. A timeline branch (``job.checkpoint``)
is restored here too (``engine.checkpoints.restore``: it goes on exactly where the run was)
and has no step-0 snapshot. It never raises: a failure comes back as the learner's message
(``describe_error``, after ``job.failure`` when given).

``Preparer`` runs one job at a time on a daemon thread that lives only while there is work;
a newer ``start`` supersedes the job waiting (or running: its result is dropped), ``cancel``
drops it. The thread never touches Qt: a GUI-thread ``QTimer`` collects the results and
hands the newest job's, and only that one, to ``on_done`` / ``on_failed``.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer

from app.worker import with_introspection
from engine.checkpoints import Checkpoint, can_resume, restore
from engine.datasets.base import Dataset
from engine.model import Model
from engine.prepared import Prepared
from engine.project import Project
from engine.readiness_linear import is_linear
from engine.recipes import prepare
from engine.snapshots import STEP, Snapshot
from engine.types import LayerLabError

log = logging.getLogger(__name__)

POLL_MS = 10  # how often the GUI thread looks for a finished preparation
SMALL_MODEL_PARAMS = 2000  # below this, network-view probes (weights, neuron maps) are on

RECIPE_PROBES = {  # computed by the generative trainers' own probe sets (engine.generative)
    "autoencoder": ["latent_codes", "latent_grid", "reconstructions", "interpolation", "weights"],
    "vae": ["latent_codes", "latent_grid", "reconstructions", "interpolation", "weights"],
    "gan": ["gan_samples", "gan_surface", "mode_coverage"],
}


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


def describe_error(err: Exception) -> str:
    """A learner-readable message; unexpected errors get their type and a logged traceback."""
    if isinstance(err, LayerLabError):
        return str(err)
    log.error("unexpected error in the training session", exc_info=err)
    return f"Training failed unexpectedly: {type(err).__name__}: {err}"


@dataclass
class PreparationJob:
    """What one preparation needs; owned by the job (copies), never shared with the GUI.

    ``project``: the session's private copy. ``data``: the dataset to train on (None: load
    the project's). ``probes``: the probe names (None: ``default_probes``). ``requests``:
    the views' introspection probes ``{name: options}``. ``weights``: arrays to keep from an
    earlier model (``{name: ndarray}``, those whose names and shapes fit load).
    ``checkpoint``: a timeline moment to train on from (a branch; a supervised ``Trainer``
    only). ``failure``: put before the message when it fails ("Cannot branch from ...: ").
    """

    project: Project
    data: Dataset | None = None
    probes: list[str] | None = None
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    learning_rate: float | None = None
    weights: dict[str, Any] | None = None
    checkpoint: Checkpoint | None = None
    failure: str = ""


@dataclass
class KeptWeights:
    """The arrays an edit kept: their names, out of ``total`` parameter arrays."""

    names: list[str]
    total: int


@dataclass
class PreparedRun:
    """A finished preparation: the run, its probe names, its step-0 snapshot (None for a
    branch), kept weights; ``linear``: a supervised network without nonlinearity (Coach)."""

    job: PreparationJob
    prepared: Prepared
    probes: list[str]
    first: Snapshot | None
    kept: KeptWeights | None = None
    linear: bool = False


def prepare_run(job: PreparationJob) -> PreparedRun | str:
    """Build ``job``'s run and its step-0 snapshot; the learner's message when it cannot."""
    try:
        project = job.project
        prepared = prepare(project, job.data)
        trainer = prepared.trainer
        if job.checkpoint is not None:
            if not can_resume(trainer):
                raise LayerLabError("Branching works for networks trained on labelled data.")
            restore(trainer, job.checkpoint)
        if job.learning_rate is not None:
            trainer.set_learning_rate(job.learning_rate)
        probes = job.probes if job.probes is not None else default_probes(
            project.training.probes, prepared.model, prepared.data, project.recipe)
        kept = None
        if job.weights:
            names = prepared.model.set_weights(job.weights)
            kept = KeptWeights(list(names), len(prepared.model.get_weights()))
        linear = project.recipe == "supervised" and is_linear(project.graph)
        first = None if job.checkpoint is not None else step_zero(trainer, probes, job.requests)
        return PreparedRun(job, prepared, probes, first, kept, linear)
    except Exception as err:  # noqa: BLE001 - shown to the learner, never raised into Qt
        return job.failure + describe_error(err)


def step_zero(trainer: Any, probes: list[str], requests: dict[str, dict[str, Any]]) -> Snapshot:
    """A step-0 snapshot with every probe of the untrained network (``trainer``: a
    ``RecipeTrainer``), so the views show it at once."""
    return Snapshot(
        event=STEP, step=0, epoch=0, epoch_progress=0.0, samples_seen=0, batch_losses=(),
        train_loss=None, val_loss=None, metrics={},
        learning_rate=trainer.learning_rate(), elapsed=0.0, samples_per_second=0.0,
        time_to_first_step=None, probes=probes_now(trainer, probes, requests),
    )


def probes_now(trainer: Any, probes: list[str], requests: dict[str, dict[str, Any]]) -> dict:
    """Every probe (and requested introspection probe) of ``trainer``'s current weights."""
    grid = trainer.probe_grid if trainer is not None else None
    if grid is None:
        return {}
    names = with_introspection(trainer, probes, requests, None)
    return grid.compute(names) if names else {}


class Preparer(QObject):
    """One preparation at a time on a background thread; the newest job wins.

    ``on_done(run)`` / ``on_failed(message)`` are called on the GUI thread, only for the job
    started last and not cancelled since.
    """

    def __init__(self, on_done: Callable[[PreparedRun], None],
                 on_failed: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_done, self._on_failed = on_done, on_failed
        self._token = 0  # the newest job's number (GUI thread only)
        self._lock = threading.Lock()
        self._wanted: tuple[int, PreparationJob] | None = None  # waiting for the thread
        self._busy = False  # a thread is alive (it ends when nothing is wanted)
        self._idle = threading.Event()  # set while no thread is alive
        self._idle.set()
        self._results: queue.SimpleQueue[tuple[int, PreparedRun | str]] = queue.SimpleQueue()
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._collect)

    @property
    def pending(self) -> bool:
        """A job was started and its result has not been handed over (nor cancelled)."""
        return self._timer.isActive()

    def wait_idle(self, timeout: float) -> bool:
        """Block until the background thread has ended (tests, shutdown); True when it has.
        A result it left is still handed over (or dropped) by the GUI thread's timer."""
        return self._idle.wait(timeout)

    def start(self, job: PreparationJob) -> None:
        """Prepare ``job`` in the background, superseding any job before it."""
        with self._lock:
            self._token += 1
            self._wanted = (self._token, job)
            if not self._busy:
                self._busy = True
                self._idle.clear()
                threading.Thread(target=self._serve, name="layerlab-prepare",
                                 daemon=True).start()
        self._timer.start()

    def cancel(self) -> None:
        """Drop the job waiting or running: its result is never handed over."""
        with self._lock:
            self._token += 1
            self._wanted = None
        self._timer.stop()

    def _serve(self) -> None:
        """The background thread: prepare the newest wanted job until none is left."""
        while True:
            with self._lock:
                item, self._wanted = self._wanted, None
                if item is None:
                    self._busy = False
                    self._idle.set()
                    return
            token, job = item
            self._results.put((token, prepare_run(job)))

    def _collect(self) -> None:
        """GUI thread: hand over the newest job's result; older ones are dropped."""
        while True:
            try:
                token, result = self._results.get_nowait()
            except queue.Empty:
                return
            if token != self._token:
                continue  # superseded or cancelled
            self._timer.stop()
            if isinstance(result, str):
                self._on_failed(result)
            else:
                self._on_done(result)
            return
