"""Activation as its own layer: Activation(name), LeakyReLU, ELU and PReLU (learned slope).

All are elementwise: ``y = f(x)`` with ``x: (B, ...)``. Softmax acts on the last axis.
"""

from __future__ import annotations

import numpy as np

from engine import activations
from engine.layers.base import ParamSpec, SingleInputLayer
from engine.layers.registry import register
from engine.types import Shape, TrainingError


class _Elementwise(SingleInputLayer):
    category = "Activations"
    icon = "activation"

    def activation_name(self) -> str:
        raise NotImplementedError

    def alpha(self) -> float | None:
        return None

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        self._x = x
        name = "linear" if self.skip_activation else self.activation_name()
        self._y = x if name == "linear" else activations.forward(name, x, self.alpha())
        return self._y

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        name = "linear" if self.skip_activation else self.activation_name()
        if name == "linear":
            return grad_y
        if not activations.get(name).has_gradient:
            raise TrainingError(
                f"{self.describe()} uses the step activation, which has no gradient: use the "
                "perceptron recipe, or a differentiable activation such as sigmoid."
            )
        return activations.backward(name, self._x, self._y, grad_y, self.alpha())

    @property
    def has_gradient(self) -> bool:
        return activations.get(self.activation_name()).has_gradient

    def inspect(self) -> dict[str, np.ndarray]:
        return {"activation": self._y} if hasattr(self, "_y") else {}


@register
class Activation(_Elementwise):
    kind = "Activation"
    display_name = "Activation"
    blurb = "Applies a non-linearity to every value; without one, stacked layers stay linear."
    config_spec = (
        ParamSpec("activation", "choice", "relu", "The function", tuple(activations.NAMES)),
    )

    def activation_name(self) -> str:
        return self.config["activation"]


@register
class LeakyReLU(_Elementwise):
    kind = "LeakyReLU"
    display_name = "Leaky ReLU"
    blurb = "Like ReLU, but negative inputs keep a small slope so neurons cannot 'die'."
    config_spec = (ParamSpec("negative_slope", "float", 0.01, "Slope for x < 0", min=0.0),)

    def activation_name(self) -> str:
        return "leaky_relu"

    def alpha(self) -> float | None:
        return self.config["negative_slope"]


@register
class ELU(_Elementwise):
    kind = "ELU"
    display_name = "ELU"
    blurb = "Exponential linear unit: smooth for x < 0, saturating at −alpha."
    config_spec = (ParamSpec("alpha", "float", 1.0, "Saturation value for x < 0", min=0.0),)

    def activation_name(self) -> str:
        return "elu"

    def alpha(self) -> float | None:
        return self.config["alpha"]


@register
class PReLU(SingleInputLayer):
    kind = "PReLU"
    display_name = "PReLU"
    category = "Activations"
    icon = "activation"
    blurb = "Leaky ReLU whose negative slope is learned, one slope per feature."
    config_spec = (ParamSpec("initial_slope", "float", 0.25, "Starting slope for x < 0"),)

    def param_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        return {"alpha": tuple(input_shapes[0])}

    def init_param(self, key: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        return np.full(shape, self.config["initial_slope"])

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, ...) -> max(0, x) + alpha·min(0, x) with alpha: x.shape[1:]."""
        self._x = x
        return np.where(x >= 0, x, self.params["alpha"] * x)

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        negative = self._x < 0
        self.grads["alpha"][...] = np.sum(np.where(negative, grad_y * self._x, 0), axis=0)
        return np.where(negative, self.params["alpha"] * grad_y, grad_y)

    def inspect(self) -> dict[str, np.ndarray]:
        return {"slope": self.params.get("alpha", np.zeros(0))}
