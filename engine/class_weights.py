"""Class weights for the classification losses: "balanced" or one weight per class.

A learner writes the loss option ``class_weight`` as ``"none"``, ``"balanced"`` or a list of
numbers such as ``"1, 4"`` (one per class, class 0 first). ``"balanced"`` is scikit-learn's
rule ``w_k = N / (K · n_k)`` over the training labels (a class with no sample gets 1).

Weighted reduction follows PyTorch's ``CrossEntropyLoss(weight=w)``: every sample (row) ``r``
of true class ``c_r`` has weight ``w_r = w[c_r]`` and "mean" is ``Σ w_r·l_r / Σ w_r``; "sum" is
``Σ w_r·l_r``. Soft or one-hot rows get ``w_r = Σ_k y_rk·w_k``. Binary cross-entropy on one
output weighs each element by ``w[1]·y + w[0]·(1 - y)``; on one-hot outputs (K units) each row
by its class's weight, spread over the row's K elements.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.types import ConfigError

NONE, BALANCED = "none", "balanced"


def parse_class_weight(value: Any, where: str = "The loss") -> str | list[float]:
    """``"none"`` | ``"balanced"`` | ``"1, 4"`` / ``[1, 4]`` -> "none", "balanced" or floats.

    Raises a ``ConfigError`` that says what to write."""
    if value is None:
        return NONE
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("", NONE, "off"):
            return NONE
        if text == BALANCED:
            return BALANCED
        parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        parts = [value]
    try:
        weights = [float(p) for p in parts]
    except (TypeError, ValueError):
        weights = []
    if len(weights) < 2 or not all(math.isfinite(w) and w >= 0 for w in weights) or (
            sum(weights) <= 0):
        raise ConfigError(
            f"{where}: the class weights must be 'none', 'balanced' or one number of at "
            f"least 0 per class, such as '1, 4' (class 0 first), but they are {value!r}.")
    return weights


def balanced_weights(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """labels: (N,) whole class numbers -> (n_classes,) float64 ``N / (K · n_k)``."""
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    counts = np.bincount(labels, minlength=n_classes)[:n_classes].astype(np.float64)
    n = float(counts.sum())
    out = np.ones(n_classes, dtype=np.float64)
    seen = counts > 0
    out[seen] = n / (n_classes * counts[seen])
    return out


def resolve(setting: str | list[float], labels: np.ndarray, n_classes: int,
            where: str = "The loss") -> np.ndarray | None:
    """The weight vector ``(n_classes,)`` for a parsed setting and the training labels
    ``(N,)``; None for "none". A list of the wrong length is a ``ConfigError``."""
    if setting == NONE:
        return None
    if setting == BALANCED:
        return balanced_weights(labels, n_classes)
    weights = np.asarray(setting, dtype=np.float64)
    if len(weights) != n_classes:
        raise ConfigError(f"{where}: {len(weights)} class weights are given, but the data has "
                          f"{n_classes} classes; give one weight per class.")
    return weights


def batch_weights(fitted: np.ndarray | None, labels: np.ndarray | None,
                  soft: np.ndarray | None, k: int) -> np.ndarray:
    """The fitted weights, or (a "balanced" loss used before ``fit_class_weights``) the
    balanced weights of this batch's labels ``(N,)`` or soft rows ``(N, K)``."""
    if fitted is not None:
        return fitted
    if labels is None:
        assert soft is not None
        labels = np.argmax(soft, axis=1)
    return balanced_weights(labels, k)


def row_weights(weights: np.ndarray, labels: np.ndarray | None,
                soft: np.ndarray | None) -> np.ndarray:
    """Weights ``(N,)`` of rows given integer labels ``(N,)`` or soft rows ``(N, K)``."""
    if labels is not None:
        if labels.size and labels.max() >= len(weights):
            raise ConfigError(f"There are {len(weights)} class weights but a class label "
                              f"{int(labels.max())}; give one weight per class.")
        return weights[labels]
    assert soft is not None
    if soft.shape[1] != len(weights):
        raise ConfigError(f"There are {len(weights)} class weights but the network has "
                          f"{soft.shape[1]} outputs; give one weight per class.")
    return soft.astype(np.float64) @ weights


