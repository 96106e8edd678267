"""CUDA kernels of the attention family (float32): PositionalEncoding's addition and the core
of MultiHeadAttention, ``softmax(Q·Kᵀ·scale)·V`` per head, forward and backward. Launch them
through ``engine.cuda.ops_attention``.

Layouts, batch-major device rows as everywhere on the device (the CPU engine's order):

- projections ``q (B, T_q·H·d_k)``, ``k (B, T_k·H·d_k)``, ``v (B, T_k·H·d_v)``: step t of
  sample b, head h at ``[b, (t·H + h)·d : (t·H + h + 1)·d]`` — the ``(B·T, H·d)`` product
  ``X W + b`` of the CPU layer, before its head split;
- weights and score gradients ``(B, H·T_q·T_k)``: row i of head h at ``[b, (h·T_q + i)·T_k]``,
  the CPU's ``(B, H, T_q, T_k)``;
- the heads' outputs ``(B, T_q·H·d_v)``: the CPU's concatenated heads before the output
  projection.

Masks restate ``engine.kernels.attention.masked_softmax``: ``causal`` hides keys j > i;
``pad`` hides key positions whose context feature vector ``xc (B, T_k·F_c)`` is all zero; a
row with nothing visible gets all-zero weights. One thread per (sample, head, query row)
does its row's scores, softmax and weighted sum (classroom lengths: a loop over T_k); the
backward is one launch per query row (dScores, dQ) and one per key row (dK, dV) — gathers,
no atomics, so the sums come out in a fixed order.
"""

from __future__ import annotations

import math

from numba import cuda, float32


@cuda.jit
def add_table(x, table, count, out):
    """out (B, T·F) = x + table (T·F,) for the first ``count`` rows (the positions' vectors
    added to every sample). Grid: 1D over count·T·F."""
    i = cuda.grid(1)
    width = out.shape[1]
    if i < count * width:
        n, v = i // width, i % width
        out[n, v] = x[n, v] + table[v]


@cuda.jit(device=True)
def _visible(xc, b, j, i, f_c, causal, pad):
    """May query i of sample b look at key j? (causal: j ≤ i; pad: a non-zero vector)."""
    if causal and j > i:
        return False
    if not pad:
        return True
    for c in range(f_c):
        if xc[b, j * f_c + c] != 0:
            return True
    return False


@cuda.jit
def attend_forward(q, k, v, xc, count, heads, t_q, t_k, d_k, d_v, f_c, scale, causal, pad,
                   w, out):
    """w (B, H·T_q·T_k) = the masked softmax of q·kᵀ·scale; out (B, T_q·H·d_v) = w·v.
    Grid: 1D over count·H·T_q (one thread per sample, head and query row)."""
    r = cuda.grid(1)
    if r < count * heads * t_q:
        b, h, i = r // (heads * t_q), (r // t_q) % heads, r % t_q
        row = (h * t_q + i) * t_k
        qa = (i * heads + h) * d_k
        top = -math.inf
        for j in range(t_k):
            if _visible(xc, b, j, i, f_c, causal, pad):
                ka = (j * heads + h) * d_k
                s = float32(0.0)
                for d in range(d_k):
                    s += q[b, qa + d] * k[b, ka + d]
                w[b, row + j] = s
                top = max(top, s)
            else:
                w[b, row + j] = float32(0.0)
        total = float32(0.0)
        if top != -math.inf:
            for j in range(t_k):
                if _visible(xc, b, j, i, f_c, causal, pad):
                    e = float32(math.exp((w[b, row + j] - top) * scale))
                    w[b, row + j] = e
                    total += e
        inv = float32(1.0) / total if total > 0 else float32(0.0)
        for j in range(t_k):
            w[b, row + j] *= inv
        oa = (i * heads + h) * d_v
        for e2 in range(d_v):
            acc = float32(0.0)
            for j in range(t_k):
                acc += w[b, row + j] * v[b, (j * heads + h) * d_v + e2]
            out[b, oa + e2] = acc


@cuda.jit
def attend_backward_rows(gh, k, v, w, count, heads, t_q, t_k, d_k, d_v, scale, ds, gq):
    """From gh = dLoss/d(heads' outputs) (B, T_q·H·d_v): ds (B, H·T_q·T_k) = dLoss/dScores
    (the softmax Jacobian times dLoss/dWeights, times ``scale``) and gq = ds·k. Grid: 1D
    over count·H·T_q."""
    r = cuda.grid(1)
    if r < count * heads * t_q:
        b, h, i = r // (heads * t_q), (r // t_q) % heads, r % t_q
        row = (h * t_q + i) * t_k
        ga = (i * heads + h) * d_v
        dot = float32(0.0)
        for j in range(t_k):
            acc = float32(0.0)
            for e2 in range(d_v):
                acc += gh[b, ga + e2] * v[b, (j * heads + h) * d_v + e2]
            ds[b, row + j] = acc  # dLoss/dWeights for now
            dot += acc * w[b, row + j]
        for j in range(t_k):
            ds[b, row + j] = w[b, row + j] * (ds[b, row + j] - dot) * scale
        qa = (i * heads + h) * d_k
        for d in range(d_k):
            acc = float32(0.0)
            for j in range(t_k):
                acc += ds[b, row + j] * k[b, (j * heads + h) * d_k + d]
            gq[b, qa + d] = acc


@cuda.jit
def attend_backward_keys(gh, q, w, ds, count, heads, t_q, t_k, d_k, d_v, gk, gv):
    """gk (B, T_k·H·d_k) = dsᵀ·q and gv (B, T_k·H·d_v) = wᵀ·gh, per head. Grid: 1D over
    count·H·T_k (one thread per sample, head and key row)."""
    r = cuda.grid(1)
    if r < count * heads * t_k:
        b, h, j = r // (heads * t_k), (r // t_k) % heads, r % t_k
        ka = (j * heads + h) * d_k
        for d in range(d_k):
            acc = float32(0.0)
            for i in range(t_q):
                acc += ds[b, (h * t_q + i) * t_k + j] * q[b, (i * heads + h) * d_k + d]
            gk[b, ka + d] = acc
        va = (j * heads + h) * d_v
        for e2 in range(d_v):
            acc = float32(0.0)
            for i in range(t_q):
                acc += w[b, (h * t_q + i) * t_k + j] * gh[b, (i * heads + h) * d_v + e2]
            gv[b, va + e2] = acc
