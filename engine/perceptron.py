"""Rosenblatt's perceptron learning rule for one step-activation neuron, as its own trainer.

The step activation has no gradient, so backpropagation cannot train it. The perceptron rule
does: for each misclassified sample, ``w += lr·(y − ŷ)·x`` and ``b += lr·(y − ŷ)`` with
``y, ŷ ∈ {0, 1}``. Every update is recorded (sample, target, prediction, weights before and
after) and sent with the epoch's snapshot so a learner can replay it. AND/OR converge; XOR
never does, and the final message says why.

For the timeline (``engine.trainer_state.OwnStateTrainer``) its whole state besides the
neuron's weights is the sample order's generator (a run pauses only between epochs): a branch
from a moment goes on exactly as the run did, with the learning rate set then.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import Any

import numpy as np

from engine.datasets.base import Dataset
from engine.divergence import DivergenceWatch
from engine.model import Model
from engine.probes import ProbeSet
from engine.snapshots import DIVERGED, EPOCH, FINISHED, STOPPED, Snapshot
from engine.targets import TargetCoder
from engine.trainer_state import TrainerState
from engine.training import TrainConfig, check_data_fits
from engine.types import LayerLabError, TrainingError

STEP_CODER = TargetCoder("classification", 2, 1, "binary01")  # step output 0/1 = class


class PerceptronTrainer:
    """Train ``Input -> Dense(1, activation="step")`` with the perceptron rule."""

    def __init__(self, model: Model, data: Dataset, config: TrainConfig) -> None:
        dense = [l for l in model.layers.values() if l.kind != "Input"]
        if (len(dense) != 1 or dense[0].kind != "Dense" or dense[0].config["units"] != 1
                or dense[0].config["activation"] != "step"):
            raise TrainingError(
                "The perceptron recipe trains exactly one neuron: an Input layer wired to a "
                "Dense layer with 1 unit and the 'step' activation. For anything bigger, pick "
                "the supervised recipe (gradient descent) and a differentiable activation."
            )
        _check_two_classes(model, data)
        self.model, self.data, self.config = model, data, config
        self.neuron = dense[0]
        self.lr = float(config.optimizer_options.get("learning_rate", 0.1))
        self.rng = np.random.default_rng(config.seed)
        self.history: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "epoch_time": []}
        self.epoch = self.step = 0
        self.time_to_first_step: float | None = None
        # the decision map over the x₁/x₂ plane (0/1 from the step output: the neuron's line)
        self.probe_grid = ProbeSet(model, data, STEP_CODER)

    # -- the RecipeTrainer contract (engine.trainer_protocol) -------------------------------
    def check_replacement(self, data: Dataset) -> None:
        """Raise ``TrainingError``/``DataError`` unless ``data`` has 2 classes, training
        samples and the neuron's number of inputs."""
        _check_two_classes(self.model, data)
        if len(data.x_train) == 0:
            raise TrainingError("The new data has no training samples: add points first.")

    def replace_data(self, data: Dataset) -> None:
        """Train on ``data`` from the next epoch on, keeping the weights."""
        self.check_replacement(data)
        self.data, self.probe_grid = data, ProbeSet(self.model, data, STEP_CODER)

    # -- the timeline's checkpoints (engine.trainer_state.OwnStateTrainer) --------------------
    buffers_per_weight = 0  # the perceptron rule keeps no optimizer memory

    def capture_state(self) -> TrainerState:
        """The sample order's generator (between two epochs, where a run pauses)."""
        return TrainerState(rng_state=dict(self.rng.bit_generator.state),
                            extra={"trainer": "perceptron"})

    def restore_state(self, state: TrainerState) -> None:
        """Put ``state`` back (the weights, step and epoch are loaded already)."""
        if state.extra.get("trainer") != "perceptron":
            raise LayerLabError("This moment was recorded while training another kind of "
                                "network, so the perceptron cannot train on from it.")
        self.rng.bit_generator.state = dict(state.rng_state)

    def learning_rate(self) -> float:
        return self.lr

    def set_learning_rate(self, lr: float) -> None:
        self.lr = float(lr)

    @property
    def supervision(self) -> None:
        """None: the perceptron rule has no loss and no encoded targets."""
        return None

    def final_metrics(self, data: Dataset) -> dict[str, Any]:
        """The accuracy on the validation split (else the training split)."""
        x, y = (data.x_val, data.y_val) if len(data.x_val) else (data.x_train, data.y_train)
        return {"split": "validation" if len(data.x_val) else "train",
                "accuracy": float(np.mean(self.predict(x) == y))}

    def predict(self, x: np.ndarray) -> np.ndarray:
        """x: (N, F) -> (N,) in {0, 1}."""
        z = x @ self.neuron.params["kernel"][:, 0] + self.neuron.params.get("bias", [0.0])[0]
        return (z >= 0).astype(np.int64)

    def _epoch(self) -> list[dict[str, Any]]:
        w, b = self.neuron.params["kernel"][:, 0], self.neuron.params.get("bias")
        x, y = self.data.x_train, self.data.y_train
        order = self.rng.permutation(len(x)) if self.config.shuffle else np.arange(len(x))
        updates = []
        for i in order:
            predicted = int(self.predict(x[i : i + 1])[0])
            self.step += 1
            if predicted == y[i]:
                continue
            before = (w.tolist(), float(b[0]) if b is not None else 0.0)
            delta = self.lr * (int(y[i]) - predicted)
            w += delta * x[i]
            if b is not None:
                b += delta
            updates.append({"step": self.step, "x": x[i].tolist(), "target": int(y[i]),
                            "predicted": predicted, "weights_before": before[0],
                            "bias_before": before[1], "weights_after": w.tolist(),
                            "bias_after": float(b[0]) if b is not None else 0.0})
        return updates

    def run(self, should_stop: Callable[[], bool] | None = None) -> Generator[Snapshot, None, None]:
        start = time.perf_counter()
        neuron = self.neuron
        watch = DivergenceWatch(lambda: neuron.params.values(),  # exploding weights
                                float(np.max(np.abs(self.data.x_train), initial=1.0)),
                                clipping=False)
        while self.epoch < self.config.epochs:
            t0 = time.perf_counter()
            updates = self._epoch()
            self.epoch += 1
            if self.time_to_first_step is None:
                self.time_to_first_step = time.perf_counter() - start
            errors = float(np.mean(self.predict(self.data.x_train) != self.data.y_train))
            val_errors = float(np.mean(self.predict(self.data.x_val) != self.data.y_val))
            self.history["train_loss"].append(errors)
            self.history["val_loss"].append(val_errors)
            self.history["epoch_time"].append(time.perf_counter() - t0)
            converged = errors == 0.0
            reason = watch.check(np.array([errors]), self.step, self.lr, force_scan=True)
            if reason is not None:
                yield self._snapshot(DIVERGED, start, updates, errors, val_errors, reason)
                return
            if should_stop is not None and should_stop():
                yield self._snapshot(STOPPED, start, updates, errors, val_errors)
                return
            last = converged or self.epoch >= self.config.epochs
            message = self._final_message(converged, errors) if last else None
            yield self._snapshot(FINISHED if last else EPOCH, start, updates, errors,
                                 val_errors, message)
            if last:
                return

    def _final_message(self, converged: bool, errors: float) -> str:
        if converged:
            return (f"Converged after {self.epoch} epoch(s): every training point is on the "
                    "right side of the line.")
        wrong = int(round(errors * len(self.data.x_train)))
        return (f"After {self.epoch} epochs the perceptron still misclassifies {wrong} training "
                "point(s). If no straight line can separate the classes (like XOR), a single "
                "neuron never will: add a hidden layer and train with gradient descent.")

    def _snapshot(self, event: str, start: float, updates: list[dict[str, Any]],
                  errors: float, val_errors: float, message: str | None = None) -> Snapshot:
        elapsed = time.perf_counter() - start
        row = {"epoch": self.epoch, "step": self.step}
        metrics = {"train_loss": errors, "val_loss": val_errors,
                   "train_accuracy": 1.0 - errors, "val_accuracy": 1.0 - val_errors}
        return Snapshot(
            event=event, step=self.step, epoch=self.epoch, epoch_progress=1.0,
            samples_seen=self.step, batch_losses=(), train_loss=errors, val_loss=val_errors,
            metrics=metrics, learning_rate=self.lr, elapsed=elapsed,
            samples_per_second=self.step / elapsed if elapsed > 0 else 0.0,
            time_to_first_step=self.time_to_first_step, message=message,
            extra={"updates": updates},
            epoch_rows=({**row, **metrics},) if event != STOPPED else (),
        )


def _check_two_classes(model: Model, data: Dataset) -> None:
    if data.task != "classification" or data.n_classes != 2:
        raise TrainingError("The perceptron separates two classes; choose a 2-class dataset.")
    check_data_fits(model, data)