def weighted_softmax_ce(logits: np.ndarray, labels: np.ndarray | None, soft: np.ndarray | None,
                        weights: np.ndarray, reduction: str) -> tuple[float, np.ndarray]:
    """logits: (N, K) rows; labels (N,) or soft (N, K) -> (loss, grad (N, K) like logits)."""
    z = logits.astype(np.float64)
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # (N, K)
    y = _rows(labels, soft, z.shape[1])
    w = row_weights(weights, labels, soft)  # (N,)
    per = -(y * log_p).sum(axis=1)  # (N,)
    grad = np.exp(log_p) * y.sum(axis=1, keepdims=True) - y  # (N, K)
    return _reduce(per, grad, w[:, None], w, reduction, logits.dtype)


def weighted_probs_ce(probs: np.ndarray, labels: np.ndarray | None, soft: np.ndarray | None,
                      weights: np.ndarray, reduction: str, eps: float
                      ) -> tuple[float, np.ndarray]:
    """Cross-entropy of probabilities (N, K) clipped to [eps, 1 - eps] (gradient 0 there)."""
    y = _rows(labels, soft, probs.shape[1])
    p = np.clip(probs.astype(np.float64), eps, 1 - eps)
    w = row_weights(weights, labels, soft)
    per = -np.where(y != 0, y * np.log(p), 0).sum(axis=1)
    inside = (probs > eps) & (probs < 1 - eps)
    grad = np.where(inside, -y / p, 0)
    return _reduce(per, grad, w[:, None], w, reduction, probs.dtype)


def _rows(labels: np.ndarray | None, soft: np.ndarray | None, k: int) -> np.ndarray:
    """One-hot rows (N, K) float64 from labels (N,), or the soft rows as float64."""
    if labels is not None:
        return np.eye(k)[labels]
    assert soft is not None
    return soft.astype(np.float64)


def element_weights(weights: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Binary cross-entropy weights shaped like ``y: (B, ...)``: one output uses
    ``w[1]·y + w[0]·(1-y)``; K outputs one-hot rows use ``w[class]`` for the whole row."""
    y64 = y.astype(np.float64)
    if y.ndim >= 2 and y.shape[-1] == len(weights) and len(weights) > 1 and y.shape[-1] > 1:
        rows = y64.reshape(-1, y.shape[-1]) @ weights  # (N,)
        return np.broadcast_to(rows.reshape(y.shape[:-1] + (1,)), y.shape)
    if len(weights) != 2:
        raise ConfigError(f"A single yes/no output takes 2 class weights (no, yes), but "
                          f"{len(weights)} are given.")
    return weights[1] * y64 + weights[0] * (1 - y64)


def weighted_bce(z: np.ndarray, y: np.ndarray, weights: np.ndarray, reduction: str,
                 from_logits: bool, eps: float) -> tuple[float, np.ndarray]:
    """Binary cross-entropy, logits or probabilities ``z: (B, ...)``, targets like z."""
    w = element_weights(weights, y)
    zz, yy = z.astype(np.float64), y.astype(np.float64)
    if from_logits:
        e = np.exp(-np.abs(zz))
        per = np.maximum(zz, 0) - zz * yy + np.log1p(e)
        grad = np.where(zz >= 0, 1 / (1 + e), e / (1 + e)) - yy
    else:
        p = np.clip(zz, eps, 1 - eps)
        per = -(yy * np.log(p) + (1 - yy) * np.log(1 - p))
        inside = (zz > eps) & (zz < 1 - eps)
        grad = np.where(inside, (p - yy) / (p * (1 - p)), 0)
    return _reduce(per, grad, w, w, reduction, z.dtype)


def _reduce(per: np.ndarray, grad: np.ndarray, w_grad: np.ndarray, w: np.ndarray,
            reduction: str, dtype: Any) -> tuple[float, np.ndarray]:
    """``Σ w·l / Σ w`` (mean) or ``Σ w·l`` (sum), and the matching gradient in ``dtype``."""
    total_w = float(np.sum(w)) if reduction == "mean" else 1.0
    scale = 1.0 / total_w if total_w > 0 else 0.0
    value = float(np.sum(w * per)) * scale
    return value, (grad * w_grad * scale).astype(dtype)
