"""A vectorisable float32 exp for the softmax kernels (cross-entropy, attention).

numba's ``math.exp`` is a scalar libm call (~10 ns); LLVM cannot vectorise a loop around it.
``exp_inplace32`` computes ``v[i] = exp(v[i])`` for ``v[i] <= 0`` as Cephes' ``expf`` does —
Cody–Waite range reduction ``x = n·ln2 + r`` (|r| <= ln2/2), a degree-7 polynomial for
``exp(r)``, and ``2ⁿ`` assembled from its float32 bits — in short branch-free loops that each
write one array, so every loop vectorises. Accuracy ~2 ulp (relative error < 2e-7) down to
x ≈ -60; below that the result is exactly 0 (see ``_N_FLUSH``: no subnormals downstream).
``softmax_rows32`` builds a whole block of softmax rows on it. float64 callers keep ``math.exp``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_F = np.float32
_LOG2E, _LN2_HI, _LN2_LO = _F(1.44269504088896341), _F(0.693359375), _F(-2.12194440e-4)
EXP_MIN = _F(-87.0)
# exp(x) for x below about -60 (n = round(x·log2 e) <= -87) is flushed to exactly 0: next to
# a softmax sum >= 1 it is invisible (exp(-60) ≈ 1e-26), and left in place such values shrink
# (times 1/batch, times weights) into float32 subnormals, which x86 multiplies ~100× slower.
_N_FLUSH = np.int32(-87)


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _round_log2(x):
    """round(x·log2 e) as int32 for x in [-87, 0]: truncating a positive number floors it (and
    numba's floor is a libm call that would stop vectorisation)."""
    return np.int32(x * _LOG2E + _F(128.5)) - np.int32(128)


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _exp_reduced(x, ni):
    """exp(x - n·ln2) for |x - n·ln2| <= ln2/2 (Cephes expf polynomial)."""
    n = _F(ni)
    r = x - n * _LN2_HI - n * _LN2_LO
    p = _F(1.9875691500e-4)
    p = p * r + _F(1.3981999507e-3)
    p = p * r + _F(8.3334519073e-3)
    p = p * r + _F(4.1665795894e-2)
    p = p * r + _F(1.6666665459e-1)
    p = p * r + _F(5.0000001201e-1)
    return p * r * r + r + _F(1.0)


@njit(cache=True, nogil=True, error_model="numpy")
def exp_inplace32(v, nbits):
    """v: (n,) float32 with every v[i] <= 0 -> v[i] = exp(v[i]); nbits: (n,) int32 scratch."""
    n = v.shape[0]
    for i in range(n):
        v[i] = max(v[i], EXP_MIN)
    for i in range(n):
        nbits[i] = _round_log2(v[i])
    for i in range(n):
        v[i] = _exp_reduced(v[i], nbits[i])
    for i in range(n):  # the float32 bits of 2ⁿ, or of 0.0 below the flush point
        ni = nbits[i]
        nbits[i] = ((ni + np.int32(127)) << np.int32(23)) if ni > _N_FLUSH else np.int32(0)
    pow2 = nbits.view(np.float32)
    for i in range(n):
        v[i] *= pow2[i]


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def sum64(v):
    """Σ v in float64 with four partial sums (no serial chain of dependent adds)."""
    k = v.shape[0]
    s0, s1, s2, s3 = 0.0, 0.0, 0.0, 0.0
    c = 0
    while c + 4 <= k:
        s0 += v[c]
        s1 += v[c + 1]
        s2 += v[c + 2]
        s3 += v[c + 3]
        c += 4
    while c < k:
        s0 += v[c]
        c += 1
    return (s0 + s1) + (s2 + s3)


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
def _row_sum64(v):
    """Σ v in float64, summed in whatever order LLVM vectorises (``reassoc`` on this small
    function only): a softmax row's normaliser, where the order changes ~1e-16 relative."""
    s = 0.0
    for c in range(v.shape[0]):
        s += v[c]
    return s


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _row_max(row):
    """max(row) as the scalar ``if row[c] > m`` loop finds it, but branch-free."""
    m = row[0]
    for c in range(1, row.shape[0]):
        m = max(m, row[c])
    return m


@njit(cache=True, nogil=True, error_model="numpy")
def softmax_rows32(x, out, top, total, nbits):
    """x: (R, K) float32 -> out: (R, K) = softmax of each row (x may be out itself).

    Also fills top: (R,) row maxima and total: (R,) float64 Σ_k exp(x - top), so that
    logsumexp(row) = top + log(total). nbits: (R·K,) int32 scratch; out C-contiguous.
    One exp pass over the whole block: no per-row call and loop start-up.
    """
    n_rows, k = x.shape
    for r in range(n_rows):
        row, o = x[r], out[r]
        m = _row_max(row)
        top[r] = m
        for c in range(k):
            o[c] = row[c] - m
    exp_inplace32(out.reshape(n_rows * k), nbits)
    for r in range(n_rows):
        o = out[r]
        s = _row_sum64(o)
        total[r] = s
        inv = np.float32(1.0 / s)
        for c in range(k):
            o[c] *= inv
