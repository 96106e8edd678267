"""FGSM (Goodfellow et al. 2015): nudge every input value by ±ε to raise the loss.

``x' = clip(x + ε · sign(∇ₓ loss(x, y)), lo, hi)`` with the cross-entropy of the network's
logits against the true class ``y`` (the predicted class when no label is given) and
``(lo, hi)`` the data range, so the adversarial sample stays a valid input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.introspection.scratch import predicted_class, probabilities, scratch
from engine.model import Model


def _ce_seed(logits: np.ndarray, label: np.ndarray) -> np.ndarray:
    """d cross-entropy / d logits (B, K): softmax − one-hot, or sigmoid − y for one unit."""
    z = logits.astype(np.float64)
    if z.shape[1] == 1:
        return 1.0 / (1.0 + np.exp(-z)) - label.reshape(-1, 1)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(z)), label] -= 1.0
    return p


def fgsm(model: Model, x: np.ndarray, label: int | None, epsilon: float,
         data_range: tuple[float, float]) -> dict[str, Any]:
    """x: one sample (input_shape) -> ``original``, ``perturbation`` (x' − x), ``adversarial``
    (input_shape each), ``label``, ``original_pred``/``adversarial_pred`` (classes),
    ``original_conf``/``adversarial_conf`` (probability of the predicted class) and
    ``original_probs``/``adversarial_probs`` (K,)."""
    x = np.asarray(x, dtype=model.dtype)
    with scratch(model):
        out = model.forward(x[None], training=False)
        logits = out.reshape(1, -1).copy()
        y = int(predicted_class(model, logits)[0]) if label is None else int(label)
        grad = np.array(model.backward(_ce_seed(logits, np.array([y])).reshape(out.shape)
                                       .astype(model.dtype)), copy=True)[0]
        adv = np.clip(x + epsilon * np.sign(grad), *data_range).astype(model.dtype)
        adv_logits = model.forward(adv[None], training=False).reshape(1, -1).copy()
    result: dict[str, Any] = {"original": x, "perturbation": adv - x, "adversarial": adv,
                              "label": np.int64(y), "epsilon": np.float64(epsilon)}
    for tag, z in (("original", logits), ("adversarial", adv_logits)):
        probs = probabilities(model, z)[0]
        pred = int(predicted_class(model, z)[0])
        conf = probs[0] if pred == 1 and probs.size == 1 else (
            1.0 - probs[0] if probs.size == 1 else probs[pred])
        result[f"{tag}_pred"], result[f"{tag}_conf"] = np.int64(pred), np.float64(conf)
        result[f"{tag}_probs"] = probs
    return result
