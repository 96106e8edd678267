"""Normalization layers: BatchNormalization, LayerNormalization; and SpatialDropout2D.

Both normalizations compute ``x̂ = (x − μ) / √(σ² + ε)`` and return ``y = γ·x̂ + β`` with a
learned scale γ (``scale``) and shift β (``center``); they differ in *which* values share μ, σ²:

- **BatchNormalization** — one mean/variance per feature, over the batch: flat inputs
  ``(F,)`` per feature (over B), images ``(C, H, W)`` per channel (over B, H, W), sequences
  ``(T, F)`` per last-axis feature (over B, T). Training uses the batch statistics and updates
  the running averages ``moving = momentum·moving + (1 − momentum)·batch`` (Keras convention;
  the *biased* batch variance, where PyTorch averages the unbiased one). Inference uses the
  running averages. They are non-trainable ``state``, not parameters.
- **LayerNormalization** — one mean/variance per sample: over the last axis for ``(F,)`` and
  ``(T, F)`` (each time step on its own), over all of ``(C, H, W)`` for images. γ, β have one
  value per feature (last axis) or per channel for images — the image case is PyTorch's
  ``GroupNorm(1, C)``, which keeps the parameter count independent of the image size.

Gradients (N values share one μ, σ², ``g = ∂L/∂y``): ``∂L/∂γ = Σ g·x̂``, ``∂L/∂β = Σ g`` and
``∂L/∂x = (γ / (N·√(σ² + ε))) · (N·g − Σ g − x̂·Σ g·x̂)`` — the statistics depend on every
input, which is why the sums appear. At inference BatchNormalization is an affine map per
feature: ``∂L/∂x = g·γ/√(var_moving + ε)``. Plain numpy: the work is a few reductions that
numpy already does in one pass each (no numba kernel needed).
"""

from __future__ import annotations

import numpy as np

from engine.layers.base import ParamSpec, SingleInputLayer
from engine.layers.core import Dropout
from engine.layers.registry import register
from engine.types import Shape, ShapeError, format_shape

EPS_HELP = "Small number added to the variance so we never divide by 0 (the notes use 1e-8)"


def _reduce_axes(ndim: int, per_sample: bool, image: bool) -> tuple[int, ...]:
    """Array axes (batch first) that share one mean/variance."""
    if per_sample:  # LayerNormalization
        return tuple(range(1, ndim)) if image else (ndim - 1,)
    return (0, 2, 3) if image else tuple(range(ndim - 1))  # BatchNormalization


def _affine_shape(ndim: int, image: bool) -> tuple[int, ...]:
    """How γ/β (one value per channel or last-axis feature) broadcast over a batch array."""
    if image:
        return (1, -1, 1, 1)
    return (*([1] * (ndim - 1)), -1)


def _norm_backward(g: np.ndarray, xhat: np.ndarray, inv_std: np.ndarray,
                   axes: tuple[int, ...]) -> np.ndarray:
    """∂L/∂x from ∂L/∂x̂ = ``g`` when μ, σ² are statistics over ``axes`` of x itself."""
    n = int(np.prod([g.shape[a] for a in axes]))
    sum_g = g.sum(axis=axes, keepdims=True)
    sum_gx = (g * xhat).sum(axis=axes, keepdims=True)
    return (inv_std / n) * (n * g - sum_g - xhat * sum_gx)


