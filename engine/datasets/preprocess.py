"""Splitting into training/validation parts and rescaling inputs with training statistics.

The split is shuffled with the dataset's seed and, for classification, stratified: every
class keeps (as nearly as whole numbers allow) the same share in both parts. Rescaling
statistics (mean/std or min/range per input feature, each of shape ``input_shape``) are
computed on the training part only, so the validation part stays honest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.types import ConfigError


def split_indices(y: np.ndarray, val_split: float, stratify: bool,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled ``(train_idx, val_idx)`` for ``y: (N,)`` labels or ``(N, D)`` targets.

    The validation part holds ``round(N * val_split)`` samples; with ``stratify`` they are
    shared among the classes by the largest-remainder rule.
    """
    n = len(y)
    n_val = int(round(n * val_split))
    if not stratify:
        order = rng.permutation(n)
        return order[n_val:], order[:n_val]
    classes, counts = np.unique(y, return_counts=True)
    per_class = _allocate(counts, n_val)
    train_parts, val_parts = [], []
    for cls, k in zip(classes, per_class):
        members = rng.permutation(np.flatnonzero(y == cls))
        val_parts.append(members[:k])
        train_parts.append(members[k:])
    train_idx = rng.permutation(np.concatenate(train_parts))
    val_idx = rng.permutation(np.concatenate(val_parts))
    return train_idx.astype(np.int64), val_idx.astype(np.int64)


def _allocate(counts: np.ndarray, total: int) -> np.ndarray:
    """Share ``total`` among groups proportionally to ``counts`` (largest remainder)."""
    exact = counts * (total / counts.sum())
    base = np.floor(exact).astype(np.int64)
    rest = total - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:rest]] += 1
    return np.minimum(base, counts)


def subsample(n_total: int, n_samples: int | None, rng: np.random.Generator,
              dataset: str) -> np.ndarray | None:
    """Indices of a random subset of ``n_samples`` out of ``n_total`` (None: keep all)."""
    if n_samples is None or n_samples == n_total:
        return None
    if n_samples > n_total:
        raise ConfigError(
            f"The dataset '{dataset}' has only {n_total} samples but n_samples asks for "
            f"{n_samples}. Lower n_samples or leave it empty to use all of them."
        )
    return np.sort(rng.choice(n_total, size=n_samples, replace=False))


def fit_preprocessing(x_train: np.ndarray, standardize: bool, normalize: str,
                      dataset: str) -> dict[str, Any]:
    """Statistics from ``x_train: (N, *input_shape)``; each stored array is ``input_shape``."""
    if standardize and normalize != "none":
        raise ConfigError(
            f"The dataset '{dataset}' is set to both standardize and normalize its inputs; "
            f"choose one of them."
        )
    if len(x_train) == 0 or not (standardize or normalize != "none"):
        return {"kind": "none"}
    x64 = x_train.astype(np.float64)
    if standardize:
        mean, std = x64.mean(axis=0), x64.std(axis=0)
        std = np.where(std > 1e-12, std, 1.0)  # NOTE: a constant feature is only centred
        return {"kind": "standardize", "mean": mean.astype(np.float32),
                "std": std.astype(np.float32)}
    lo, hi = x64.min(axis=0), x64.max(axis=0)
    span = np.where(hi - lo > 1e-12, hi - lo, 1.0)
    return {"kind": "minmax", "min": lo.astype(np.float32), "range": span.astype(np.float32)}
