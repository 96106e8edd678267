"""Convolution layers: Conv2D on images and Conv1D on sequences (im2col + one BLAS product).

Conv2D: ``x: (B, C, H, W) -> y: (B, filters, OH, OW)``, kernel ``(filters, C, kh, kw)``
(PyTorch's layout; images are channels-first), ``y = act(W ⋆ x + b)`` where ⋆ is the
cross-correlation deep-learning libraries call convolution. The input's channel count is
inferred, so it can never be wrong. Conv1D: ``x: (B, steps, channels) -> (B, steps', filters)``
(sequences stay channels-last, like Keras), kernel ``(filters, channels, k)``.

The arithmetic: ``im2col`` gathers every patch into ``cols: (C·kh·kw, B·OH·OW)``, BLAS computes
``Wm @ cols`` and one numba pass adds the bias, applies the activation and reorders to
``(B, F, OH, OW)``. Backward: ``dW = G @ colsᵀ``, ``dcols = Wmᵀ @ G`` and ``col2im`` adds the
patches back onto the input gradient. Output sizes: see ``engine.layers.conv_utils``.
The batch runs in L2-sized chunks of samples, one compiled call per worker thread
(``engine.layers.conv_exec``, ``engine.kernels.conv_chunks``); a layer fed only by the data
skips the input gradient while training (``input_grad_needed``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import activations
from engine.backend import pick
from engine.initializers import get_initializer
from engine.kernels.activations import LINEAR, RELU
from engine.kernels.conv_chunks import (
    backward_chunks,
    backward_chunks_ref,
    forward_chunks,
    forward_chunks_ref,
)
from engine.layers import conv_exec
from engine.layers.base import ParamSpec, SingleInputLayer
from engine.layers.conv_utils import (
    PADDING_HELP,
    check_padding,
    check_pairs,
    expect_image,
    expect_sequence,
    normalize_pairs,
    pads,
    scratch,
    size_error,
)
from engine.layers.core import INIT_CHOICES
from engine.layers.registry import register
from engine.types import Shape, TrainingError

# Softmax would normalise over an image axis; use it after Flatten + Dense instead.
CONV_ACTIVATIONS = tuple(n for n in activations.NAMES if n != "softmax")
Geometry = tuple[int, int, int, int, int, int, int, int, int, int]  # kh kw sh sw ph pw dh dw oh ow


def common_specs(default_act: str = "linear") -> tuple[ParamSpec, ...]:
    """The options every convolution shares after its size options (Keras names)."""
    return (
        ParamSpec("activation", "choice", default_act, "Applied to every output value",
                  CONV_ACTIVATIONS),
        ParamSpec("use_bias", "bool", True, "Add a learned bias to each filter's output"),
        ParamSpec("kernel_initializer", "choice", "glorot_uniform", "How the filters start",
                  INIT_CHOICES),
        ParamSpec("bias_initializer", "choice", "zeros", "How the biases start", INIT_CHOICES),
        ParamSpec("l1", "float", 0.0, "L1 penalty on the filters (l1·Σ|w|)", min=0.0),
        ParamSpec("l2", "float", 0.0, "L2 penalty on the filters (l2·Σw²)", min=0.0),
    )


class ConvBase(SingleInputLayer):
    """Shared machinery: a 2-D convolution of ``(B, C, H, W)`` arrays (Conv1D uses H = 1)."""

    category = "Convolution"
    icon = "conv"
    regularized_params = ("kernel",)
    pair_keys: tuple[str, ...] = ()
    # False when nothing uses the input gradient (a layer fed only by the Input, while
    # training: ``Model.backward(input_grad=False)`` sets it): backward then skips Wmᵀ·G and
    # col2im and returns zeros.
    input_grad_needed: bool = True

    def _validated(self, config: dict[str, Any]) -> dict[str, Any]:
        config = super()._validated(normalize_pairs(config, self.pair_keys))
        check_pairs(config, self.pair_keys, self.describe())
        check_padding(config, self.describe())
        return config

    # -- subclasses describe their layout -------------------------------------------------
    def sizes(self) -> tuple[list[int], list[int], list[int]]:
        """(kernel, strides, dilation) as [height, width]."""
        raise NotImplementedError

    def image_of(self, shape: Shape) -> tuple[int, int, int]:
        """(C, H, W) of one input sample."""
        raise NotImplementedError

    def geometry(self, shape: Shape) -> Geometry:
        _, h, w = self.image_of(shape)
        k, s, d = self.sizes()
        (oh, ph, _), (ow, pw, _) = (pads(self.config["padding"], n, k[a], s[a], d[a])
                                    for a, n in enumerate((h, w)))
        if oh <= 0 or ow <= 0:
            raise size_error(self.describe(), k, s, d, self.config["padding"], [h, w],
                             [oh, ow], one_d=isinstance(self, Conv1D))
        return k[0], k[1], s[0], s[1], ph, pw, d[0], d[1], oh, ow

    # -- parameters ---------------------------------------------------------------------------
    def param_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        c = self.image_of(input_shapes[0])[0]
        k, _, _ = self.sizes()
        f = self.config["filters"]
        self.geometry(input_shapes[0])
        shapes: dict[str, Shape] = {"kernel": self.kernel_shape(f, c, k)}
        if self.config["use_bias"]:
            shapes["bias"] = (f,)
        return shapes

    def kernel_shape(self, f: int, c: int, k: list[int]) -> Shape:
        return (f, c, k[0], k[1])

    def init_param(self, key: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        c = self.image_of(self.input_shapes[0])[0]
        k, _, _ = self.sizes()
        area = k[0] * k[1]
        name = self.config["kernel_initializer" if key == "kernel" else "bias_initializer"]
        return get_initializer(name)(shape, c * area, self.config["filters"] * area, rng,
                                     self.dtype)

    @property
    def act(self) -> activations.ActivationInfo:
        return activations.get("linear" if self.skip_activation else self.config["activation"])

    @property
    def has_gradient(self) -> bool:
        return self.act.has_gradient

    # -- the 2-D computation --------------------------------------------------------------
    def conv_forward(self, x4: np.ndarray, geo: Geometry, training: bool) -> np.ndarray:
        """x4: (B, C, H, W) -> (B, F, OH, OW); caches what conv_backward needs.

        In training mode the output array is reused by the next training step. The batch runs
        in cache-sized chunks, on several threads when it is large (``conv_exec``).
        """
        nb, nc = x4.shape[:2]
        kh, kw, oh, ow = geo[0], geo[1], geo[8], geo[9]
        f, k, p = self.config["filters"], nc * kh * kw, oh * ow
        dtype = self.params["kernel"].dtype
        x4 = np.ascontiguousarray(x4, dtype=dtype)
        bias = self.params.get("bias", np.zeros(f, dtype=dtype))
        act, alpha = self.act, self.act.params.get("alpha", 0.0)
        shape = (nb, f, p)
        y = scratch(self, "y", shape, dtype) if training else np.empty(shape, dtype)
        # linear and ReLU need no separate pre-activation (ReLU's slope is y > 0)
        z = y if act.act_id in (LINEAR, RELU) else scratch(self, "z", shape, dtype)
        chunks, groups = conv_exec.plan(nb, k * p * dtype.itemsize, f * k * nb * p)
        cols = scratch(self, "cols", (k * nb * p,), dtype)  # chunk c: a (k, b·p) block
        self._x4_shape, self._geo, self._z, self._y = x4.shape, geo, z, y
        self._cols, self._chunks, self._groups = cols, chunks, groups
        wm = self.params["kernel"].reshape(f, k)
        room = f * conv_exec.largest(chunks) * p
        yfps = [scratch(self, f"yfp{w}", (room,), dtype) for w in range(len(groups))]
        kernel = pick(forward_chunks, forward_chunks_ref)

        def work(w: int, mine: tuple[int, ...]) -> None:
            starts, stops, _ = conv_exec.bounds(chunks, mine)
            kernel(x4, wm, bias, geo, act.act_id, alpha, starts, stops, cols, yfps[w], z, y)

        conv_exec.run(work, groups)
        return y.reshape(nb, f, oh, ow)

    def conv_backward(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: (B, F, OH, OW) -> grad_x: (B, C, H, W); fills grads['kernel'], ['bias'].

        With ``input_grad_needed`` False the input gradient is not computed (zeros come back).
        """
        act = self.act
        if not act.has_gradient:
            raise TrainingError(f"{self.describe()} uses the step activation, which has no "
                                "gradient; switch to relu/tanh to train it.")
        z, y, geo, cols, chunks = self._z, self._y, self._geo, self._cols, self._chunks
        nb, f, p = z.shape
        k, dtype = cols.size // (nb * p), z.dtype
        g = np.ascontiguousarray(grad_y, dtype=dtype).reshape(nb, f, p)
        alpha = act.params.get("alpha", 0.0)
        wm = self.params["kernel"].reshape(f, k)
        dx = scratch(self, "dx", self._x4_shape, dtype)
        need_dx = self.input_grad_needed
        groups = self._groups
        room = conv_exec.largest(chunks) * p
        gfps = [scratch(self, f"gfp{w}", (f * room,), dtype) for w in range(len(groups))]
        dcols = [scratch(self, f"dcols{w}", (k * room,), dtype) if need_dx else gfps[w]
                 for w in range(len(groups))]
        gwt = scratch(self, "gwt", (len(chunks), k, f), dtype)  # dWᵀ per chunk
        gb = scratch(self, "gb", (len(chunks), f), dtype)  # bias gradient per chunk
        kernel = pick(backward_chunks, backward_chunks_ref)

        def work(w: int, mine: tuple[int, ...]) -> None:
            starts, stops, ids = conv_exec.bounds(chunks, mine)
            kernel(g, z, y, wm, geo, act.act_id, alpha, starts, stops, ids, cols,
                   gfps[w], dcols[w], gwt, gb, need_dx, dx)

        conv_exec.run(work, groups)
        if "bias" in self.grads:
            np.sum(gb, axis=0, out=self.grads["bias"])
        self.grads["kernel"].reshape(wm.shape)[...] = np.sum(gwt, axis=0).T
        if not need_dx:
            dx[...] = 0.0
        return dx

    def inspect(self) -> dict[str, np.ndarray]:
        if not hasattr(self, "_y"):
            return {}
        shape = (self._z.shape[0], self._z.shape[1], self._geo[8], self._geo[9])
        out = {"feature_maps": self._y.reshape(shape)}
        if self._z is not self._y:
            out["pre_activation"] = self._z.reshape(shape)
        return out


