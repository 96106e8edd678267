"""Numba kernels of the fused softmax + cross-entropy, each with its plain-numpy reference.

Every function takes ``logits: (N, K)`` (one row per sample, K classes, float32 or float64),
the targets and ``scale`` (``1/N`` for a mean-reduced loss, ``1`` for a sum) and returns
``(total, grad, probs)``: ``total`` is the *unscaled* sum over rows of the per-row loss
(a Python/numba float64), ``grad = scale · dLoss/dlogits: (N, K)`` and ``probs = softmax(logits):
(N, K)``, both in the dtype of ``logits``. One row is handled in a single pass: max, exp, sum,
log, then probabilities and gradient. Labels must already be checked to lie in ``[0, K)``
(``engine.losses`` does it): the kernels do not bounds-check.

float32 rows use the vectorised exp of ``engine.kernels.exp32`` (~2 ulp; numba's ``math.exp``
is a scalar libm call); float64 rows keep ``math.exp``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.kernels.exp32 import softmax_rows32


@njit(cache=True, nogil=True)
def _softmax_all(logits, probs, fast):
    """float32 (``fast``): probs = softmax of every row at once (vectorised exp); returns the
    rows' logsumexp (N,) float64. Otherwise does nothing and returns an empty array."""
    n, k = logits.shape
    if not fast:
        return np.empty(0)
    top = np.empty(n, dtype=logits.dtype)
    total = np.empty(n)
    softmax_rows32(logits, probs, top, total, np.empty(n * k, dtype=np.int32))
    return np.log(total) + top


@njit(cache=True, nogil=True)
def _row_softmax(logits, r, probs):
    """Write softmax(logits[r]) into probs[r]; return logsumexp(logits[r]) (stable)."""
    k = logits.shape[1]
    top = logits[r, 0]
    for c in range(1, k):
        if logits[r, c] > top:
            top = logits[r, c]
    s = 0.0
    for c in range(k):
        e = math.exp(logits[r, c] - top)
        probs[r, c] = e
        s += e
    inv_s = 1.0 / s
    for c in range(k):
        probs[r, c] *= inv_s
    return math.log(s) + top


@njit(cache=True, nogil=True)
def softmax_ce_labels(logits, labels, scale):
    """logits: (N, K), labels: (N,) int64 in [0, K) -> (Σ_rows loss, grad (N, K), probs (N, K)).

    Row loss ``logsumexp(z) - z[label]``; grad ``scale · (softmax(z) - onehot(label))``.
    """
    n, k = logits.shape
    probs = np.empty_like(logits)
    grad = np.empty_like(logits)
    fast = logits.itemsize == 4
    lses = _softmax_all(logits, probs, fast)
    sc = logits.dtype.type(scale)
    total = 0.0
    for r in range(n):
        lse = lses[r] if fast else _row_softmax(logits, r, probs)
        label = labels[r]
        total += lse - logits[r, label]
        pr, gr = probs[r], grad[r]
        for c in range(k):
            gr[c] = pr[c] * sc
        grad[r, label] -= sc
    return total, grad, probs


@njit(cache=True, nogil=True)
def softmax_ce_onehot(logits, target, scale):
    """logits: (N, K), target: (N, K) one-hot or soft -> (Σ_rows loss, grad, probs).

    Row loss ``Σ_k y_k · (logsumexp(z) - z_k)``; grad ``scale · ((Σ_k y_k) · softmax(z) - y)``,
    which is ``scale · (softmax(z) - y)`` for a one-hot row.
    """
    n, k = logits.shape
    probs = np.empty_like(logits)
    grad = np.empty_like(logits)
    fast = logits.itemsize == 4
    lses = _softmax_all(logits, probs, fast)
    total = 0.0
    for r in range(n):
        lse = lses[r] if fast else _row_softmax(logits, r, probs)
        y_sum = 0.0
        for c in range(k):
            y = target[r, c]
            y_sum += y
            if y != 0.0:  # NOTE: skip 0·(lse - z) so that 0·inf never makes a NaN
                total += y * (lse - logits[r, c])
        for c in range(k):
            grad[r, c] = (y_sum * probs[r, c] - target[r, c]) * scale
    return total, grad, probs


def _log_softmax_reference(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """logits: (N, K) -> (log-probabilities (N, K), probabilities (N, K)), stable."""
    shifted = logits - logits.max(axis=1, keepdims=True)  # (N, K), max is 0
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, K)
    return log_p, np.exp(log_p)


def softmax_ce_labels_reference(
    logits: np.ndarray, labels: np.ndarray, scale: float
) -> tuple[float, np.ndarray, np.ndarray]:
    """Plain-numpy twin of ``softmax_ce_labels`` (same arguments, same results)."""
    n = logits.shape[0]
    log_p, probs = _log_softmax_reference(logits)
    rows = np.arange(n)
    total = -float(np.sum(log_p[rows, labels], dtype=np.float64))
    grad = probs * scale  # (N, K)
    grad[rows, labels] -= scale
    return total, grad.astype(logits.dtype), probs.astype(logits.dtype)


def softmax_ce_onehot_reference(
    logits: np.ndarray, target: np.ndarray, scale: float
) -> tuple[float, np.ndarray, np.ndarray]:
    """Plain-numpy twin of ``softmax_ce_onehot`` (same arguments, same results)."""
    log_p, probs = _log_softmax_reference(logits)
    terms = np.where(target != 0, target * log_p, 0.0)  # (N, K); 0·(-inf) counts as 0
    total = -float(np.sum(terms, dtype=np.float64))
    y_sum = target.sum(axis=1, keepdims=True)  # (N, 1)
    grad = (y_sum * probs - target) * scale  # (N, K)
    return total, grad.astype(logits.dtype), probs.astype(logits.dtype)
