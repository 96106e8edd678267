"""The fast path for plain Dense chains: whole chunks of training steps inside one numba call.

A network ``Input -> Dense -> ... -> Dense`` trained with mean-reduced MSE, softmax
cross-entropy or sigmoid binary cross-entropy (logits mode), and SGD/momentum/Nesterov/Adam/
AdamW, runs its batches in ``_train_steps`` without returning to Python between steps: gather
the batch, forward (BLAS product + fused bias/activation), loss and its gradient, backward,
L1/L2 penalties, clipping and the optimizer update over the flat parameter buffer. Python
overhead per step (~50–100 µs on the generic path) drops to a few µs, which is what makes tiny
classroom networks fast. It computes exactly what ``GenericStepper`` computes (tests compare).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.kernels.fused_mlp import (
    LOSS_MSE,
    LOSS_SIGMOID_BCE,
    LOSS_SOFTMAX_CE,
    OPT_ADAM,
    OPT_SGD,
    train_steps,
)
from engine.losses import Loss
from engine.model import Model
from engine.optimizers import Optimizer


class FusedMLPStepper:
    """Drop-in replacement for ``GenericStepper`` on supported models (see ``supports``)."""

    @staticmethod
    def supports(model: Model, loss: Loss, optimizer: Optimizer, config: Any) -> bool:
        layers = [model.layers[n] for n in model.order]
        if getattr(model, "layout", None) is not None:  # the Input reads a part of a sample
            return False
        if layers[0].kind != "Input" or any(l.kind != "Dense" for l in layers[1:]):
            return False
        if any(len(model.sources[n]) > 1 for n in model.order):
            return False
        if len(layers) < 2 or not all(l.has_gradient for l in layers[1:]):
            return False
        if not all(l.trainable for l in layers):
            return False  # frozen layers take the generic path (engine.frozen)
        if loss.class_weights is not None or loss.options.get("class_weight", "none") != "none":
            return False  # class-weighted losses take the generic path
        if getattr(loss, "reduction", "mean") != "mean" or _loss_kind(loss, model) < 0:
            return False
        return _opt_kind(optimizer) >= 0

    def __init__(self, model: Model, loss: Loss, optimizer: Optimizer, config: Any) -> None:
        self.model, self.loss, self.optimizer, self.config = model, loss, optimizer, config
        dense = [model.layers[n] for n in model.order[1:]]
        self.layout = np.array([self._row(l) for l in dense], dtype=np.int64)
        self.alphas = np.array([l.act.params.get("alpha", 0.0) for l in dense],  # type: ignore
                               dtype=np.float64)
        self.l1 = np.array([l.config["l1"] for l in dense], dtype=np.float64)
        self.l2 = np.array([l.config["l2"] for l in dense], dtype=np.float64)
        self.loss_kind = _loss_kind(loss, model)
        self.opt_kind = _opt_kind(optimizer)

    def _row(self, layer: Any) -> list[int]:
        sl = self.model.slices
        kernel = sl[(layer.name, "kernel")]
        bias = sl.get((layer.name, "bias"))
        return [layer.input_shapes[0][0], layer.config["units"], kernel.start,
                bias.start if bias is not None else -1, layer.act.act_id]

    def run(self, x: np.ndarray, y: np.ndarray, batches: list[np.ndarray]) -> np.ndarray:
        """Same contract as ``GenericStepper.run``: returns one loss per batch."""
        if not batches:
            return np.empty(0)
        sizes = np.array([len(b) for b in batches], dtype=np.int64)
        idx = np.zeros((len(batches), int(sizes.max())), dtype=np.int64)
        for i, b in enumerate(batches):
            idx[i, : len(b)] = b
        x2 = np.ascontiguousarray(x.reshape(len(x), -1), dtype=self.model.dtype)
        y_int, y_float = self._targets(y)
        opt, model = self.optimizer, self.model
        # the optimizer's own state buffers: fused and generic steps can alternate
        state = opt._state_for(0, model.params_flat, model.grads_flat)
        m = state[0]
        v = state[1] if len(state) > 1 else state[0]
        lrs = np.array([self._lr_at(opt.iterations + s) for s in range(len(batches))])
        losses = np.empty(len(batches))
        train_steps(x2, y_int, y_float, idx, sizes, model.params_flat, model.grads_flat,
                    self.layout, self.alphas, self.l1, self.l2, self.loss_kind, self.opt_kind,
                    self._hyper(), lrs, opt.iterations, m, v, float(self.config.clip_value),
                    float(self.config.clip_norm), losses)
        opt.iterations += len(batches)
        return losses

    def _lr_at(self, iteration: int) -> float:
        opt = self.optimizer
        if opt.schedule is None:
            return opt.learning_rate
        return float(opt.schedule(opt.learning_rate, iteration))

    def _targets(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dtype = self.model.dtype
        if self.loss_kind == LOSS_SOFTMAX_CE and y.ndim == 1:
            return np.ascontiguousarray(y, dtype=np.int64), np.zeros((1, 1), dtype=dtype)
        y_float = np.ascontiguousarray(y.reshape(len(y), -1), dtype=dtype)
        if self.loss_kind == LOSS_SOFTMAX_CE:  # one-hot targets → labels
            return np.argmax(y_float, axis=1).astype(np.int64), np.zeros((1, 1), dtype=dtype)
        return np.zeros(1, dtype=np.int64), y_float

    def _hyper(self) -> np.ndarray:
        """[momentum, nesterov, beta_1, beta_2, epsilon, weight_decay, decoupled]."""
        h = self.optimizer.hyper
        return np.array([h.get("momentum", 0.0), float(h.get("nesterov", False)),
                         h.get("beta_1", 0.9), h.get("beta_2", 0.999), h.get("epsilon", 1e-8),
                         h.get("weight_decay", 0.0), float(getattr(self.optimizer, "decoupled",
                                                                   False))], dtype=np.float64)


def _loss_kind(loss: Loss, model: Model) -> int:
    if loss.name == "mse":
        return LOSS_MSE
    logits = model.logits_mode and getattr(loss, "from_logits", False)
    if loss.name == "categorical_crossentropy" and logits and model.output_activation() in (
            "softmax", "linear"):
        return LOSS_SOFTMAX_CE
    if loss.name == "binary_crossentropy" and logits:
        return LOSS_SIGMOID_BCE
    return -1


def _opt_kind(optimizer: Optimizer) -> int:
    if optimizer.name in ("sgd", "momentum", "nesterov"):
        return OPT_SGD
    if optimizer.name in ("adam", "adamw"):
        return OPT_ADAM
    return -1

