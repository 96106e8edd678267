"""Attention layers: PositionalEncoding, MultiHeadAttention, ScaledDotProductAttention.

Sequences are ``(T, F)`` per sample, arrays ``(B, T, F)``. Attention computes
``softmax(Q·Kᵀ/√d_k)·V``: every query position takes a weighted average of the value vectors,
weighted by how well its query matches each key. ``MultiHeadAttention`` (as in Keras) first
projects the inputs to ``num_heads`` query/key/value sets, attends in each head, concatenates
the heads and projects back to the query's feature size. One input wire = self-attention
(Q, K, V all from the same sequence); two = cross-attention (queries from the first, keys and
values from the second, "context", sequence). The softmax kernels and the batched core live
in ``engine.kernels.attention``; ``inspect()`` returns the weights ``(B, heads, T_q, T_k)``.

Padding: with ``mask_padding`` the layers ignore key positions whose *input* feature vector is
exactly zero: a zero-padded sequence, or the output of ``Embedding(mask_zero=True)`` (id 0 maps
to a zero vector). NOTE: the mask is read from the wire itself, so a PositionalEncoding (or any
layer that makes padded steps non-zero) between them defeats it; queries at padded positions
still produce outputs (ignore them downstream, e.g. pool only the real steps).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.initializers import INITIALIZER_NAMES, get_initializer
from engine.kernels.attention import NO_MASK, attend, attend_backward, key_keep_mask
from engine.kernels.colsum import column_sum
from engine.layers.base import Layer, ParamSpec, SingleInputLayer
from engine.layers.registry import register
from engine.types import Shape, ShapeError, format_shape

INIT_CHOICES = tuple(INITIALIZER_NAMES)
_PADDING_HELP = "Ignore context positions whose input vector is all zeros (zero padding)"
_CAUSAL_HELP = "Position i may only look at positions ≤ i (no peeking at the future)"


def expect_sequence(layer: Layer, shape: Shape, what: str = "input") -> tuple[int, int]:
    """(T, F) of a sequence input, or a ShapeError that says how to get one."""
    if len(shape) != 2:
        raise ShapeError(
            f"{layer.describe()} expects a sequence per sample (time steps × features) but its "
            f"{what} is {format_shape(shape)} — put an Embedding, a Reshape to (steps, "
            "features) or a recurrent layer with return_sequences before it."
        )
    return int(shape[0]), int(shape[1])


def sinusoidal_table(length: int, dim: int, dtype: Any = np.float64) -> np.ndarray:
    """(length, dim): PE[p, 2i] = sin(p / 10000^(2i/dim)), PE[p, 2i+1] = cos(same angle)."""
    pos = np.arange(length, dtype=np.float64)[:, None]  # (T, 1)
    pair = (np.arange(dim) // 2) * 2  # 2i for both columns of a pair
    angle = pos / np.power(10000.0, pair / dim)[None, :]  # (T, d)
    table = np.where(np.arange(dim) % 2 == 0, np.sin(angle), np.cos(angle))
    return table.astype(dtype)


@register
class PositionalEncoding(SingleInputLayer):
    kind = "PositionalEncoding"
    display_name = "Positional Encoding"
    category = "Attention"
    icon = "positional"
    blurb = (
        "Adds a position signal to each time step so attention can tell order: fixed sine "
        "waves (sinusoidal) or one learned vector per position (learned)."
    )
    example = ({"mode": "learned", "max_len": 4}, [(3, 2)])
    config_spec = (
        ParamSpec("mode", "choice", "sinusoidal", "Fixed sin/cos waves or learned vectors",
                  ("sinusoidal", "learned")),
        ParamSpec("max_len", "int", 0, "Longest sequence (learned mode); 0 = the input length",
                  min=0, max=100000),
        ParamSpec("embeddings_initializer", "choice", "random_normal",
                  "How the learned position vectors start", INIT_CHOICES),
    )

    def _length(self, steps: int) -> int:
        max_len = self.config["max_len"] or steps
        if steps > max_len:
            raise ShapeError(
                f"{self.describe()} has learned positions for {max_len} steps but receives "
                f"sequences of {steps} steps — raise max_len to at least {steps}."
            )
        return max_len

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        steps, features = expect_sequence(self, input_shapes[0])
        if self.config["mode"] == "learned":
            self._length(steps)
        return (steps, features)

    def param_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        steps, features = expect_sequence(self, input_shapes[0])
        if self.config["mode"] != "learned":
            return {}
        return {"embeddings": (self._length(steps), features)}

    def init_param(self, key: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        init = get_initializer(self.config["embeddings_initializer"])
        return init(shape, shape[1], shape[1], rng, self.dtype)

    def table(self, steps: int, features: int, dtype: Any) -> np.ndarray:
        """(T, F): what is added to every sample."""
        if self.config["mode"] == "learned":
            return self.params["embeddings"][:steps]
        key = (steps, features, np.dtype(dtype).str)
        if getattr(self, "_cached", (None,))[0] != key:  # fixed waves: compute once per shape
            self._cached = (key, sinusoidal_table(steps, features, dtype))
        return self._cached[1]

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, T, F) -> x + PE[:T]: (B, T, F)."""
        self._table = self.table(x.shape[1], x.shape[2], x.dtype)
        return x + self._table[None]

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: (B, T, F) -> the same; d embeddings[:T] = Σ_batch grad_y, the rest 0."""
        if "embeddings" in self.grads:
            g = self.grads["embeddings"]
            g[...] = 0.0
            b, t, f = grad_y.shape  # Σ over the batch: one GEMV over (B, T·F)
            column_sum(grad_y.reshape(b, t * f), g[:t].reshape(t * f))
        return grad_y

    def inspect(self) -> dict[str, np.ndarray]:
        table = getattr(self, "_table", None)
        return {} if table is None else {"encoding": np.array(table)}


@register
class MultiHeadAttention(Layer):
    kind = "MultiHeadAttention"
    display_name = "Multi-Head Attention"
    category = "Attention"
    icon = "attention"
    blurb = (
        "Each position looks at every position (one wire: self-attention; two: queries from "
        "the first, keys/values from the second) through several heads, then mixes the heads."
    )
    min_inputs = 1
    max_inputs = 2
    port_names = ("query", "key/value")
    regularized_params = ("query_kernel", "key_kernel", "value_kernel", "output_kernel")
    example = ({"num_heads": 2, "key_dim": 2, "value_dim": 1}, [(3, 2), (2, 3)])
    config_spec = (
        ParamSpec("num_heads", "int", 2, "Number of attention heads", min=1, max=256),
        ParamSpec("key_dim", "int", 8, "Size of each head's query and key vectors",
                  min=1, max=4096),
        ParamSpec("value_dim", "int", 0, "Size of each head's value vectors; 0 = key_dim",
                  min=0, max=4096),
        ParamSpec("use_causal_mask", "bool", False, _CAUSAL_HELP),
        ParamSpec("mask_padding", "bool", False, _PADDING_HELP),
        ParamSpec("dropout", "float", 0.0, "Dropout on the attention weights while training",
                  min=0.0, max=0.95),
        ParamSpec("use_bias", "bool", True, "Add learned biases to the projections"),
        ParamSpec("kernel_initializer", "choice", "glorot_uniform", "How the projection "
                  "matrices start", INIT_CHOICES),
        ParamSpec("bias_initializer", "choice", "zeros", "How the biases start", INIT_CHOICES),
    )

    @property
    def dims(self) -> tuple[int, int, int]:
        """(heads, key_dim, value_dim)."""
        c = self.config
        return c["num_heads"], c["key_dim"], c["value_dim"] or c["key_dim"]

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        steps, features = expect_sequence(self, input_shapes[0], "query input")
        if len(input_shapes) > 1:
            expect_sequence(self, input_shapes[1], "context input (second wire)")
        return (steps, features)

    def param_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        _, d_query = expect_sequence(self, input_shapes[0], "query input")
        _, d_context = expect_sequence(self, input_shapes[-1], "context input (second wire)")
        heads, key_dim, value_dim = self.dims
        sizes = {"query": (d_query, heads * key_dim), "key": (d_context, heads * key_dim),
                 "value": (d_context, heads * value_dim), "output": (heads * value_dim, d_query)}
        shapes: dict[str, Shape] = {}
        for part, (fan_in, fan_out) in sizes.items():
            shapes[f"{part}_kernel"] = (fan_in, fan_out)
            if self.config["use_bias"]:
                shapes[f"{part}_bias"] = (fan_out,)
        return shapes

    def init_param(self, key: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        is_kernel = key.endswith("kernel")
        name = self.config["kernel_initializer" if is_kernel else "bias_initializer"]
        fan_in, fan_out = (shape[0], shape[1]) if is_kernel else (shape[0], shape[0])
        return get_initializer(name)(shape, fan_in, fan_out, rng, self.dtype)

    def build(self, input_shapes, rng, dtype=np.float32):
        super().build(input_shapes, rng, dtype)
        self._rng = np.random.default_rng(int(rng.integers(2**63)))

    # -- arrays -----------------------------------------------------------------------------
    def _project(self, x2d: np.ndarray, part: str) -> np.ndarray:
        """x2d: (B·T, F) -> (B·T, n) = x2d @ W_part + b_part."""
        y = x2d @ self.params[f"{part}_kernel"]  # BLAS
        if f"{part}_bias" in self.params:
            y += self.params[f"{part}_bias"]
        return y

    def _project_back(self, x2d: np.ndarray, g2d: np.ndarray, part: str) -> np.ndarray:
        """Fills grads of W_part, b_part from g2d: (B·T, n); returns d x2d: (B·T, F)."""
        np.dot(x2d.T, g2d, out=self.grads[f"{part}_kernel"])
        if f"{part}_bias" in self.grads:
            column_sum(g2d, self.grads[f"{part}_bias"])
        return g2d @ self.params[f"{part}_kernel"].T

    def _drop_mask(self, shape: tuple[int, ...], dtype: Any, training: bool) -> Any:
        rate = self.config["dropout"]
        if not training or rate == 0.0:
            return None
        keep = 1.0 - rate
        return (self._rng.random(shape) < keep).astype(dtype) / np.dtype(dtype).type(keep)

    def forward(self, inputs: list[np.ndarray], training: bool) -> np.ndarray:
        """inputs: [query (B, T_q, F_q)] or [query, context (B, T_k, F_c)] -> (B, T_q, F_q)."""
        xq, xc = inputs[0], inputs[-1]
        for x, what in ((xq, "query input"), (xc, "context input")):
            if x.ndim != 3:
                expect_sequence(self, x.shape[1:], what)
        (b, t_q, f_q), t_k = xq.shape, xc.shape[1]
        heads, key_dim, value_dim = self.dims
        self._xq, self._xc = xq.reshape(b * t_q, f_q), xc.reshape(b * t_k, xc.shape[2])
        split = (0, 2, 1, 3)  # (B, T, H, d) <-> (B, H, T, d)
        q = self._project(self._xq, "query").reshape(b, t_q, heads, key_dim).transpose(split)
        k = self._project(self._xc, "key").reshape(b, t_k, heads, key_dim).transpose(split)
        v = self._project(self._xc, "value").reshape(b, t_k, heads, value_dim).transpose(split)
        keep = key_keep_mask(xc) if self.config["mask_padding"] else NO_MASK
        self._drop = self._drop_mask((b, heads, t_q, t_k), xq.dtype, training)
        out, self._weights = attend(q, k, v, self.config["use_causal_mask"], keep, self._drop)
        self._heads = out.transpose(split).reshape(b * t_q, heads * value_dim)  # concat heads
        self._qkv, self._n_inputs = (q, k, v), len(inputs)
        return self._project(self._heads, "output").reshape(b, t_q, f_q)

    def backward(self, grad_y: np.ndarray) -> list[np.ndarray]:
        """grad_y: (B, T_q, F_q) -> [d query] or [d query, d context]; fills every grad."""
        b, t_q, f_q = grad_y.shape
        heads, key_dim, value_dim = self.dims
        q, k, v = self._qkv
        split = (0, 2, 1, 3)
        g_heads = self._project_back(self._heads, grad_y.reshape(b * t_q, f_q), "output")
        g_out = g_heads.reshape(b, t_q, heads, value_dim).transpose(split)  # (B, H, T_q, d_v)
        gq, gk, gv = attend_backward(q, k, v, self._weights, self._drop, g_out)
        t_k = k.shape[2]
        gq = gq.transpose(split).reshape(b * t_q, heads * key_dim)
        gk = gk.transpose(split).reshape(b * t_k, heads * key_dim)
        gv = gv.transpose(split).reshape(b * t_k, heads * value_dim)
        grad_q = self._project_back(self._xq, gq, "query").reshape(b, t_q, -1)
        grad_c = self._project_back(self._xc, gk, "key")
        grad_c += self._project_back(self._xc, gv, "value")
        grad_c = grad_c.reshape(b, t_k, -1)
        if self._n_inputs == 1:
            return [grad_q + grad_c]
        return [grad_q, grad_c]

    def inspect(self) -> dict[str, np.ndarray]:
        weights = getattr(self, "_weights", None)
        return {} if weights is None else {"attention_weights": weights}


@register
class ScaledDotProductAttention(Layer):
    kind = "ScaledDotProductAttention"
    display_name = "Scaled Dot-Product Attention"
    category = "Attention"
    icon = "attention"
    blurb = (
        "softmax(Q·Kᵀ/√d)·V with no weights: wires are Q, K, V (one wire: K = V = Q; two: "
        "V = K); each query row averages the values, weighted by query·key similarity."
    )
    min_inputs = 1
    max_inputs = 3
    port_names = ("Q", "K", "V")
    example = ({}, [(3, 2), (4, 2), (4, 3)])
    config_spec = (
        ParamSpec("use_causal_mask", "bool", False, _CAUSAL_HELP),
        ParamSpec("mask_padding", "bool", False, _PADDING_HELP),
    )

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        names = ("query (first wire)", "key (second wire)", "value (third wire)")
        (t_q, d_q), *rest = [expect_sequence(self, s, n) for s, n in zip(input_shapes, names)]
        (t_k, d_k) = rest[0] if rest else (t_q, d_q)
        (t_v, d_v) = rest[-1] if rest else (t_q, d_q)
        if d_k != d_q:
            raise ShapeError(
                f"{self.describe()} compares queries with keys, so they need the same feature "
                f"size, but the query has {d_q} and the key {d_k} — project one of them with "
                "a Dense (TimeDistributed) layer, or use MultiHeadAttention."
            )
        if t_v != t_k:
            raise ShapeError(
                f"{self.describe()} needs one value per key, but the key has {t_k} steps and "
                f"the value {t_v} — wire sequences of the same length."
            )
        return (t_q, d_v)

    def forward(self, inputs: list[np.ndarray], training: bool) -> np.ndarray:
        """inputs: q (B, T_q, d), [k (B, T_k, d)], [v (B, T_k, d_v)] -> (B, T_q, d_v)."""
        for x in inputs:
            if x.ndim != 3:
                expect_sequence(self, x.shape[1:])
        q, k, v = inputs[0], inputs[min(1, len(inputs) - 1)], inputs[-1]
        keep = key_keep_mask(k) if self.config["mask_padding"] else NO_MASK
        self._qkv, self._n_inputs = (q[:, None], k[:, None], v[:, None]), len(inputs)
        out, self._weights = attend(*self._qkv, self.config["use_causal_mask"], keep)
        return out[:, 0]

    def backward(self, grad_y: np.ndarray) -> list[np.ndarray]:
        """grad_y: (B, T_q, d_v) -> one gradient per input wire (shared inputs summed)."""
        gq, gk, gv = (g[:, 0] for g in attend_backward(*self._qkv, self._weights, None,
                                                           grad_y[:, None]))
        if self._n_inputs == 1:
            return [gq + gk + gv]
        if self._n_inputs == 2:
            return [gq, gk + gv]
        return [gq, gk, gv]

    def inspect(self) -> dict[str, np.ndarray]:
        weights = getattr(self, "_weights", None)
        return {} if weights is None else {"attention_weights": weights}

