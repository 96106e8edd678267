"""Conv2DTranspose ("deconvolution"): the adjoint of Conv2D, used to enlarge feature maps.

``x: (B, C, H, W) -> y: (B, filters, OH, OW)`` with kernel ``(C, filters, kh, kw)`` (PyTorch's
layout). Every input pixel stamps its kernel, scaled by its value, onto the output at stride
spacing; overlaps add up. Output size per axis: ``out = (in − 1)·stride − 2·pad +
dilation·(k − 1) + output_padding + 1`` ("valid": pad 0; a number: that pad, as PyTorch);
"same" gives ``out = in·stride`` (Keras). Computed as ``cols = Wmᵀ @ x`` (BLAS) then
``col2im`` onto the output; the backward pass is ``im2col`` of the gradient and two products.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.backend import pick
from engine.initializers import get_initializer
from engine.kernels.activations import (
    act_backward_inplace,
    act_backward_ref,
    act_forward_inplace,
    act_forward_ref,
)
from engine.kernels.conv import col2im, col2im_ref, im2col, im2col_ref
from engine.layers.base import ParamSpec
from engine.layers.conv import ConvBase, Geometry, common_specs
from engine.layers.conv_utils import PADDING_HELP, expect_image
from engine.layers.registry import register
from engine.types import ConfigError, Shape, ShapeError, TrainingError


@register
class Conv2DTranspose(ConvBase):
    kind = "Conv2DTranspose"
    display_name = "Conv2DTranspose"
    icon = "deconv"
    blurb = ("Transposed convolution: each input pixel paints a learned filter onto a larger "
             "output (stride > 1 enlarges the image), the reverse of Conv2D's shape change.")
    pair_keys = ("kernel_size", "strides", "dilation_rate")
    example = ({"filters": 2, "kernel_size": [3, 2], "strides": [2, 3], "padding": "1",
                "output_padding": [1, 0], "activation": "tanh"}, [(2, 3, 2)])
    config_spec = (
        ParamSpec("filters", "int", 8, "Number of filters = output channels", min=1, max=4096),
        ParamSpec("kernel_size", "shape", [3, 3], "Height, width of each filter, e.g. 3 or 3, 3"),
        ParamSpec("strides", "shape", [2, 2], "Enlargement step (height, width)"),
        ParamSpec("padding", "str", "valid", PADDING_HELP),
        ParamSpec("output_padding", "shape", [-1], "Extra rows/columns at the bottom/right, "
                  "below the stride (0 or -1 = none)"),
        ParamSpec("dilation_rate", "shape", [1, 1], "Spacing between kernel taps"),
        *common_specs(),
    )

    def _validated(self, config: dict[str, Any]) -> dict[str, Any]:
        raw = dict(config)
        extra = raw.pop("output_padding", 0)
        config = super()._validated(raw)
        config["output_padding"] = self._output_padding(extra)
        return config

    def _output_padding(self, value: Any) -> list[int]:
        """[rows, cols] of extra output, each 0 or more (-1 and 0 both mean none)."""
        try:
            if isinstance(value, str):
                value = [v for v in value.replace("×", ",").split(",") if v.strip()]
            items = [int(value)] if isinstance(value, (int, float)) else [int(v) for v in value]
        except (TypeError, ValueError):
            items = []
        if len(items) not in (1, 2):
            raise ConfigError(f"{self.describe()}: option 'output_padding' must be one or two "
                              f"whole numbers (0 = none), such as 1 or 1, 0; got {value!r}.")
        return [max(v, 0) for v in items * (3 - len(items))]

    def init_param(self, key: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        c = self.image_of(self.input_shapes[0])[0]
        area = self.config["kernel_size"][0] * self.config["kernel_size"][1]
        name = self.config["kernel_initializer" if key == "kernel" else "bias_initializer"]
        # Keras and PyTorch: fan_in = filters·kh·kw for a transposed kernel.
        return get_initializer(name)(shape, self.config["filters"] * area, c * area, rng,
                                     self.dtype)

    def sizes(self) -> tuple[list[int], list[int], list[int]]:
        c = self.config
        return c["kernel_size"], c["strides"], c["dilation_rate"]

    def image_of(self, shape: Shape) -> tuple[int, int, int]:
        return expect_image(self.describe(), shape)

    def kernel_shape(self, f: int, c: int, k: list[int]) -> Shape:
        return (c, f, k[0], k[1])

    def geometry(self, shape: Shape) -> Geometry:
        """Geometry of the Conv2D this layer is the adjoint of (its input = our output)."""
        _, h, w = self.image_of(shape)
        k, s, d = self.sizes()
        extra = self.config["output_padding"]
        padding = self.config["padding"]
        out, pad = [], []
        for a, n in enumerate((h, w)):
            span = d[a] * (k[a] - 1) + 1
            if extra[a] >= max(s[a], d[a]):
                raise ShapeError(f"{self.describe()}: output_padding {extra[a]} must be smaller "
                                 f"than the stride ({s[a]}) or the dilation ({d[a]}).")
            if padding == "same":
                if extra[a]:
                    raise ShapeError(f"{self.describe()}: with padding \"same\" the output is "
                                     "input × stride; set output_padding to 0.")
                out.append(n * s[a])
                pad.append(max(span - s[a], 0) // 2)
                continue
            p = 0 if padding == "valid" else int(padding)
            out.append((n - 1) * s[a] - 2 * p + span + extra[a])
            pad.append(p)
            if out[-1] <= 0:
                raise ShapeError(
                    f"{self.describe()} with a {k[0]}×{k[1]} kernel, stride {s[a]} and padding "
                    f"{p} on a {h}×{w} input gives a size of {out[-1]} — reduce the padding. "
                    f"out = (in − 1)·stride − 2·pad + dilation·(k − 1) + output_padding + 1 = "
                    f"({n} − 1)·{s[a]} − 2·{p} + {d[a]}·({k[a]} − 1) + {extra[a]} + 1.")
        # Geometry of the adjoint convolution: its output grid is our input (h, w).
        return k[0], k[1], s[0], s[1], pad[0], pad[1], d[0], d[1], h, w, *out  # type: ignore

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        geo = self.geometry(input_shapes[0])
        return (self.config["filters"], geo[10], geo[11])  # type: ignore[misc]

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, C, H, W) -> (B, filters, OH, OW)."""
        full = self.geometry(x.shape[1:])
        geo, (oh, ow) = full[:10], full[10:]  # type: ignore[misc]
        nb, nc, h, w = x.shape
        f = self.config["filters"]
        dtype = self.params["kernel"].dtype
        x2 = np.ascontiguousarray(x.reshape(nb, nc, h * w).transpose(1, 0, 2), dtype=dtype)
        x2 = x2.reshape(nc, nb * h * w)
        wm = self.params["kernel"].reshape(nc, -1)  # (C, F·kh·kw)
        cols = wm.T @ x2  # (F·kh·kw, B·H·W), BLAS
        z = np.empty((nb, f, oh, ow), dtype=dtype)
        pick(col2im, col2im_ref)(cols, *geo, z)
        if "bias" in self.params:
            z += self.params["bias"][None, :, None, None]
        y = z.copy()
        act = self.act
        pick(act_forward_inplace, act_forward_ref)(y.reshape(nb * f, -1), act.act_id,
                                                   act.params.get("alpha", 0.0))
        self._x2, self._geo_t, self._zt, self._yt = x2, geo, z, y
        self._x_shape = x.shape
        return y

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: (B, filters, OH, OW) -> grad_x: (B, C, H, W)."""
        act = self.act
        if not act.has_gradient:
            raise TrainingError(f"{self.describe()} uses the step activation, which has no "
                                "gradient; switch to relu/tanh to train it.")
        z, y, geo, x2 = self._zt, self._yt, self._geo_t, self._x2
        nb, f = z.shape[:2]
        g = np.array(grad_y, dtype=z.dtype, order="C")  # (B, F, OH, OW), overwritten below
        pick(act_backward_inplace, act_backward_ref)(z.reshape(nb * f, -1), y.reshape(nb * f, -1),
                                                     g.reshape(nb * f, -1), act.act_id,
                                                     act.params.get("alpha", 0.0))
        if "bias" in self.grads:
            g.sum(axis=(0, 2, 3), out=self.grads["bias"])
        nc = x2.shape[0]
        gcols = np.empty((f * geo[0] * geo[1], x2.shape[1]), dtype=z.dtype)
        pick(im2col, im2col_ref)(g, *geo, gcols)
        wm = self.params["kernel"].reshape(nc, -1)
        np.dot(x2, gcols.T, out=self.grads["kernel"].reshape(wm.shape))
        dx2 = wm @ gcols  # (C, B·H·W)
        _, _, h, w = self._x_shape
        return np.ascontiguousarray(dx2.reshape(nc, nb, h * w).transpose(1, 0, 2)).reshape(
            self._x_shape)

    def inspect(self) -> dict[str, np.ndarray]:
        return {"feature_maps": self._yt} if hasattr(self, "_yt") else {}
