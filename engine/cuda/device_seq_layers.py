"""GPU twins of the sequence family: Embedding, SimpleRNN, LSTM, GRU (``reset_after``) and
TimeDistributed (Dense per step) — the contract of ``engine.cuda.device_layers`` (``(B,
values)`` device rows, per-batch-width ``out`` and ``grad`` buffers; a sequence of T vectors
of width W is ``(B, T·W)``, the CPU's ``(B, T, W)`` order).

- ``EmbeddingGpu`` reads the float token ids of the gathered batch ``(B, T)`` (it sits right
  after the Input: ``engine.cuda.placement``; the stepper checks the ids on the host once,
  when the data is uploaded, with the CPU layer's messages). Backward: the table's gradient
  by a fixed-order scatter-add (deterministic); ids get no gradient.
- ``RecurrentGpu``: the input projections ``X W + b`` of all B·T steps as one matrix product,
  the steps one launch each (``engine.cuda.ops_recurrent``), then ``dW = Xᵀ dZ``,
  ``db = Σ dZ``, ``dU = H_prevᵀ dHP`` and ``dX = dZ Wᵀ`` as products after the loop, as the
  CPU layer does. Output: every hidden state (return_sequences) or the last one.
- ``TimeDistributedGpu``: the Dense twin's maths on the ``(B·T, F)`` view.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.cuda import ops, ops_graph
from engine.cuda import ops_recurrent as OR
from engine.cuda.device_layers import _Buffers
from engine.kernels.activations import LINEAR
from engine.layers.embedding import Embedding
from engine.layers.recurrent_base import RecurrentLayer
from engine.layers.sequence import TimeDistributed


class EmbeddingGpu(_Buffers):
    """(B, T) float ids -> (B, T·D) rows of the ``embeddings`` table."""

    def __init__(self, layer: Embedding, slices: dict[Any, slice]) -> None:
        self.layer = layer
        self.steps, self.dim = int(layer.input_shapes[0][0]), int(layer.config["output_dim"])
        self.vocab = int(layer.config["input_dim"])
        self.width = self.steps * self.dim
        self.mask_zero = bool(layer.config["mask_zero"])
        self.e = slices[(layer.name, "embeddings")]

    def bind(self, d_p: Any, d_g: Any) -> None:
        shape = (self.vocab, self.dim)
        self.table, self.gtable = d_p[self.e].reshape(shape), d_g[self.e].reshape(shape)

    def forward(self, x: Any, n: int) -> Any:
        out = self._bufs(x.shape[0])["out"]
        OR.embedding_gather(x, self.table, n, self.mask_zero, out)
        return out

    def backward(self, x: Any, n: int, dx: Any | None) -> None:
        OR.embedding_scatter(x, self._bufs(x.shape[0])["grad"], n, self.mask_zero,
                             self.gtable)


class RecurrentGpu(_Buffers):
    """SimpleRNN, LSTM or GRU (reset_after) from a zero state, full BPTT."""

    def __init__(self, layer: RecurrentLayer, slices: dict[Any, slice]) -> None:
        self.cell = layer.kind
        self.steps, self.fan_in = (int(v) for v in layer.input_shapes[0])
        self.units, self.gates = int(layer.config["units"]), int(layer.gates)
        self.seq = bool(layer.config["return_sequences"])
        self.width = self.steps * self.units if self.seq else self.units
        self.act, self.ract = layer.act_ids
        name = layer.name
        self.k, self.u = slices[(name, "kernel")], slices[(name, "recurrent_kernel")]
        self.b, self.rb = slices.get((name, "bias")), slices.get((name, "recurrent_bias"))
        self._zero_rbias = ops.zeros(self.gates * self.units)  # GRU without recurrent_bias

    def bind(self, d_p: Any, d_g: Any) -> None:
        gh = self.gates * self.units
        self.w, self.gw = (a[self.k].reshape((self.fan_in, gh)) for a in (d_p, d_g))
        self.uk, self.gu = (a[self.u].reshape((self.units, gh)) for a in (d_p, d_g))
        self.bias: Any = None if self.b is None else d_p[self.b]
        self.gb: Any = None if self.b is None else d_g[self.b]
        self.rbias: Any = self._zero_rbias if self.rb is None else d_p[self.rb]
        self.grb: Any = None if self.rb is None else d_g[self.rb]

    def _work(self, batch: int) -> dict[str, Any]:
        """Per-batch-width work buffers: (B, T·G·H) projections, pre-activations, gates and
        their gradients; (B, T·H) states; (B, H) carried gradients."""
        cache: dict[int, dict[str, Any]] = self.__dict__.setdefault("_work_cache", {})
        if batch not in cache:
            t, h, gh = self.steps, self.units, self.gates * self.units
            keys = {"xp": gh, "pre": gh, "dz": gh, "hprev": h}
            if not self.seq:  # with return_sequences the states are the output buffer
                keys["h"] = h
            if self.cell != "SimpleRNN":
                keys["gates"] = gh
            keys.update({"c": h, "tc": h} if self.cell == "LSTM" else {})
            keys.update({"hn": h, "dhp": gh} if self.cell == "GRU" else {})
            w = {k: ops.zeros((batch, t * v)) for k, v in keys.items()}
            w.update({k: ops.zeros((batch, h)) for k in ("dh", "dc", "carry")})
            if self.seq:
                w["h"] = self._bufs(batch)["out"]
            cache[batch] = w
        return cache[batch]

    def forward(self, x: Any, n: int) -> Any:
        w, t, gh = self._work(x.shape[0]), self.steps, self.gates * self.units
        xp = w["xp"][:n].reshape((n * t, gh))
        ops.matmul(x[:n].reshape((n * t, self.fan_in)), self.w, xp)
        if self.bias is not None:
            ops.bias_act(xp, self.bias, LINEAR, 0.0, xp)
        OR.cell_forward(self.cell, w, self.uk, self.rbias, t, n, self.act, self.ract)
        out = self._bufs(x.shape[0])["out"]
        if not self.seq:  # the last hidden state
            ops_graph.copy(w["h"][:n, (t - 1) * self.units:], out[:n])
        return out

    def backward(self, x: Any, n: int, dx: Any | None) -> None:
        w, t, gh = self._work(x.shape[0]), self.steps, self.gates * self.units
        OR.cell_backward(self.cell, w, self._bufs(x.shape[0])["grad"], self.seq, self.uk, t,
                         n, self.act, self.ract)
        dz = w["dz"][:n].reshape((n * t, gh))
        dhp = w["dhp" if self.cell == "GRU" else "dz"][:n].reshape((n * t, gh))
        x2 = x[:n].reshape((n * t, self.fan_in))
        ops.matmul(x2, dz, self.gw, trans_a=True)
        if self.gb is not None:
            ops.column_sums(dz, self.gb)
        ops.matmul(w["hprev"][:n].reshape((n * t, self.units)), dhp, self.gu, trans_a=True)
        if self.grb is not None:
            ops.column_sums(dhp, self.grb)
        if dx is not None:
            ops.matmul(dz, self.w, dx[:n].reshape((n * t, self.fan_in)), trans_b=True)


class TimeDistributedGpu(_Buffers):
    """The same Dense at every step: (B, T·F) -> (B, T·units) (softmax per step)."""

    extras = (("z", np.float32),)

    def __init__(self, layer: TimeDistributed, slices: dict[Any, slice]) -> None:
        self.steps, self.fan_in = (int(v) for v in layer.input_shapes[0])
        self.units = int(layer.config["units"])
        self.width = self.steps * self.units
        self.k, self.b = slices[(layer.name, "kernel")], slices.get((layer.name, "bias"))
        self.act, self.alpha = layer.act.act_id, float(layer.act.params.get("alpha", 0.0))

    def bind(self, d_p: Any, d_g: Any) -> None:
        shape = (self.fan_in, self.units)
        self.w, self.gw = d_p[self.k].reshape(shape), d_g[self.k].reshape(shape)
        self.bias = None if self.b is None else d_p[self.b]
        self.gb = None if self.b is None else d_g[self.b]

    def _rows(self, a: Any, n: int, width: int) -> Any:
        return a[:n].reshape((n * self.steps, width))

    def forward(self, x: Any, n: int) -> Any:
        bufs = self._bufs(x.shape[0])
        z = self._rows(bufs["z"], n, self.units)
        ops.matmul(self._rows(x, n, self.fan_in), self.w, z)
        ops.bias_act(z, self.bias, self.act, self.alpha, self._rows(bufs["out"], n, self.units))
        return bufs["out"]

    def backward(self, x: Any, n: int, dx: Any | None) -> None:
        bufs = self._bufs(x.shape[0])
        g = self._rows(bufs["grad"], n, self.units)
        ops.act_backward(self._rows(bufs["z"], n, self.units),
                         self._rows(bufs["out"], n, self.units), g, self.act, self.alpha)
        ops.matmul(self._rows(x, n, self.fan_in), g, self.gw, trans_a=True)
        if self.gb is not None:
            ops.column_sums(g, self.gb)
        if dx is not None:
            ops.matmul(g, self.w, self._rows(dx, n, self.fan_in), trans_b=True)


def sequence_twin(layer: Any, slices: dict[Any, slice]) -> Any | None:
    """The twin of a sequence-family layer, or None for other kinds."""
    if layer.kind == "Embedding":
        return EmbeddingGpu(layer, slices)
    if layer.kind in ("SimpleRNN", "LSTM", "GRU"):
        return RecurrentGpu(layer, slices)
    if layer.kind == "TimeDistributed":
        return TimeDistributedGpu(layer, slices)
    return None
