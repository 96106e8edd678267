"""Choose the loss for a network + dataset and encode the targets to match its output layer.

Rules (the learner sees them in the training panel's tooltips):
- regression → the targets as they are (``mse`` unless chosen otherwise);
- classification with K output units → integer labels for cross-entropy (softmax output,
  fused with the loss) or one-hot 0/1 targets for squared/absolute losses;
- classification with 1 output unit (binary) → 0/1 targets for a sigmoid output (binary
  cross-entropy on logits), ±1 targets for tanh/linear outputs with squared loss or hinge
  (TensorFlow Playground's convention); the predicted class is ``score > threshold``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.losses import Loss, get_loss
from engine.types import ConfigError

LOGIT_ACTIVATIONS = {"categorical_crossentropy": ("softmax", "linear"),
                     "binary_crossentropy": ("sigmoid", "linear")}


@dataclass
class TargetCoder:
    """How labels become targets and how outputs become predicted classes."""

    task: str
    n_classes: int
    out_units: int
    encoding: str  # "labels" | "onehot" | "binary01" | "binary_pm1" | "raw"

    def encode(self, y: np.ndarray, dtype: Any = np.float32) -> np.ndarray:
        """y: (N,) int labels or (N, D) regression targets -> what the loss compares to.

        Per-position classification (a network output (T, K)) has labels (N, T): one class per
        time step, e.g. the next token at every position."""
        if self.encoding == "labels":
            return y.astype(np.int64)
        if self.encoding == "onehot":
            return np.eye(self.n_classes, dtype=dtype)[y]
        if self.encoding == "binary01":  # (N,) -> (N, 1); per position (N, T) -> (N, T, 1)
            return (y == 1).astype(dtype).reshape(*y.shape, 1)
        if self.encoding == "binary_pm1":
            return np.where(y == 1, 1.0, -1.0).astype(dtype).reshape(*y.shape, 1)
        return y.astype(dtype).reshape(len(y), math.prod(y.shape[1:]))  # (0, D) too

    def scores(self, outputs: np.ndarray) -> np.ndarray:
        """Network outputs (activation applied) -> class scores: (N, K) or (N,) for binary."""
        if self.out_units == 1:
            flat = outputs.reshape(-1)
            return (flat + 1.0) / 2.0 if self.encoding == "binary_pm1" else flat
        return outputs

    def predict_labels(self, outputs: np.ndarray) -> np.ndarray:
        s = self.scores(outputs)
        return (s > 0.5).astype(np.int64) if s.ndim == 1 else np.argmax(s, axis=1)


def output_units(shape: tuple[int, ...]) -> int:
    """Units of one prediction: K of a per-position output (T, K), else every output."""
    return int(shape[-1]) if len(shape) == 2 else int(np.prod(shape))


def choose_loss(
    name: str, options: dict[str, Any], task: str, n_classes: int, out_units: int, out_act: str
) -> tuple[Loss, TargetCoder, bool]:
    """Return (loss, target coder, logits_mode) or raise a ConfigError explaining the fix."""
    if name == "auto":
        name = _auto_loss(task, out_units, out_act)
    if task == "regression":
        return get_loss(name, **options), TargetCoder(task, 0, out_units, "raw"), False
    _check_units(n_classes, out_units)
    if name in LOGIT_ACTIVATIONS:
        if out_act not in LOGIT_ACTIVATIONS[name]:
            raise ConfigError(
                f"{name.replace('_', ' ')} needs a {LOGIT_ACTIVATIONS[name][0]} output, but the "
                f"output layer uses {out_act}. Change its activation to "
                f"{LOGIT_ACTIVATIONS[name][0]}, or pick mean squared error."
            )
        loss = get_loss(name, **{**options, "from_logits": True})
        if name == "binary_crossentropy":
            return loss, TargetCoder(task, n_classes, out_units, _binary_or_onehot(out_units)), True
        return loss, TargetCoder(task, n_classes, out_units, "labels"), True
    if out_units == 1:
        pm1 = name == "hinge" or out_act in ("tanh", "linear", "softsign")
        return get_loss(name, **options), TargetCoder(
            task, n_classes, 1, "binary_pm1" if pm1 else "binary01"), False
    return get_loss(name, **options), TargetCoder(task, n_classes, out_units, "onehot"), False


def _binary_or_onehot(out_units: int) -> str:
    return "binary01" if out_units == 1 else "onehot"


def _auto_loss(task: str, out_units: int, out_act: str) -> str:
    if task == "regression":
        return "mse"
    if out_units == 1:
        return "binary_crossentropy" if out_act in ("sigmoid", "linear") else "mse"
    return "categorical_crossentropy" if out_act in ("softmax", "linear") else "mse"


def _check_units(n_classes: int, out_units: int) -> None:
    if out_units == n_classes or (out_units == 1 and n_classes == 2):
        return
    hint = "1 (sigmoid) or 2 (softmax)" if n_classes == 2 else f"{n_classes} (softmax)"
    raise ConfigError(
        f"The output layer has {out_units} unit(s) but the dataset has {n_classes} classes — "
        f"set the last layer's units to {hint}."
    )
