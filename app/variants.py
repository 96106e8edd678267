"""Side-by-side variants: up to four copies of a project, each differing by a few settings,
training at once.

A ``VariantSpec`` names what differs from the open project: training settings
(``learning_rate``, ``optimizer``, ``batch_size``) and layer options (``{layer: {option:
value}}``, e.g. a Dense layer's ``units``/``activation`` or a Dropout's ``rate``).
A spec may also add a Dropout after a layer or take one out (``dropout_after``, ``remove``;
``app.variant_graph``). ``make_variant(project, spec)`` returns a checked deep copy (a
``ConfigError`` in plain words when a value is out of range or the network no longer fits
together).

A ``VariantRun`` trains one such copy on its own daemon thread with its own model, data copy
and trainer, built by ``engine.recipes.prepare`` exactly as the app's training worker and
``main.py train`` build them, so a variant's numbers depend only on its project and seed: the
same variant trained alone or beside three others ends with bit-identical weights (the numba
kernels release the GIL; the threads share the machine's cores, so four runs on two cores
each go at about half speed — measured slower still for small networks such as the
spiral's, whose steps are mostly Python and take turns under the GIL). Nothing here touches
Qt: the GUI polls ``drain()`` for new snapshots (epoch ends and chunks of at most
``CHUNK_STEPS`` steps, so ``stop()`` and ``pause()`` act within a fraction of a second) and
reads ``result()`` at the end. A run may start from a timeline checkpoint (``start``,
restored exactly, then ``learning_rate``; ``app.fork_compare``: a branch beside its parent;
any recipe, ``engine.checkpoints.can_resume``). A subclass may act between two pulls on the
training thread (``_starting``, ``_pulled``: a fork run records its moments there).

``VariantSet`` holds the runs (``MAX_VARIANTS`` at most) and starts, pauses, resumes and stops
them all together.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.variant_graph import add_dropout, remove_dropout
from engine.checkpoints import Checkpoint, can_resume, restore
from engine.datasets.base import Dataset
from engine.optimizers import OPTIMIZERS
from engine.project import Project
from engine.recipes import prepare
from engine.snapshots import Snapshot
from engine.types import ConfigError, LayerLabError

log = logging.getLogger(__name__)

MAX_VARIANTS = 4
CHUNK_STEPS = 25  # optimizer steps between two looks at stop/pause
TRAINING_KEYS = ("learning_rate", "optimizer", "batch_size")
SHORT = {"learning_rate": "lr", "optimizer": "", "batch_size": "batch", "units": "units",
         "activation": "", "rate": "dropout"}


@dataclass(frozen=True)
class VariantSpec:
    """What a variant changes: ``training`` (keys of ``TRAINING_KEYS``) and ``layers``
    (``{layer name: {option: value}}``)."""

    training: Mapping[str, Any] = field(default_factory=dict)
    layers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    dropout_after: Mapping[str, float] = field(default_factory=dict)  # {layer: rate}
    remove: tuple[str, ...] = ()  # Dropout layers taken out

    def label(self) -> str:
        """The difference in a few words, e.g. ``"lr 0.1, hidden1 units 16"``."""
        parts = [_part(k, v) for k, v in self.training.items()]
        for layer, options in self.layers.items():
            parts += [f"{layer} {_part(k, v)}" for k, v in options.items()]
        parts += [f"dropout {rate:g} after {layer}" for layer, rate in self.dropout_after.items()]
        parts += [f"without {name}" for name in self.remove]
        return ", ".join(parts) or "as the project"


def _part(key: str, value: Any) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    if key == "optimizer" and value in OPTIMIZERS:  # "Adam", as the Training panel says
        text = OPTIMIZERS[value].display_name or text
    short = SHORT.get(key, key)
    return f"{short} {text}" if short else text


def make_variant(project: Project, spec: VariantSpec) -> Project:
    """A deep copy of ``project`` with ``spec`` applied and checked."""
    variant = copy.deepcopy(project)
    cfg = variant.training
    for key, value in spec.training.items():
        if key == "learning_rate":
            cfg.optimizer_options = {**cfg.optimizer_options, "learning_rate": float(value)}
        elif key == "optimizer":
            lr = cfg.optimizer_options.get("learning_rate")
            cfg.optimizer = str(value)
            cfg.optimizer_options = {} if lr is None else {"learning_rate": lr}
        elif key == "batch_size":
            cfg.batch_mode, cfg.batch_size = "mini", int(value)
        else:
            raise ConfigError(f"A variant cannot change the training setting '{key}'.")
    cfg.check()
    for layer, options in spec.layers.items():
        if layer not in variant.graph.nodes:
            raise ConfigError(f"The network has no layer called '{layer}'.")
        node = variant.graph.nodes[layer]
        node.options = {**node.options, **dict(options)}
    for name in spec.remove:
        remove_dropout(variant.graph, name)
    for layer, rate in spec.dropout_after.items():
        add_dropout(variant.graph, layer, rate)
    report = variant.graph.validate()
    if report.errors:
        name, why = next(iter(report.errors.items()))
        raise ConfigError(f"With these changes the layer '{name}' does not fit: {why}")
    return variant


@dataclass
class VariantResult:
    """A finished (or stopped) variant's numbers for the comparison table."""

    label: str
    epochs: int
    metrics: dict[str, float]
    params: int
    seconds_per_epoch: float | None
    message: str | None  # why it ended early (diverged, failed), plain words


