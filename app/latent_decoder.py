"""``LatentDecoder``: decode latent points on the GUI thread without touching the running model.

The training thread owns the trainer's ``Model`` (its layers cache activations between the
forward and backward pass), so the GUI must not call it while a run goes on. This keeps a
private copy of an autoencoder/VAE network: ``sync(snapshot)`` copies the weights from the
``"weights"`` probe (keys ``"weights:LAYER/PARAM"``) and the 2-D view (``latent_mean (d,)``,
``latent_axes (2, d)`` of the ``"latent_codes"`` probe); then

- ``decode_point(point)``: a ``(2,)`` point of the latent view -> one output
  ``(*output_shape)`` (lifted into the code space through mean/axes when d > 2);
- ``reconstruct(x)``: one sample ``(*input_shape)`` -> its reconstruction.

Both cost well under a millisecond for the digits VAE (8.7 k parameters), so the latent views
may call them on every mouse move. No Qt: plain engine calls on the GUI thread.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.generative import latent
from engine.generative.graph_tools import code_layer
from engine.generative.options import resolve
from engine.model import Model


class LatentDecoder:
    """A private copy of an autoencoder/VAE for the latent views (module docstring)."""

    def __init__(self, project: Any, model: Model | None = None) -> None:
        """``project``: the project being trained (recipe ``"autoencoder"`` or ``"vae"``);
        ``model``: the trainer's model, whose current weights are copied once."""
        self.model = Model(project.graph, seed=project.training.seed)
        opts = resolve(project.recipe, project.training.recipe_options)
        self.code = code_layer(self.model, opts["code_layer"])
        self.mean: np.ndarray | None = None
        self.axes: np.ndarray | None = None
        if model is not None:
            self.model.set_weights(model.get_weights())

    def sync(self, snapshot: Any) -> bool:
        """Take the snapshot's weights and latent view; True when weights were copied."""
        probes = getattr(snapshot, "probes", None) or {}
        if "latent_axes" in probes and "latent_mean" in probes:
            self.mean = np.asarray(probes["latent_mean"], np.float64)
            self.axes = np.asarray(probes["latent_axes"], np.float64)
        weights = {k[len("weights:"):]: v for k, v in probes.items() if k.startswith("weights:")}
        return bool(weights) and bool(self.model.set_weights(weights))

    def decode_point(self, point: np.ndarray) -> np.ndarray:
        """(2,) view point -> (*output_shape) decoded output (final activation applied)."""
        d = int(np.prod(self.model.report.shapes[self.code]))
        if d == 2 or self.mean is None or self.axes is None:
            z = np.zeros(d)
            z[: min(2, d)] = np.asarray(point, np.float64).ravel()[: min(2, d)]
            return latent.decode_point(self.model, self.code, z)
        return latent.decode_point(self.model, self.code, point, self.mean, self.axes)

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """(*input_shape) sample -> (*output_shape) reconstruction."""
        return latent.reconstruct(self.model, np.asarray(x)[None])[0]
