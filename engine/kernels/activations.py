"""Numba kernels of the activation functions, each with its plain-numpy reference.

Every kernel works on C-contiguous 2-D arrays ``(B, N)`` of float32 or float64 and writes its
result in place, in the dtype of its input; activations are picked by the small integer
``act_id`` (the constants below, also exposed as ``ActivationInfo.act_id`` by
``engine.activations``) and ``alpha`` is the one tunable parameter (leaky ReLU's negative
slope, ELU's saturation; ignored by the others). Softmax acts on each row (the last axis);
all other activations are elementwise. ``bias_act_forward`` fuses the bias add with the
activation in one pass after the BLAS product ``z = x @ W`` of a Dense layer. The ``*_ref``
functions are the plain-numpy twins (same arguments, same in-place results) the tests compare
against.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

LINEAR, SIGMOID, TANH, RELU, LEAKY_RELU, ELU, SELU = 0, 1, 2, 3, 4, 5, 6
SOFTPLUS, SILU, GELU, HARD_SIGMOID, STEP, SOFTMAX = 7, 8, 9, 10, 11, 12
N_ACTIVATIONS = 13

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_INV_SQRT2 = 0.7071067811865476  # 1/√2
_INV_SQRT_2PI = 0.3989422804014327  # 1/√(2π)


@njit(cache=True, nogil=True, inline="always")
def _sigmoid(x):
    """Stable logistic: never evaluates exp of a large positive number."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@njit(cache=True, nogil=True, inline="always")
def default_alpha(act_id):
    """The alpha an activation uses when a layer names none, as ``engine.activations`` declares
    it (leaky ReLU 0.01, ELU 1; 0 otherwise, where alpha is unused). Recurrent cells apply
    their activations inside the kernels and take it from here."""
    if act_id == LEAKY_RELU:
        return 0.01
    if act_id == ELU:
        return 1.0
    return 0.0


@njit(cache=True, nogil=True, inline="always")
def _act_scalar(x, act_id, alpha):
    """f(x) for one value of an elementwise activation (not softmax)."""
    if act_id == SIGMOID:
        return _sigmoid(x)
    if act_id == TANH:
        return math.tanh(x)
    if act_id == RELU:
        return 0.0 if x < 0 else x + 0.0  # NOTE: `x < 0` lets NaN through, like PyTorch
    if act_id == LEAKY_RELU:
        return x + 0.0 if x > 0 else alpha * x
    if act_id == ELU:
        return x + 0.0 if x > 0 else alpha * math.expm1(x)
    if act_id == SELU:
        return SELU_SCALE * x if x > 0 else SELU_SCALE * SELU_ALPHA * math.expm1(x)
    if act_id == SOFTPLUS:  # log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))
    if act_id == SILU:
        return x * _sigmoid(x)
    if act_id == GELU:
        return 0.5 * x * (1.0 + math.erf(x * _INV_SQRT2))
    if act_id == HARD_SIGMOID:
        t = x + 3.0
        if t < 0.0:
            t = 0.0
        elif t > 6.0:
            t = 6.0
        return t / 6.0
    if act_id == STEP:
        return 1.0 if x >= 0 else 0.0
    return x + 0.0  # LINEAR


@njit(cache=True, nogil=True, inline="always")
def _slope_scalar(x, y, act_id, alpha):
    """dy/dx for one value of an elementwise activation, from its input x and output y."""
    if act_id == SIGMOID:
        return y * (1.0 - y)
    if act_id == TANH:
        return 1.0 - y * y
    if act_id == RELU:
        return 1.0 if x > 0 else 0.0  # NOTE: slope 0 at x = 0 (PyTorch convention)
    if act_id == LEAKY_RELU:
        return 1.0 if x > 0 else alpha
    if act_id == ELU:
        return 1.0 if x > 0 else y + alpha  # alpha·e^x = y + alpha for x <= 0
    if act_id == SELU:
        return SELU_SCALE if x > 0 else y + SELU_SCALE * SELU_ALPHA
    if act_id == SOFTPLUS:
        return _sigmoid(x)
    if act_id == SILU:
        s = _sigmoid(x)
        return s * (1.0 + x * (1.0 - s))
    if act_id == GELU:  # Φ(x) + x·φ(x)
        return 0.5 * (1.0 + math.erf(x * _INV_SQRT2)) + x * _INV_SQRT_2PI * math.exp(-0.5 * x * x)
    if act_id == HARD_SIGMOID:
        return 1.0 / 6.0 if -3.0 < x < 3.0 else 0.0
    if act_id == STEP:
        return 0.0  # NOTE: callers must refuse to backpropagate through step (has_gradient)
    return 1.0  # LINEAR


