"""Sampling: the reparameterisation trick of a variational autoencoder (VAE).

Two inputs per sample, the mean ``mu: (d,)`` and the log-variance ``log_var: (d,)`` of a
Gaussian code; output ``z: (d,)``. In training ``z = mu + exp(½·log_var)·eps`` with
``eps ~ N(0, 1)``; in inference ``z = mu`` (deterministic, like Dropout at test time — the
generic contract test checks this mode).

The layer also contributes an *auxiliary loss* (the general mechanism: any layer may set
``aux_loss`` in a training forward pass; ``Model.aux_loss()`` sums them and the steppers add the
sum to the reported loss; the layer's ``backward`` adds the matching gradient itself). Here it
is ``aux_weight · KL`` with the closed form
``KL = −½ Σ_j (1 + log_var_j − mu_j² − exp(log_var_j))`` per sample, averaged over the batch;
``aux_weight`` is β (times the warm-up factor), set by the VAE trainer before each chunk.
``kl`` (unweighted, batch mean) is computed in every forward pass, for reporting.

``noise``: when set to an array ``(B, d)`` the next training passes use it as ``eps``
(gradient checks with fixed ε); ``None`` draws fresh noise from the layer's own generator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.layers.base import Layer
from engine.layers.registry import register
from engine.types import Shape, ShapeError, format_shape


def kl_per_sample(mu: np.ndarray, log_var: np.ndarray) -> np.ndarray:
    """mu, log_var: (B, d) -> (B,) float64 KL(N(mu, σ²) ‖ N(0, 1)); always ≥ 0."""
    mu64, lv64 = mu.astype(np.float64), log_var.astype(np.float64)
    return -0.5 * np.sum(1.0 + lv64 - mu64**2 - np.exp(lv64), axis=1)


@register
class Sampling(Layer):
    kind = "Sampling"
    display_name = "Sampling (VAE)"
    category = "Generative"
    icon = "sampling"
    blurb = (
        "Draws a code z = μ + σ·ε from its two inputs, the mean μ and the log-variance log σ², "
        "and adds β·KL (how far the code distribution is from N(0, 1)) to the loss; uses z = μ "
        "at test time."
    )
    min_inputs = 2
    max_inputs = 2
    config_spec = ()
    example = ({}, [(3,), (3,)])

    def build(self, input_shapes: list[Shape], rng: np.random.Generator,
              dtype: Any = np.float32) -> None:
        super().build(input_shapes, rng, dtype)
        self._rng = np.random.default_rng(int(rng.integers(2**63)))
        self.aux_weight = 1.0
        self.aux_loss = 0.0
        self.kl = 0.0
        self.noise: np.ndarray | None = None

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        mean, log_var = (tuple(s) for s in input_shapes[:2])
        if len(mean) != 1 or mean != log_var:
            raise ShapeError(
                f"{self.describe()} needs two flat inputs of the same size — the mean μ (port 1) "
                f"and the log-variance log σ² (port 2) — but receives {format_shape(mean)} and "
                f"{format_shape(log_var)}. Feed it two Dense layers with the same units."
            )
        return mean

    def forward(self, inputs: list[np.ndarray], training: bool) -> np.ndarray:
        """inputs: mu (B, d), log_var (B, d) -> z (B, d)."""
        mu, log_var = inputs[0], inputs[1]
        self._mu, self._log_var, self._training = mu, log_var, training
        per = kl_per_sample(mu, log_var)
        self.kl = float(per.mean()) if len(per) else 0.0
        self.aux_loss = getattr(self, "aux_weight", 1.0) * self.kl if training else 0.0
        if not training:
            self._eps = None
            return mu
        eps = self.noise if self.noise is not None else self._draw(mu.shape)
        self._eps = np.asarray(eps, dtype=mu.dtype)
        self._std = np.exp(0.5 * log_var)
        return mu + self._std * self._eps

    def _draw(self, shape: tuple[int, ...]) -> np.ndarray:
        rng = getattr(self, "_rng", None)
        if rng is None:
            rng = self._rng = np.random.default_rng(0)
        return rng.standard_normal(shape)

    def backward(self, grad_y: np.ndarray) -> list[np.ndarray]:
        """grad_y: (B, d) -> [dL/dmu, dL/dlog_var], with the weighted KL gradient added in
        training mode (dKL/dmu = mu/B, dKL/dlog_var = ½(exp(log_var) − 1)/B)."""
        mu, log_var = self._mu, self._log_var
        if not self._training:
            return [grad_y.astype(mu.dtype, copy=True), np.zeros_like(log_var)]
        grad_mu = grad_y.astype(mu.dtype, copy=True)
        grad_lv = grad_y * self._eps * (0.5 * self._std)
        w = getattr(self, "aux_weight", 1.0) / max(len(mu), 1)
        if w:
            grad_mu += w * mu
            grad_lv += w * 0.5 * (np.exp(log_var) - 1.0)
        return [grad_mu, grad_lv.astype(mu.dtype)]

    def inspect(self) -> dict[str, np.ndarray]:
        if not hasattr(self, "_mu"):
            return {}
        return {"mean": self._mu, "std": np.exp(0.5 * self._log_var)}
