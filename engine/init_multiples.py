"""Initialization side by side: every layer's activations and gradients of the *untrained*
network under one way of starting the weights.

``init_statistics(project, data, scheme)`` builds the project's network (seed of the
project), replaces every Dense layer's kernel (``(fan_in, units)``) by ``scheme`` — zeros,
``N(0, σ²)``, ``U(±1/√fan_in)``, Glorot (uniform, ``±√(6/(fan_in+fan_out))``) or He (normal,
std ``√(2/fan_in)``) — with biases 0, and runs one forward + backward pass of the training
loss on up to ``samples`` training samples (``engine.introspection.dynamics``, the same code
as the live "Look inside" histograms). Other layers keep their own initial weights.

Result: ``layers`` (every layer after the Input, network order), ``act_hist`` ``{layer:
{"counts", "edges"}}``, ``act_std`` ``{layer: float}``, ``grad_hist`` ``{"layer/param":
{"counts", "edges" (log10|g|), "zeros"}}`` and ``grad_rms`` ``{layer: float}`` of the layers
with parameters, and ``loss``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.datasets.base import Dataset
from engine.initializers import get_initializer
from engine.introspection.dynamics import DynamicsState, dynamics
from engine.project import Project
from engine.recipes import prepare
from engine.types import ConfigError

SCHEMES: dict[str, str] = {"zeros": "zeros", "normal": "N(0, σ²)", "uniform": "U(±1/√n)",
                           "glorot": "Glorot", "he": "He"}


def scheme_kernel(scheme: str, shape: tuple[int, ...], rng: np.random.Generator,
                  sigma: float) -> np.ndarray:
    """A Dense kernel ``shape = (fan_in, units)`` (float64) drawn by ``scheme``."""
    fan_in, fan_out = int(shape[0]), int(shape[1])
    if scheme == "zeros":
        return np.zeros(shape)
    if scheme == "normal":
        return rng.normal(0.0, sigma, shape)
    if scheme == "uniform":
        limit = 1.0 / math.sqrt(fan_in)
        return rng.uniform(-limit, limit, shape)
    if scheme in ("glorot", "he"):
        init = get_initializer("glorot_uniform" if scheme == "glorot" else "he_normal")
        return np.asarray(init(shape, fan_in, fan_out, rng, np.float64))
    raise ConfigError(f"Unknown initialization '{scheme}'; choose one of "
                      f"{', '.join(SCHEMES)}.")


def init_statistics(project: Project, data: Dataset, scheme: str, sigma: float = 0.01,
                    samples: int = 256) -> dict[str, Any]:
    """Histograms of the untrained network under ``scheme`` (see the module docstring)."""
    if project.recipe != "supervised":
        raise ConfigError("Initialization side by side works with supervised networks.")
    prepared = prepare(project, data)
    model, trainer = prepared.model, prepared.trainer
    rng = np.random.default_rng([project.training.seed, 7])
    weights = model.get_weights()
    for name in model.order:
        layer = model.layers[name]
        if layer.kind != "Dense":
            continue
        kernel = weights[f"{name}/kernel"]
        weights[f"{name}/kernel"] = scheme_kernel(scheme, kernel.shape, rng, sigma).astype(
            kernel.dtype)
        if f"{name}/bias" in weights:
            weights[f"{name}/bias"] = np.zeros_like(weights[f"{name}/bias"])
    model.set_weights(weights)
    n = min(samples, len(data.x_train))
    x = data.x_train[:n]
    sup = trainer.supervision  # a supervised trainer's (checked above)
    out = dynamics(model, x, None if sup is None else sup.y_train[:n],
                   None if sup is None else sup.loss, DynamicsState())
    model.forward(x, training=False)
    acts = model.activations_of()
    layers = [name for name in model.order if name != model.input_name]
    return {"scheme": scheme, "layers": layers, "act_hist": out["act_hist"],
            "act_std": {name: float(np.std(acts[name])) for name in layers},
            "grad_hist": out["grad_hist"], "grad_rms": out["grad_rms"],
            "loss": out.get("loss", math.nan)}
