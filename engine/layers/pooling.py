"""Pooling and resizing layers on images ``(B, C, H, W)``; none has parameters.

MaxPool2D / AvgPool2D: ``(B, C, H, W) -> (B, C, OH, OW)``, one window per output pixel
(``strides`` default to ``pool_size``; output sizes as for convolutions, see
``engine.layers.conv_utils``; "same" windows that hang over the border only see real pixels).
GlobalAveragePool2D / GlobalMaxPool2D: ``(B, C, H, W) -> (B, C)``. Upsample2D:
``(B, C, H, W) -> (B, C, H·sh, W·sw)`` by nearest-neighbour or bilinear interpolation
(half-pixel centres, Keras's and PyTorch's ``align_corners=False``), written as two small
interpolation matrices ``y = A_h · x · A_wᵀ`` so the backward pass is ``A_hᵀ · g · A_w``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from engine import backend, threads
from engine.backend import pick
from engine.kernels.pooling import (
    avgpool_backward,
    avgpool_backward_ref,
    avgpool_forward,
    avgpool_forward_ref,
    maxpool_backward,
    maxpool_backward_ref,
    maxpool_forward,
    maxpool_forward_ref,
)
from engine.layers.base import ParamSpec, SingleInputLayer
from engine.layers.conv_utils import (
    check_pairs,
    expect_image,
    normalize_pairs,
    pads,
    scratch,
    size_error,
)
from engine.layers.registry import register
from engine.types import Shape


class Pool2D(SingleInputLayer):
    """Shared window geometry of MaxPool2D and AvgPool2D."""

    category = "Pooling"
    icon = "pool"
    config_spec = (
        ParamSpec("pool_size", "shape", [2, 2], "Window height, width, e.g. 2 or 2, 2"),
        ParamSpec("strides", "shape", [-1], "Step between windows; -1 = the pool size"),
        ParamSpec("padding", "choice", "valid", "valid: only whole windows; same: "
                  "output = ceil(input / stride)", ("valid", "same")),
    )

    def _validated(self, config: dict[str, Any]) -> dict[str, Any]:
        raw = normalize_pairs(config, ("pool_size", "strides"))
        if raw.get("strides") in (None, [], [-1], [-1, -1], "-1", -1):
            raw["strides"] = [-1]
        config = super()._validated(raw)
        check_pairs(config, ("pool_size",), self.describe())
        if config["strides"] != [-1]:
            check_pairs(config, ("strides",), self.describe())
        return config

    def geometry(self, shape: Shape) -> tuple[int, int, int, int, int, int, int, int]:
        """(kh, kw, sh, sw, ph, pw, oh, ow) for one input sample of ``shape``."""
        _, h, w = expect_image(self.describe(), shape)
        k = self.config["pool_size"]
        s = k if self.config["strides"] == [-1] else self.config["strides"]
        (oh, ph, _), (ow, pw, _) = (pads(self.config["padding"], n, k[a], s[a], 1)
                                    for a, n in enumerate((h, w)))
        if oh <= 0 or ow <= 0:
            raise size_error(self.describe(), k, s, [1, 1], self.config["padding"], [h, w],
                             [oh, ow], what="window")
        return k[0], k[1], s[0], s[1], ph, pw, oh, ow

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        geo = self.geometry(input_shapes[0])
        return (input_shapes[0][0], geo[6], geo[7])

    def _out(self, x: np.ndarray, training: bool) -> tuple[np.ndarray, tuple[int, ...]]:
        """The output array (reused between training steps) and the window geometry."""
        geo = self.geometry(x.shape[1:])
        self._x_shape, self._geo = x.shape, geo
        shape = (*x.shape[:2], geo[6], geo[7])
        out = scratch(self, "out", shape, x.dtype) if training else np.empty(shape, x.dtype)
        return out, geo[:6]


POOL_MIN_ELEMENTS = 200_000  # a pooling pass over fewer input values runs on one thread


def in_parts(nb: int, elements: int, work: Callable[[int, int], None]) -> None:
    """``work(b0, b1)`` over the batch: one part per thread of the engine's budget for a numba
    pass over at least ``POOL_MIN_ELEMENTS`` values (``engine.threads``), else one call. The
    pooling kernels treat every sample on its own, so the numbers never depend on the parts."""
    parts = ([(0, nb)] if backend.current() == "numpy" else
             threads.batch_parts(nb, elements, POOL_MIN_ELEMENTS))
    threads.run_parts(work, parts)


@register
class MaxPool2D(Pool2D):
    kind = "MaxPool2D"
    display_name = "MaxPool2D"
    blurb = ("Keeps the largest value of each pool_size window: shrinks the image and keeps "
             "the strongest feature responses.")
    example = ({"pool_size": [2, 3], "strides": [2, 2], "padding": "same"}, [(2, 5, 5)])

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, C, H, W) -> (B, C, OH, OW)."""
        out, geo = self._out(x, training)
        self._arg = arg = scratch(self, "arg", out.shape, np.int32)
        x, kernel = np.ascontiguousarray(x), pick(maxpool_forward, maxpool_forward_ref)
        in_parts(len(x), x.size, lambda b0, b1: kernel(x[b0:b1], *geo, out[b0:b1], arg[b0:b1]))
        return out

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: (B, C, OH, OW) -> grad_x: (B, C, H, W), routed to each window's maximum."""
        dx = scratch(self, "dx", self._x_shape, grad_y.dtype)
        g, arg, kernel = (np.ascontiguousarray(grad_y), self._arg,
                          pick(maxpool_backward, maxpool_backward_ref))
        in_parts(len(g), dx.size, lambda b0, b1: kernel(g[b0:b1], arg[b0:b1], dx[b0:b1]))
        return dx


