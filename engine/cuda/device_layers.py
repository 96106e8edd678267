"""One GPU twin per CPU layer kind the ``cuda`` backend trains: Dense, Conv2D, MaxPool2D,
AvgPool2D, Dropout (Flatten and rate-0 dropout need none: every activation on the device is
a ``(B, values)`` array in the CPU engine's order, so they change nothing).

Each twin owns, per batch width, its output buffer and the buffer of dLoss/d(its output)
(``grad``, written by the layer after it or by the loss). ``forward(x, n)`` reads the first
``n`` rows of ``x`` (a whole-width buffer) and returns its whole-width output buffer (the
first ``n`` rows written); ``backward(x, n, dx)`` turns its first ``n`` ``grad`` rows into
the parameter gradients and, when ``dx`` (the previous layer's ``grad`` buffer) is given,
the input gradient. Parameters are views of the stepper's flat
device arrays (``bind``), so the optimizer updates them in place.

Dropout: masks are drawn on the host by the CPU layer's own generator, for a whole chunk at
once (``draw``), in the order the CPU engine draws them, then uploaded as uint8 decisions:
the same seed drops the same values on both engines.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from engine.cuda import ops, ops_conv
from engine.kernels.activations import LINEAR
from engine.layers.base import Layer
from engine.layers.conv import Conv2D
from engine.layers.core import Dense, Dropout
from engine.layers.pooling import AvgPool2D, MaxPool2D


class GpuLayer(Protocol):
    width: int  # output values per sample

    def bind(self, d_p: Any, d_g: Any) -> None: ...
    def grad(self, batch: int) -> Any: ...
    def forward(self, x: Any, n: int) -> Any: ...
    def backward(self, x: Any, n: int, dx: Any | None) -> None: ...


class _Buffers:
    """Per-batch-width device buffers: ``out`` and ``grad`` (B, width), plus extras."""

    width: int
    extras: tuple[tuple[str, Any], ...] = ()

    def _bufs(self, batch: int) -> dict[str, Any]:
        cache: dict[int, dict[str, Any]] = self.__dict__.setdefault("_cache", {})
        if batch not in cache:
            cache[batch] = {"out": ops.zeros((batch, self.width)),
                            "grad": ops.zeros((batch, self.width)),
                            **{k: ops.zeros((batch, self.width), dt) for k, dt in self.extras}}
        return cache[batch]

    def grad(self, batch: int) -> Any:
        return self._bufs(batch)["grad"]

    def bind(self, d_p: Any, d_g: Any) -> None:
        pass


class ListInputs(_Buffers):
    """A twin whose ``forward(xs, n)`` and ``backward(xs, n, dxs)`` take the list of its
    input buffers and the list of their gradient buffers (None: no gradient wanted), one per
    input wire in port order: merges (Add, Concatenate) and multi-head attention."""

    def forward(self, xs: list[Any], n: int) -> Any:
        raise NotImplementedError

    def backward(self, xs: list[Any], n: int, dxs: list[Any | None]) -> None:
        raise NotImplementedError


class DenseGpu(_Buffers):
    """x (B, fan_in) @ W (fan_in, units) + b, then the activation (``engine.cuda.ops``)."""

    extras = (("z", np.float32),)

    def __init__(self, layer: Dense, slices: dict[Any, slice]) -> None:
        self.fan_in, self.width = layer.input_shapes[0][0], layer.config["units"]
        self.k, self.b = slices[(layer.name, "kernel")], slices.get((layer.name, "bias"))
        self.act, self.alpha = layer.act.act_id, float(layer.act.params.get("alpha", 0.0))

    def bind(self, d_p: Any, d_g: Any) -> None:
        shape = (self.fan_in, self.width)
        self.w, self.gw = d_p[self.k].reshape(shape), d_g[self.k].reshape(shape)
        self.bias = None if self.b is None else d_p[self.b]
        self.gb = None if self.b is None else d_g[self.b]

    def forward(self, x: Any, n: int) -> Any:
        bufs = self._bufs(x.shape[0])
        z = bufs["z"][:n]
        ops.matmul(x[:n], self.w, z)
        ops.bias_act(z, self.bias, self.act, self.alpha, bufs["out"][:n])
        return bufs["out"]

    def backward(self, x: Any, n: int, dx: Any | None) -> None:
        bufs = self._bufs(x.shape[0])
        g = bufs["grad"][:n]
        ops.act_backward(bufs["z"][:n], bufs["out"][:n], g, self.act, self.alpha)
        ops.matmul(x[:n], g, self.gw, trans_a=True)
        if self.gb is not None:
            ops.column_sums(g, self.gb)
        if dx is not None:
            ops.matmul(g, self.w, dx[:n], trans_b=True)


class Conv2DGpu(_Buffers):
    """Conv2D on (B, C·H·W) rows -> (B, F·OH·OW) (``engine.cuda.kernels_conv``)."""

    extras = (("z", np.float32),)

    def __init__(self, layer: Conv2D, slices: dict[Any, slice]) -> None:
        shape = layer.input_shapes[0]
        self.image = (int(shape[0]), int(shape[1]), int(shape[2]))
        self.geo = tuple(int(v) for v in layer.geometry(shape))
        self.f = int(layer.config["filters"])
        self.width = self.f * self.geo[8] * self.geo[9]
        self.k, self.b = slices[(layer.name, "kernel")], slices.get((layer.name, "bias"))
        self.act, self.alpha = layer.act.act_id, float(layer.act.params.get("alpha", 0.0))

    def bind(self, d_p: Any, d_g: Any) -> None:
        self.w, self.gw = d_p[self.k], d_g[self.k]
        self.bias = None if self.b is None else d_p[self.b]
        self.gb = None if self.b is None else d_g[self.b]

    def forward(self, x: Any, n: int) -> Any:
        bufs = self._bufs(x.shape[0])
        ops_conv.conv_forward(x[:n], self.w, self.bias, self.image, self.f, self.geo, self.act,
                              self.alpha, bufs["z"][:n], bufs["out"][:n])
        return bufs["out"]

    def backward(self, x: Any, n: int, dx: Any | None) -> None:
        bufs = self._bufs(x.shape[0])
        g = bufs["grad"][:n]
        if self.act != LINEAR:
            ops_conv.conv_act_backward(bufs["z"][:n], bufs["out"][:n], g, self.act, self.alpha)
        ops_conv.conv_backward(x[:n], g, self.w, self.image, self.f, self.geo, self.gw,
                               self.gb, None if dx is None else dx[:n])


class PoolGpu(_Buffers):
    """MaxPool2D (``max`` True, keeps each window's argmax) or AvgPool2D."""

    def __init__(self, layer: MaxPool2D | AvgPool2D) -> None:
        shape = layer.input_shapes[0]
        self.image = (int(shape[0]), int(shape[1]), int(shape[2]))
        self.geo = tuple(int(v) for v in layer.geometry(shape))
        self.max = isinstance(layer, MaxPool2D)
        self.width = self.image[0] * self.geo[6] * self.geo[7]
        self.extras = (("arg", np.int32),) if self.max else ()

    def forward(self, x: Any, n: int) -> Any:
        bufs = self._bufs(x.shape[0])
        out = bufs["out"][:n]
        if self.max:
            ops_conv.maxpool_forward(x[:n], self.image, self.geo, out, bufs["arg"][:n])
        else:
            ops_conv.avgpool_forward(x[:n], self.image, self.geo, out)
        return bufs["out"]

    def backward(self, x: Any, n: int, dx: Any | None) -> None:
        if dx is None:
            return
        bufs = self._bufs(x.shape[0])
        if self.max:
            ops_conv.maxpool_backward(bufs["grad"][:n], bufs["arg"][:n], self.image, self.geo,
                                      dx[:n])
        else:
            ops_conv.avgpool_backward(bufs["grad"][:n], self.image, self.geo, dx[:n])


class DropoutGpu(_Buffers):
    """Inverted dropout with the CPU layer's masks (drawn on the host once a chunk)."""

    def __init__(self, layer: Dropout) -> None:
        self.layer = layer
        self.width = int(np.prod(layer.input_shapes[0]))
        # the CPU layer's mask value for a kept input: float32(1) / float32(1 - rate)
        self.scale = float(np.float32(1.0) / np.float32(1.0 - layer.config["rate"]))
        self._keep: Any = None
        self._next = self._at = 0

    def draw(self, rows: int) -> None:
        """Draw this chunk's decisions for ``rows`` samples in all (the CPU layer's draws of
        each step, one after the other) and upload them."""
        keep = 1.0 - self.layer.config["rate"]
        drawn = self.layer._rng.random((rows, *self.layer.input_shapes[0])) < keep
        self._keep = ops.to_device(drawn.reshape(-1).astype(np.uint8))
        self._next = 0

    def forward(self, x: Any, n: int) -> Any:
        out = self._bufs(x.shape[0])["out"]
        self._at, self._next = self._next, self._next + n * self.width
        ops_conv.apply_mask(x[:n], self._keep, self._at, self.scale, out[:n])
        return out

    def backward(self, x: Any, n: int, dx: Any | None) -> None:
        if dx is not None:
            ops_conv.apply_mask(self._bufs(x.shape[0])["grad"][:n], self._keep, self._at,
                                self.scale, dx[:n])


def gpu_layers(layers: list[Layer], slices: dict[Any, slice]) -> list[GpuLayer]:
    """The GPU twins of a chain's layers (Flatten and rate-0 Dropout left out)."""
    out: list[GpuLayer] = []
    for layer in layers:
        if isinstance(layer, Dense):
            out.append(DenseGpu(layer, slices))
        elif isinstance(layer, Conv2D):
            out.append(Conv2DGpu(layer, slices))
        elif isinstance(layer, MaxPool2D | AvgPool2D):
            out.append(PoolGpu(layer))
        elif isinstance(layer, Dropout) and layer.kind == "Dropout":
            if layer.config["rate"] > 0:
                out.append(DropoutGpu(layer))
        elif layer.kind != "Flatten":
            raise ValueError(f"no GPU twin for {layer.kind}")  # placement refuses these first
    return out