@njit(cache=True, nogil=True)
def _softmax_row_inplace(a, r):
    """a[r, :] <- softmax(a[r, :]), shifted by the row max so exp never overflows."""
    n = a.shape[1]
    top = a[r, 0]
    for c in range(1, n):
        if a[r, c] > top:
            top = a[r, c]
    s = 0.0
    for c in range(n):
        e = math.exp(a[r, c] - top)
        a[r, c] = e
        s += e
    inv_s = 1.0 / s
    for c in range(n):
        a[r, c] *= inv_s


@njit(cache=True, nogil=True)
def _check_act_id(act_id):
    if act_id < 0 or act_id >= N_ACTIVATIONS:
        raise ValueError("unknown activation id")


@njit(cache=True, nogil=True)
def _forward_row(a, r, act_id, alpha):
    """a[r, :] <- act(a[r, :]).

    NOTE: the activation is chosen once per row, not per value, so that the loops of the cheap
    ones (ReLU, leaky ReLU) stay branch-free and vectorise (about 20x faster than a per-value
    dispatch); the transcendental ones cost an exp/erf per value anyway.
    """
    n = a.shape[1]
    if act_id == SOFTMAX:
        _softmax_row_inplace(a, r)
    elif act_id == RELU:
        for c in range(n):
            if a[r, c] < 0:  # NaN stays NaN, like PyTorch
                a[r, c] = 0.0
    elif act_id == LEAKY_RELU:
        for c in range(n):
            v = a[r, c]
            a[r, c] = v if v > 0 else alpha * v
    elif act_id != LINEAR:
        for c in range(n):
            a[r, c] = _act_scalar(a[r, c], act_id, alpha)


@njit(cache=True, nogil=True)
def _backward_row(z, y, g, r, act_id, alpha):
    """g[r, :] <- dLoss/dz[r, :] from g[r, :] = dLoss/dy[r, :] (one activation per row)."""
    n = z.shape[1]
    if act_id == SOFTMAX:  # (diag(y) - y yᵀ) g
        dot = 0.0
        for c in range(n):
            dot += g[r, c] * y[r, c]
        for c in range(n):
            g[r, c] = y[r, c] * (g[r, c] - dot)
    elif act_id == RELU:
        for c in range(n):
            g[r, c] = g[r, c] if z[r, c] > 0 else 0.0
    elif act_id == LEAKY_RELU:
        for c in range(n):
            g[r, c] = g[r, c] if z[r, c] > 0 else alpha * g[r, c]
    elif act_id != LINEAR:
        for c in range(n):
            g[r, c] *= _slope_scalar(z[r, c], y[r, c], act_id, alpha)


@njit(cache=True, nogil=True)
def act_forward_inplace(z, act_id, alpha):
    """z: (B, N) C-contiguous, overwritten with act(z); softmax is taken row by row."""
    _check_act_id(act_id)
    for r in range(z.shape[0]):
        _forward_row(z, r, act_id, alpha)


@njit(cache=True, nogil=True)
def act_backward_inplace(z, y, g, act_id, alpha):
    """z: (B, N) pre-activation, y: (B, N) output, g: (B, N) dLoss/dy -> g <- dLoss/dz.

    Elementwise: ``g *= f'(z)``. Softmax (per row): ``g <- y ⊙ (g - Σ_c g_c y_c)``, the
    Jacobian-vector product ``(diag(y) - y yᵀ) g``. Step writes zeros (see ``has_gradient``).
    """
    _check_act_id(act_id)
    for r in range(z.shape[0]):
        _backward_row(z, y, g, r, act_id, alpha)


@njit(cache=True, nogil=True)
def bias_act_forward(x_dot_w, b, act_id, alpha, out):
    """x_dot_w: (B, N) = x @ W, b: (N,), out: (B, N).

    Row by row, while the row is in cache: ``x_dot_w <- z = x_dot_w + b`` (kept for the
    backward pass), then ``out <- act(z)`` (softmax normalises each row of ``out``).
    """
    _check_act_id(act_id)
    rows, n = x_dot_w.shape
    for r in range(rows):
        for c in range(n):
            v = x_dot_w[r, c] + b[c]
            x_dot_w[r, c] = v
            out[r, c] = v
        _forward_row(out, r, act_id, alpha)


