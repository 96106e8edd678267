"""Latent-space probes of autoencoders and VAEs, as plain numpy functions.

``code`` is the name of the code layer (``graph_tools.code_layer``); for a VAE it is the
Sampling layer, whose inference output is the mean μ. Codes are flattened to ``(N, d)``.

- ``encode(model, code, x)``: ``x: (N, *input_shape)`` -> codes ``(N, d)``.
- ``project_2d(codes)``: a 2-D view of the codes: ``(points (N, 2), mean (d,), axes (2, d))``;
  2-D codes are returned as they are (identity axes), higher-D codes go through PCA.
- ``decode(model, code, z)``: codes ``(N, d)`` -> outputs ``(N, *output_shape)``.
- ``lift(points, mean, axes)``: 2-D window points back into the code space ``(N, d)``.
- ``decode_grid(...)``: decode an ``n × n`` grid over a 2-D window -> ``(n, n, *output_shape)``.
- ``interpolate(model, code, xa, xb, steps)``: decode straight-line codes between two samples.
- ``reconstruct(model, x)``: the outputs for a fixed sample set (final activation applied).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.generative.graph_tools import forward_from
from engine.model import Model


def encode(model: Model, code: str, x: np.ndarray, batch: int = 1024) -> np.ndarray:
    """x: (N, *input_shape) -> (N, d) float32 codes (inference mode)."""
    parts = []
    for start in range(0, len(x), batch):
        model.forward(x[start : start + batch], training=False)
        value = model.activations_of()[code]
        parts.append(np.array(value, dtype=np.float32).reshape(len(value), -1))
    if not parts:
        d = int(np.prod(model.report.shapes[code]))
        return np.zeros((0, d), np.float32)
    return np.concatenate(parts)


def project_2d(codes: np.ndarray, projector: Any = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """codes: (N, d) -> (points (N, 2), mean (d,), axes (2, d)) with ``points = (codes −
    mean) @ axes.T``. d ≤ 2 is shown directly (padded with a zero axis for d = 1). For d > 2,
    ``projector`` (``engine.introspection.latent.LatentProjector``, kept between frames so the
    axes do not flip or spin) gives the PCA axes; without one a plain SVD is used."""
    n, d = codes.shape
    if d <= 2:
        axes = np.eye(2, d, dtype=np.float64)
        mean = np.zeros(d)
        points = codes.astype(np.float64) @ axes.T
        return points.astype(np.float32), mean, axes
    if projector is not None:
        points = projector.project(codes)
        return (np.asarray(points, np.float32), np.asarray(projector.mean, np.float64),
                np.asarray(projector.basis, np.float64).T)
    mean, axes = _pca_axes(codes.astype(np.float64))
    points = (codes - mean) @ axes.T
    return points.astype(np.float32), mean, axes


def _pca_axes(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d,) and the two leading principal axes (2, d), signs fixed so that the largest
    component of each axis is positive (stable between frames)."""
    mean = codes.mean(axis=0)
    if len(codes) < 2:
        return mean, np.eye(2, codes.shape[1])
    _, _, vt = np.linalg.svd(codes - mean, full_matrices=False)
    axes = np.zeros((2, codes.shape[1]))
    axes[: min(2, len(vt))] = vt[:2]
    for row in axes:
        if row.any() and row[np.argmax(np.abs(row))] < 0:
            row *= -1
    return mean, axes


