"""A layer's activations over the probe batch as 2-D points, stable from frame to frame.

A layer with 2 units is shown as is. Wider layers are projected on their first two principal
axes (PCA of the centred activations). SVD fixes axes only up to sign and, when two
variances are close, up to a rotation, so a naive projection can flip or spin between frames
although the network barely changed. ``LatentProjector`` keeps the previous basis and turns
each new one towards it with an orthogonal Procrustes rotation (which includes sign flips),
so consecutive frames of a slowly changing layer look alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.model import Model
from engine.types import ConfigError


class LatentProjector:
    """``project(acts (N, D)) -> (N, 2)``; remembers its basis ``(D, 2)`` between calls."""

    def __init__(self) -> None:
        self.basis: np.ndarray | None = None  # (D, 2), orthonormal columns
        self.mean: np.ndarray | None = None  # (D,)
        self.explained: np.ndarray = np.zeros(2)  # variance fraction of the two axes

    def reset(self) -> None:
        self.basis = self.mean = None

    def project(self, acts: np.ndarray) -> np.ndarray:
        """acts: (N, D) -> (N, 2) points (D == 2: unchanged; D == 1: y = 0)."""
        a = np.asarray(acts, dtype=np.float64).reshape(len(acts), -1)
        d = a.shape[1]
        if d <= 2:
            self.explained = np.array([1.0, 0.0]) if d == 1 else np.ones(2) / 2
            return np.pad(a, ((0, 0), (0, 2 - d)))
        mean = a.mean(axis=0)
        centred = a - mean
        basis, top = principal_axes(centred)
        total = float(np.sum(centred**2))
        self.explained = top / total if total > 0 else np.zeros(2)
        if self.basis is not None and self.basis.shape == basis.shape:
            basis = basis @ procrustes(basis, self.basis)
        self.basis, self.mean = basis, mean
        return centred @ basis


def principal_axes(centred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """centred: (N, D) -> the first two principal axes (D, 2) and their variances × N (2,).

    Eigen-decomposes the smaller of the covariance (D, D) and Gram (N, N) matrices: several
    times faster than an SVD for the few hundred probe samples of a wide layer."""
    n, d = centred.shape
    if d <= n:
        values, vectors = np.linalg.eigh(centred.T @ centred)
        return vectors[:, [-1, -2]], np.maximum(values[[-1, -2]], 0.0)
    values, u = np.linalg.eigh(centred @ centred.T)
    values, u = np.maximum(values[[-1, -2]], 0.0), u[:, [-1, -2]]
    basis = centred.T @ u  # (D, 2), column norms sqrt(values)
    norms = np.linalg.norm(basis, axis=0)
    return basis / np.where(norms > 0, norms, 1.0), values


def procrustes(current: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """The orthogonal (2, 2) R minimising ‖current · R − previous‖ (rotation or reflection)."""
    u, _, vt = np.linalg.svd(current.T @ previous)
    return u @ vt


def latent_points(model: Model, x: np.ndarray, layer: str,
                  projector: LatentProjector) -> dict[str, Any]:
    """x: probe batch (N, *input_shape) -> ``points`` (N, 2) float32 for ``layer`` and
    ``explained`` (2,) variance fractions of the axes (PCA) or [1, 0]/[0.5, 0.5] (raw)."""
    if layer not in model.layers:
        raise ConfigError(f"There is no layer named '{layer}' to show in the latent view.")
    model.forward(x, training=False)
    acts = model.activations_of()[layer]
    points = projector.project(acts.reshape(len(x), -1))
    return {"points": points.astype(np.float32), "explained": projector.explained.copy()}
