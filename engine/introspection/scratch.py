"""Probe passes that leave training untouched, and the class-score gradients they share.

Probes run between training chunks. ``scratch(model)`` saves ``grads_flat`` (and the logits
mode) and restores both on exit, so a probe's backward pass never changes what the optimizer
or another view sees. Inside it the output layer skips its final activation, so the scores
are *logits* (pre-softmax class scores), as saliency methods expect.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from engine import activations
from engine.model import Model
from engine.types import ConfigError


@contextmanager
def scratch(model: Model, logits: bool = True) -> Iterator[Model]:
    """Probe passes (logits out unless ``logits=False`` keeps the training mode, as a loss
    needs); ``grads_flat`` and the logits mode are restored after."""
    saved, logits_mode = model.grads_flat.copy(), model.logits_mode
    if logits:
        model.set_logits_mode(True)
    try:
        yield model
    finally:
        model.set_logits_mode(logits_mode)
        model.grads_flat[...] = saved


def probabilities(model: Model, logits: np.ndarray) -> np.ndarray:
    """logits: (B, K) -> class probabilities (B, K), consistent with ``predicted_class``.

    Softmax and sigmoid outputs give their own values. A linear output of a classifier is
    read the way its loss reads it: softmax over K ≥ 2 class scores (cross-entropy fuses it),
    sigmoid of one unit's score — raw scores such as 0.24 and 0.10 are no probabilities. One
    tanh unit (±1 targets) gives p(class 1) = (tanh + 1) / 2. Others: the activation's output.
    """
    name = model.output_activation()
    z = np.asarray(logits, dtype=np.float64)
    if logits.shape[1] == 1 and name in ("linear", "sigmoid", "tanh"):
        return 1.0 / (1.0 + np.exp(-(2.0 * z if name == "tanh" else z)))
    if logits.shape[1] > 1 and name in ("linear", "softmax"):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return np.asarray(activations.forward(name, logits), dtype=np.float64)


def score_seed(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    """d(class score)/d(logits) for each row: one-hot at ``target`` (B, K).

    With a single output unit (binary sigmoid), class 1's score is the logit and class 0's is
    its negative."""
    b, k = logits.shape
    seed = np.zeros((b, k), dtype=logits.dtype)
    if k == 1:
        seed[:, 0] = np.where(np.asarray(target) == 1, 1.0, -1.0)
    else:
        seed[np.arange(b), target] = 1.0
    return seed


def class_scores(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    """logits (B, K), target (B,) -> the chosen class score of each row (B,)."""
    if logits.shape[1] == 1:
        return np.where(np.asarray(target) == 1, logits[:, 0], -logits[:, 0])
    return logits[np.arange(len(logits)), target]


def predicted_class(model: Model, logits: np.ndarray) -> np.ndarray:
    """logits (B, K) -> predicted class (B,): argmax, or logit > 0 for one sigmoid unit."""
    if logits.shape[1] == 1:
        return (logits[:, 0] > 0).astype(np.int64)
    return np.argmax(logits, axis=1).astype(np.int64)


def score_gradients(model: Model, x: np.ndarray, target: np.ndarray,
                    keep: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """x: (B, *input_shape), target: (B,) classes -> (logits (B, K), d score/d x (B, *in)).

    Call inside ``scratch``. Gradients of the layers named in ``keep`` land in
    ``model.kept_grads``."""
    out = model.forward(x, training=False)
    logits = out.reshape(len(x), -1)
    check_target(logits, target)
    grad_x = model.backward(score_seed(logits, target).reshape(out.shape), keep)
    return logits.copy(), np.array(grad_x, copy=True)


def check_target(logits: np.ndarray, target: np.ndarray) -> None:
    k = max(logits.shape[1], 2)
    t = np.asarray(target)
    if t.size and (t.min() < 0 or t.max() >= k):
        raise ConfigError(f"The chosen class {int(t.max())} does not exist: the network has "
                          f"{k} classes (0 to {k - 1}).")
