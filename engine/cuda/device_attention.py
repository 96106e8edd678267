"""GPU twins of the attention family: PositionalEncoding and MultiHeadAttention — the
contract of ``engine.cuda.device_layers`` (``(B, values)`` device rows; a sequence of T
vectors of width F is ``(B, T·F)``, the CPU's ``(B, T, F)`` order).

- ``PositionalEncodingGpu``: ``x + PE[:T]``. The fixed sine waves are the CPU layer's own
  table (``PositionalEncoding.table``, float32), uploaded once; learned positions are the
  first T rows of the ``embeddings`` parameter, whose gradient is the batch sum of dLoss/dy
  (rows past T get 0, as on the CPU).
- ``MultiHeadAttentionGpu``: the four projections ``X W + b`` are matrix products on the
  ``(B·T, F)`` views (``engine.cuda.ops``), the per-head ``softmax(Q·Kᵀ/√d_k)·V`` and its
  backward are ``engine.cuda.kernels_attention``; causal and padding masks as on the CPU.
  One input wire is self-attention (its gradient is dQ-part + dK-part + dV-part); two are
  cross-attention (queries from the first, keys and values from the second). Dropout on the
  attention weights stays on the CPU (``engine.cuda.placement``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.cuda import ops, ops_graph
from engine.cuda import ops_attention as OA
from engine.cuda.device_layers import ListInputs, _Buffers
from engine.cuda.ops_recurrent import zero_rows
from engine.kernels.activations import LINEAR
from engine.layers.attention import MultiHeadAttention, PositionalEncoding

PARTS = ("query", "key", "value", "output")


class PositionalEncodingGpu(_Buffers):
    """(B, T·F) -> (B, T·F) + the positions' table."""

    def __init__(self, layer: PositionalEncoding, slices: dict[Any, slice]) -> None:
        steps, features = (int(v) for v in layer.input_shapes[0])
        self.width = steps * features
        self.e = slices.get((layer.name, "embeddings"))
        if self.e is None:  # fixed waves: the CPU layer's float32 table
            self.table = ops.to_device(layer.table(steps, features, np.float32).reshape(-1))

    def bind(self, d_p: Any, d_g: Any) -> None:
        if self.e is not None:
            self.table, self.gtable = d_p[self.e][: self.width], d_g[self.e]

    def forward(self, x: Any, n: int) -> Any:
        out = self._bufs(x.shape[0])["out"]
        OA.add_table(x, self.table, n, out)
        return out

    def backward(self, x: Any, n: int, dx: Any | None) -> None:
        g = self._bufs(x.shape[0])["grad"][:n]
        if self.e is not None:
            ops.column_sums(g, self.gtable[: self.width])
            rest = self.gtable.size - self.width
            if rest:  # positions longer than the sequence get no gradient
                zero_rows(self.gtable[self.width:].reshape((1, rest)), 1)
        if dx is not None:
            ops_graph.copy(g, dx[:n])


