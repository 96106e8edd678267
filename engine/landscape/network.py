"""A real network's loss surface along two filter-normalized random directions (Li et al. 2018).

``filter_normalized_direction(model, rng)``: a random Gaussian direction ``(n_params,)`` laid
out like ``model.params_flat``, each *filter* rescaled to the norm of the same filter of the
weights (a Dense kernel ``(fan_in, units)``: one filter per unit = column; a convolution kernel
``(filters, ...)``: one per filter); biases and other 1-D parameters get 0, as in the paper.
``loss_surface(...)`` evaluates the loss at ``θ + α·d₁ + β·d₂`` on an ``n × n`` grid of
α, β ∈ [−span, span] over a fixed batch (the probe batch), shrinking ``n`` (down to 7) and
then the batch (down to 16 samples) so the whole grid fits ``budget_s`` seconds.
``project_path`` puts earlier weights (the training path) into the (α, β) plane by least
squares. The model passed in is a private copy: its weights change.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from engine.losses import Loss
from engine.model import Model

MIN_GRID = 7
MIN_SAMPLES = 16


@dataclass
class LossSurface:
    alphas: np.ndarray  # (n,)
    betas: np.ndarray  # (n,)
    losses: np.ndarray  # (n, n) indexed [i_beta, i_alpha]; inf where the loss blew up
    centre_loss: float
    seconds: float
    path: np.ndarray  # (T, 2) the training path's (α, β); may be empty
    samples: int = 0  # probe samples each grid point's loss was averaged over


def filter_normalized_direction(model: Model, rng: np.random.Generator) -> np.ndarray:
    """(n_params,) float64 direction; each filter's norm equals the weights' filter norm."""
    out = np.zeros(model.n_params, dtype=np.float64)
    for layer in model.layers.values():
        for key, value in layer.params.items():
            w = np.asarray(value, dtype=np.float64)
            if w.ndim < 2:
                continue  # biases and scales stay put (Li et al.)
            d = rng.standard_normal(w.shape)
            # the filter axis: last for Dense (fan_in, units), first for conv kernels
            axis = w.ndim - 1 if layer.kind == "Dense" else 0
            mw, md = np.moveaxis(w, axis, 0), np.moveaxis(d, axis, 0)
            wn = np.linalg.norm(mw.reshape(mw.shape[0], -1), axis=1)
            dn = np.linalg.norm(md.reshape(md.shape[0], -1), axis=1)
            md *= (wn / np.maximum(dn, 1e-12)).reshape(-1, *([1] * (md.ndim - 1)))
            out[model.slices[(layer.name, key)]] = d.reshape(-1)
    return out


def project_path(path: np.ndarray, centre: np.ndarray, d1: np.ndarray,
                 d2: np.ndarray) -> np.ndarray:
    """path: (T, n) weight vectors -> (T, 2) coordinates (α, β) minimising ‖w − θ − αd₁ − βd₂‖."""
    if len(path) == 0:
        return np.zeros((0, 2))
    basis = np.stack([d1, d2], axis=1)  # (n, 2)
    coords, *_ = np.linalg.lstsq(basis, (np.asarray(path, np.float64) - centre).T, rcond=None)
    return np.asarray(coords.T)


def loss_at(model: Model, loss: Loss, x: np.ndarray, y: np.ndarray, flat: np.ndarray) -> float:
    model.params_flat[:] = flat
    with np.errstate(all="ignore"):
        value = loss.value(model.forward(x), y)
    return float(value) if np.isfinite(value) else float("inf")


def loss_surface(model: Model, loss: Loss, x: np.ndarray, y: np.ndarray, *, seed: int = 0,
                 span: float = 1.0, n: int = 21, budget_s: float = 3.0,
                 path: np.ndarray | None = None) -> LossSurface:
    """The grid of losses around the model's current weights (see the module docstring).

    x: (B, *input) probe batch, y: its encoded targets; path: (T, n_params) or None."""
    t0 = time.perf_counter()
    centre = model.params_flat.astype(np.float64).copy()
    rng = np.random.default_rng(seed)
    d1 = filter_normalized_direction(model, rng)
    d2 = filter_normalized_direction(model, rng)
    loss_at(model, loss, x[:1], y[:1], centre)  # warm-up (first calls may compile kernels)
    t1 = time.perf_counter()
    centre_loss = loss_at(model, loss, x, y, centre)
    loss_at(model, loss, x, y, centre + d1)
    per = max(1.5 * (time.perf_counter() - t1) / 2, 1e-6)  # margin: timings wobble
    while n > MIN_GRID and n * n * per > budget_s:
        n -= 2
    if n * n * per > budget_s and len(x) > MIN_SAMPLES:  # still too slow: a smaller batch
        keep = max(MIN_SAMPLES, int(len(x) * budget_s / (n * n * per)))
        x, y = x[:keep], y[:keep]
        centre_loss = loss_at(model, loss, x, y, centre)
    ab = np.linspace(-span, span, n)
    grid = np.empty((n, n))
    for i, b in enumerate(ab):
        for j, a in enumerate(ab):
            grid[i, j] = loss_at(model, loss, x, y, centre + a * d1 + b * d2)
    model.params_flat[:] = centre
    coords = project_path(path if path is not None else np.zeros((0, centre.size)), centre,
                          d1, d2)
    return LossSurface(ab, ab.copy(), grid, centre_loss, time.perf_counter() - t0, coords,
                       samples=len(x))
