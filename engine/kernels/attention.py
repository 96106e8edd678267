"""Attention arithmetic: masked softmax kernels (numba + numpy twins) and the batched core.

Scores and weights are 3-D arrays ``(N, T_q, T_k)`` with ``N = batch · heads`` (C-contiguous,
float32 or float64). ``key_keep: (B, T_k)`` uint8 marks the key positions that may be attended
(1) and those that are padding (0); an empty ``(0, 0)`` array means "no padding mask"; row ``n``
of the scores belongs to sample ``n // heads``. ``causal`` hides keys that lie in the future of
the query (``j > i``), as Keras' ``use_causal_mask`` does. A row whose keys are all hidden gets
all-zero weights (it attends to nothing) instead of 0/0.

``attend`` / ``attend_backward`` are the whole ``softmax(Q·Kᵀ·scale)·V`` on 4-D head-split
arrays ``(B, H, T, d)``: the products go to BLAS (``np.matmul``), the softmax to the kernels
(float32 unmasked rows use the vectorised exp of ``engine.kernels.exp32``). A large call (≥ 2M
multiply-adds, numba backend) splits the batch into one part per thread of the engine's budget
(``engine.threads.batch_parts``; numpy and the kernels release the GIL): the samples do not mix,
so the numbers are those of one thread.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine import backend, threads
from engine.backend import pick
from engine.kernels.exp32 import softmax_rows32

NO_MASK = np.zeros((0, 0), dtype=np.uint8)


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def _softmax_rows32(s, scale, out):
    """float32, no mask: out[n, i, :] = softmax(scale · s[n, i, :]) with the vectorised exp."""
    n_rows, t_q, t_k = s.shape
    flat, z = s.reshape(n_rows * t_q * t_k), out.reshape(n_rows * t_q, t_k)
    zf = z.reshape(n_rows * t_q * t_k)
    for i in range(flat.shape[0]):
        zf[i] = flat[i] * scale
    rows = n_rows * t_q
    softmax_rows32(z, z, np.empty(rows, dtype=np.float32), np.empty(rows),
                   np.empty(rows * t_k, dtype=np.int32))


@njit(cache=True, nogil=True, fastmath=False)
def masked_softmax(s, scale, causal, key_keep, heads, out):
    """out[n, i, :] = softmax(scale · s[n, i, :]) over the visible keys; hidden keys get 0."""
    n_rows, t_q, t_k = s.shape
    use_keep = key_keep.shape[0] > 0
    if s.itemsize == 4 and not causal and not use_keep and t_k > 0:
        _softmax_rows32(s, scale, out)
        return
    for n in range(n_rows):
        b = n // heads
        for i in range(t_q):
            stop = min(t_k, i + 1) if causal else t_k  # keys j >= stop are in the future
            top = -np.inf
            for j in range(stop):
                if not (use_keep and key_keep[b, j] == 0) and s[n, i, j] > top:
                    top = s[n, i, j]
            for j in range(stop, t_k):
                out[n, i, j] = 0.0
            if top == -np.inf:  # nothing visible: attend to nothing
                for j in range(stop):
                    out[n, i, j] = 0.0
                continue
            top *= scale
            total = 0.0
            for j in range(stop):
                if use_keep and key_keep[b, j] == 0:
                    out[n, i, j] = 0.0
                else:
                    e = math.exp(s[n, i, j] * scale - top)
                    out[n, i, j] = e
                    total += e
            inv = 1.0 / total
            for j in range(stop):
                out[n, i, j] *= inv


def masked_softmax_ref(s, scale, causal, key_keep, heads, out):
    """Plain-numpy twin of ``masked_softmax`` (same arguments, same in-place result)."""
    n_rows, t_q, t_k = s.shape
    visible = np.ones((n_rows, t_q, t_k), dtype=bool)
    if causal:
        visible &= np.tril(np.ones((t_q, t_k), dtype=bool))[None]
    if key_keep.shape[0] > 0:
        visible &= np.repeat(key_keep.astype(bool), heads, axis=0)[:, None, :]
    z = np.where(visible, s * scale, -np.inf)
    top = z.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.where(visible, np.exp(z - top), 0.0)
    total = e.sum(axis=-1, keepdims=True)
    out[...] = e / np.where(total > 0, total, 1.0)


@njit(cache=True, nogil=True, fastmath=False)
def softmax_backward(a, da, out):
    """out = a ⊙ (da − Σ_j da·a) per row: the softmax Jacobian applied to ``da``."""
    n_rows, t_q, t_k = a.shape
    for n in range(n_rows):
        for i in range(t_q):
            dot = 0.0
            for j in range(t_k):
                dot += da[n, i, j] * a[n, i, j]
            for j in range(t_k):
                out[n, i, j] = a[n, i, j] * (da[n, i, j] - dot)


def softmax_backward_ref(a, da, out):
    """Plain-numpy twin of ``softmax_backward``."""
    out[...] = a * (da - np.sum(da * a, axis=-1, keepdims=True))


def attention_weights(scores: np.ndarray, scale: float, causal: bool, key_keep: np.ndarray,
                      heads: int) -> np.ndarray:
    """scores: (B, H, T_q, T_k) -> softmax weights of the same shape (masked, scaled)."""
    b, h, t_q, t_k = scores.shape
    flat = np.ascontiguousarray(scores).reshape(b * h, t_q, t_k)
    out = np.empty_like(flat)
    pick(masked_softmax, masked_softmax_ref)(flat, scores.dtype.type(scale), causal, key_keep,
                                             heads, out)
    return out.reshape(b, h, t_q, t_k)


def _parts(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> list[threads.Part]:
    """Batch parts for the threads: (B, H, T_q, T_k) scores of d_k + d_v multiply-adds each."""
    b, h, t_q, d_k = q.shape
    if backend.current() == "numpy":
        return [(0, b)]
    return threads.batch_parts(b, b * h * t_q * k.shape[2] * (d_k + v.shape[-1]))


def _rows(a: np.ndarray | None, b0: int, b1: int) -> np.ndarray | None:
    """Samples b0:b1 of a per-sample array (the empty NO_MASK and None stay as they are)."""
    return a if a is None or a.shape[0] == 0 else a[b0:b1]


def attend(q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool, key_keep: np.ndarray,
           drop: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """q: (B, H, T_q, d_k), k: (B, H, T_k, d_k), v: (B, H, T_k, d_v) -> (out, weights).

    weights: (B, H, T_q, T_k) = softmax(q kᵀ / √d_k) (masked); out: (B, H, T_q, d_v) =
    (weights ⊙ drop) @ v, where ``drop`` holds dropout multipliers (None: no dropout).
    """
    parts = _parts(q, k, v)
    if len(parts) == 1:
        return _attend(q, k, v, causal, key_keep, drop)
    b, h, t_q, _ = q.shape
    dtype = np.result_type(q, k, v)
    out = np.empty((b, h, t_q, v.shape[-1]), dtype=dtype)
    weights = np.empty((b, h, t_q, k.shape[2]), dtype=dtype)

    def work(b0: int, b1: int) -> None:
        keep = _rows(key_keep, b0, b1)
        assert keep is not None
        out[b0:b1], weights[b0:b1] = _attend(q[b0:b1], k[b0:b1], v[b0:b1], causal, keep,
                                             _rows(drop, b0, b1))

    threads.run_parts(work, parts)
    return out, weights


def attend_backward(q: np.ndarray, k: np.ndarray, v: np.ndarray, soft: np.ndarray,
                    drop: np.ndarray | None,
                    grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of ``attend`` w.r.t. q, k, v given grad_out: (B, H, T_q, d_v).

    ``soft``: the softmax weights (B, H, T_q, T_k); ``drop``: the dropout multipliers applied to
    them before ``@ v`` (None when there was no dropout).
    """
    parts = _parts(q, k, v)
    if len(parts) == 1:
        return _attend_backward(q, k, v, soft, drop, grad_out)
    dtype = np.result_type(q, k, v, soft, grad_out)
    grads = tuple(np.empty(a.shape, dtype=dtype) for a in (q, k, v))

    def work(b0: int, b1: int) -> None:
        part = _attend_backward(q[b0:b1], k[b0:b1], v[b0:b1], soft[b0:b1],
                                _rows(drop, b0, b1), grad_out[b0:b1])
        for whole, piece in zip(grads, part):
            whole[b0:b1] = piece

    threads.run_parts(work, parts)
    return grads[0], grads[1], grads[2]


