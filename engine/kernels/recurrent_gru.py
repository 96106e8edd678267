"""Numba kernels of the GRU (``engine.layers.recurrent.GRU``): the per-timestep loops.

Arguments and conventions as in ``engine.kernels.recurrent`` (``h0``, the ``SequenceMask`` and
``CellSpec`` bundles of ``engine.kernels.recurrent_args``, padded steps, truncated BPTT); the
forward kernels fill a ``GRUTape``. All arrays are batch-major, so the samples ``b0:b1`` of a
call are views ``a[b0:b1]``: the layer runs parts of one batch on several threads by calling a
kernel on such views (``recurrent_args.samples``). Gate blocks along the last axis are Keras'
``z(update), r(reset), n(candidate)`` (PyTorch orders them ``r, z, n``); ``h = z ⊙ h_prev +
(1 - z) ⊙ n`` where ``h_prev`` is the unmasked state (recurrent dropout acts in the products).
Two variants, as Keras' ``reset_after``:

- ``reset_after=True`` (Keras' default, PyTorch's and cuDNN's): ``hp = (h ⊙ rmask) U + rbias``,
  ``n = act(xp_n + r ⊙ hp_n)`` — one product per step.
- ``reset_after=False`` (Cho et al. 2014, "classic"): ``n = act(xp_n + (r ⊙ h ⊙ rmask) U_n)``,
  no recurrent bias; the reset gate acts before the product, so each step needs two products
  (``U_zr`` first, then ``U_n`` on the reset state).

The plain-numpy twins live in ``engine.kernels.recurrent_ref``.

numba caches a kernel by its own file only: a change to the helpers it inlines
(``.recurrent_common``, ``activations.default_alpha``) must touch this file too, or cached
kernels keep the old helper (helpers revision: 2, leaky ReLU/ELU slopes).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.kernels.recurrent_common import (
    _F,
    _act,
    _act_fast,
    _copy,
    _cut,
    _masked,
    _slope,
    _tanh32,
    padded,
)


# -- reset_after=True (Keras' default, PyTorch's and cuDNN's formula) --------------------------
@njit(cache=True, nogil=True, error_model="numpy")
def gru_forward(xp, weights, h0, mask, cell, tape):
    """xp: (B, T, 3H) with the input bias; weights: GRUWeights (u: (H, 3H), rbias: (3H,));
    h0: (B, H).

    ``hp = (h ⊙ rmask) U + rbias``; ``z = ract(xp_z + hp_z)``, ``r = ract(xp_r + hp_r)``,
    ``n = act(xp_n + r ⊙ hp_n)``, ``h = z ⊙ h_prev + (1 - z) ⊙ n``. Fills the tape (GRUTape):
    pre/gates: (B, T, 3H) (pre-/post-activation z, r, n), hn: (B, T, H) = hp_n, h_all."""
    u, rbias, rmask, keep = weights.u, weights.rbias, mask.rmask, mask.keep
    act, ract, fast = cell.act, cell.ract, cell.fast
    pre, gates, hn_all, h_all = tape
    nb, nt, g3 = xp.shape
    nh = g3 // 3
    hm = np.empty((nb, nh), dtype=xp.dtype)
    _masked(h0, rmask, hm)
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
            h_prev = h_all[b, t - 1] if t > 0 else h0[b]
            if padded(keep, b, t):  # h_t = h_(t-1)
                for q in range(g3):
                    gb[q] = 0.0
                for j in range(nh):
                    hb[j] = h_prev[j]
                continue
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
def gru_backward(dh_seq, ut, h0, mask, cell, tape, grads):
    """dh_seq: (B, T, H), ut: (3H, H) = Uᵀ; h0, mask, cell and the tape as in ``gru_forward``
    -> grads (GRUGrads): dxp: (B, T, 3H) = dLoss/dxp, dhp: (B, T, 3H) = dLoss/dhp, dh0: (B, H)."""
    rmask, keep, act, ract, k = mask.rmask, mask.keep, cell.act, cell.ract, cell.k
    pre, gates, hn_all, h_all = tape
    dxp_all, dhp_all, dh0 = grads
    nb, nt, nh = dh_seq.shape
    dh_next = np.zeros((nb, nh), dtype=dh_seq.dtype)
    direct = np.empty_like(dh_next)  # the part of dLoss/dh_(t-1) that does not pass through U
    dhp = np.empty((nb, 3 * nh), dtype=dh_seq.dtype)
    tmp = np.empty_like(dh_next)
    for t in range(nt - 1, -1, -1):
        if _cut(t, nt, k):
            dh_next[:, :] = 0.0
        for b in range(nb):  # short loops, one output each (see lstm_forward's NOTE)
            gb, pb, hnb, dxa, dhb = gates[b, t], pre[b, t], hn_all[b, t], dxp_all[b, t], dhp[b]
            h_prev = h_all[b, t - 1] if t > 0 else h0[b]
            dhs, dhn, db = dh_seq[b, t], dh_next[b], direct[b]
            for j in range(nh):
                dhn[j] += dhs[j]  # dh
            if padded(keep, b, t):  # h_t = h_(t-1): dh_t passes straight on
                for j in range(nh):
                    db[j] = dhn[j]
                for q in range(3 * nh):
                    dxa[q] = 0.0
                    dhb[q] = 0.0
                    dhp_all[b, t, q] = 0.0
                continue
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
    _copy(dh_next, dh0)


# -- reset_after=False (Cho et al.): the reset gate acts before the product ----------------------
@njit(cache=True, nogil=True, error_model="numpy")
def gru_classic_forward(xp, weights, h0, mask, cell, tape):
    """xp: (B, T, 3H) with the bias; weights: GRUClassicWeights (zr: (H, 2H), n: (H, H) the
    recurrent kernel's z|r and n columns); h0: (B, H). With ``hm = h_prev ⊙ rmask``:
    ``z, r = ract(xp_zr + hm U_zr)``, ``n = act(xp_n + (r ⊙ hm) U_n)``, ``h = z ⊙ h_prev +
    (1 - z) ⊙ n``. Fills the tape (GRUTape): pre/gates: (B, T, 3H), hn: (B, T, H) = r ⊙ hm
    (for dU_n), h_all: (B, T, H)."""
    u_zr, u_n, rmask, keep = weights.zr, weights.n, mask.rmask, mask.keep
    act, ract, fast = cell.act, cell.ract, cell.fast
    pre, gates, rh_all, h_all = tape
    nb, nt, g3 = xp.shape
    nh = g3 // 3
    hm = np.empty((nb, nh), dtype=xp.dtype)
    rh = np.empty_like(hm)
    hn = np.empty_like(hm)
    hp = np.empty((nb, 2 * nh), dtype=xp.dtype)
    for t in range(nt):
        for b in range(nb):
            h_prev, mb, hmb = h_all[b, t - 1] if t > 0 else h0[b], rmask[b], hm[b]
            for j in range(nh):
                hmb[j] = h_prev[j] * mb[j]
        np.dot(hm, u_zr, hp)
        for b in range(nb):  # z, r and the reset state r ⊙ hm
            xb, hpb, pb, gb = xp[b, t], hp[b], pre[b, t], gates[b, t]
            for q in range(2 * nh):
                pb[q] = xb[q] + hpb[q]
            for q in range(2 * nh):
                gb[q] = _act_fast(pb[q], ract, fast)
            rhb, hmb, rab = rh[b], hm[b], rh_all[b, t]
            for j in range(nh):
                rhb[j] = gb[nh + j] * hmb[j]
            for j in range(nh):
                rab[j] = rhb[j]
        np.dot(rh, u_n, hn)
        for b in range(nb):  # n and the new state
            xb, pb, gb, hb, hnb = xp[b, t], pre[b, t], gates[b, t], h_all[b, t], hn[b]
            h_prev = h_all[b, t - 1] if t > 0 else h0[b]
            if padded(keep, b, t):  # h_t = h_(t-1)
                for q in range(g3):
                    gb[q] = 0.0
                for j in range(nh):
                    hb[j] = h_prev[j]
                continue
            for j in range(nh):
                pb[2 * nh + j] = xb[2 * nh + j] + hnb[j]
            for j in range(nh):
                gb[2 * nh + j] = _act_fast(pb[2 * nh + j], act, fast)
            for j in range(nh):
                z = gb[j]
                hb[j] = z * h_prev[j] + (1.0 - z) * gb[2 * nh + j]


@njit(cache=True, nogil=True, error_model="numpy")
def gru_classic_backward(dh_seq, weights_t, h0, mask, cell, tape, grads):
    """dh_seq: (B, T, H); weights_t: GRUClassicWeights of the transposed blocks (zr: (2H, H),
    n: (H, H)); h0, mask, cell and the tape as in ``gru_classic_forward`` -> grads
    (CellGrads): dz: (B, T, 3H) = dLoss/d(pre-activations z, r, n) (also dLoss/dxp),
    dh0: (B, H)."""
    ut_zr, ut_n, rmask, keep = weights_t.zr, weights_t.n, mask.rmask, mask.keep
    act, ract, k = cell.act, cell.ract, cell.k
    pre, gates, h_all = tape.pre, tape.gates, tape.h_all
    dxp_all, dh0 = grads
    nb, nt, nh = dh_seq.shape
    dh_next = np.zeros((nb, nh), dtype=dh_seq.dtype)
    dan = np.empty_like(dh_next)
    drh = np.empty_like(dh_next)  # dLoss/d(r ⊙ hm)
    tmp = np.empty_like(dh_next)
    dzr = np.empty((nb, 2 * nh), dtype=dh_seq.dtype)
    for t in range(nt - 1, -1, -1):
        if _cut(t, nt, k):
            dh_next[:, :] = 0.0
        for b in range(nb):  # dh (in dh_next), dan, daz
            gb, pb, dxa, dhn = gates[b, t], pre[b, t], dxp_all[b, t], dh_next[b]
            h_prev = h_all[b, t - 1] if t > 0 else h0[b]
            for j in range(nh):
                dhn[j] += dh_seq[b, t, j]
            if padded(keep, b, t):  # h_t = h_(t-1): dh_t stays in dh_next as it is
                for q in range(3 * nh):
                    dxa[q] = 0.0
                for j in range(nh):
                    dan[b, j] = 0.0
                continue
            for j in range(nh):
                dxa[2 * nh + j] = dhn[j] * (1.0 - gb[j]) * _slope(pb[2 * nh + j], gb[2 * nh + j],
                                                                  act)
            for j in range(nh):
                dan[b, j] = dxa[2 * nh + j]
            for j in range(nh):
                dxa[j] = dhn[j] * (h_prev[j] - gb[2 * nh + j]) * _slope(pb[j], gb[j], ract)
        np.dot(dan, ut_n, drh)
        for b in range(nb):  # dar = drh ⊙ hm ⊙ ract'
            gb, pb, dxa, mb, dzb = gates[b, t], pre[b, t], dxp_all[b, t], rmask[b], dzr[b]
            h_prev = h_all[b, t - 1] if t > 0 else h0[b]
            for j in range(nh):
                dxa[nh + j] = drh[b, j] * h_prev[j] * mb[j] * _slope(pb[nh + j], gb[nh + j], ract)
            for q in range(2 * nh):
                dzb[q] = dxa[q]
        np.dot(dzr, ut_zr, tmp)
        for b in range(nb):  # dh_(t-1) = dh ⊙ z + (dzr U_zrᵀ + drh ⊙ r) ⊙ rmask
            if padded(keep, b, t):
                continue
            gb, dhn, mb = gates[b, t], dh_next[b], rmask[b]
            for j in range(nh):
                dhn[j] = dhn[j] * gb[j] + (tmp[b, j] + drh[b, j] * gb[nh + j]) * mb[j]
    _copy(dh_next, dh0)
