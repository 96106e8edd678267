"""``fit``: the training loop as a generator of ``Snapshot``s (DESIGN.md §5).

The engine knows nothing about the caller's threads (each stepper call may use the engine's
thread budget inside: ``engine.threads``). The caller pulls snapshots; it pauses by not pulling,
stops by ``close()`` or a ``should_stop`` callable checked between steps, and may change
``trainer.optimizer.learning_rate`` or ``trainer.config.snapshot_every`` between pulls, or
give new data with ``trainer.replace_data(data)`` (the learner edited the points).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from engine import probes as probe_lib
from engine import threads
from engine.datasets import augment as augment_lib
from engine.datasets.base import Dataset
from engine.diagnosis import diagnose_divergence
from engine.divergence import DivergenceWatch
from engine.evaluation import supervised_metrics
from engine.metrics import accuracy, per_position, r2_score
from engine.model import Model
from engine.optimizers import get_optimizer
from engine.schedules import schedule_from_config
from engine.snapshots import (
    DIVERGED,
    EARLY_STOPPED,
    EPOCH,
    EPOCH_END_EVENTS,
    FINISHED,
    STEP,
    STOPPED,
    Snapshot,
)
from engine.stepper import make_stepper
from engine.supervision import Supervision
from engine.targets import choose_loss, output_units
from engine.train_settings import check_settings
from engine.types import ConfigError, DataError, format_shape
from engine.weighted_sampling import weighted_order

METRIC_SAMPLE = 2000  # train metrics are computed on at most this many samples per epoch
RECENT = 50  # batch losses kept to explain a divergence


@dataclass
class TrainConfig:
    """Every training hyper-parameter of a project (JSON-safe)."""

    loss: str = "auto"
    loss_options: dict[str, Any] = field(default_factory=dict)
    optimizer: str = "adam"
    optimizer_options: dict[str, Any] = field(default_factory=dict)
    schedule: dict[str, Any] | None = None
    batch_mode: str = "mini"  # "mini" | "full" | "single"
    batch_size: int = 32
    epochs: int = 50
    shuffle: bool = True
    # classification: each epoch draws its samples with replacement, ∝ 1 / class frequency
    # (engine.weighted_sampling); overrides shuffle
    weighted_sampling: bool = False
    seed: int = 0
    early_stopping: bool = False
    patience: int = 10
    restore_best_weights: bool = True
    clip_value: float = 0.0
    clip_norm: float = 0.0
    snapshot_every: int = 0  # steps between step snapshots; 0 = only at epoch ends
    probes: list[str] = field(default_factory=list)
    backend: str = "auto"  # "auto" | "numba" | "numpy"
    # the app's Speed: most optimizer steps a second while a learner watches (0 = full speed);
    # honoured by the GUI's training thread, ignored headless
    max_steps_per_second: float = 0.0
    # image augmentation of training batches (engine.datasets.augment); {} = off
    augment: dict[str, Any] = field(default_factory=dict)
    # options of the autoencoder/vae/gan recipes (engine.generative.options), read live
    recipe_options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"Unknown training option(s): {', '.join(unknown)}.")
        config = cls(**data)
        config.check()
        return config

    def check(self) -> None:
        """Every setting within its stated limits (``engine.train_settings``), coerced in
        place; a ``ConfigError`` naming the setting otherwise."""
        check_settings(self)
        augment_lib.check_augment(self.augment)

    def effective_batch(self, n_train: int) -> int:
        return {"full": n_train, "single": 1}.get(self.batch_mode, min(self.batch_size, n_train))


def trim_history(history: dict[str, list[float]], keep: int) -> None:
    """Keep only the newest ``keep`` entries of each list of a trainer's per-epoch
    ``history``, in place; trims only once a list holds ``2 * keep`` (amortized O(1) a call).

    For a long live run (the app's worker calls it from the training thread): the app keeps
    its own bounded history (``app.history``); ``main.py train`` keeps the whole one for its
    report."""
    for values in history.values():
        if len(values) >= 2 * keep:
            del values[: len(values) - keep]


class Trainer:
    """Holds the loss, optimizer and state of one run; ``run()`` is the snapshot generator."""

    def __init__(self, model: Model, data: Dataset, config: TrainConfig) -> None:
        config.check()
        self.model, self.data, self.config = model, data, config
        check_data_fits(model, data)
        self.loss, self.coder, logits = choose_loss(
            config.loss, config.loss_options, data.task, data.n_classes,
            output_units(model.output_shape), model.output_activation())
        model.set_logits_mode(logits)
        if data.task == "classification":  # "balanced" class weights need the labels
            self.loss.fit_class_weights(data.y_train, data.n_classes)
        self.optimizer = get_optimizer(config.optimizer, **config.optimizer_options)
        self.optimizer.schedule = schedule_from_config(config.schedule)
        self.y_train = self.coder.encode(data.y_train, model.dtype)
        self.y_val = self.coder.encode(data.y_val, model.dtype)
        self.stepper = make_stepper(model, self.loss, self.optimizer, config)
        if augment_lib.is_active(config.augment):  # training batches only, never validation
            self.stepper.augment = augment_lib.make_augmenter(
                config.augment, tuple(data.input_shape), config.seed)
        self.history: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "epoch_time": []}
        self.rng = np.random.default_rng(config.seed)
        self.step = self.epoch = 0
        # where the run is inside its epoch, for checkpoints (engine.checkpoints): the sample
        # order's generator state before this epoch's order was drawn, the batches done and
        # their losses; ``resume`` = (batches done, losses) makes the next run() go on there
        self.epoch_start_rng: dict[str, Any] = dict(self.rng.bit_generator.state)
        self.epoch_pos = 0
        self.epoch_losses: list[float] = []
        self.resume: tuple[int, list[float]] | None = None
        self.time_to_first_step: float | None = None
        self.recent: list[float] = []
        self.probe_grid = probe_lib.ProbeSet(model, data, self.coder)

    def check_replacement(self, data: Dataset) -> None:
        """Raise ``DataError``/``ConfigError`` when ``data`` cannot replace the current data:
        another input shape, task or number of classes, or no training samples."""
        check_data_fits(self.model, data)
        if data.task != self.data.task or len(data.x_train) == 0:
            raise DataError("The new data cannot replace the current data while training: "
                            + ("it has no training samples." if len(data.x_train) == 0 else
                               f"it is a {data.task} task, not {self.data.task}."))
        choose_loss(self.config.loss, self.config.loss_options, data.task, data.n_classes,
                    self.coder.out_units, self.model.output_activation())  # checks the classes

    def replace_data(self, data: Dataset) -> None:
        """Train on ``data`` from the next pull on, keeping weights and optimizer state
        (the learner edited the points). Raises as ``check_replacement``, changing nothing."""
        self.check_replacement(data)
        y_train = self.coder.encode(data.y_train, self.model.dtype)
        y_val = self.coder.encode(data.y_val, self.model.dtype)
        probe_grid = probe_lib.ProbeSet(self.model, data, self.coder)
        self.data, self.y_train, self.y_val, self.probe_grid = data, y_train, y_val, probe_grid

    # -- the RecipeTrainer contract (engine.trainer_protocol) -------------------------------
    def learning_rate(self) -> float:
        """The learning rate the next step uses (after any schedule)."""
        return float(self.optimizer.current_lr())

    def set_learning_rate(self, lr: float) -> None:
        self.optimizer.learning_rate = lr

    @property
    def supervision(self) -> Supervision:
        """The loss, target coder and encoded targets of the current data."""
        return Supervision(self.loss, self.coder, self.y_train, self.y_val)

    def final_metrics(self, data: Dataset) -> dict[str, Any]:
        """The report's numbers: accuracy / per-class report or MSE / R² (engine.evaluation)."""
        return supervised_metrics(self.model, self.coder, data)

    # -- evaluation --------------------------------------------------------------------------
    def evaluate(self, x: np.ndarray, y_enc: np.ndarray, y_raw: np.ndarray) -> dict[str, float]:
        """Loss and the task's main metric on (a sample of) a split."""
        if len(x) == 0:
            return {}
        n = min(len(x), METRIC_SAMPLE * 4)
        out = self.model.forward(x[:n], training=False)  # logits in logits mode
        loss = self.loss.value(out, y_enc[:n])
        probs = self.model.finish_outputs(out)
        if self.data.task == "classification":
            truth, scores = per_position(y_raw[:n], self.coder.scores(probs))
            return {"loss": loss, "accuracy": accuracy(truth, scores)}
        return {"loss": loss, "r2": r2_score(y_raw[:n], probs.reshape(n, -1))}

    # -- the loop ----------------------------------------------------------------------------
    def run(self, should_stop: Callable[[], bool] | None = None) -> Generator[Snapshot, None, None]:
        """Train for ``config.epochs`` epochs, yielding snapshots; see the module docstring."""
        cfg, n = self.config, len(self.data.x_train)
        if n == 0:
            raise DataError("The training set is empty: add data or lower the validation split.")
        batch = cfg.effective_batch(n)
        start, best, wait, best_params = time.perf_counter(), np.inf, 0, None
        model = self.model
        watch = DivergenceWatch(  # diverging before NaN (engine.divergence)
            lambda: (p for layer in model.layers.values() for p in layer.params.values()),
            data_magnitude(self.data.x_train, self.data.y_train), lambda: (model.grads_flat,))
        while self.epoch < cfg.epochs:
            self.epoch_start_rng = dict(self.rng.bit_generator.state)
            epoch_start, order = time.perf_counter(), self._order(n)
            starts, pos = list(range(0, n, batch)), 0
            epoch_losses: list[float] = []
            if self.resume is not None:  # a restored checkpoint's place inside its epoch
                (pos, epoch_losses), self.resume = self.resume, None
            self.epoch_losses = epoch_losses
            losses = np.empty(0)
            while pos < len(starts):
                if len(self.data.x_train) != n:  # replace_data() between two pulls
                    n, batch, order, pos, starts = self._resize(pos, len(starts))
                chunk = len(starts) - pos if cfg.snapshot_every <= 0 else cfg.snapshot_every
                batches = [order[s : s + batch] for s in starts[pos : pos + chunk]]
                with (np.errstate(over="ignore", invalid="ignore"),  # divergence is handled
                      threads.training(model, batch)):  # BLAS threads for large steps
                    losses = self.stepper.run(self.data.x_train, self.y_train, batches)
                pos, self.step = pos + len(batches), self.step + len(batches)
                self.epoch_pos = pos
                if self.time_to_first_step is None:
                    self.time_to_first_step = time.perf_counter() - start
                epoch_losses.extend(losses)
                self.recent = (self.recent + list(losses))[-RECENT:]
                if not np.all(np.isfinite(losses)):
                    yield self._diverged(losses, start, pos / len(starts))
                    return
                reason = watch.check(losses, self.step, self.optimizer.current_lr())
                if reason is not None:  # diverging, not yet NaN
                    yield self._snapshot(DIVERGED, losses, start, pos / len(starts), reason)
                    return
                if should_stop is not None and should_stop():
                    yield self._snapshot(STOPPED, losses, start, pos / len(starts))
                    return
                if pos < len(starts):
                    yield self._snapshot(STEP, losses, start, pos / len(starts))
            self.epoch, self.epoch_pos = self.epoch + 1, 0
            with np.errstate(over="ignore", invalid="ignore"):
                metrics = self._end_epoch(epoch_losses, time.perf_counter() - epoch_start)
            monitored = metrics.get("val_loss", metrics["train_loss"])
            if monitored < best:
                best, wait = monitored, 0
                # get_weights: parameters and running statistics (BatchNormalization)
                best_params = self.model.get_weights() if cfg.early_stopping else None
            else:
                wait += 1
            if cfg.early_stopping and wait >= cfg.patience:
                if cfg.restore_best_weights and best_params is not None:
                    self.model.set_weights(best_params)
                msg = (f"Stopped early: the validation loss has not improved for {cfg.patience} "
                       f"epochs (best {best:.4g}).")
                yield self._snapshot(EARLY_STOPPED, losses, start, 1.0, msg, probes=True)
                return
            final = self.epoch >= cfg.epochs
            yield self._snapshot(FINISHED if final else EPOCH, losses, start, 1.0, probes=True)

    def _diverged(self, losses: np.ndarray, start: float, progress: float) -> Snapshot:
        bad = int(np.argmax(~np.isfinite(losses)))  # first non-finite loss of this chunk
        first_bad_step = self.step - len(losses) + bad + 1
        window = self.recent[: len(self.recent) - len(losses) + bad + 1]
        msg = diagnose_divergence(window, first_bad_step, self.optimizer.current_lr())
        return self._snapshot(DIVERGED, losses[: bad + 1], start, progress, msg)

    def _resize(self, pos: int, n_batches: int) -> tuple[int, int, np.ndarray, int, list[int]]:
        """New sample order and batches after ``replace_data``, at the same epoch progress."""
        n = len(self.data.x_train)
        batch = self.config.effective_batch(n)
        starts = list(range(0, n, batch))
        return n, batch, self._order(n), round(pos / n_batches * len(starts)), starts

    def _order(self, n: int) -> np.ndarray:
        """(n,) sample indices of one epoch, drawn with the trainer's generator."""
        if self.config.weighted_sampling and self.data.task == "classification":
            return weighted_order(self.rng, self.data.y_train, self.data.n_classes)
        return self.rng.permutation(n) if self.config.shuffle else np.arange(n)

    def _end_epoch(self, epoch_losses: list[float], seconds: float) -> dict[str, float]:
        self.history["train_loss"].append(float(np.mean(epoch_losses)))
        self.history["epoch_time"].append(seconds)
        self.metrics = {"train_loss": self.history["train_loss"][-1]}
        sample = slice(0, METRIC_SAMPLE)
        train = self.evaluate(self.data.x_train[sample], self.y_train[sample],
                              self.data.y_train[sample])
        val = self.evaluate(self.data.x_val, self.y_val, self.data.y_val)
        for prefix, values in (("train", train), ("val", val)):
            for key, value in values.items():
                if not (prefix == "train" and key == "loss"):
                    self.metrics[f"{prefix}_{key}"] = float(value)
        for key, value in self.metrics.items():
            if key != "train_loss":  # appended above, once per epoch
                self.history.setdefault(key, []).append(value)
        if "val_loss" not in self.metrics:
            self.history["val_loss"].append(float("nan"))
        return self.metrics

    def _snapshot(self, event: str, losses, start: float, progress: float,
                  message: str | None = None, probes: bool = False) -> Snapshot:
        elapsed = time.perf_counter() - start
        seen = self.step * self.config.effective_batch(len(self.data.x_train))
        metrics = dict(getattr(self, "metrics", {}))
        want = self.config.probes if (probes or event == STEP) else []
        return Snapshot(
            event=event, step=self.step, epoch=self.epoch, epoch_progress=progress,
            samples_seen=seen, batch_losses=tuple(float(v) for v in losses),
            train_loss=metrics.get("train_loss"), val_loss=metrics.get("val_loss"),
            metrics=metrics, learning_rate=self.optimizer.current_lr(), elapsed=elapsed,
            samples_per_second=seen / elapsed if elapsed > 0 else 0.0,
            time_to_first_step=self.time_to_first_step, message=message,
            probes=self.probe_grid.compute(want) if want else {},
            epoch_rows=(({"epoch": self.epoch, "step": self.step, **metrics},)
                        if event in EPOCH_END_EVENTS else ()),
        )


def data_magnitude(*arrays: np.ndarray) -> float:
    """The largest absolute value in numeric arrays (the data's scale), 1.0 if none."""
    sizes = [float(np.max(np.abs(a))) for a in arrays
             if isinstance(a, np.ndarray) and a.size and a.dtype.kind in "iuf"]
    return max([1.0, *sizes])


def check_data_fits(model: Model, data: Dataset) -> None:
    """Explain a mismatch between the dataset's sample shape and the Input layer(s); tell a
    model whose Inputs receive parts of a sample where the parts lie (``bind_parts``)."""
    parts = list(getattr(data, "input_parts", []) or [])
    named = [n for n in model.input_names if model.part_of(n)]
    if named or len(model.input_names) > 1:
        if not parts:
            raise DataError(
                f"The Input layer(s) {', '.join(model.input_names)} receive parts of a sample, "
                f"but the dataset '{data.name}' gives whole samples "
                f"({format_shape(data.input_shape)}) — use one Input and clear its 'Receives' "
                f"option.")
        model.bind_parts(parts, f"the dataset '{data.name}'")
        return
    model.bind_parts(None)
    if tuple(data.input_shape) != tuple(model.input_shape):
        raise DataError(
            f"The dataset '{data.name}' gives samples of shape {format_shape(data.input_shape)} "
            f"but the Input layer expects {format_shape(model.input_shape)} — set the Input "
            f"layer's shape to {', '.join(map(str, data.input_shape))}."
        )


def fit(model: Model, data: Dataset, config: TrainConfig,
        should_stop: Callable[[], bool] | None = None) -> Iterator[Snapshot]:
    """Convenience: ``Trainer(model, data, config).run(should_stop)``."""
    return Trainer(model, data, config).run(should_stop)
