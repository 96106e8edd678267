"""Numba kernels of the recurrent cells (SimpleRNN, LSTM, GRU): the per-timestep loops.

The layers (``engine.layers.recurrent``) do the big, time-independent products with BLAS —
the input projection ``XP = X @ W + b`` over all ``B·T`` steps at once before the loop, and
``dW = Xᵀ dXP``, ``dU = H_prevᵀ dHP``, ``dX = dXP Wᵀ`` after it. These kernels run only what
must be sequential: per step one small BLAS product ``(h ⊙ rmask) @ U`` (``np.dot``), fused with
the gate arithmetic in one pass over ``(B, units)``.

Shapes: ``xp: (B, T, G·H)`` input projections with the input bias added (G = 1 SimpleRNN,
4 LSTM, 3 GRU), ``u: (H, G·H)`` recurrent kernel, ``ut: (G·H, H)`` its transpose (contiguous),
``rmask: (B, H)`` recurrent-dropout mask (ones at test time). Gate order along the last axis
follows Keras: LSTM ``i, f, g(cell candidate), o`` (the same as PyTorch's ``i, f, g, o``),
GRU ``z(update), r(reset), n(candidate)`` (PyTorch orders its GRU weights ``r, z, n``).
The GRU is the ``reset_after=True`` variant of Keras (PyTorch's and cuDNN's): the reset gate
multiplies ``h @ U_n + b_rn``. ``act``/``ract`` are activation ids of
``engine.kernels.activations`` (elementwise only); ``fast`` (for float32 arrays only) computes
tanh and sigmoid with a vectorisable rational approximation (error < 4e-7) instead of exp.
Backward kernels take ``dh_seq: (B, T, H)`` (dLoss/d hidden state from above) and ``k``
(truncated BPTT: gradients do not flow from step ``t`` to ``t - 1`` when ``t`` is a multiple
of ``k``; 0 = full BPTT) and return the pre-activation gradients. The plain-numpy twins
live in ``engine.kernels.recurrent_ref``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.kernels.activations import SIGMOID, TANH, _act_scalar, _slope_scalar

_F = np.float32
_CLAMP = _F(7.90531110763549805)


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _tanh32(x):
    """float32 tanh as Eigen computes it: a [13/6] rational minimax fit on [-7.9, 7.9], no
    exp, no branch (LLVM vectorises it); max error 4e-7 (a few float32 ulp)."""
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
        return _act_scalar(x, act, 0.0)
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
    return _slope_scalar(x, y, act, 0.0)


@njit(cache=True, nogil=True, error_model="numpy")
def _masked(h, rmask, out):
    for b in range(h.shape[0]):
        for j in range(h.shape[1]):
            out[b, j] = h[b, j] * rmask[b, j]


@njit(cache=True, nogil=True, error_model="numpy")
def _cut(t, n_steps, k):
    """True when the gradient must not flow from step t + 1 back into step t."""
    return k > 0 and t + 1 < n_steps and (t + 1) % k == 0


# -- SimpleRNN: h_t = act(xp_t + h_{t-1} U) ---------------------------------------------------
@njit(cache=True, nogil=True, error_model="numpy")
def rnn_forward(xp, u, rmask, act, fast, pre, h_all):
    """xp: (B, T, H) -> fills pre: (B, T, H) = a_t, h_all: (B, T, H) = act(a_t)."""
    nb, nt, nh = xp.shape
    h = np.zeros((nb, nh), dtype=xp.dtype)
    hm = np.empty_like(h)
    z = np.empty_like(h)
    for t in range(nt):
        _masked(h, rmask, hm)
        np.dot(hm, u, z)
        for b in range(nb):
            for j in range(nh):
                a = z[b, j] + xp[b, t, j]
                pre[b, t, j] = a
                y = _act_fast(a, act, fast)
                h[b, j] = y
                h_all[b, t, j] = y


@njit(cache=True, nogil=True, error_model="numpy")
def rnn_backward(dh_seq, ut, rmask, act, pre, h_all, k, da_all):
    """-> da_all: (B, T, H) = dLoss/da_t (also dLoss/dxp_t)."""
    nb, nt, nh = dh_seq.shape
    dh_next = np.zeros((nb, nh), dtype=dh_seq.dtype)
    da = np.empty_like(dh_next)
    tmp = np.empty_like(dh_next)
    for t in range(nt - 1, -1, -1):
        if _cut(t, nt, k):
            dh_next[:, :] = 0.0
        for b in range(nb):
            for j in range(nh):
                g = (dh_seq[b, t, j] + dh_next[b, j]) * _slope(pre[b, t, j], h_all[b, t, j], act)
                da[b, j] = g
                da_all[b, t, j] = g
        np.dot(da, ut, tmp)
        _masked(tmp, rmask, dh_next)


# -- LSTM ---------------------------------------------------------------------------------------
@njit(cache=True, nogil=True, error_model="numpy")
def lstm_forward(xp, u, rmask, act, ract, fast, pre, gates, c_all, tc_all, h_all):
    """TIME-MAJOR work arrays (step t's rows lie together): xp: (T, B, 4H) -> pre/gates:
    (T, B, 4H) pre-/post-activation i, f, g, o (``pre`` is left unwritten when ``fast``:
    tanh/sigmoid slopes come from the gates); c_all: (T, B, H) cell states, tc_all = act(c);
    h_all: (B, T, H) = o ⊙ act(c) (batch-major: it is the layer's output).

    NOTE: every inner loop writes one array and reads few: LLVM then vectorises it (with many
    arrays per loop its run-time alias checks give up and the loop stays scalar, ~2× slower).
    """
    nt, nb, g4 = xp.shape
    nh = g4 // 4
    hm = np.zeros((nb, nh), dtype=xp.dtype)
    z = np.empty((nb, g4), dtype=xp.dtype)
    half = _F(0.5)
    for t in range(nt):
        np.dot(hm, u, z)
        for b in range(nb):
            zb, xb, pb, gb = z[b], xp[t, b], pre[t, b], gates[t, b]
            if fast:  # float32 tanh/sigmoid: branch-free loops that LLVM vectorises
                for q in range(2 * nh):
                    gb[q] = half + half * _tanh32(half * (zb[q] + xb[q]))
                for q in range(2 * nh, 3 * nh):
                    gb[q] = _tanh32(zb[q] + xb[q])
                for q in range(3 * nh, g4):
                    gb[q] = half + half * _tanh32(half * (zb[q] + xb[q]))
            else:
                for q in range(g4):
                    pb[q] = zb[q] + xb[q]
                for q in range(g4):
                    gb[q] = _act(pb[q], act if 2 * nh <= q < 3 * nh else ract)
            cb, tb, hb, mb, hmb = c_all[t, b], tc_all[t, b], h_all[b, t], rmask[b], hm[b]
            if t > 0:
                cp = c_all[t - 1, b]
                for j in range(nh):
                    cb[j] = gb[nh + j] * cp[j] + gb[j] * gb[2 * nh + j]
            else:
                for j in range(nh):
                    cb[j] = gb[j] * gb[2 * nh + j]
            if fast:
                for j in range(nh):
                    tb[j] = _tanh32(cb[j])
            else:
                for j in range(nh):
                    tb[j] = _act(cb[j], act)
            for j in range(nh):
                hb[j] = gb[3 * nh + j] * tb[j]
            for j in range(nh):  # the next step's input h ⊙ rmask
                hmb[j] = hb[j] * mb[j]


@njit(cache=True, nogil=True, error_model="numpy")
def lstm_backward(dh_seq, ut, rmask, act, ract, pre, gates, c_all, tc_all, k, dz_all):
    """dh_seq: (B, T, H); time-major pre/gates/c_all/tc_all as in ``lstm_forward`` ->
    dz_all: (T, B, 4H) = dLoss/d(pre-activations), also dLoss/dxp."""
    nb, nt, nh = dh_seq.shape
    dh = np.empty((nb, nh), dtype=dh_seq.dtype)  # dLoss/dh_t
    dc = np.zeros_like(dh)  # dLoss/dc_t (carried back through the forget gate)
    back = np.zeros_like(dh)  # dz_(t+1) @ Uᵀ: the gradient reaching h_t through the recurrence
    zero = np.zeros(nh, dtype=dh_seq.dtype)
    one = dh_seq.dtype.type(1.0)  # keeps float32 arithmetic in float32
    simple = act == TANH and ract == SIGMOID
    for t in range(nt - 1, -1, -1):
        cut = _cut(t, nt, k)
        flow = t < nt - 1 and not cut
        if cut:
            dc[:, :] = 0.0
        for b in range(nb):
            gb, pb, cb, tb, db = gates[t, b], pre[t, b], c_all[t, b], tc_all[t, b], dz_all[t, b]
            cp = c_all[t - 1, b] if t > 0 else zero
            dhs, dhb, dcb, bb, mb = dh_seq[b, t], dh[b], dc[b], back[b], rmask[b]
            if flow:
                for j in range(nh):
                    dhb[j] = dhs[j] + bb[j] * mb[j]
            else:
                for j in range(nh):
                    dhb[j] = dhs[j]
            if simple:  # tanh/sigmoid: slopes from the outputs; short loops (few arrays
                # each) so that LLVM's alias checks stay cheap and every loop vectorises
                for j in range(nh):
                    tc = tb[j]
                    dcb[j] += dhb[j] * gb[3 * nh + j] * (one - tc * tc)
                for j in range(nh):
                    i, g = gb[j], gb[2 * nh + j]
                    db[j] = dcb[j] * g * i * (one - i)
                for j in range(nh):
                    f = gb[nh + j]
                    db[nh + j] = dcb[j] * cp[j] * f * (one - f)
                for j in range(nh):
                    i, g = gb[j], gb[2 * nh + j]
                    db[2 * nh + j] = dcb[j] * i * (one - g * g)
                for j in range(nh):
                    o = gb[3 * nh + j]
                    db[3 * nh + j] = dhb[j] * tb[j] * o * (one - o)
                for j in range(nh):
                    dcb[j] *= gb[nh + j]
            else:
                for j in range(nh):
                    i, f, g, o = gb[j], gb[nh + j], gb[2 * nh + j], gb[3 * nh + j]
                    dhj = dhb[j]
                    tc = tb[j]
                    dcj = dcb[j] + dhj * o * _slope(cb[j], tc, act)
                    dcb[j] = dcj * f
                    db[j] = dcj * g * _slope(pb[j], i, ract)
                    db[nh + j] = dcj * cp[j] * _slope(pb[nh + j], f, ract)
                    db[2 * nh + j] = dcj * i * _slope(pb[2 * nh + j], g, act)
                    db[3 * nh + j] = dhj * tc * _slope(pb[3 * nh + j], o, ract)
        np.dot(dz_all[t], ut, back)


# -- GRU (reset_after) ------------------------------------------------------------------------
@njit(cache=True, nogil=True, error_model="numpy")
def gru_forward(xp, u, rbias, rmask, act, ract, fast, pre, gates, hn_all, h_all):
    """xp: (B, T, 3H) with the input bias; rbias: (3H,) recurrent bias.

    ``hp = (h ⊙ rmask) U + rbias``; ``z = ract(xp_z + hp_z)``, ``r = ract(xp_r + hp_r)``,
    ``n = act(xp_n + r ⊙ hp_n)``, ``h = z ⊙ h_prev + (1 - z) ⊙ n``. Fills pre/gates: (B, T, 3H)
    (pre-/post-activation z, r, n), hn_all: (B, T, H) = hp_n, h_all: (B, T, H)."""
    nb, nt, g3 = xp.shape
    nh = g3 // 3
    hm = np.zeros((nb, nh), dtype=xp.dtype)
    zero = np.zeros(nh, dtype=xp.dtype)
    hp = np.empty((nb, g3), dtype=xp.dtype)
    for t in range(nt):
        if t > 0:
            for b in range(nb):
                hq, mb, hmb = h_all[b, t - 1], rmask[b], hm[b]
                for j in range(nh):
                    hmb[j] = hq[j] * mb[j]
        np.dot(hm, u, hp)
        for b in range(nb):  # short loops, one output each (see lstm_forward's NOTE)
            xb, hpb, pb, gb = xp[b, t], hp[b], pre[b, t], gates[b, t]
            hnb, hb = hn_all[b, t], h_all[b, t]
            h_prev = h_all[b, t - 1] if t > 0 else zero
            for q in range(2 * nh):
                pb[q] = xb[q] + hpb[q] + rbias[q]
            for j in range(nh):
                hnb[j] = hpb[2 * nh + j] + rbias[2 * nh + j]
            if fast:
                for q in range(2 * nh):
                    gb[q] = _F(0.5) + _F(0.5) * _tanh32(_F(0.5) * pb[q])
            else:
                for q in range(2 * nh):
                    gb[q] = _act(pb[q], ract)
            for j in range(nh):
                pb[2 * nh + j] = xb[2 * nh + j] + gb[nh + j] * hnb[j]
            if fast:
                for j in range(nh):
                    gb[2 * nh + j] = _tanh32(pb[2 * nh + j])
            else:
                for j in range(nh):
                    gb[2 * nh + j] = _act(pb[2 * nh + j], act)
            for j in range(nh):
                z = gb[j]
                hb[j] = z * h_prev[j] + (1.0 - z) * gb[2 * nh + j]


@njit(cache=True, nogil=True, error_model="numpy")
def gru_backward(dh_seq, ut, rmask, act, ract, pre, gates, hn_all, h_all, k, dxp_all, dhp_all):
    """-> dxp_all: (B, T, 3H) = dLoss/dxp, dhp_all: (B, T, 3H) = dLoss/dhp."""
    nb, nt, nh = dh_seq.shape
    dh_next = np.zeros((nb, nh), dtype=dh_seq.dtype)
    direct = np.empty_like(dh_next)
    dhp = np.empty((nb, 3 * nh), dtype=dh_seq.dtype)
    tmp = np.empty_like(dh_next)
    zero = np.zeros(nh, dtype=dh_seq.dtype)
    for t in range(nt - 1, -1, -1):
        if _cut(t, nt, k):
            dh_next[:, :] = 0.0
        for b in range(nb):  # short loops, one output each (see lstm_forward's NOTE)
            gb, pb, hnb, dxa, dhb = gates[b, t], pre[b, t], hn_all[b, t], dxp_all[b, t], dhp[b]
            h_prev = h_all[b, t - 1] if t > 0 else zero
            dhs, dhn, db = dh_seq[b, t], dh_next[b], direct[b]
            for j in range(nh):
                dhn[j] += dhs[j]  # dh
            for j in range(nh):  # dan
                n = gb[2 * nh + j]
                dxa[2 * nh + j] = dhn[j] * (1.0 - gb[j]) * _slope(pb[2 * nh + j], n, act)
            for j in range(nh):  # daz
                z = gb[j]
                dxa[j] = dhn[j] * (h_prev[j] - gb[2 * nh + j]) * _slope(pb[j], z, ract)
            for j in range(nh):  # dar
                r = gb[nh + j]
                dxa[nh + j] = dxa[2 * nh + j] * hnb[j] * _slope(pb[nh + j], r, ract)
            for q in range(2 * nh):
                dhb[q] = dxa[q]
            for j in range(nh):
                dhb[2 * nh + j] = dxa[2 * nh + j] * gb[nh + j]
            for j in range(nh):
                db[j] = dhn[j] * gb[j]
            dha = dhp_all[b, t]
            for q in range(3 * nh):
                dha[q] = dhb[q]
        np.dot(dhp, ut, tmp)
        for b in range(nb):
            for j in range(nh):
                dh_next[b, j] = direct[b, j] + tmp[b, j] * rmask[b, j]
