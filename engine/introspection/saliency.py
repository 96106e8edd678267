"""Which input values drive a class score: gradient maps and Grad-CAM for one sample.

Every method explains the *logit* of one class (the predicted one unless given) for one
sample ``x: input_shape`` (a vector ``(F,)`` or an image ``(C, H, W)``):

- ``vanilla``: ∂score/∂x.
- ``grad_x_input``: x ⊙ ∂score/∂x.
- ``smoothgrad``: ∂score/∂x averaged over ``n`` copies of x with Gaussian noise of standard
  deviation ``sigma × (x.max() − x.min())`` (Smilkov et al. 2017).
- ``integrated``: (x − x₀) ⊙ ∫₀¹ ∂score/∂x(x₀ + α(x − x₀)) dα with x₀ = 0, trapezoid rule over
  ``steps`` intervals; attributions sum to score(x) − score(x₀) (completeness).
- ``grad_cam(layer)``: for a layer whose output is ``(C, H, W)``: ReLU(Σ_c α_c A_c) with
  α_c the mean of ∂score/∂A_c over the map (Selvaraju et al. 2017) -> ``(H, W)``.

Results are dicts of arrays: ``attribution`` (input_shape), ``heat`` (``(H, W)`` for images:
max |attribution| over channels; ``(F,)`` |attribution| for vectors), ``target``,
``predicted``, ``probabilities`` (K,).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.introspection.scratch import (
    class_scores,
    predicted_class,
    probabilities,
    score_gradients,
    scratch,
)
from engine.model import Model
from engine.types import ConfigError

METHODS = ("vanilla", "grad_x_input", "smoothgrad", "integrated")
MAX_SMOOTH, MAX_STEPS = 64, 128  # cost bounds


def heat_of(attribution: np.ndarray) -> np.ndarray:
    """attribution: (C, H, W) -> (H, W) max |a| over channels; other shapes -> |a|."""
    a = np.abs(attribution)
    return a.max(axis=0) if a.ndim == 3 else a


def _target(model: Model, x: np.ndarray, target: int | None) -> tuple[int, np.ndarray]:
    """The class to explain (predicted when None) and the sample's logits (K,)."""
    logits = model.forward(x[None], training=False).reshape(1, -1).copy()
    t = int(predicted_class(model, logits)[0]) if target is None else int(target)
    return t, logits[0]


def saliency(model: Model, x: np.ndarray, method: str = "vanilla", target: int | None = None,
             n: int = 20, sigma: float = 0.15, steps: int = 32, seed: int = 0) -> dict[str, Any]:
    """x: one sample (input_shape). See the module docstring for the methods."""
    if method not in METHODS:
        raise ConfigError(f"Unknown saliency method '{method}': choose one of "
                          f"{', '.join(METHODS)}.")
    x = np.asarray(x, dtype=model.dtype)
    with scratch(model):
        t, logits = _target(model, x, target)
        if method in ("vanilla", "grad_x_input"):
            _, g = score_gradients(model, x[None], np.array([t]))
            attribution = g[0] * x if method == "grad_x_input" else g[0]
        elif method == "smoothgrad":
            attribution = _smoothgrad(model, x, t, min(n, MAX_SMOOTH), sigma, seed)
        else:
            attribution = integrated_gradients(model, x, t, steps)["attribution"]
    return {"attribution": attribution.astype(np.float32), "heat": heat_of(attribution),
            "target": np.int64(t), "predicted": np.int64(predicted_class(model, logits[None])[0]),
            "probabilities": probabilities(model, logits[None])[0]}


def _smoothgrad(model: Model, x: np.ndarray, t: int, n: int, sigma: float,
                seed: int) -> np.ndarray:
    span = float(x.max() - x.min()) or 1.0
    noise = np.random.default_rng(seed).normal(0.0, sigma * span, (max(n, 1), *x.shape))
    _, g = score_gradients(model, (x[None] + noise).astype(model.dtype),
                           np.full(len(noise), t))
    return g.mean(axis=0)


def integrated_gradients(model: Model, x: np.ndarray, target: int,
                         steps: int = 32) -> dict[str, Any]:
    """Integrated gradients from the zero baseline (call inside ``scratch`` or not).

    Returns ``attribution`` (input_shape), ``score`` f(x), ``baseline_score`` f(0) and
    ``completeness_gap`` = Σ attribution − (f(x) − f(0)) (small when ``steps`` suffice)."""
    steps = int(np.clip(steps, 1, MAX_STEPS))
    with scratch(model):
        alphas = np.linspace(0.0, 1.0, steps + 1)
        path = (alphas.reshape(-1, *([1] * x.ndim)) * x[None]).astype(model.dtype)
        logits, g = score_gradients(model, path, np.full(steps + 1, target))
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] /= 2  # trapezoid rule
    mean_grad = np.tensordot(weights, g.astype(np.float64), axes=1)
    attribution = x.astype(np.float64) * mean_grad
    scores = class_scores(logits.astype(np.float64), np.full(steps + 1, target))
    return {"attribution": attribution, "score": float(scores[-1]),
            "baseline_score": float(scores[0]),
            "completeness_gap": float(attribution.sum() - (scores[-1] - scores[0]))}


def grad_cam(model: Model, x: np.ndarray, layer: str, target: int | None = None) -> dict[str, Any]:
    """x: one sample; ``layer``: a layer with (C, H, W) output -> ``cam`` (H, W) in [0, 1]
    (divided by its max), ``cam_input`` (input H, W) when the input is an image, ``target``."""
    shape = model.report.shapes.get(layer)
    if shape is None or len(shape) != 3:
        raise ConfigError(f"Grad-CAM needs a layer whose output is a stack of maps (C, H, W); "
                          f"'{layer}' gives {shape}. Pick a convolution or pooling layer.")
    x = np.asarray(x, dtype=model.dtype)
    with scratch(model):
        t, logits = _target(model, x, target)
        score_gradients(model, x[None], np.array([t]), keep=(layer,))
        acts = model.activations_of()[layer][0].astype(np.float64)  # (C, H, W)
        grads = model.kept_grads[layer][0].astype(np.float64)
    alpha = grads.mean(axis=(1, 2))  # (C,)
    cam = np.maximum(np.tensordot(alpha, acts, axes=1), 0.0)  # (H, W)
    top = cam.max()
    cam = cam / top if top > 0 else cam
    out: dict[str, Any] = {"cam": cam.astype(np.float32), "channel_weights": alpha,
                           "target": np.int64(t),
                           "probabilities": probabilities(model, logits[None])[0]}
    if len(model.input_shape) == 3:
        out["cam_input"] = resize_bilinear(cam, model.input_shape[1:]).astype(np.float32)
    return out


def resize_bilinear(image: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    """image: (H, W) -> (h, w) by separable linear interpolation (pixel centres aligned)."""
    h, w = image.shape
    rows = (np.arange(size[0]) + 0.5) * h / size[0] - 0.5
    cols = (np.arange(size[1]) + 0.5) * w / size[1] - 0.5
    tmp = np.stack([np.interp(rows, np.arange(h), image[:, j]) for j in range(w)], axis=1)
    return np.stack([np.interp(cols, np.arange(w), tmp[i]) for i in range(size[0])])
