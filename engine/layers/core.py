"""Core layers: Input, Dense (fully connected, fused bias + activation) and Dropout.

Dense computes ``y = act(x @ W + b)`` with ``x: (B, F_in)``, ``W: (F_in, units)``,
``b: (units,)``. The matrix product goes to BLAS; bias and activation are fused in one numba
pass (``engine.kernels.activations``) and so is the activation's backward.
"""

from __future__ import annotations

import numpy as np

from engine import activations
from engine.backend import pick
from engine.initializers import INITIALIZER_NAMES, get_initializer
from engine.kernels.activations import (
    act_backward_inplace,
    act_backward_ref,
    bias_act_forward,
    bias_act_forward_ref,
)
from engine.layers.base import Layer, ParamSpec, SingleInputLayer
from engine.layers.registry import register
from engine.types import Shape, ShapeError, TrainingError, format_shape

ACTIVATION_CHOICES = tuple(activations.NAMES)
INIT_CHOICES = tuple(INITIALIZER_NAMES)


@register
class Input(Layer):
    kind = "Input"
    display_name = "Input"
    category = "Core"
    icon = "input"
    blurb = "Where the data enters: one sample has this shape (the batch axis is added for you)."
    min_inputs = 0
    max_inputs = 0
    config_spec = (
        ParamSpec("shape", "shape", [2], "Shape of one sample, e.g. 2 or 1, 28, 28"),
        ParamSpec("part", "str", "", "Which part of each sample this Input receives when the "
                  "dataset has several (e.g. 'source' or 'decoder input' for dates); empty = "
                  "the whole sample. A network with two Inputs needs one part each.",
                  label="Receives"),
    )
    example = ({"shape": [3, 2]}, [])

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        return tuple(self.config["shape"])

    def forward(self, inputs: list[np.ndarray], training: bool) -> np.ndarray:
        return inputs[0]

    def backward(self, grad_y: np.ndarray) -> list[np.ndarray]:
        return [grad_y]


class ActivatedLayer(SingleInputLayer):
    """A layer ending in its ``activation`` option, which the loss may take over (logits)."""

    @property
    def act(self) -> activations.ActivationInfo:
        return activations.get("linear" if self.skip_activation else self.config["activation"])

    @property
    def has_gradient(self) -> bool:
        return self.act.has_gradient


@register
class Dense(ActivatedLayer):
    kind = "Dense"
    display_name = "Dense"
    category = "Core"
    icon = "dense"
    blurb = "Fully connected: every output is a weighted sum of all inputs plus a bias."
    regularized_params = ("kernel",)
    example = ({"units": 3, "activation": "tanh"}, [(4,)])
    config_spec = (
        ParamSpec("units", "int", 8, "Number of neurons (outputs)", min=1, max=65536),
        ParamSpec("activation", "choice", "linear", "Applied to each output", ACTIVATION_CHOICES),
        ParamSpec("use_bias", "bool", True, "Add a learned bias to each output"),
        ParamSpec("kernel_initializer", "choice", "glorot_uniform", "How W starts", INIT_CHOICES),
        ParamSpec("bias_initializer", "choice", "zeros", "How b starts", INIT_CHOICES),
        ParamSpec("l1", "float", 0.0, "L1 penalty on W (l1·Σ|w|)", min=0.0),
        ParamSpec("l2", "float", 0.0, "L2 penalty on W (l2·Σw²)", min=0.0),
    )

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        self.expect_flat(input_shapes[0])
        return (self.config["units"],)

    def param_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        fan_in, units = self.expect_flat(input_shapes[0]), self.config["units"]
        shapes: dict[str, Shape] = {"kernel": (fan_in, units)}
        if self.config["use_bias"]:
            shapes["bias"] = (units,)
        return shapes

    def init_param(self, key: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        fan_in = self.input_shapes[0][0]
        name = self.config["kernel_initializer" if key == "kernel" else "bias_initializer"]
        return get_initializer(name)(shape, fan_in, self.config["units"], rng, self.dtype)


    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, F_in) -> y: (B, units)."""
        if x.ndim != 2:
            raise ShapeError(
                f"{self.describe()} expects a flat vector per sample but receives "
                f"{format_shape(x.shape[1:])} — insert a Flatten layer before it."
            )
        self._x = x
        z = x @ self.params["kernel"]  # (B, units), BLAS
        bias = self.params.get("bias", self._zero_bias(z))
        y = np.empty_like(z)
        alpha = self.act.params.get("alpha", 0.0)
        pick(bias_act_forward, bias_act_forward_ref)(z, bias, self.act.act_id, alpha, y)
        self._z, self._y = z, y
        return y

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: (B, units) -> grad_x: (B, F_in); fills grads['kernel'], grads['bias']."""
        act = self.act
        if not act.has_gradient:
            raise TrainingError(
                f"{self.describe()} uses the step activation, which has no gradient, so "
                "backpropagation cannot train it. Use the perceptron recipe for a single "
                "neuron, or switch to sigmoid/tanh to train with gradient descent."
            )
        g = np.ascontiguousarray(grad_y, dtype=self._z.dtype).copy()
        alpha = act.params.get("alpha", 0.0)
        pick(act_backward_inplace, act_backward_ref)(self._z, self._y, g, act.act_id, alpha)
        np.dot(self._x.T, g, out=self.grads["kernel"])  # (F_in, units)
        if "bias" in self.grads:
            g.sum(axis=0, out=self.grads["bias"])
        return g @ self.params["kernel"].T  # (B, F_in)

    def _zero_bias(self, z: np.ndarray) -> np.ndarray:
        return np.zeros(z.shape[1], dtype=z.dtype)

    def inspect(self) -> dict[str, np.ndarray]:
        return {"pre_activation": self._z, "activation": self._y} if hasattr(self, "_y") else {}


@register
class Dropout(SingleInputLayer):
    kind = "Dropout"
    display_name = "Dropout"
    category = "Regularization"
    icon = "dropout"
    blurb = (
        "During training, zeroes a random fraction `rate` of its inputs (keeps 1 − rate) and "
        "scales the survivors by 1/(1 − rate); does nothing at test time."
    )
    config_spec = (
        ParamSpec("rate", "float", 0.5, "Fraction of inputs dropped (keep probability = 1 − rate)",
                  min=0.0, max=0.95),
    )

    def build(self, input_shapes, rng, dtype=np.float32):
        super().build(input_shapes, rng, dtype)
        self._rng = np.random.default_rng(int(rng.integers(2**63)))

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        rate = self.config["rate"]
        if not training or rate == 0.0:
            self._mask = None
            return x
        keep = 1.0 - rate
        drawn = self._rng.random(self.mask_shape(x)) < keep
        self._mask = drawn.astype(x.dtype) / x.dtype.type(keep)
        return x * self._mask

    def mask_shape(self, x: np.ndarray) -> tuple[int, ...]:
        """One keep/drop decision per value (SpatialDropout2D: per sample and channel)."""
        return x.shape

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y if self._mask is None else grad_y * self._mask

    @property
    def keep_probability(self) -> float:
        return 1.0 - self.config["rate"]

    def inspect(self) -> dict[str, np.ndarray]:
        mask = getattr(self, "_mask", None)
        return {} if mask is None else {"mask": mask != 0}
