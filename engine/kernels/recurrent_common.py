"""Scalar and row helpers shared by the recurrent kernels (``engine.kernels.recurrent``,
``.recurrent_gru``): the activations as the cells compute them (a fast float32 tanh), row
copies and masks of ``(B, H)`` arrays, the padding test on an optional ``keep: (B, T)`` mask,
and the truncated-BPTT cut.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from engine.kernels.activations import SIGMOID, TANH, _act_scalar, _slope_scalar, default_alpha

_F = np.float32
_CLAMP = _F(7.90531110763549805)


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _tanh32(x):
    """float32 tanh as Eigen computes it: a [13/6] rational minimax fit on [-7.9, 7.9], no
    exp, no branch (LLVM vectorises it); max error 4e-7 (a few float32 ulp). A caller compiled
    with ``fastmath={"contract"}`` evaluates the polynomials with fused multiply-adds (~20 %
    faster, as Eigen does; the flag of the function it is inlined into is what counts)."""
    x = min(max(x, -_CLAMP), _CLAMP)
    x2 = x * x
    p = _F(-2.76076847742355e-16)
    p = p * x2 + _F(2.00018790482477e-13)
    p = p * x2 + _F(-8.60467152213735e-11)
    p = p * x2 + _F(5.12229709037114e-08)
    p = p * x2 + _F(1.48572235717979e-05)
    p = p * x2 + _F(6.37261928875436e-04)
    p = p * x2 + _F(4.89352455891786e-03)
    q = _F(1.19825839466702e-06)
    q = q * x2 + _F(1.18534705686654e-04)
    q = q * x2 + _F(2.26843463243900e-03)
    q = q * x2 + _F(4.89352518554385e-03)
    return p * x / q


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _act_fast(x, act, fast):
    """act(x); with ``fast`` (float32 arrays, tanh/sigmoid) the rational tanh above, with
    sigmoid(x) = (1 + tanh(x/2)) / 2."""
    if fast:
        if act == TANH:
            return _tanh32(x)
        if act == SIGMOID:
            return _F(0.5) + _F(0.5) * _tanh32(_F(0.5) * x)
    return _act(x, act)


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _act(x, act):
    """act(x); tanh through exp, since numba's math.tanh is a slow scalar libm call (~50 ns
    in float32, 7× the exp form). Series below |x| = 0.05 (error < 1e-12 relative)."""
    if act == SIGMOID:  # exp(-x) may overflow to inf for x < -88 (float32): 1/inf = 0
        return 1.0 / (1.0 + math.exp(-x))
    if act != TANH:
        return _act_scalar(x, act, default_alpha(act))
    ax = abs(x)
    if ax < 0.05:
        x2 = x * x
        return x * (1.0 - x2 * (1.0 / 3.0 - x2 * (2.0 / 15.0 - x2 * (17.0 / 315.0))))
    e = math.exp(-2.0 * ax)
    r = (1.0 - e) / (1.0 + e)
    return r if x >= 0 else -r


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _slope(x, y, act):
    """act'(x) from x and y = act(x); tanh and sigmoid from y alone (branch-free)."""
    if act == SIGMOID:
        return y * (1.0 - y)
    if act == TANH:
        return 1.0 - y * y
    return _slope_scalar(x, y, act, default_alpha(act))


@njit(cache=True, nogil=True, error_model="numpy")
def _masked(h, rmask, out):
    for b in range(h.shape[0]):
        for j in range(h.shape[1]):
            out[b, j] = h[b, j] * rmask[b, j]


@njit(cache=True, nogil=True, error_model="numpy")
def _copy(src, out):
    """out[...] = src for (B, H) arrays. NOTE: an explicit loop: numba's array-to-array slice
    assignment (``out[:, :] = src``) adds seconds of compile time to every kernel using it."""
    for b in range(src.shape[0]):
        for j in range(src.shape[1]):
            out[b, j] = src[b, j]


@njit(cache=True, nogil=True, error_model="numpy")
def _copy_row(src, out):
    for j in range(src.shape[0]):
        out[j] = src[j]


def has_mask(keep):
    """(in kernels) True when ``keep`` is an array, False for None (a compile-time constant)."""
    return keep is not None


def padded(keep, b, t):
    """(in kernels) True when step t of sample b is padding; always False for ``keep=None``,
    where the test compiles away (``SequenceMask.keep`` is a tuple field, which numba's
    pruning of ``keep is not None`` branches does not reach)."""
    return keep is not None and not keep[b, t]


@overload(has_mask, inline="always")
def _has_mask_nb(keep):
    if isinstance(keep, types.NoneType):
        return lambda keep: False
    return lambda keep: True


@overload(padded, inline="always")
def _padded_nb(keep, b, t):
    if isinstance(keep, types.NoneType):
        return lambda keep, b, t: False
    return lambda keep, b, t: not keep[b, t]


@njit(cache=True, nogil=True, error_model="numpy")
def _cut(t, n_steps, k):
    """True when the gradient must not flow from step t + 1 back into step t."""
    return k > 0 and t + 1 < n_steps and (t + 1) % k == 0