class _Normalization(SingleInputLayer):
    """Shared by both normalizations: γ/β handling and the feature count."""

    category = "Normalization"
    icon = "normalization"

    def _features(self, shape: Shape) -> int:
        if len(shape) not in (1, 2, 3):
            raise ShapeError(
                f"{self.describe()} works on vectors (F,), sequences (T, F) or images "
                f"(C, H, W), but receives {format_shape(shape)} — reshape or flatten first.")
        return shape[0] if len(shape) == 3 else shape[-1]

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        self._features(input_shapes[0])
        return input_shapes[0]

    def param_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        n = self._features(input_shapes[0])
        shapes: dict[str, Shape] = {}
        if self.config["scale"]:
            shapes["gamma"] = (n,)
        if self.config["center"]:
            shapes["beta"] = (n,)
        return shapes

    def init_param(self, key: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        return np.ones(shape) if key == "gamma" else np.zeros(shape)

    def _check(self, x: np.ndarray) -> bool:
        """Raise on a batch of the wrong shape; True for images (B, C, H, W)."""
        if self.input_shapes and tuple(x.shape[1:]) != tuple(self.input_shapes[0]):
            raise ShapeError(
                f"{self.describe()} was built for samples of shape "
                f"{format_shape(self.input_shapes[0])} but receives "
                f"{format_shape(x.shape[1:])}.")
        return x.ndim == 4

    def _affine(self, xhat: np.ndarray, image: bool) -> np.ndarray:
        shape = _affine_shape(xhat.ndim, image)
        y = xhat * self.params["gamma"].reshape(shape) if "gamma" in self.params else xhat.copy()
        if "beta" in self.params:
            y += self.params["beta"].reshape(shape)
        return y

    def _affine_grads(self, grad_y: np.ndarray, xhat: np.ndarray, image: bool) -> np.ndarray:
        """Fill grads of γ/β; return ∂L/∂x̂ = g·γ."""
        keep = 1 if image else grad_y.ndim - 1
        axes = tuple(a for a in range(grad_y.ndim) if a != keep)
        if "beta" in self.grads:
            grad_y.sum(axis=axes, out=self.grads["beta"])
        if "gamma" in self.grads:
            (grad_y * xhat).sum(axis=axes, out=self.grads["gamma"])
            return grad_y * self.params["gamma"].reshape(_affine_shape(grad_y.ndim, image))
        return grad_y

    def inspect(self) -> dict[str, np.ndarray]:
        xhat = getattr(self, "_xhat", None)
        return {} if xhat is None else {"normalized": xhat}


def _options(momentum: bool) -> tuple[ParamSpec, ...]:
    specs: tuple[ParamSpec, ...] = (
        ParamSpec("epsilon", "float", 1e-3, EPS_HELP, min=1e-12, max=1.0),
        ParamSpec("center", "bool", True, "Learn a shift β added after normalizing"),
        ParamSpec("scale", "bool", True, "Learn a scale γ multiplied after normalizing"),
    )
    if momentum:
        specs = (ParamSpec("momentum", "float", 0.99, "How slowly the running mean/variance "
                           "follow the batches (0.99: average of ~100 batches)",
                           min=0.0, max=1.0),) + specs
    return specs


@register
class BatchNormalization(_Normalization):
    kind = "BatchNormalization"
    display_name = "Batch normalization"
    blurb = ("Rescales each feature to mean 0, variance 1 over the batch (running averages at "
             "test time), then applies a learned scale γ and shift β.")
    config_spec = _options(momentum=True)
    example = ({"momentum": 0.9}, [(2, 2, 3)])

    def state_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        n = self._features(input_shapes[0])
        return {"moving_mean": (n,), "moving_variance": (n,)}

    def init_state(self, key: str, shape: Shape) -> np.ndarray:
        return np.ones(shape) if key == "moving_variance" else np.zeros(shape)

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, F) | (B, T, F) | (B, C, H, W) -> y: same shape."""
        image = self._check(x)
        axes = _reduce_axes(x.ndim, per_sample=False, image=image)
        shape = _affine_shape(x.ndim, image)
        eps = self.config["epsilon"]
        training = training and self.trainable  # frozen: inference mode, statistics kept
        if training:
            mean = x.mean(axis=axes, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
            m = self.config["momentum"]
            for key, batch in (("moving_mean", mean), ("moving_variance", var)):
                state = self.state[key]
                state[...] = m * state + (1.0 - m) * batch.reshape(-1)
        else:
            mean = self.state["moving_mean"].reshape(shape).astype(x.dtype)
            var = self.state["moving_variance"].reshape(shape).astype(x.dtype)
        self._inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
        self._xhat = (x - mean) * self._inv_std
        self._training, self._image, self._axes = training, image, axes
        return self._affine(self._xhat, image)

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: same shape as x -> grad_x; fills grads['gamma'], grads['beta']."""
        g = self._affine_grads(grad_y, self._xhat, self._image)
        if not self._training:  # a fixed affine map per feature
            return g * self._inv_std
        return _norm_backward(g, self._xhat, self._inv_std, self._axes)


@register
class LayerNormalization(_Normalization):
    kind = "LayerNormalization"
    display_name = "Layer normalization"
    blurb = ("Rescales each sample to mean 0, variance 1 over its features (the same in "
             "training and at test time), then applies a learned scale γ and shift β.")
    config_spec = _options(momentum=False)
    example = ({}, [(2, 2, 3)])

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, F) | (B, T, F) | (B, C, H, W) -> y: same shape."""
        image = self._check(x)
        axes = _reduce_axes(x.ndim, per_sample=True, image=image)
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
        self._inv_std = (1.0 / np.sqrt(var + self.config["epsilon"])).astype(x.dtype)
        self._xhat = (x - mean) * self._inv_std
        self._image, self._axes = image, axes
        return self._affine(self._xhat, image)

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: same shape as x -> grad_x; fills grads['gamma'], grads['beta']."""
        g = self._affine_grads(grad_y, self._xhat, self._image)
        return _norm_backward(g, self._xhat, self._inv_std, self._axes)


@register
class SpatialDropout2D(Dropout):
    kind = "SpatialDropout2D"
    display_name = "Spatial dropout 2D"
    category = "Regularization"
    icon = "dropout"
    blurb = ("During training, zeroes whole channels (feature maps) with probability `rate` and "
             "scales the others by 1/(1 − rate); does nothing at test time.")
    config_spec = (
        ParamSpec("rate", "float", 0.5, "Fraction of channels dropped per sample",
                  min=0.0, max=0.95),
    )
    example = ({"rate": 0.5}, [(3, 2, 2)])

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        shape = input_shapes[0]
        if len(shape) != 3:
            raise ShapeError(
                f"{self.describe()} drops whole channels of images (C, H, W), but receives "
                f"{format_shape(shape)} — use Dropout for vectors and sequences.")
        return shape

    def mask_shape(self, x: np.ndarray) -> tuple[int, ...]:
        """x: (B, C, H, W): one keep/drop decision per (sample, channel)."""
        return (x.shape[0], x.shape[1], 1, 1)

    def inspect(self) -> dict[str, np.ndarray]:
        mask = getattr(self, "_mask", None)
        return {} if mask is None else {"channel_mask": mask[:, :, 0, 0] != 0}
