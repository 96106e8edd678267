"""Training dynamics on the probe batch: histograms, gradient norms, update ratios, dead ReLUs.

``dynamics(model, batch, state)`` runs one forward + backward pass of the training loss on the
probe batch (inference mode, ``grads_flat`` restored after) and returns, per layer with
parameters (in network order, ``layers``):

- ``weight_hist`` / ``grad_hist``: ``{"LAYER/PARAM": {"counts": (bins,), "edges": (bins+1,)}}``.
  Weight edges are fixed per parameter at its first frame (robust quantile range, padded) and
  only widened when more than 5 % of the values fall outside, so frames stay comparable; values
  outside land in the end bins. Gradient histograms are over log10|g| with fixed edges
  ``GRAD_LOG_EDGES`` (same for every layer and frame); exact zeros are counted in ``zeros``.
- ``grad_norm``, ``grad_rms`` (norm / √size), ``weight_norm``: ``{LAYER: float}``.
- ``update_ratio``: ``{LAYER: ‖w − w_prev‖ / ‖w_prev‖}`` since the previous call (absent at
  the first call; ~1e-3 per step is healthy, Karpathy's rule of thumb).
- ``dead_fraction``: ``{LAYER: fraction of ReLU units never > 0 over the batch}`` for layers
  ending in ReLU (a unit of a ``(C, H, W)`` output is a channel).
- ``saturation``: ``{LAYER: fraction of outputs in the flat tails}`` for layers ending in
  tanh (|y| > 0.99) or sigmoid (y < 0.01 or y > 0.99), where the gradient is almost 0.
- ``act_hist``: ``{LAYER: {"counts", "edges"}}`` of every layer's output (robust fixed edges).
- ``loss``: the training loss on the probe batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.introspection.scratch import scratch
from engine.model import Model

BINS = 40
GRAD_LOG_EDGES = np.linspace(-10.0, 2.0, 49)  # log10|g| from 1e-10 to 100
OVERFLOW_LIMIT = 0.05
RELU_LIKE = ("relu", "relu6")
SATURATING = {"tanh": (-0.99, 0.99), "sigmoid": (0.01, 0.99)}  # outside: saturated


class EdgeStore:
    """Fixed histogram edges per key, chosen from the first values seen (robustly)."""

    def __init__(self, bins: int = BINS) -> None:
        self.bins = bins
        self.edges: dict[str, np.ndarray] = {}

    def histogram(self, key: str, values: np.ndarray) -> dict[str, np.ndarray]:
        v = np.asarray(values, dtype=np.float64).ravel()
        v = v[np.isfinite(v)]
        edges = self.edges.get(key)
        if edges is None or _outside(v, edges) > OVERFLOW_LIMIT:
            edges = self.edges[key] = robust_edges(v, self.bins, edges)
        counts = np.histogram(np.clip(v, edges[0], edges[-1]), bins=edges)[0]
        return {"counts": counts.astype(np.int64), "edges": edges}


def _outside(v: np.ndarray, edges: np.ndarray) -> float:
    return float(np.mean((v < edges[0]) | (v > edges[-1]))) if v.size else 0.0


def robust_edges(v: np.ndarray, bins: int, old: np.ndarray | None = None) -> np.ndarray:
    """Edges over the 0.5–99.5 % quantile range padded by half its width each side (a
    one-signed range starts at 0), never narrower than ``old`` (the previous edges)."""
    if v.size == 0:
        lo, hi = -1.0, 1.0
    else:
        lo, hi = (float(q) for q in np.quantile(v, [0.005, 0.995]))
        pad = 0.5 * (hi - lo) or max(abs(hi), 1e-3)
        lo, hi = (0.0 if lo >= 0 else lo - pad), (0.0 if hi <= 0 else hi + pad)
        if lo == hi:
            lo, hi = lo - 1e-3, hi + 1e-3
    if old is not None:
        lo, hi = min(lo, float(old[0])), max(hi, float(old[-1]))
    return np.linspace(lo, hi, bins + 1)


def log_grad_histogram(g: np.ndarray) -> dict[str, Any]:
    a = np.abs(np.asarray(g, dtype=np.float64).ravel())
    nz = a[a > 0]
    logs = np.clip(np.log10(nz), GRAD_LOG_EDGES[0], GRAD_LOG_EDGES[-1])
    return {"counts": np.histogram(logs, bins=GRAD_LOG_EDGES)[0].astype(np.int64),
            "edges": GRAD_LOG_EDGES, "zeros": int(a.size - nz.size)}


class DynamicsState:
    """What dynamics keeps between frames: histogram edges and the previous weights."""

    def __init__(self) -> None:
        self.weight_edges, self.act_edges = EdgeStore(), EdgeStore()
        self.prev_params: np.ndarray | None = None


def relu_layers(model: Model) -> list[str]:
    out = []
    for name, layer in model.layers.items():
        act = str(layer.config.get("activation", "")).lower()
        if act in RELU_LIKE and not (layer.skip_activation and name == model.output_name):
            out.append(name)
    return out


def saturating_layers(model: Model) -> dict[str, tuple[float, float]]:
    out = {}
    for name, layer in model.layers.items():
        act = str(layer.config.get("activation", "")).lower()
        if act in SATURATING and not (layer.skip_activation and name == model.output_name):
            out[name] = SATURATING[act]
    return out


def dead_fraction(acts: np.ndarray) -> float:
    """acts: (N, units) or (N, C, ...) -> fraction of units (channels) never > 0."""
    alive = np.any(acts.reshape(acts.shape[0], acts.shape[1], -1) > 0, axis=(0, 2))
    return float(1.0 - alive.mean()) if alive.size else 0.0


def _weight_stats(model: Model, grads: np.ndarray | None, state: DynamicsState,
                  out: dict[str, Any]) -> list[str]:
    """Fill ``out``'s per-layer weight/gradient norms, update ratios and histograms for every
    layer with parameters (``grads``: the flat gradient, or None); return those layers."""
    layers = [n for n in model.order if model.layers[n].params]
    for name in layers:
        parts = [model.slices[(name, k)] for k in model.layers[name].params]
        w = np.concatenate([model.params_flat[p] for p in parts]).astype(np.float64)
        out["weight_norm"][name] = float(np.linalg.norm(w))
        if grads is not None:
            g = np.concatenate([grads[p] for p in parts]).astype(np.float64)
            out["grad_norm"][name] = float(np.linalg.norm(g))
            out["grad_rms"][name] = float(np.linalg.norm(g) / np.sqrt(max(g.size, 1)))
        if state.prev_params is not None and state.prev_params.shape == model.params_flat.shape:
            old = np.concatenate([state.prev_params[p] for p in parts]).astype(np.float64)
            base = np.linalg.norm(old)
            out["update_ratio"][name] = float(np.linalg.norm(w - old) / base) if base else 0.0
        for key in model.layers[name].params:
            part = model.slices[(name, key)]
            out["weight_hist"][f"{name}/{key}"] = state.weight_edges.histogram(
                f"{name}/{key}", model.params_flat[part])
            if grads is not None:
                out["grad_hist"][f"{name}/{key}"] = log_grad_histogram(grads[part])
    return layers


def dynamics(model: Model, x: np.ndarray, y_enc: np.ndarray | None, loss: Any,
             state: DynamicsState) -> dict[str, Any]:
    """x: probe batch (N, *input_shape); y_enc: encoded targets for ``loss`` (or None: no
    gradient statistics). See the module docstring for the result."""
    out: dict[str, Any] = {"weight_hist": {}, "grad_hist": {}, "grad_norm": {}, "grad_rms": {},
                           "weight_norm": {}, "update_ratio": {}, "dead_fraction": {},
                           "saturation": {}, "act_hist": {}}
    with scratch(model, logits=False):
        pred = model.forward(x, training=False)
        acts = model.activations_of()
        if y_enc is not None and loss is not None:
            value, grad = loss.value_and_grad(pred, y_enc)
            out["loss"] = float(value)
            model.backward(grad)
            grads = model.grads_flat.copy()
        else:
            grads = None
    out["layers"] = _weight_stats(model, grads, state, out)
    state.prev_params = model.params_flat.copy()
    for name in relu_layers(model):
        out["dead_fraction"][name] = dead_fraction(acts[name])
    for name, (lo, hi) in saturating_layers(model).items():
        out["saturation"][name] = float(np.mean((acts[name] < lo) | (acts[name] > hi)))
    for name in model.order:
        if name != model.input_name:
            out["act_hist"][name] = state.act_edges.histogram(name, acts[name])
    return out