class MultiHeadAttentionGpu(ListInputs):
    """[query (B, T_q·F_q)] or [query, context (B, T_k·F_c)] -> (B, T_q·F_q)."""

    def __init__(self, layer: MultiHeadAttention, slices: dict[Any, slice]) -> None:
        (t_q, f_q), (t_k, f_c) = (tuple(int(v) for v in s) for s in
                                  (layer.input_shapes[0], layer.input_shapes[-1]))
        heads, d_k, d_v = (int(v) for v in layer.dims)
        cfg = layer.config
        scale = float(np.float32(1.0 / math.sqrt(d_k)))  # the CPU's float32 scale
        self.s = OA.Heads(heads, t_q, t_k, d_k, d_v, f_c, scale, bool(cfg["use_causal_mask"]),
                          bool(cfg["mask_padding"]))
        self.f_q, self.width = f_q, t_q * f_q
        fans = {"query": (f_q, heads * d_k), "key": (f_c, heads * d_k),
                "value": (f_c, heads * d_v), "output": (heads * d_v, f_q)}
        self.slots = {p: (slices[(layer.name, f"{p}_kernel")],
                          slices.get((layer.name, f"{p}_bias")), fans[p]) for p in PARTS}

    def bind(self, d_p: Any, d_g: Any) -> None:
        self.w: dict[str, tuple[Any, Any, Any, Any]] = {}
        for part, (k, b, shape) in self.slots.items():
            self.w[part] = (d_p[k].reshape(shape), d_g[k].reshape(shape),
                            None if b is None else d_p[b], None if b is None else d_g[b])

    def _work(self, batch: int) -> dict[str, Any]:
        """Per-batch-width buffers: projections and their gradients, weights, scores'
        gradients, the heads' outputs and their gradient, one context-gradient scratch."""
        cache: dict[int, dict[str, Any]] = self.__dict__.setdefault("_work_cache", {})
        if batch not in cache:
            s = self.s
            sizes = {"q": s.t_q * s.heads * s.d_k, "k": s.t_k * s.heads * s.d_k,
                     "v": s.t_k * s.heads * s.d_v, "w": s.heads * s.t_q * s.t_k,
                     "heads": s.t_q * s.heads * s.d_v, "tmp": s.t_k * s.f_c}
            sizes.update({"g" + k: sizes[k] for k in ("q", "k", "v", "w", "heads")})
            cache[batch] = {k: ops.zeros((batch, v)) for k, v in sizes.items()}
        return cache[batch]

    def _project(self, x2d: Any, part: str, out2d: Any) -> None:
        w, _, b, _ = self.w[part]
        ops.matmul(x2d, w, out2d)
        if b is not None:
            ops.bias_act(out2d, b, LINEAR, 0.0, out2d)

    def _project_back(self, x2d: Any, g2d: Any, part: str, dx2d: Any | None) -> None:
        """The part's weight and bias gradients from g2d; dx2d = g2d Wᵀ when given."""
        w, gw, _, gb = self.w[part]
        ops.matmul(x2d, g2d, gw, trans_a=True)
        if gb is not None:
            ops.column_sums(g2d, gb)
        if dx2d is not None:
            ops.matmul(g2d, w, dx2d, trans_b=True)

    def _rows(self, a: Any, n: int, steps: int) -> Any:
        """The first n rows of a (B, T·W) buffer as (n·T, W)."""
        return a[:n].reshape((n * steps, a.shape[1] // steps))

    def forward(self, xs: list[Any], n: int) -> Any:
        xq, xc, s = xs[0], xs[-1], self.s
        w = self._work(xq.shape[0])
        self._project(self._rows(xq, n, s.t_q), "query", self._rows(w["q"], n, s.t_q))
        for part, key in (("key", "k"), ("value", "v")):
            self._project(self._rows(xc, n, s.t_k), part, self._rows(w[key], n, s.t_k))
        OA.attend(w["q"], w["k"], w["v"], xc, n, s, w["w"], w["heads"])
        out = self._bufs(xq.shape[0])["out"]
        self._project(self._rows(w["heads"], n, s.t_q), "output", self._rows(out, n, s.t_q))
        return out

    def backward(self, xs: list[Any], n: int, dxs: list[Any | None]) -> None:
        xq, xc, s = xs[0], xs[-1], self.s
        batch = xq.shape[0]
        w = self._work(batch)
        g = self._rows(self._bufs(batch)["grad"], n, s.t_q)
        self._project_back(self._rows(w["heads"], n, s.t_q), g, "output",
                           self._rows(w["gheads"], n, s.t_q))
        OA.attend_backward(w["gheads"], w["q"], w["k"], w["v"], w["w"], n, s, w["gw"],
                           w["gq"], w["gk"], w["gv"])
        dq = dxs[0]
        dc = dq if len(dxs) == 1 else dxs[1]  # self-attention: all three parts add up
        self._project_back(self._rows(xq, n, s.t_q), self._rows(w["gq"], n, s.t_q), "query",
                           None if dq is None else self._rows(dq, n, s.t_q))
        tmp = None if dc is None else self._rows(w["tmp"], n, s.t_k)
        first = len(dxs) > 1  # cross-attention: the key part writes the context's gradient
        for part, key in (("key", "gk"), ("value", "gv")):
            target = self._rows(dc, n, s.t_k) if first and dc is not None else tmp
            self._project_back(self._rows(xc, n, s.t_k), self._rows(w[key], n, s.t_k), part,
                               target)
            if dc is not None and not first:
                ops_graph.add(dc[:n], w["tmp"][:n], dc[:n])
            first = False
