"""Token layers: Embedding (a learned vector per token id) and OneHot.

Input ``x: (B, T)`` token ids. The model hands every input over as float32, so ids arrive as
floats; they are rounded to the nearest whole number and must lie in ``[0, input_dim)``.
The output of token ids is piecewise constant in the ids, so the gradient to the id input is
zero (returned as zeros); Embedding's ``embeddings`` table gets a scatter-added gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from engine.backend import pick
from engine.initializers import INITIALIZER_NAMES, get_initializer
from engine.layers.base import Layer, ParamSpec, SingleInputLayer
from engine.layers.registry import register
from engine.types import DataError, Shape, ShapeError, format_shape


@njit(cache=True, nogil=True)
def scatter_add_rows(ids, grad, out):
    """ids: (N,) int64, grad: (N, D) -> out: (V, D) = Σ of grad rows per id (out zeroed)."""
    out[:, :] = 0.0
    for r in range(ids.shape[0]):
        k = ids[r]
        for c in range(grad.shape[1]):
            out[k, c] += grad[r, c]


def scatter_add_rows_ref(ids: np.ndarray, grad: np.ndarray, out: np.ndarray) -> None:
    """Plain-numpy twin of ``scatter_add_rows``."""
    out[...] = 0.0
    np.add.at(out, ids, grad)


def token_ids(layer: Layer, x: np.ndarray, n_tokens: int, what: str) -> np.ndarray:
    """x: (B, T) float ids -> (B, T) int64 ids, or a DataError a learner can act on."""
    if x.ndim != 2:
        raise ShapeError(f"{layer.describe()} expects one token id per time step (shape T) "
                         f"but receives {format_shape(x.shape[1:])}.")
    if not np.all(np.isfinite(x)):
        raise DataError(f"{layer.describe()} received a missing or infinite token id.")
    ids = np.rint(x).astype(np.int64)
    if ids.size and (ids.min() < 0 or ids.max() >= n_tokens):
        bad = int(ids.min() if ids.min() < 0 else ids.max())
        raise DataError(
            f"{layer.describe()} received token id {bad}, but {what} is {n_tokens}, so ids must "
            f"be 0 to {n_tokens - 1}. Raise {what} to the vocabulary size or fix the data."
        )
    return ids


def _example_ids(rng: np.random.Generator, batch: int, shapes: list[Shape], n: int,
                 dtype: Any) -> list[np.ndarray]:
    return [rng.integers(0, n, (batch, *s)).astype(dtype) for s in shapes]


class TokenLayer(SingleInputLayer):
    category = "Embedding"
    icon = "embedding"
    _ids: np.ndarray  # (B, T) int64 ids of the last forward pass

    def _count(self) -> int:
        raise NotImplementedError

    def expect_tokens(self, shape: Shape) -> int:
        if len(shape) != 1:
            raise ShapeError(
                f"{self.describe()} expects a sequence of token ids per sample (shape T) but "
                f"receives {format_shape(shape)} — set the Input shape to the sequence length."
            )
        return shape[0]

    def example_inputs(self, rng: np.random.Generator, batch: int, shapes: list[Shape],
                       dtype: Any) -> list[np.ndarray]:
        """Valid (whole-number, in-range) ids for the generic contract test."""
        return _example_ids(rng, batch, shapes, self._count(), dtype)

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        self._scatter(grad_y)
        return np.zeros(self._ids.shape, dtype=grad_y.dtype)  # ids are not differentiable

    def _scatter(self, grad_y: np.ndarray) -> None:
        pass


@register
class Embedding(TokenLayer):
    kind = "Embedding"
    display_name = "Embedding"
    blurb = ("Looks up a learned vector for each token id: (T,) ids become (T, output_dim) "
             "features; similar tokens end up with similar vectors.")
    config_spec = (
        ParamSpec("input_dim", "int", 50, "Vocabulary size: ids run from 0 to input_dim − 1",
                  min=1, max=10_000_000),
        ParamSpec("output_dim", "int", 16, "Length of each token's vector", min=1, max=65536),
        ParamSpec("embeddings_initializer", "choice", "random_uniform",
                  "How the vectors start (Keras: uniform ±0.05)", tuple(INITIALIZER_NAMES)),
        ParamSpec("mask_zero", "bool", False, "Id 0 is padding: it maps to a zero vector and "
                  "is never trained"),
    )
    example = ({"input_dim": 5, "output_dim": 3, "mask_zero": True}, [(4,)])

    def _count(self) -> int:
        return int(self.config["input_dim"])

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        return (self.expect_tokens(input_shapes[0]), self.config["output_dim"])

    def param_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        self.expect_tokens(input_shapes[0])
        return {"embeddings": (self.config["input_dim"], self.config["output_dim"])}

    def init_param(self, key: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        init = get_initializer(self.config["embeddings_initializer"])
        return init(shape, shape[0], shape[1], rng)

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, T) ids -> (B, T, output_dim)."""
        self._ids = token_ids(self, x, self.config["input_dim"], "input_dim")
        y = np.take(self.params["embeddings"], self._ids, axis=0)  # (B, T, D) gather
        if self.config["mask_zero"]:
            y[self._ids == 0] = 0.0
        self._out = y  # a recurrent reader recognises it (engine.layers.token_fusion)
        return y

    def _scatter(self, grad_y: np.ndarray) -> None:
        d = grad_y.shape[-1]
        g = np.ascontiguousarray(grad_y.reshape(-1, d), dtype=self.grads["embeddings"].dtype)
        out = self.grads["embeddings"]
        pick(scatter_add_rows, scatter_add_rows_ref)(self._ids.reshape(-1), g, out)
        if self.config["mask_zero"]:
            out[0] = 0.0

    def inspect(self) -> dict[str, np.ndarray]:
        if not hasattr(self, "_ids"):
            return {}
        return {"token_ids": self._ids, "mask": self._ids != 0} if self.config["mask_zero"] \
            else {"token_ids": self._ids}


@register
class OneHot(TokenLayer):
    kind = "OneHot"
    display_name = "One-hot"
    blurb = ("Turns each token id into a vector of `depth` zeros with a single 1 at the id: "
             "(T,) ids become (T, depth).")
    config_spec = (ParamSpec("depth", "int", 10, "Number of distinct ids (vector length)",
                             min=1, max=100000),)
    example = ({"depth": 4}, [(3,)])

    def _count(self) -> int:
        return int(self.config["depth"])

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        return (self.expect_tokens(input_shapes[0]), self.config["depth"])

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, T) ids -> (B, T, depth) 0/1 rows."""
        self._ids = token_ids(self, x, self.config["depth"], "depth")
        return np.eye(self.config["depth"], dtype=x.dtype)[self._ids]
