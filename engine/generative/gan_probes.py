"""GAN probes as plain numpy functions, and the ``GANProbeSet`` a GAN run snapshots with.

- ``mode_centers(x, y)``: the modes of a labelled mixture (per-class means ``(K, 2)``) and their
  pooled standard deviation σ (mean over classes and both axes of the per-class spread);
- ``mode_coverage(points, centers, sigma, min_share)``: each generated point goes to its
  nearest mode; it is *high quality* when it lies within 3σ of it; a mode is *covered* when at
  least ``min_share`` of all points are high-quality points of that mode. Returns
  ``{"modes_covered", "n_modes", "high_quality", "counts"}`` (counts: high-quality points per
  mode);
- ``discriminator_surface(d_prob, extent, grid)``: D's probability of "real" over a
  ``grid × grid`` window (row = y from the bottom, column = x), ``(grid, grid)``.

``GANProbeSet.compute(names)`` with names from ``TrainConfig.probes``: ``"gan_samples"`` ->
``gan_samples (S, *data_shape)`` generated from S fixed noise vectors (labels cycling through
the classes when conditional; ``gan_labels (S,)``); ``"gan_surface"`` (2-D data) ->
``d_surface (G, G)`` and ``grid_extent`` (averaged over the classes when conditional);
``"mode_coverage"`` (2-D labelled data) -> ``modes_covered``, ``n_modes``, ``high_quality``
(0-d arrays) and ``mode_counts (K,)`` on 1000 generated points; ``"weights"`` -> copies of both
networks' parameters keyed ``"weights:generator/LAYER/PARAM"`` and ``"weights:discriminator/…"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine.probes import GRID, grid_extent

COVERAGE_POINTS = 1000


def mode_centers(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """x: (N, 2), y: (N,) mode labels -> (centres (K, 2), σ)."""
    labels = np.unique(y)
    centers = np.stack([x[y == k].mean(axis=0) for k in labels])
    spreads = [x[y == k].std(axis=0).mean() for k in labels if np.sum(y == k) > 1]
    return centers.astype(np.float64), float(np.mean(spreads)) if spreads else 0.0


def mode_coverage(points: np.ndarray, centers: np.ndarray, sigma: float,
                  min_share: float = 0.01) -> dict[str, Any]:
    """points: (N, 2) generated, centers: (K, 2) -> coverage readout (module docstring)."""
    k = len(centers)
    if len(points) == 0:
        return {"modes_covered": 0, "n_modes": k, "high_quality": 0.0, "counts": np.zeros(k, int)}
    dist = np.linalg.norm(points[:, None, :] - centers[None, :, :], axis=2)  # (N, K)
    nearest = np.argmin(dist, axis=1)
    good = dist[np.arange(len(points)), nearest] <= 3.0 * sigma
    counts = np.bincount(nearest[good], minlength=k)
    covered = int(np.sum(counts >= max(min_share * len(points), 1e-12)))
    return {"modes_covered": covered, "n_modes": k, "high_quality": float(good.mean()),
            "counts": counts}


def discriminator_surface(d_prob: Callable[[np.ndarray], np.ndarray], extent: np.ndarray,
                          grid: int = GRID) -> np.ndarray:
    """d_prob: (M, 2) -> (M,) probabilities; extent ``[x0, x1, y0, y1]`` -> (grid, grid)."""
    gx = np.linspace(extent[0], extent[1], grid)
    gy = np.linspace(extent[2], extent[3], grid)
    xx, yy = np.meshgrid(gx, gy)
    pts = np.stack([xx.ravel(), yy.ravel()], 1).astype(np.float32)
    return np.asarray(d_prob(pts), dtype=np.float32).reshape(grid, grid)


class GANProbeSet:
    """Fixed noise vectors and grid of one GAN trainer (frames stay comparable)."""

    def __init__(self, trainer: Any) -> None:
        self.trainer = trainer
        data = trainer.data
        rng = np.random.default_rng([trainer.config.seed, 99])
        n = int(trainer.opts["n_fixed"])
        self.z = trainer.noise(n, rng)
        self.labels = (np.arange(n) % trainer.n_classes) if trainer.conditional else None
        self.z_cover = trainer.noise(COVERAGE_POINTS, rng)
        self.plane = tuple(data.input_shape) == (2,)
        self.extent = grid_extent(data.x_train) if self.plane and len(data.x_train) else None
        self.centers = self.sigma = None
        if self.plane and data.task == "classification" and len(data.x_train):
            self.centers, self.sigma = mode_centers(data.x_train, data.y_train)

    def compute(self, names: list[str]) -> dict[str, np.ndarray]:
        t, out = self.trainer, {}
        if "gan_samples" in names:
            out["gan_samples"] = np.array(t.generate(self.z, self.labels), dtype=np.float32)
            if self.labels is not None:
                out["gan_labels"] = self.labels.copy()
        if "gan_surface" in names and self.extent is not None:
            out["d_surface"] = discriminator_surface(self._d_prob, self.extent)
            out["grid_extent"] = self.extent.astype(np.float32)
        if "mode_coverage" in names and self.centers is not None and self.sigma is not None:
            labels = (np.arange(COVERAGE_POINTS) % t.n_classes) if t.conditional else None
            pts = np.array(t.generate(self.z_cover, labels), dtype=np.float64)
            cov = mode_coverage(pts, self.centers, self.sigma, t.opts["coverage_share"])
            out.update(modes_covered=np.array(cov["modes_covered"]),
                       n_modes=np.array(cov["n_modes"]),
                       high_quality=np.array(cov["high_quality"]), mode_counts=cov["counts"])
        if "weights" in names:
            for tag, model in (("generator", t.generator), ("discriminator", t.discriminator)):
                for key, value in model.get_weights().items():
                    out[f"weights:{tag}/{key}"] = value
        return out

    def _d_prob(self, pts: np.ndarray) -> np.ndarray:
        t = self.trainer
        if not t.conditional:
            return t.d_prob(pts)
        return np.mean([t.d_prob(pts, np.full(len(pts), k)) for k in range(t.n_classes)], axis=0)