@njit(cache=True, nogil=True)
def add_bias_inplace(z, b):
    """z: (B, N) += b: (N,) row by row (numpy's broadcast add runs ~2× slower on short rows)."""
    for r in range(z.shape[0]):
        zr = z[r]
        for c in range(z.shape[1]):
            zr[c] += b[c]


# -- plain-numpy references ----------------------------------------------------------------------
def _erf_ref(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf  # imported here: only the tests need the reference

    return erf(x).astype(x.dtype)


def _sigmoid_ref(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -x)).astype(x.dtype)  # 1 / (1 + e^-x), stable


def _forward_ref(x: np.ndarray, act_id: int, alpha: float) -> np.ndarray:
    """x: (B, N) -> act(x): (B, N), computed with whole-array numpy operations."""
    if act_id == SOFTMAX:
        e = np.exp(x - x.max(axis=-1, keepdims=True))  # (B, N), max is e^0 = 1
        return e / e.sum(axis=-1, keepdims=True)
    table = {
        LINEAR: lambda: x,
        SIGMOID: lambda: _sigmoid_ref(x),
        TANH: lambda: np.tanh(x),
        RELU: lambda: np.maximum(x, 0),
        LEAKY_RELU: lambda: np.where(x > 0, x, alpha * x),
        ELU: lambda: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))),
        SELU: lambda: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
        SOFTPLUS: lambda: np.logaddexp(0, x),
        SILU: lambda: x * _sigmoid_ref(x),
        GELU: lambda: 0.5 * x * (1 + _erf_ref(x / np.sqrt(2))),
        HARD_SIGMOID: lambda: np.clip(x + 3, 0, 6) / 6,
        STEP: lambda: (x >= 0).astype(x.dtype),
    }
    if act_id not in table:
        raise ValueError(f"unknown activation id {act_id}")
    return table[act_id]()


def _slope_ref(x: np.ndarray, act_id: int, alpha: float) -> np.ndarray:
    """x: (B, N) -> f'(x): (B, N) of an elementwise activation, from x alone."""
    s = _sigmoid_ref(x)
    table = {
        LINEAR: lambda: np.ones_like(x),
        SIGMOID: lambda: s * (1 - s),
        TANH: lambda: 1 / np.cosh(x) ** 2,
        RELU: lambda: (x > 0).astype(x.dtype),
        LEAKY_RELU: lambda: np.where(x > 0, 1, alpha),
        ELU: lambda: np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0))),
        SELU: lambda: SELU_SCALE * np.where(x > 0, 1, SELU_ALPHA * np.exp(np.minimum(x, 0))),
        SOFTPLUS: lambda: s,
        SILU: lambda: s + x * s * (1 - s),
        GELU: lambda: 0.5 * (1 + _erf_ref(x / np.sqrt(2))) + x * np.exp(-x * x / 2) / np.sqrt(
            2 * np.pi),
        HARD_SIGMOID: lambda: np.where((x > -3) & (x < 3), 1 / 6, 0),
        STEP: lambda: np.zeros_like(x),
    }
    if act_id not in table:
        raise ValueError(f"unknown activation id {act_id}")
    return table[act_id]()


def act_forward_ref(z: np.ndarray, act_id: int, alpha: float) -> np.ndarray:
    """Numpy twin of ``act_forward_inplace``: z: (B, N) overwritten with act(z), returned."""
    z[...] = _forward_ref(z, act_id, alpha)
    return z


def act_backward_ref(z: np.ndarray, y: np.ndarray, g: np.ndarray, act_id: int,
                     alpha: float) -> np.ndarray:
    """Numpy twin of ``act_backward_inplace``: g: (B, N) overwritten with dLoss/dz, returned."""
    if act_id == SOFTMAX:
        g[...] = y * g - y * np.sum(y * g, axis=-1, keepdims=True)  # (diag(y) - y yᵀ) g
    else:
        g[...] = g * _slope_ref(z, act_id, alpha)
    return g


def add_bias_inplace_ref(z: np.ndarray, b: np.ndarray) -> None:
    """Numpy twin of ``add_bias_inplace``."""
    z += b


def bias_act_forward_ref(x_dot_w: np.ndarray, b: np.ndarray, act_id: int, alpha: float,
                         out: np.ndarray) -> np.ndarray:
    """Numpy twin of ``bias_act_forward``: x_dot_w += b; out <- act(x_dot_w); out returned."""
    x_dot_w += b  # (B, N) + (N,)
    out[...] = _forward_ref(x_dot_w, act_id, alpha)
    return out
