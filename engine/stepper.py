"""Steppers run optimizer steps over a list of mini-batches and return their losses.

``GenericStepper`` works for any graph: forward, loss, backward, weight penalties, clipping,
one fused optimizer update over the flat parameter buffer (frozen layers' parameters left
out: ``engine.frozen``). ``make_stepper`` picks a faster
specialised stepper when one applies (a plain chain of Dense layers: ``engine.fused_mlp``,
or ``engine.cuda.stepper`` on the GPU under the ``cuda`` backend) and falls back to the
generic one otherwise; they all give the same numbers (up to float32 rounding on the GPU).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine import backend
from engine.frozen import FrozenParams
from engine.losses import Loss
from engine.model import Model
from engine.optimizers import Optimizer, clip_by_global_norm, clip_by_value
from engine.regularizers import add_penalty_grad, penalty


class GenericStepper:
    """One Python-level pass per batch through the model's layers."""

    def __init__(self, model: Model, loss: Loss, optimizer: Optimizer, config: Any) -> None:
        self.model, self.loss, self.optimizer, self.config = model, loss, optimizer, config
        self.penalized = penalized_params(model)
        self.frozen = FrozenParams(model)  # layers with trainable: false keep their weights
        self.augment: Callable[[np.ndarray], np.ndarray] | None = None  # set by the Trainer

    def run(self, x: np.ndarray, y: np.ndarray, batches: list[np.ndarray]) -> np.ndarray:
        """x: (N, *in), y: encoded targets (N, ...), batches: index arrays -> losses (steps,)."""
        losses = np.empty(len(batches))
        for i, idx in enumerate(batches):
            xb = x[idx] if self.augment is None else self.augment(x[idx])
            losses[i] = self.train_batch(xb, y[idx])
        return losses

    def train_batch(self, xb: np.ndarray, yb: np.ndarray) -> float:
        model = self.model
        out = model.forward(xb, training=True)
        value, grad = self.loss.value_and_grad(out, yb)
        value += model.aux_loss()
        model.backward(grad, input_grad=False)  # dLoss/d(data) is not needed to train
        value += apply_penalties(self.penalized)
        step_trainable(self.optimizer, model, self.frozen,
                       lambda grads: clip_gradients(grads, self.config))
        return float(value)


def step_trainable(optimizer: Optimizer, model: Model, frozen: FrozenParams,
                   clip: Callable[[np.ndarray], None] | None = None) -> None:
    """One optimizer step over ``model.params_flat`` that leaves frozen layers' parameters
    exactly as they are (their gradients zeroed before clipping, their values restored)."""
    if frozen:
        frozen.mask_grads(model.grads_flat)
        frozen.hold(model.params_flat)
    if clip is not None:
        clip(model.grads_flat)
    optimizer.step([model.params_flat], [model.grads_flat])
    if frozen:
        frozen.restore(model.params_flat)


def penalized_params(model: Model) -> list[tuple[np.ndarray, np.ndarray, float, float]]:
    """(weights, grads, l1, l2) for every parameter with an L1/L2 penalty."""
    out = []
    for layer in model.layers.values():
        l1, l2 = layer.config.get("l1", 0.0), layer.config.get("l2", 0.0)
        if l1 or l2:
            for key in layer.regularized_params:
                out.append((layer.params[key], layer.grads[key], l1, l2))
    return out


def apply_penalties(penalized: list[tuple[np.ndarray, np.ndarray, float, float]]) -> float:
    total = 0.0
    for w, g, l1, l2 in penalized:
        total += penalty(w, l1, l2)
        add_penalty_grad(w, g, l1, l2)
    return total


def clip_gradients(grads_flat: np.ndarray, config: Any) -> None:
    if config.clip_value > 0:
        clip_by_value([grads_flat], config.clip_value)
    if config.clip_norm > 0:
        clip_by_global_norm([grads_flat], config.clip_norm)


def _wants_gpu(choice: str) -> bool:
    """The ``cuda`` backend is on (process-wide), or the project asks for it (the window's
    training panel) and a GPU is usable; without one the CPU engine trains."""
    if choice == "cuda" or (choice == "auto" and backend.current() == "cuda"):
        from engine.cuda.runtime import cuda_status  # numba.cuda loads only here

        return cuda_status().available
    return False


def make_stepper(model: Model, loss: Loss, optimizer: Optimizer, config: Any) -> Any:
    """The fastest stepper that reproduces the generic one for this model and config."""
    augmenting = bool(getattr(config, "augment", None))  # only the generic path augments
    if _wants_gpu(config.backend):
        from engine.cuda.stepper import CudaStepper  # numba.cuda loads only here

        if CudaStepper.supports(model, loss, optimizer, config):
            return CudaStepper(model, loss, optimizer, config)
    if config.backend != "numpy" and backend.current() == "numba" and not augmenting:
        try:
            from engine.fused_mlp import FusedMLPStepper
        except ImportError:  # pragma: no cover - fused path not available
            FusedMLPStepper = None  # type: ignore[assignment,misc]
        if FusedMLPStepper is not None and FusedMLPStepper.supports(model, loss, optimizer, config):
            return FusedMLPStepper(model, loss, optimizer, config)
    return GenericStepper(model, loss, optimizer, config)
