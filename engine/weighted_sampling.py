"""Weighted sampling of a classification training set: each epoch's sample order draws
``N`` indices *with replacement*, sample ``i`` with probability ∝ ``1 / n_{c_i}`` (the count of
its class in the training labels), so every class fills about ``1 / K`` of the batches however
rare it is. Used by ``engine.training.Trainer`` when ``TrainConfig.weighted_sampling`` is on.

The draw uses the trainer's own generator, so the order is fixed by the seed, and a restored
checkpoint (which rewinds that generator to the epoch's start) draws the same order again.
"""

from __future__ import annotations

import numpy as np


def sample_classes(labels: np.ndarray, n_classes: int) -> np.ndarray | None:
    """labels: (N,) class numbers, or (N, K) one-hot / soft rows -> (N,) int64 class of each
    sample; None when the labels name no single class per sample (e.g. one per time step)."""
    labels = np.asarray(labels)
    if labels.ndim == 1:
        return labels.astype(np.int64)
    if labels.ndim == 2 and labels.shape[1] == n_classes and n_classes > 1:
        return np.argmax(labels, axis=1).astype(np.int64)
    return None


def class_probabilities(classes: np.ndarray, n_classes: int) -> np.ndarray:
    """classes: (N,) int -> (N,) float64 probabilities ∝ 1 / (count of the sample's class),
    summing to 1."""
    counts = np.bincount(classes, minlength=n_classes).astype(np.float64)
    p = 1.0 / counts[classes]
    return p / p.sum()


def weighted_order(rng: np.random.Generator, labels: np.ndarray,
                   n_classes: int) -> np.ndarray:
    """(N,) int64 indices drawn with replacement, ∝ 1 / class frequency; a plain permutation
    when the labels give no class per sample (``sample_classes`` is None)."""
    n = len(labels)
    classes = sample_classes(labels, n_classes)
    if classes is None or n == 0:
        return rng.permutation(n)
    return rng.choice(n, size=n, replace=True, p=class_probabilities(classes, n_classes))
