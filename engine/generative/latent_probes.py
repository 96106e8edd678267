"""``LatentProbeSet``: the probes an autoencoder/VAE run puts into its snapshots.

Names (``TrainConfig.probes``) and the arrays they add:

- ``"latent_codes"``: ``latent_codes (N, 2)`` codes of up to 1000 validation samples (training
  samples when there is no validation split) in the 2-D view (PCA for codes of d > 2),
  ``latent_labels (N,)`` their labels (−1 for regression data), ``latent_extent`` the view's
  window ``[x0, x1, y0, y1]``, ``latent_axes (2, d)`` and ``latent_mean (d,)`` of the view;
- ``"latent_grid"``: ``latent_grid (G, G, *output_shape)`` decodes over that window (G = 10);
- ``"reconstructions"``: ``recon_inputs (S, *input_shape)`` and ``recon_outputs (S,
  *output_shape)`` for a fixed set of S = 8 samples;
- ``"interpolation"``: ``interpolation (8, *output_shape)`` decodes between the codes of the
  first two fixed samples;
- ``"weights"``: copies of every parameter as in ``engine.probes``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.generative import latent

try:
    from engine.introspection.latent import LatentProjector
except ImportError:  # pragma: no cover - introspection package not present
    LatentProjector = None  # type: ignore[assignment,misc]

CODE_SAMPLES = 1000
FIXED = 8
GRID = 10


class LatentProbeSet:
    """Fixed probe inputs of one autoencoder trainer, so frames are comparable over time."""

    def __init__(self, trainer: Any) -> None:
        self.trainer = trainer
        data = trainer.data
        x, y = (data.x_val, data.y_val) if len(data.x_val) else (data.x_train, data.y_train)
        self.x_codes = x[:CODE_SAMPLES]
        labels = np.asarray(y[:CODE_SAMPLES])
        self.labels = labels.astype(np.int64) if labels.ndim == 1 else np.full(len(labels), -1)
        self.fixed = x[:FIXED]
        self.projector = LatentProjector() if LatentProjector is not None else None

    def compute(self, names: list[str]) -> dict[str, np.ndarray]:
        model, code = self.trainer.model, self.trainer.code
        out: dict[str, np.ndarray] = {}
        if {"latent_codes", "latent_grid"} & set(names) and len(self.x_codes):
            codes = latent.encode(model, code, self.x_codes)
            points, mean, axes = latent.project_2d(codes, self.projector)
            extent = latent.window(points)
            if "latent_codes" in names:
                out.update(latent_codes=points, latent_labels=self.labels,
                           latent_extent=extent.astype(np.float32),
                           latent_mean=mean.astype(np.float32),
                           latent_axes=axes.astype(np.float32))
            if "latent_grid" in names:
                out["latent_grid"] = latent.decode_grid(model, code, extent, GRID, mean, axes)
                out.setdefault("latent_extent", extent.astype(np.float32))
        if "reconstructions" in names and len(self.fixed):
            out["recon_inputs"] = np.array(self.fixed, dtype=np.float32)
            out["recon_outputs"] = latent.reconstruct(model, self.fixed)
        if "interpolation" in names and len(self.fixed) >= 2:
            out["interpolation"] = latent.interpolate(model, code, self.fixed[0], self.fixed[1])
        if "weights" in names:
            for key, value in model.get_weights().items():
                out[f"weights:{key}"] = value
        return out