def lift(points: np.ndarray, mean: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """points: (N, 2) in the 2-D view -> (N, d) codes ``mean + points @ axes``."""
    return (mean + np.asarray(points, np.float64) @ axes).astype(np.float32)


def decode(model: Model, code: str, z: np.ndarray) -> np.ndarray:
    """z: (N, d) codes -> (N, *output_shape) outputs (final activation applied)."""
    shape = model.report.shapes[code]
    z = np.asarray(z, dtype=model.dtype).reshape(len(z), *shape)
    return np.array(forward_from(model, code, z), dtype=np.float32)


def decode_grid(model: Model, code: str, extent: np.ndarray, n: int = 10,
                mean: np.ndarray | None = None, axes: np.ndarray | None = None) -> np.ndarray:
    """Decode an ``n × n`` grid over the 2-D window ``extent = [x0, x1, y0, y1]`` -> ``(n, n,
    *output_shape)``; row r is y = y0 + r·step (row 0 at the window's bottom), column c is x.
    ``mean``/``axes`` (from ``project_2d``) map the window into a code space of d > 2."""
    gx = np.linspace(extent[0], extent[1], n)
    gy = np.linspace(extent[2], extent[3], n)
    xx, yy = np.meshgrid(gx, gy)
    points = np.stack([xx.ravel(), yy.ravel()], 1)
    d = int(np.prod(model.report.shapes[code]))
    if mean is None or axes is None:
        mean, axes = np.zeros(d), np.eye(2, d)
    out = decode(model, code, lift(points, mean, axes))
    return out.reshape(n, n, *out.shape[1:])


def decode_point(model: Model, code: str, point: np.ndarray, mean: np.ndarray | None = None,
                 axes: np.ndarray | None = None) -> np.ndarray:
    """One 2-D view point ``(2,)`` (or a full code ``(d,)`` when mean/axes are None and d ≠ 2)
    -> one output ``(*output_shape)``."""
    point = np.asarray(point, np.float64).reshape(1, -1)
    if mean is not None and axes is not None:
        z = lift(point, mean, axes)
    else:
        z = point.astype(np.float32)
    return decode(model, code, z)[0]


def interpolate(model: Model, code: str, xa: np.ndarray, xb: np.ndarray,
                steps: int = 8) -> np.ndarray:
    """xa, xb: one sample each (*input_shape) -> (steps, *output_shape): decodes of the codes
    on the straight line from code(xa) (first) to code(xb) (last)."""
    za, zb = encode(model, code, np.stack([xa, xb]))
    t = np.linspace(0.0, 1.0, steps)[:, None]
    return decode(model, code, (1 - t) * za + t * zb)


def reconstruct(model: Model, x: np.ndarray) -> np.ndarray:
    """x: (S, *input_shape) -> (S, *output_shape) reconstructions (inference mode)."""
    return np.array(model.predict(x), dtype=np.float32)


def window(points: np.ndarray, pad: float = 0.1) -> np.ndarray:
    """``[x0, x1, y0, y1]`` around 2-D points, ``pad`` of the span added on each side."""
    if len(points) == 0:
        return np.array([-3.0, 3.0, -3.0, 3.0])
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.maximum(hi - lo, 1e-3)
    return np.array([lo[0] - pad * span[0], hi[0] + pad * span[0],
                     lo[1] - pad * span[1], hi[1] + pad * span[1]])


def knn_accuracy(train_codes: np.ndarray, train_labels: np.ndarray, codes: np.ndarray,
                 labels: np.ndarray, k: int = 5) -> float:
    """How well codes separate classes: the share of ``codes: (M, d)`` whose k nearest
    ``train_codes: (N, d)`` (Euclidean) vote for their own label (ties: the smaller label)."""
    if len(codes) == 0 or len(train_codes) == 0:
        return float("nan")
    k = min(k, len(train_codes))
    a, b = codes.astype(np.float64), train_codes.astype(np.float64)
    dist = (a * a).sum(1)[:, None] - 2.0 * a @ b.T + (b * b).sum(1)[None, :]  # (M, N)
    near = np.argpartition(dist, k - 1, axis=1)[:, :k]
    votes = np.asarray(train_labels)[near]  # (M, k)
    n_cls = int(max(votes.max(), np.max(labels))) + 1
    counts = np.stack([(votes == c).sum(1) for c in range(n_cls)], 1)  # (M, classes)
    return float(np.mean(counts.argmax(1) == np.asarray(labels)))
