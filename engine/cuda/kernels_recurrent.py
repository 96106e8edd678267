"""CUDA kernels of the sequence family (float32): Embedding's gather and scatter-add, and one
time step of SimpleRNN, LSTM and GRU (``reset_after``), forward and backward. Launch them
through ``engine.cuda.ops_recurrent``.

Layouts: batch-major device rows as everywhere on the device — a sequence of T vectors of
width W is ``(B, T·W)`` (step t of sample b at ``[b, t·W : (t+1)·W]``), the CPU engine's
``(B, T, W)`` order. ``xp`` holds the input projections ``x_t W + b`` of every step (one
matrix product before the loop), G gate blocks of H units each in Keras order (LSTM
``i, f, g, o``, GRU ``z, r, n``); ``u: (H, G·H)`` is the recurrent kernel. The state starts
at zero (initial states, padding masks, recurrent dropout and truncated BPTT stay on the
CPU: ``engine.cuda.placement``). One thread per (sample, unit) computes that unit's
recurrent products itself (a loop over the H previous units: classroom widths), so a step is
one launch forward and two backward (the gates, then ``dh_(t-1) = carry + dz_t Uᵀ``).

The formulas restate ``engine.kernels.recurrent_ref`` (leaky ReLU and ELU with the slopes the CPU
cells use: ``cell_alpha``); the CPU's float32 tanh/sigmoid approximation is within 4e-7 of
``math.tanh`` and the exact logistic used here.

Embedding's scatter-add runs one thread per embedding column, over the batch's ids in order:
no atomics, the same sums in the same order as the CPU's ``scatter_add_rows``.
"""

from __future__ import annotations

import math

from numba import cuda, float32

from engine.cuda.kernels_dense import act_slope, act_value
from engine.kernels.activations import ELU, LEAKY_RELU


@cuda.jit(device=True, inline=True)
def cell_alpha(act):
    """``engine.kernels.activations.default_alpha`` on the device: leaky ReLU 0.01, ELU 1."""
    if act == LEAKY_RELU:
        return 0.01
    if act == ELU:
        return 1.0
    return 0.0


@cuda.jit(device=True)
def _token(x):
    """A float token id -> int (whole numbers: the host checked them, ``token_ids``)."""
    return int(math.floor(x + 0.5))