@register
class Conv2D(ConvBase):
    kind = "Conv2D"
    display_name = "Conv2D"
    blurb = ("Slides small learned filters over an image: each output pixel is a weighted sum "
             "of a kernel_size patch of every input channel, plus a bias.")
    pair_keys = ("kernel_size", "strides", "dilation_rate")
    example = ({"filters": 2, "kernel_size": [3, 2], "strides": [2, 1], "padding": "same",
                "activation": "tanh"}, [(2, 5, 4)])
    config_spec = (
        ParamSpec("filters", "int", 8, "Number of filters = output channels", min=1, max=4096),
        ParamSpec("kernel_size", "shape", [3, 3], "Height, width of each filter, e.g. 3 or 3, 3"),
        ParamSpec("strides", "shape", [1, 1], "Step between patches (height, width)"),
        ParamSpec("padding", "str", "valid", PADDING_HELP),
        ParamSpec("dilation_rate", "shape", [1, 1], "Spacing between kernel taps (atrous)"),
        *common_specs(),
    )

    def sizes(self) -> tuple[list[int], list[int], list[int]]:
        c = self.config
        return c["kernel_size"], c["strides"], c["dilation_rate"]

    def image_of(self, shape: Shape) -> tuple[int, int, int]:
        return expect_image(self.describe(), shape)

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        geo = self.geometry(input_shapes[0])
        return (self.config["filters"], geo[8], geo[9])

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, C, H, W) -> (B, filters, OH, OW)."""
        return self.conv_forward(x, self.geometry(x.shape[1:]), training)

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: (B, filters, OH, OW) -> grad_x: (B, C, H, W)."""
        return self.conv_backward(grad_y)


