"""Mixtures of Gaussians in the plane, the classic GAN mode-collapse tests.

``gaussian_ring``: ``n_modes`` (8) Gaussians evenly spaced on a circle of radius ``radius``;
``gaussian_grid``: ``side × side`` (5 × 5 = 25) Gaussians on a square grid of spacing
``spacing``, centred on the origin. ``noise`` is each Gaussian's standard deviation σ. Points
are ``x: (N, 2)``; the label ``y: (N,)`` is the index of the mode a point was drawn from (used
by a conditional GAN and by the mode-coverage readout). Modes get balanced counts.
"""

from __future__ import annotations

import numpy as np

from engine.datasets.base import CLASSIFICATION, RawData
from engine.datasets.generated import XY, class_counts


def ring_centers(n_modes: int = 8, radius: float = 1.0) -> np.ndarray:
    """(n_modes, 2) centres; mode k at angle 2πk/n_modes."""
    t = 2 * np.pi * np.arange(n_modes) / n_modes
    return radius * np.stack([np.cos(t), np.sin(t)], axis=1)


def grid_centers(side: int = 5, spacing: float = 0.5) -> np.ndarray:
    """(side², 2) centres, row-major from the bottom-left corner."""
    ticks = (np.arange(side) - (side - 1) / 2) * spacing
    xx, yy = np.meshgrid(ticks, ticks)
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


def _mixture(centers: np.ndarray, n_samples: int, noise: float, rng: np.random.Generator,
             description: str) -> RawData:
    counts = class_counts(n_samples, len(centers))
    x = np.concatenate([c + noise * rng.standard_normal((m, 2)) for c, m in zip(centers, counts)])
    y = np.concatenate([np.full(m, k, np.int64) for k, m in enumerate(counts)])
    names = [f"mode {k + 1}" for k in range(len(centers))]
    return RawData(x.astype(np.float32), y, CLASSIFICATION, len(centers), list(XY), names,
                   description)


def gaussian_ring(n_samples: int, noise: float, rng: np.random.Generator, n_modes: int = 8,
                  radius: float = 1.0) -> RawData:
    return _mixture(ring_centers(n_modes, radius), n_samples, noise, rng,
                    f"Ring of {n_modes} Gaussians (radius {radius:g}, σ {noise:g}), "
                    f"{n_samples} points")


def gaussian_grid(n_samples: int, noise: float, rng: np.random.Generator, side: int = 5,
                  spacing: float = 0.5) -> RawData:
    return _mixture(grid_centers(side, spacing), n_samples, noise, rng,
                    f"Grid of {side}×{side} Gaussians (spacing {spacing:g}, σ {noise:g}), "
                    f"{n_samples} points")