@cuda.jit
def embedding_gather(ids, table, count, mask_zero, out):
    """ids (B, T) float ids, table (V, D) -> out (B, T·D) = table[ids] (zero rows for id 0
    when mask_zero). Grid: 1D over count·T·D."""
    i = cuda.grid(1)
    nt, d = ids.shape[1], table.shape[1]
    if i < count * nt * d:
        b, v = i // (nt * d), i % (nt * d)
        k = _token(ids[b, v // d])
        out[b, v] = float32(0.0) if mask_zero and k == 0 else table[k, v % d]


@cuda.jit
def embedding_scatter(ids, g, count, mask_zero, gtable):
    """gtable (V, D) = Σ of the gradient rows g (B, T·D) per id over the first ``count``
    samples, in (sample, step) order; row 0 stays zero when mask_zero. Grid: 1D over D."""
    c = cuda.grid(1)
    nt, d = ids.shape[1], gtable.shape[1]
    if c < d:
        for v in range(gtable.shape[0]):
            gtable[v, c] = float32(0.0)
        for b in range(count):
            for t in range(nt):
                k = _token(ids[b, t])
                gtable[k, c] += g[b, t * d + c]
        if mask_zero:
            gtable[0, c] = float32(0.0)


@cuda.jit
def zero_rows(a, count):
    """a[:count] = 0 for a (B, W). Grid: 1D over count·W."""
    i = cuda.grid(1)
    if i < count * a.shape[1]:
        a[i // a.shape[1], i % a.shape[1]] = float32(0.0)


@cuda.jit
def rnn_forward_step(xp, u, t, count, act, pre, h_all, hprev):
    """SimpleRNN step t: a = xp_t + h_(t-1) U, h_t = act(a); xp, pre, h_all, hprev (B, T·H)
    (hprev_t = h_(t-1), zero at t = 0, for dU after the loop). Grid: 1D over count·H."""
    i = cuda.grid(1)
    nh = u.shape[0]
    if i < count * nh:
        b, j = i // nh, i % nh
        a = xp[b, t * nh + j]
        hp = float32(0.0)
        if t > 0:
            base = (t - 1) * nh
            for k in range(nh):
                a += h_all[b, base + k] * u[k, j]
            hp = h_all[b, base + j]
        pre[b, t * nh + j] = a
        hprev[b, t * nh + j] = hp
        h_all[b, t * nh + j] = act_value(a, act, cell_alpha(act))


@cuda.jit
def lstm_forward_step(xp, u, t, count, act, ract, pre, gates, c_all, tc_all, h_all, hprev):
    """LSTM step t: z = xp_t + h_(t-1) U (B, 4H: i, f, g, o), c_t = f·c_(t-1) + i·g,
    h_t = o·act(c_t); pre, gates (B, T·4H), c_all, tc_all (= act(c)), h_all, hprev (B, T·H).
    Grid: 1D over count·H."""
    i = cuda.grid(1)
    nh = u.shape[0]
    if i < count * nh:
        b, j = i // nh, i % nh
        base = t * 4 * nh
        zi, zf = xp[b, base + j], xp[b, base + nh + j]
        zg, zo = xp[b, base + 2 * nh + j], xp[b, base + 3 * nh + j]
        c_prev = float32(0.0)
        hp = float32(0.0)
        if t > 0:
            hb = (t - 1) * nh
            for k in range(nh):
                h = h_all[b, hb + k]
                zi += h * u[k, j]
                zf += h * u[k, nh + j]
                zg += h * u[k, 2 * nh + j]
                zo += h * u[k, 3 * nh + j]
            c_prev, hp = c_all[b, hb + j], h_all[b, hb + j]
        ig, fg = act_value(zi, ract, cell_alpha(ract)), act_value(zf, ract, cell_alpha(ract))
        gg, og = act_value(zg, act, cell_alpha(act)), act_value(zo, ract, cell_alpha(ract))
        pre[b, base + j], pre[b, base + nh + j] = zi, zf
        pre[b, base + 2 * nh + j], pre[b, base + 3 * nh + j] = zg, zo
        gates[b, base + j], gates[b, base + nh + j] = ig, fg
        gates[b, base + 2 * nh + j], gates[b, base + 3 * nh + j] = gg, og
        c = fg * c_prev + ig * gg
        tc = act_value(c, act, cell_alpha(act))
        s = t * nh + j
        c_all[b, s], tc_all[b, s], h_all[b, s], hprev[b, s] = c, tc, og * tc, hp


@cuda.jit
def gru_forward_step(xp, u, rbias, t, count, act, ract, pre, gates, hn_all, h_all, hprev):
    """GRU (reset_after) step t: hp = h_(t-1) U + rbias, z = σ(xp_z + hp_z),
    r = σ(xp_r + hp_r), n = act(xp_n + r·hp_n), h_t = z·h_(t-1) + (1 − z)·n; pre, gates
    (B, T·3H), hn_all (= hp_n), h_all, hprev (B, T·H). Grid: 1D over count·H."""
    i = cuda.grid(1)
    nh = u.shape[0]
    if i < count * nh:
        b, j = i // nh, i % nh
        base = t * 3 * nh
        hz, hr, hn = rbias[j], rbias[nh + j], rbias[2 * nh + j]
        hp = float32(0.0)
        if t > 0:
            hb = (t - 1) * nh
            for k in range(nh):
                h = h_all[b, hb + k]
                hz += h * u[k, j]
                hr += h * u[k, nh + j]
                hn += h * u[k, 2 * nh + j]
            hp = h_all[b, hb + j]
        az, ar = xp[b, base + j] + hz, xp[b, base + nh + j] + hr
        z, r = act_value(az, ract, cell_alpha(ract)), act_value(ar, ract, cell_alpha(ract))
        an = xp[b, base + 2 * nh + j] + r * hn
        n = act_value(an, act, cell_alpha(act))
        pre[b, base + j], pre[b, base + nh + j], pre[b, base + 2 * nh + j] = az, ar, an
        gates[b, base + j], gates[b, base + nh + j], gates[b, base + 2 * nh + j] = z, r, n
        s = t * nh + j
        hn_all[b, s], h_all[b, s], hprev[b, s] = hn, z * hp + (1 - z) * n, hp


@cuda.jit(device=True)
def _dh(grad, seq, nt, t, b, j, nh, dh_next):
    """dLoss/dh_t: from above (every step with return_sequences, else the last) + from t+1."""
    if seq:
        return dh_next[b, j] + grad[b, t * nh + j]
    if t == nt - 1:
        return dh_next[b, j] + grad[b, j]
    return dh_next[b, j]


@cuda.jit
def rnn_backward_step(grad, seq, nt, t, count, act, pre, h_all, dh_next, dz):
    """SimpleRNN step t backward: dz_t (B, T·H) = dh_t · act'(a_t). Grid: 1D over count·H."""
    i = cuda.grid(1)
    nh = dh_next.shape[1]
    if i < count * nh:
        b, j = i // nh, i % nh
        dh = _dh(grad, seq, nt, t, b, j, nh, dh_next)
        s = t * nh + j
        dz[b, s] = dh * act_slope(pre[b, s], h_all[b, s], act, cell_alpha(act))


@cuda.jit
def lstm_backward_step(grad, seq, nt, t, count, act, ract, pre, gates, c_all, tc_all,
                       dh_next, dc_next, dz):
    """LSTM step t backward: dz_t (B, T·4H) and dc_next ← dc_t·f (in place).
    Grid: 1D over count·H."""
    i = cuda.grid(1)
    nh = dh_next.shape[1]
    if i < count * nh:
        b, j = i // nh, i % nh
        dh = _dh(grad, seq, nt, t, b, j, nh, dh_next)
        base, s = t * 4 * nh, t * nh + j
        ig, fg = gates[b, base + j], gates[b, base + nh + j]
        gg, og = gates[b, base + 2 * nh + j], gates[b, base + 3 * nh + j]
        tc = tc_all[b, s]
        ga, ra = cell_alpha(act), cell_alpha(ract)
        dc = dc_next[b, j] + dh * og * act_slope(c_all[b, s], tc, act, ga)
        c_prev = c_all[b, s - nh] if t > 0 else float32(0.0)
        dz[b, base + j] = dc * gg * act_slope(pre[b, base + j], ig, ract, ra)
        dz[b, base + nh + j] = dc * c_prev * act_slope(pre[b, base + nh + j], fg, ract, ra)
        dz[b, base + 2 * nh + j] = dc * ig * act_slope(pre[b, base + 2 * nh + j], gg, act, ga)
        dz[b, base + 3 * nh + j] = dh * tc * act_slope(pre[b, base + 3 * nh + j], og, ract, ra)
        dc_next[b, j] = dc * fg


@cuda.jit
def gru_backward_step(grad, seq, nt, t, count, act, ract, pre, gates, hn_all, h_all, dh_next,
                      dxp, dhp, carry):
    """GRU step t backward: dxp_t = [daz, dar, dan], dhp_t = [daz, dar, dan·r] (B, T·3H),
    carry (B, H) = dh_t·z (the direct path to h_(t-1)). Grid: 1D over count·H."""
    i = cuda.grid(1)
    nh = dh_next.shape[1]
    if i < count * nh:
        b, j = i // nh, i % nh
        dh = _dh(grad, seq, nt, t, b, j, nh, dh_next)
        base, s = t * 3 * nh, t * nh + j
        z, r, n = gates[b, base + j], gates[b, base + nh + j], gates[b, base + 2 * nh + j]
        h_prev = h_all[b, s - nh] if t > 0 else float32(0.0)
        dan = dh * (1 - z) * act_slope(pre[b, base + 2 * nh + j], n, act, cell_alpha(act))
        daz = dh * (h_prev - n) * act_slope(pre[b, base + j], z, ract, cell_alpha(ract))
        dar = dan * hn_all[b, s] * act_slope(pre[b, base + nh + j], r, ract, cell_alpha(ract))
        dxp[b, base + j], dxp[b, base + nh + j], dxp[b, base + 2 * nh + j] = daz, dar, dan
        dhp[b, base + j], dhp[b, base + nh + j], dhp[b, base + 2 * nh + j] = daz, dar, dan * r
        carry[b, j] = dh * z


@cuda.jit
def state_backward(dz, u, t, count, carry, has_carry, dh_next):
    """dh_next (B, H) = carry + dz_t Uᵀ: dLoss/dh_(t-1); dz (B, T·G·H), u (H, G·H).
    Grid: 1D over count·H."""
    i = cuda.grid(1)
    nh, gh = u.shape[0], u.shape[1]
    if i < count * nh:
        b, k = i // nh, i % nh
        acc = carry[b, k] if has_carry else float32(0.0)
        base = t * gh
        for j in range(gh):
            acc += dz[b, base + j] * u[k, j]
        dh_next[b, k] = acc