def _attend(q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool, key_keep: np.ndarray,
           drop: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``attend`` on the calling thread (every sample it is given)."""
    scale = 1.0 / math.sqrt(q.shape[-1])
    scores = np.matmul(q, k.swapaxes(-1, -2))  # (B, H, T_q, T_k)
    weights = attention_weights(scores, scale, causal, key_keep, q.shape[1])
    used = weights if drop is None else weights * drop
    return np.matmul(used, v), weights  # (B, H, T_q, d_v)


def _attend_backward(q: np.ndarray, k: np.ndarray, v: np.ndarray, soft: np.ndarray,
                    drop: np.ndarray | None,
                    grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``attend_backward`` on the calling thread."""
    scale = 1.0 / math.sqrt(q.shape[-1])
    used = soft if drop is None else soft * drop
    grad_v = np.matmul(used.swapaxes(-1, -2), grad_out)  # (B, H, T_k, d_v)
    grad_used = np.matmul(grad_out, v.swapaxes(-1, -2))  # (B, H, T_q, T_k)
    if drop is not None:
        grad_used *= drop
    b, h, t_q, t_k = soft.shape
    grad_scores = np.empty((b * h, t_q, t_k), dtype=soft.dtype)
    pick(softmax_backward, softmax_backward_ref)(
        np.ascontiguousarray(soft).reshape(b * h, t_q, t_k),
        np.ascontiguousarray(grad_used).reshape(b * h, t_q, t_k), grad_scores)
    grad_scores = grad_scores.reshape(b, h, t_q, t_k)
    grad_scores *= soft.dtype.type(scale)
    grad_q = np.matmul(grad_scores, k)  # (B, H, T_q, d_k)
    grad_k = np.matmul(grad_scores.swapaxes(-1, -2), q)  # (B, H, T_k, d_k)
    return grad_q, grad_k, grad_v


def key_keep_mask(context: np.ndarray) -> np.ndarray:
    """context: (B, T_k, F) -> (B, T_k) uint8, 0 where the whole feature vector is zero."""
    return np.any(context != 0, axis=-1).astype(np.uint8)
