"""A vectorised float32 sigmoid binary cross-entropy on logits, for the fused Dense chain.

Per value, with e = exp(-|z|) (``engine.kernels.exp32.exp_inplace32``: vectorised, ~2 ulp,
flushed to 0 below e⁻⁶⁰ so no float32 subnormals reach the gradient):
``loss = max(z, 0) - z·t + log1p(e)`` and ``dLoss/dz = sigmoid(z) - t`` where
``sigmoid(z) = 1/(1+e)`` for z ≥ 0 and ``e/(1+e)`` otherwise. ``log1p(e)`` for e in [0, 1] is
``2·atanh(s)``, s = e/(2+e) ≤ 1/3, summed as the odd series to s¹³ (relative error < 2e-8).
Every loop is branch-free over one row, so LLVM vectorises it; an autoencoder's 784 sigmoid
outputs per sample made the scalar ``math.exp``/``math.log1p`` loop the slowest part of a step.
float64 callers keep the scalar libm loop (``engine.kernels.fused_mlp.loss_and_grad``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.kernels.exp32 import exp_inplace32, sum64

_F = np.float32


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _log1p_unit(e):
    """log(1 + e) for e in [0, 1], float32."""
    s = e / (_F(2.0) + e)
    s2 = s * s
    p = _F(1.0 / 13.0)
    p = p * s2 + _F(1.0 / 11.0)
    p = p * s2 + _F(1.0 / 9.0)
    p = p * s2 + _F(1.0 / 7.0)
    p = p * s2 + _F(1.0 / 5.0)
    p = p * s2 + _F(1.0 / 3.0)
    p = p * s2 + _F(1.0)
    return _F(2.0) * s * p


@njit(cache=True, nogil=True, error_model="numpy")
def sigmoid_bce32(out, y_float, rows, batch, g, scale):
    """out: (B, D) float32 logits, y_float: (N, D) targets in [0, 1] (row ``rows[r]`` is the
    target of sample r), g: (B, D) filled with scale·(sigmoid(out) - t) -> Σ loss (float64)."""
    d = out.shape[1]
    e = np.empty(d, dtype=np.float32)
    vals = np.empty(d, dtype=np.float32)
    nbits = np.empty(d, dtype=np.int32)
    sc = _F(scale)
    total = 0.0
    for r in range(batch):
        z, t, gr = out[r], y_float[rows[r]], g[r]
        for c in range(d):
            e[c] = -abs(z[c])
        exp_inplace32(e, nbits)  # e = exp(-|z|)
        for c in range(d):
            inv = _F(1.0) / (_F(1.0) + e[c])
            s = inv if z[c] >= _F(0.0) else e[c] * inv
            gr[c] = (s - t[c]) * sc
            vals[c] = max(z[c], _F(0.0)) - z[c] * t[c] + _log1p_unit(e[c])
        total += sum64(vals)
    return total
