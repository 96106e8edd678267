"""GPU twins for graph-shaped networks: Add (a residual merge), Concatenate, stand-alone
activations (Activation, LeakyReLU, ELU), GlobalAveragePool2D, BatchNormalization and
LayerNormalization — the same contract as ``engine.cuda.device_layers`` (``(B, values)``
device rows, per-batch-width ``out`` and ``grad`` buffers), except that the merges take a
list of inputs and a list of input-gradient buffers (``ListInputs``; ``engine.cuda.graph``
walks the network).

BatchNormalization keeps its running mean/variance on the device (``upload_state`` when the
host copies changed, ``download_state`` at the end of a chunk). Training steps use the batch
statistics and update the running averages by the CPU layer's rule; a frozen layer
(``trainable: false``) normalizes with the running averages and keeps them, as on the CPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import activations
from engine.cuda import ops, ops_graph
from engine.cuda.device_layers import ListInputs, _Buffers
from engine.layers.activation_layers import _Elementwise
from engine.layers.normalization import BatchNormalization, LayerNormalization
from engine.layers.pooling import GlobalAveragePool2D
from engine.layers.shape_ops import Add, Concatenate


class AddGpu(ListInputs):
    """out = x₀ + x₁ + … (in the CPU layer's order); each input's gradient is ``grad``."""

    def __init__(self, layer: Add) -> None:
        self.width = int(np.prod(layer.input_shapes[0]))

    def forward(self, xs: list[Any], n: int) -> Any:
        out = self._bufs(xs[0].shape[0])["out"]
        ops_graph.add(xs[0][:n], xs[1][:n], out[:n])
        for x in xs[2:]:
            ops_graph.add(out[:n], x[:n], out[:n])
        return out

    def backward(self, xs: list[Any], n: int, dxs: list[Any | None]) -> None:
        g = self._bufs(xs[0].shape[0])["grad"][:n]
        for dx in dxs:
            if dx is not None:
                ops_graph.copy(g, dx[:n])


class ConcatenateGpu(ListInputs):
    """Inputs (B, outer·part_i) joined along the layer's axis: with the per-sample shapes
    ``s_i``, ``outer`` = the product of the sizes before the axis (the same for every input)
    and ``part_i`` = the product from the axis on; each outer block of the output holds the
    inputs' blocks side by side (NumPy's ``concatenate`` order)."""

    def __init__(self, layer: Concatenate) -> None:
        shapes = [tuple(int(v) for v in s) for s in layer.input_shapes]
        axis = layer._axis(len(shapes[0]))
        self.outer = int(np.prod(shapes[0][:axis]))
        self.widths = [int(np.prod(s)) for s in shapes]
        self.width = sum(self.widths)

    def forward(self, xs: list[Any], n: int) -> Any:
        out = self._bufs(xs[0].shape[0])["out"]
        ops_graph.concat([x[:n] for x in xs], n, self.outer, out[:n])
        return out

    def backward(self, xs: list[Any], n: int, dxs: list[Any | None]) -> None:
        g = self._bufs(xs[0].shape[0])["grad"][:n]
        ops_graph.split(g, n, self.outer, [None if d is None else d[:n] for d in dxs],
                        self.widths)


class ActivationGpu(_Buffers):
    """A stand-alone elementwise activation (any the Dense kernels have)."""

    def __init__(self, layer: _Elementwise) -> None:
        self.width = int(np.prod(layer.input_shapes[0]))
        info = activations.get("linear" if layer.skip_activation else layer.activation_name())
        alpha = layer.alpha()
        self.act = info.act_id
        self.alpha = float(info.params.get("alpha", 0.0) if alpha is None else alpha)

    def forward(self, x: Any, n: int) -> Any:
        out = self._bufs(x.shape[0])["out"]
        ops.bias_act(x[:n], None, self.act, self.alpha, out[:n])
        return out

    def backward(self, x: Any, n: int, dx: Any | None) -> None:
        if dx is None:
            return
        bufs = self._bufs(x.shape[0])
        g = bufs["grad"][:n]
        ops.act_backward(x[:n], bufs["out"][:n], g, self.act, self.alpha)
        ops_graph.copy(g, dx[:n])


class GlobalAvgPoolGpu(_Buffers):
    """(B, C·H·W) -> (B, C), each channel's mean."""

    def __init__(self, layer: GlobalAveragePool2D) -> None:
        c, h, w = layer.input_shapes[0]
        self.width, self.hw = int(c), int(h * w)

    def forward(self, x: Any, n: int) -> Any:
        out = self._bufs(x.shape[0])["out"]
        ops_graph.gap_forward(x[:n], self.hw, out[:n])
        return out

    def backward(self, x: Any, n: int, dx: Any | None) -> None:
        if dx is not None:
            ops_graph.gap_backward(self._bufs(x.shape[0])["grad"][:n], self.hw, dx[:n])


