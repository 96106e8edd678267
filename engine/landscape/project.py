"""A project's loss surface: a private model copy with the given weights, the Trainer's loss
and targets, and a fixed probe batch of at most ``PROBE_SAMPLES`` training samples."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.datasets.base import Dataset
from engine.graph import Graph
from engine.landscape.network import LossSurface, loss_surface
from engine.model import Model
from engine.targets import choose_loss, output_units
from engine.training import TrainConfig, check_data_fits

PROBE_SAMPLES = 256


def project_surface(graph: Graph, weights: dict[str, Any], data: Dataset, config: TrainConfig,
                    path: list[np.ndarray] | None = None, n: int = 21,
                    budget_s: float = 3.0, seed: int = 0) -> LossSurface:
    """Loss on the probe batch around ``weights`` (``Model.get_weights()`` names);
    ``path``: earlier flat parameter vectors (``params_flat`` copies) to project."""
    model = Model(graph, seed=config.seed)
    check_data_fits(model, data)
    model.set_weights(weights)
    loss, coder, logits = choose_loss(config.loss, config.loss_options, data.task,
                                      data.n_classes, output_units(model.output_shape),
                                      model.output_activation())
    model.set_logits_mode(logits)
    count = min(PROBE_SAMPLES, len(data.x_train))
    idx = np.random.default_rng(0).permutation(len(data.x_train))[:count]
    x, y = data.x_train[idx], coder.encode(data.y_train[idx], model.dtype)
    fitting = [w for w in (path or []) if w.size == model.n_params]  # from this network only
    stacked = np.stack(fitting) if fitting else None
    return loss_surface(model, loss, x, y, seed=seed, n=n, budget_s=budget_s, path=stacked)