class VariantRun:
    """One variant training on its own thread (see the module docstring)."""

    def __init__(self, project: Project, label: str, data: Dataset | None = None,
                 start: Checkpoint | None = None, learning_rate: float | None = None) -> None:
        self.project, self.label = project, label
        self.fork, self.learning_rate = start, learning_rate  # a fork: go on from ``start``
        self._data = copy.deepcopy(data) if data is not None else None
        self._lock = threading.Lock()
        self._new: list[Snapshot] = []
        self.last: Snapshot | None = None
        self.message: str | None = None
        self.model: Any = None  # set on the training thread: read it once the run has ended
        self.trainer: Any = None  # likewise: its whole state once ended (keep it as a branch)
        self.data: Dataset | None = None  # the run's own data copy (read-only after prepare)
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._thread = threading.Thread(target=self._main, name=f"variant {label}", daemon=True)
        report = project.graph.validate()
        self.params = int(sum(report.params.values()))

    # -- control -------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread; True when it has ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def drain(self) -> list[Snapshot]:
        """Snapshots produced since the previous call, oldest first."""
        with self._lock:
            new, self._new = self._new, []
        return new

    def result(self) -> VariantResult:
        last = self.last
        epochs = last.epoch if last is not None else 0
        per_epoch = last.elapsed / epochs if last is not None and epochs else None
        metrics = dict(last.metrics) if last is not None else {}
        if last is not None and last.train_loss is not None:
            metrics.setdefault("train_loss", last.train_loss)
        if last is not None and last.val_loss is not None:
            metrics.setdefault("val_loss", last.val_loss)
        message = self.message or (last.message if last is not None else None)
        return VariantResult(self.label, epochs, metrics, self.params, per_epoch, message)

    # -- training thread ------------------------------------------------------------------------
    def _should_stop(self) -> bool:
        while not self._running.wait(0.05):  # paused: park between two chunks
            if self._stop.is_set():
                break
        return self._stop.is_set()

    def _main(self) -> None:
        try:
            prepared = prepare(self.project, self._data)
            self.model, self.data = prepared.model, prepared.data
            trainer = self.trainer = prepared.trainer
            if self.fork is not None:
                if not can_resume(trainer):
                    raise LayerLabError("This kind of network does not go on from a moment "
                                        "of the timeline.")
                restore(trainer, self.fork)
            if self.learning_rate is not None:
                trainer.set_learning_rate(self.learning_rate)
            trainer.config.snapshot_every = CHUNK_STEPS
            self._starting(trainer)
            for snap in trainer.run(self._should_stop):
                self._pulled(trainer, snap)
                with self._lock:
                    self._new.append(snap)
                    self.last = snap
        except LayerLabError as exc:
            self.message = f"Variant “{self.label}” stopped: {exc}"
        except Exception:  # noqa: BLE001 - shown as a plain message; details in the log
            log.exception("variant %s failed", self.label)
            self.message = (f"Variant “{self.label}” stopped because of an unexpected problem. "
                            "Try other settings or train it on its own.")


    def _starting(self, trainer: Any) -> None:
        """Called on the training thread before the first pull (nothing here)."""

    def _pulled(self, trainer: Any, snap: Snapshot) -> None:
        """Called on the training thread after each pull, before the next (nothing here)."""


class VariantSet:
    """Up to ``MAX_VARIANTS`` runs, controlled together."""

    def __init__(self) -> None:
        self.runs: list[VariantRun] = []

    def add(self, run: VariantRun) -> None:
        if len(self.runs) >= MAX_VARIANTS:
            raise ConfigError(f"Compare at most {MAX_VARIANTS} variants at once: remove one "
                              "first.")
        self.runs.append(run)

    def start_all(self) -> None:
        for run in self.runs:
            run.start()

    def pause_all(self) -> None:
        for run in self.runs:
            run.pause()

    def resume_all(self) -> None:
        for run in self.runs:
            run.resume()

    def stop_all(self, timeout: float = 1.0) -> bool:
        """Ask every run to stop and wait up to ``timeout`` s in all; True when all ended."""
        for run in self.runs:
            run.stop()
        deadline = time.monotonic() + timeout
        return all(run.join(max(0.0, deadline - time.monotonic())) for run in self.runs)

    @property
    def running(self) -> bool:
        return any(run.alive for run in self.runs)


def sharing_note(count: int, cores: int) -> str:
    """How ``count`` runs share ``cores`` cores, in plain words."""
    if count <= cores:
        return f"{count} run{'s' if count != 1 else ''} on {cores} cores: each at full speed."
    share = cores / count
    speed = "about half speed" if abs(share - 0.5) < 0.05 else f"about {share:.0%} speed"
    return (f"{count} runs share {cores} cores: each runs at {speed}, small networks slower "
            "still (their Python steps take turns).")