class BatchNormGpu(_Buffers):
    """BatchNormalization over vectors (F,), sequences (T, F) or images (C, H, W)."""

    extras = (("xhat", np.float32),)

    def __init__(self, layer: BatchNormalization, slices: dict[Any, slice]) -> None:
        shape = layer.input_shapes[0]
        self.layer = layer
        self.width = int(np.prod(shape))
        self.features = int(shape[0] if len(shape) == 3 else shape[-1])
        self.inner = int(shape[1] * shape[2]) if len(shape) == 3 else 1
        self.g_slice = slices.get((layer.name, "gamma"))
        self.b_slice = slices.get((layer.name, "beta"))
        self.eps, self.momentum = float(layer.config["epsilon"]), float(layer.config["momentum"])
        f = self.features
        self.mean, self.var, self.inv_std = ops.zeros(f), ops.zeros(f), ops.zeros(f)
        self.sum_g, self.sum_gx = ops.zeros(f), ops.zeros(f)  # used when β / γ are off
        self.moving: tuple[Any, Any] | None = None
        self._host: tuple[np.ndarray, np.ndarray] | None = None
        self.training = True

    def bind(self, d_p: Any, d_g: Any) -> None:
        self.gamma = None if self.g_slice is None else d_p[self.g_slice]
        self.ggamma = self.sum_gx if self.g_slice is None else d_g[self.g_slice]
        self.beta = None if self.b_slice is None else d_p[self.b_slice]
        self.gbeta = self.sum_g if self.b_slice is None else d_g[self.b_slice]

    def upload_state(self) -> None:
        """Upload the running averages when the host copies changed since the last chunk."""
        st = self.layer.state
        now = (st["moving_mean"], st["moving_variance"])
        if self._host is None or any(not np.array_equal(a, b) for a, b in zip(now, self._host)):
            self.moving = (ops.to_device(now[0].astype(np.float32)),
                           ops.to_device(now[1].astype(np.float32)))
            self._host = (now[0].copy(), now[1].copy())

    def download_state(self) -> None:
        assert self.moving is not None
        st = self.layer.state
        for key, dev in zip(("moving_mean", "moving_variance"), self.moving):
            st[key][...] = dev.copy_to_host()
        self._host = (st["moving_mean"].copy(), st["moving_variance"].copy())

    def forward(self, x: Any, n: int) -> Any:
        assert self.moving is not None
        bufs = self._bufs(x.shape[0])
        self.training = self.layer.trainable  # frozen: inference mode, statistics kept
        if self.training:
            ops_graph.bn_stats(x[:n], n, self.inner, self.features, self.momentum, self.mean,
                               self.var, *self.moving)
            mean, var = self.mean, self.var
        else:
            mean, var = self.moving
        ops_graph.bn_forward(x[:n], mean, var, self.eps, self.gamma, self.beta, self.inner,
                             self.features, self.inv_std, bufs["xhat"][:n], bufs["out"][:n])
        return bufs["out"]

    def backward(self, x: Any, n: int, dx: Any | None) -> None:
        bufs = self._bufs(x.shape[0])
        ops_graph.bn_backward(bufs["grad"][:n], bufs["xhat"][:n], self.gamma, self.inv_std, n,
                              self.inner, self.features, self.training, self.gbeta,
                              self.ggamma, None if dx is None else dx[:n])


class LayerNormGpu(_Buffers):
    """LayerNormalization: statistics per sample over the last axis of vectors (F,) and of
    each step of sequences (T, F), over all of an image (C, H, W); γ, β per last-axis
    feature (per channel for images)."""

    extras = (("xhat", np.float32),)

    def __init__(self, layer: LayerNormalization, slices: dict[Any, slice]) -> None:
        shape = tuple(int(v) for v in layer.input_shapes[0])
        image = len(shape) == 3
        self.width = int(np.prod(shape))
        self.group = self.width if image else shape[-1]
        self.features = shape[0] if image else shape[-1]
        self.inner = shape[1] * shape[2] if image else 1
        self.eps = float(layer.config["epsilon"])
        self.g_slice = slices.get((layer.name, "gamma"))
        self.b_slice = slices.get((layer.name, "beta"))
        f = self.features
        self.sum_g, self.sum_gx = ops.zeros(f), ops.zeros(f)  # used when β / γ are off

    def bind(self, d_p: Any, d_g: Any) -> None:
        self.gamma = None if self.g_slice is None else d_p[self.g_slice]
        self.ggamma = self.sum_gx if self.g_slice is None else d_g[self.g_slice]
        self.beta = None if self.b_slice is None else d_p[self.b_slice]
        self.gbeta = self.sum_g if self.b_slice is None else d_g[self.b_slice]

    def _inv_std(self, batch: int) -> Any:
        cache: dict[int, Any] = self.__dict__.setdefault("_inv_cache", {})
        if batch not in cache:
            cache[batch] = ops.zeros((batch, self.width // self.group))
        return cache[batch]

    def forward(self, x: Any, n: int) -> Any:
        bufs = self._bufs(x.shape[0])
        ops_graph.ln_forward(x[:n], n, self.group, self.inner, self.features, self.eps,
                             self.gamma, self.beta, self._inv_std(x.shape[0])[:n],
                             bufs["xhat"][:n], bufs["out"][:n])
        return bufs["out"]

    def backward(self, x: Any, n: int, dx: Any | None) -> None:
        bufs = self._bufs(x.shape[0])
        ops_graph.ln_backward(bufs["grad"][:n], bufs["xhat"][:n], self.gamma,
                              self._inv_std(x.shape[0])[:n], n, self.group, self.inner,
                              self.features, self.gbeta, self.ggamma,
                              None if dx is None else dx[:n])