@register
class Conv1D(ConvBase):
    kind = "Conv1D"
    display_name = "Conv1D"
    blurb = ("Slides learned filters along a sequence or signal (steps, channels): each output "
             "step mixes kernel_size neighbouring steps of every channel.")
    pair_keys = ()
    example = ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "1",
                "activation": "relu"}, [(6, 2)])
    config_spec = (
        ParamSpec("filters", "int", 8, "Number of filters = output channels", min=1, max=4096),
        ParamSpec("kernel_size", "int", 3, "Length of each filter (steps)", min=1, max=4096),
        ParamSpec("strides", "int", 1, "Step between windows", min=1, max=4096),
        ParamSpec("padding", "str", "valid", PADDING_HELP),
        ParamSpec("dilation_rate", "int", 1, "Spacing between kernel taps", min=1, max=4096),
        *common_specs(),
    )

    def sizes(self) -> tuple[list[int], list[int], list[int]]:
        c = self.config
        return [1, c["kernel_size"]], [1, c["strides"]], [1, c["dilation_rate"]]

    def image_of(self, shape: Shape) -> tuple[int, int, int]:
        steps, channels = expect_sequence(self.describe(), shape)
        return channels, 1, steps

    def geometry(self, shape: Shape) -> Geometry:
        steps = self.image_of(shape)[2]
        k, s, d = self.sizes()
        out, pb, _ = pads(self.config["padding"], steps, k[1], s[1], d[1])
        if out <= 0:
            raise size_error(self.describe(), k[1:], s[1:], d[1:], self.config["padding"],
                             [steps], [out], one_d=True)
        return 1, k[1], 1, s[1], 0, pb, 1, d[1], 1, out

    def kernel_shape(self, f: int, c: int, k: list[int]) -> Shape:
        return (f, c, k[1])

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        return (self.geometry(input_shapes[0])[9], self.config["filters"])

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, steps, channels) -> (B, steps', filters)."""
        geo = self.geometry(x.shape[1:])
        y = self.conv_forward(x.transpose(0, 2, 1)[:, :, None, :], geo, False)  # (B, F, 1, T')
        return np.ascontiguousarray(y[:, :, 0, :].transpose(0, 2, 1))

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: (B, steps', filters) -> grad_x: (B, steps, channels)."""
        dx = self.conv_backward(grad_y.transpose(0, 2, 1)[:, :, None, :])  # (B, C, 1, T)
        return np.ascontiguousarray(dx[:, :, 0, :].transpose(0, 2, 1))