@register
class AvgPool2D(Pool2D):
    kind = "AvgPool2D"
    display_name = "AvgPool2D"
    blurb = "Replaces each pool_size window by its average: a smooth way to shrink an image."
    example = ({"pool_size": [2, 2], "strides": [1, 2], "padding": "same"}, [(2, 3, 5)])

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, C, H, W) -> (B, C, OH, OW)."""
        out, geo = self._out(x, training)
        x, kernel = np.ascontiguousarray(x), pick(avgpool_forward, avgpool_forward_ref)
        in_parts(len(x), x.size, lambda b0, b1: kernel(x[b0:b1], *geo, out[b0:b1]))
        return out

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: (B, C, OH, OW) -> grad_x: (B, C, H, W), shared equally within windows."""
        dx = scratch(self, "dx", self._x_shape, grad_y.dtype)
        g, geo = np.ascontiguousarray(grad_y), self._geo[:6]
        kernel = pick(avgpool_backward, avgpool_backward_ref)
        in_parts(len(g), dx.size, lambda b0, b1: kernel(g[b0:b1], *geo, dx[b0:b1]))
        return dx


class GlobalPool2D(SingleInputLayer):
    category = "Pooling"
    icon = "pool"
    example: ClassVar[tuple[dict[str, Any], list[Shape]]] = ({}, [(3, 2, 3)])

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        return (expect_image(self.describe(), input_shapes[0])[0],)


@register
class GlobalAveragePool2D(GlobalPool2D):
    kind = "GlobalAveragePool2D"
    display_name = "GlobalAveragePool2D"
    blurb = "Averages each channel over the whole image: one number per channel (C, H, W → C)."

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, C, H, W) -> (B, C)."""
        self._x_shape = x.shape
        return x.mean(axis=(2, 3))

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: (B, C) -> (B, C, H, W), spread evenly over the pixels."""
        nb, nc, h, w = self._x_shape
        share = grad_y / (h * w)
        return np.ascontiguousarray(np.broadcast_to(share[:, :, None, None], self._x_shape))


@register
class GlobalMaxPool2D(GlobalPool2D):
    kind = "GlobalMaxPool2D"
    display_name = "GlobalMaxPool2D"
    blurb = "Keeps the largest value of each channel over the whole image (C, H, W → C)."

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, C, H, W) -> (B, C)."""
        self._x_shape = x.shape
        flat = x.reshape(x.shape[0], x.shape[1], -1)
        self._arg = np.argmax(flat, axis=2)  # (B, C), first maximum
        return np.take_along_axis(flat, self._arg[:, :, None], 2)[:, :, 0]

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: (B, C) -> (B, C, H, W), all of it at each channel's maximum."""
        nb, nc, h, w = self._x_shape
        dx = np.zeros((nb, nc, h * w), dtype=grad_y.dtype)
        np.put_along_axis(dx, self._arg[:, :, None], grad_y[:, :, None], 2)
        return dx.reshape(self._x_shape)


def interpolation_matrix(size: int, scale: int, mode: str) -> np.ndarray:
    """A: (size·scale, size) with ``out = A @ in`` along one axis (half-pixel centres)."""
    out = np.arange(size * scale)
    a = np.zeros((size * scale, size))
    if mode == "nearest":
        a[out, out // scale] = 1.0
        return a
    src = np.maximum((out + 0.5) / scale - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(int), size - 1)
    hi = np.minimum(lo + 1, size - 1)
    lam = src - lo
    np.add.at(a, (out, lo), 1.0 - lam)
    np.add.at(a, (out, hi), lam)
    return a


@register
class Upsample2D(SingleInputLayer):
    kind = "Upsample2D"
    display_name = "Upsample2D"
    category = "Pooling"
    icon = "upsample"
    blurb = ("Enlarges an image by whole factors, repeating pixels (nearest) or blending "
             "neighbours (bilinear); the opposite of pooling.")
    example = ({"size": [2, 3], "interpolation": "bilinear"}, [(2, 3, 2)])
    config_spec = (
        ParamSpec("size", "shape", [2, 2], "Enlargement factors (height, width), e.g. 2"),
        ParamSpec("interpolation", "choice", "nearest", "How new pixels are filled",
                  ("nearest", "bilinear")),
    )

    def _validated(self, config: dict[str, Any]) -> dict[str, Any]:
        config = super()._validated(normalize_pairs(config, ("size",)))
        check_pairs(config, ("size",), self.describe())
        return config

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        c, h, w = expect_image(self.describe(), input_shapes[0])
        sh, sw = self.config["size"]
        return (c, h * sh, w * sw)

    def _matrices(self, h: int, w: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        key = (h, w, dtype)
        if getattr(self, "_key", None) != key:
            sh, sw = self.config["size"]
            mode = self.config["interpolation"]
            self._key = key
            self._ah = interpolation_matrix(h, sh, mode).astype(dtype)  # (OH, H)
            self._awt = interpolation_matrix(w, sw, mode).T.astype(dtype).copy()  # (W, OW)
        return self._ah, self._awt

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, C, H, W) -> (B, C, H·sh, W·sw)."""
        self.output_shape([x.shape[1:]])
        ah, awt = self._matrices(x.shape[2], x.shape[3], x.dtype)
        return np.matmul(np.matmul(ah, x), awt)

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: (B, C, OH, OW) -> grad_x: (B, C, H, W) = A_hᵀ · g · A_w."""
        ah, awt = self._ah, self._awt
        return np.matmul(np.matmul(ah.T, grad_y), awt.T)
