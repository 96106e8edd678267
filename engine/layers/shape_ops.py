"""Layers that only rearrange values: Flatten, Reshape, and the merges Add and Concatenate.

Flatten: ``(B, d1, d2, ...) -> (B, d1·d2·...)``. Reshape: ``(B, *in) -> (B, *target)`` with
one optional ``-1``. Add: ``k × (B, *s) -> (B, *s)``. Concatenate joins along a feature axis.
"""

from __future__ import annotations

import numpy as np

from engine.layers.base import Layer, ParamSpec, SingleInputLayer
from engine.layers.registry import register
from engine.types import Shape, ShapeError, format_shape


@register
class Flatten(SingleInputLayer):
    kind = "Flatten"
    display_name = "Flatten"
    category = "Reshaping"
    icon = "flatten"
    blurb = "Unrolls an image or grid into one long vector, so Dense layers can use it."
    example = ({}, [(2, 3, 4)])

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        return (int(np.prod(input_shapes[0])),)

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        self._in_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y.reshape(self._in_shape)


@register
class Reshape(SingleInputLayer):
    kind = "Reshape"
    display_name = "Reshape"
    category = "Reshaping"
    icon = "reshape"
    blurb = "Rearranges the same values into a new shape (the count must stay the same)."
    example = ({"target_shape": [2, -1]}, [(6,)])
    config_spec = (
        ParamSpec("target_shape", "shape", [1, 8, 8], "New shape of one sample; one -1 allowed"),
    )

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        size = int(np.prod(input_shapes[0]))
        target = list(self.config["target_shape"])
        if target.count(-1) > 1:
            raise ShapeError(f"{self.describe()}: only one size can be -1 (inferred).")
        known = int(np.prod([d for d in target if d != -1]))
        if -1 in target:
            if known == 0 or size % known:
                raise self._mismatch(input_shapes[0], target)
            target[target.index(-1)] = size // known
        elif known != size:
            raise self._mismatch(input_shapes[0], target)
        return tuple(target)

    def _mismatch(self, shape: Shape, target: list[int]) -> ShapeError:
        return ShapeError(
            f"{self.describe()} cannot reshape {format_shape(shape)} "
            f"({int(np.prod(shape))} values) into {format_shape(tuple(target))}: the number of "
            "values must stay the same — change the target shape."
        )

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        self._in_shape = x.shape
        return x.reshape((x.shape[0],) + self.output_shape([x.shape[1:]]))

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y.reshape(self._in_shape)


@register
class Add(Layer):
    kind = "Add"
    display_name = "Add"
    category = "Merge"
    icon = "add"
    blurb = "Adds its inputs element by element (e.g. a residual/skip connection)."
    min_inputs = 2
    max_inputs = 16
    example = ({}, [(4,), (4,), (4,)])

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        first = input_shapes[0]
        for shape in input_shapes[1:]:
            if tuple(shape) != tuple(first):
                raise ShapeError(
                    f"{self.describe()} can only add inputs of the same shape, but receives "
                    f"{' and '.join(format_shape(s) for s in input_shapes)} — make them match "
                    "(e.g. a Dense layer with the same number of units) or use Concatenate."
                )
        return tuple(first)

    def forward(self, inputs: list[np.ndarray], training: bool) -> np.ndarray:
        self._n = len(inputs)
        out = inputs[0].copy()
        for x in inputs[1:]:
            out += x
        return out

    def backward(self, grad_y: np.ndarray) -> list[np.ndarray]:
        return [grad_y] * self._n


@register
class Concatenate(Layer):
    kind = "Concatenate"
    display_name = "Concatenate"
    category = "Merge"
    icon = "concatenate"
    blurb = "Joins its inputs side by side along one axis (the feature axis by default)."
    min_inputs = 2
    max_inputs = 16
    example = ({}, [(2, 3), (2, 1)])
    config_spec = (ParamSpec("axis", "int", -1, "Axis to join along (-1 = last, batch excluded)"),)

    def _axis(self, rank: int) -> int:
        axis = self.config["axis"]
        return axis + rank if axis < 0 else axis

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        rank = len(input_shapes[0])
        axis = self._axis(rank)
        if not 0 <= axis < rank or any(len(s) != rank for s in input_shapes):
            raise self._error(input_shapes, "they must have the same number of dimensions")
        rest = {tuple(d for i, d in enumerate(s) if i != axis) for s in input_shapes}
        if len(rest) != 1:
            raise self._error(input_shapes, "all sizes except the joined axis must match")
        out = list(input_shapes[0])
        out[axis] = sum(s[axis] for s in input_shapes)
        return tuple(out)

    def _error(self, input_shapes: list[Shape], why: str) -> ShapeError:
        shapes = " and ".join(format_shape(s) for s in input_shapes)
        return ShapeError(f"{self.describe()} cannot join {shapes}: {why}.")

    def forward(self, inputs: list[np.ndarray], training: bool) -> np.ndarray:
        axis = self._axis(inputs[0].ndim - 1) + 1
        self._splits = np.cumsum([x.shape[axis] for x in inputs])[:-1]
        self._axis_b = axis
        return np.concatenate(inputs, axis=axis)

    def backward(self, grad_y: np.ndarray) -> list[np.ndarray]:
        return np.split(grad_y, self._splits, axis=self._axis_b)
