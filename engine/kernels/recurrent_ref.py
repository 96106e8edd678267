"""Plain-numpy twins of ``engine.kernels.recurrent`` and ``engine.kernels.recurrent_gru`` (same
arguments, the bundles of ``engine.kernels.recurrent_args``; same in-place results).

``fast`` is accepted and ignored (numpy's own tanh/exp are used). Each step is written as
whole-batch array expressions so the formulas read like the textbook:
LSTM ``c = f ⊙ c_prev + i ⊙ g``, ``h = o ⊙ act(c)``; GRU ``h = z ⊙ h_prev + (1 - z) ⊙ n``
(``n = act(xp_n + r ⊙ hp_n)``, or with ``reset_after=False`` ``act(xp_n + (r ⊙ hm) U_n)``).
The state starts at ``h0`` (LSTM also ``c0``). Padded steps (``keep[:, t]`` False;
``keep=None``: none) carry the state over: ``h_t = where(keep_t, new h_t, h_(t-1))``, and in
the backward pass the gradient of such a row goes to ``h_(t-1)`` unchanged. The LSTM's work
arrays are time-major ``(T, B, ·)`` as in the kernels.
"""

from __future__ import annotations

import numpy as np

from engine.kernels.activations import _forward_ref, _slope_ref, default_alpha
from engine.kernels.recurrent_args import (
    CellGrads,
    CellSpec,
    GRUClassicWeights,
    GRUGrads,
    GRUTape,
    GRUWeights,
    LSTMGrads,
    LSTMState,
    LSTMTape,
    RNNTape,
    SequenceMask,
)


def _f(x: np.ndarray, act: int) -> np.ndarray:
    return _forward_ref(x, act, default_alpha(act)).astype(x.dtype, copy=False)


def _d(x: np.ndarray, act: int) -> np.ndarray:
    return _slope_ref(x, act, default_alpha(act)).astype(x.dtype, copy=False)


def _cut(t: int, n_steps: int, k: int) -> bool:
    return k > 0 and t + 1 < n_steps and (t + 1) % k == 0


def _pick(keep: np.ndarray | None, t: int, new: np.ndarray,
          old: np.ndarray | float) -> np.ndarray:
    """new where step t is real, old where it is padding: (B, ·)."""
    return new if keep is None else np.where(keep[:, t, None], new, old)


def rnn_forward_ref(xp: np.ndarray, u: np.ndarray, h0: np.ndarray, mask: SequenceMask,
                    cell: CellSpec, tape: RNNTape) -> None:
    (rmask, keep), act, (pre, h_all) = mask, cell.act, tape
    nb, nt, nh = xp.shape
    h = h0.copy()
    for t in range(nt):
        pre[:, t] = xp[:, t] + (h * rmask) @ u  # a_t: (B, H)
        h = _pick(keep, t, _f(pre[:, t], act), h)
        h_all[:, t] = h


def rnn_backward_ref(dh_seq: np.ndarray, ut: np.ndarray, mask: SequenceMask, cell: CellSpec,
                     tape: RNNTape, grads: CellGrads) -> None:
    (rmask, keep), act, k, pre, (da_all, dh0) = mask, cell.act, cell.k, tape.pre, grads
    nb, nt, nh = dh_seq.shape
    dh_next = np.zeros((nb, nh), dtype=dh_seq.dtype)
    for t in range(nt - 1, -1, -1):
        if _cut(t, nt, k):
            dh_next[...] = 0.0
        dh = dh_seq[:, t] + dh_next
        da = _pick(keep, t, dh * _d(pre[:, t], act), 0.0)
        da_all[:, t] = da
        dh_next = _pick(keep, t, (da @ ut) * rmask, dh)
    dh0[...] = dh_next


def lstm_forward_ref(xp: np.ndarray, rows: np.ndarray, u: np.ndarray, state: LSTMState,
                     mask: SequenceMask, cell: CellSpec, tape: LSTMTape) -> None:
    (h0, c0), (rmask, keep), act, ract = state, mask, cell.act, cell.ract
    pre, gates, c_all, tc_all, h_all, hprev = tape
    nt, nb = rows.shape  # time-major work arrays; xp (R, 4H) read at rows; h_all (B, T, H)
    nh = xp.shape[1] // 4
    h, c = h0.copy(), c0.copy()
    for t in range(nt):
        hprev[t] = h * rmask  # (B, H): h_(t-1) ⊙ rmask
        z = xp[rows[t]] + hprev[t] @ u  # (B, 4H): i, f, g, o
        pre[t] = z
        i, f = _f(z[:, :nh], ract), _f(z[:, nh : 2 * nh], ract)
        g, o = _f(z[:, 2 * nh : 3 * nh], act), _f(z[:, 3 * nh :], ract)
        gates[t] = _pick(keep, t, np.concatenate([i, f, g, o], axis=1), 0.0)
        c = _pick(keep, t, f * c + i * g, c)
        c_all[t] = c
        tc_all[t] = _f(c, act)
        h = _pick(keep, t, o * tc_all[t], h)
        h_all[:, t] = h


def lstm_backward_ref(dh_seq: np.ndarray, ut: np.ndarray, state: LSTMState, mask: SequenceMask,
                      cell: CellSpec, tape: LSTMTape, grads: LSTMGrads) -> None:
    c0, (rmask, keep), act, ract, k = state.c0, mask, cell.act, cell.ract, cell.k
    pre, gates, c_all, tc_all = tape.pre, tape.gates, tape.c_all, tape.tc_all
    dz_all, dh0, dc0 = grads
    nb, nt, nh = dh_seq.shape
    dh_next = np.zeros((nb, nh), dtype=dh_seq.dtype)
    dc_next = np.zeros_like(dh_next)
    for t in range(nt - 1, -1, -1):
        if _cut(t, nt, k):
            dh_next[...] = 0.0
            dc_next[...] = 0.0
        gt, zt = gates[t], pre[t]
        i, f, g, o = (gt[:, q * nh : (q + 1) * nh] for q in range(4))
        dh = dh_seq[:, t] + dh_next
        dc = dc_next + dh * o * _d(c_all[t], act)
        c_prev = c_all[t - 1] if t > 0 else c0
        dz = np.concatenate([
            dc * g * _d(zt[:, :nh], ract), dc * c_prev * _d(zt[:, nh : 2 * nh], ract),
            dc * i * _d(zt[:, 2 * nh : 3 * nh], act), dh * tc_all[t] * _d(zt[:, 3 * nh :], ract),
        ], axis=1)
        dz = _pick(keep, t, dz, 0.0)
        dz_all[t] = dz
        dc_next = _pick(keep, t, dc * f, dc_next)
        dh_next = _pick(keep, t, (dz @ ut) * rmask, dh)
    dh0[...] = dh_next
    dc0[...] = dc_next


def gru_forward_ref(xp: np.ndarray, weights: GRUWeights, h0: np.ndarray, mask: SequenceMask,
                    cell: CellSpec, tape: GRUTape) -> None:
    (u, rbias), (rmask, keep), act, ract = weights, mask, cell.act, cell.ract
    pre, gates, hn_all, h_all = tape
    nb, nt, g3 = xp.shape
    nh = g3 // 3
    h = h0.copy()
    for t in range(nt):
        hp = (h * rmask) @ u + rbias  # (B, 3H)
        az = xp[:, t, :nh] + hp[:, :nh]
        ar = xp[:, t, nh : 2 * nh] + hp[:, nh : 2 * nh]
        z, r = _f(az, ract), _f(ar, ract)
        an = xp[:, t, 2 * nh :] + r * hp[:, 2 * nh :]
        n = _f(an, act)
        pre[:, t] = np.concatenate([az, ar, an], axis=1)
        gates[:, t] = _pick(keep, t, np.concatenate([z, r, n], axis=1), 0.0)
        hn_all[:, t] = hp[:, 2 * nh :]
        h = _pick(keep, t, z * h + (1 - z) * n, h)
        h_all[:, t] = h


def gru_backward_ref(dh_seq: np.ndarray, ut: np.ndarray, h0: np.ndarray, mask: SequenceMask,
                     cell: CellSpec, tape: GRUTape, grads: GRUGrads) -> None:
    (rmask, keep), act, ract, k = mask, cell.act, cell.ract, cell.k
    pre, gates, hn_all, h_all = tape
    dxp_all, dhp_all, dh0 = grads
    nb, nt, nh = dh_seq.shape
    dh_next = np.zeros((nb, nh), dtype=dh_seq.dtype)
    for t in range(nt - 1, -1, -1):
        if _cut(t, nt, k):
            dh_next[...] = 0.0
        z, r, n = gates[:, t, :nh], gates[:, t, nh : 2 * nh], gates[:, t, 2 * nh :]
        az, ar, an = pre[:, t, :nh], pre[:, t, nh : 2 * nh], pre[:, t, 2 * nh :]
        h_prev = h_all[:, t - 1] if t > 0 else h0
        dh = dh_seq[:, t] + dh_next
        dan = dh * (1 - z) * _d(an, act)
        daz = dh * (h_prev - n) * _d(az, ract)
        dar = dan * hn_all[:, t] * _d(ar, ract)
        dxp_all[:, t] = _pick(keep, t, np.concatenate([daz, dar, dan], axis=1), 0.0)
        dhp_all[:, t] = _pick(keep, t, np.concatenate([daz, dar, dan * r], axis=1), 0.0)
        dh_next = _pick(keep, t, dh * z + (dhp_all[:, t] @ ut) * rmask, dh)
    dh0[...] = dh_next


def gru_classic_forward_ref(xp: np.ndarray, weights: GRUClassicWeights, h0: np.ndarray,
                            mask: SequenceMask, cell: CellSpec, tape: GRUTape) -> None:
    (u_zr, u_n), (rmask, keep), act, ract = weights, mask, cell.act, cell.ract
    pre, gates, rh_all, h_all = tape
    nb, nt, g3 = xp.shape
    nh = g3 // 3
    h = h0.copy()
    for t in range(nt):
        hm = h * rmask
        azr = xp[:, t, : 2 * nh] + hm @ u_zr  # (B, 2H)
        z, r = _f(azr[:, :nh], ract), _f(azr[:, nh:], ract)
        rh_all[:, t] = r * hm  # the reset state
        an = xp[:, t, 2 * nh :] + rh_all[:, t] @ u_n
        n = _f(an, act)
        pre[:, t] = np.concatenate([azr, an], axis=1)
        gates[:, t] = _pick(keep, t, np.concatenate([z, r, n], axis=1), 0.0)
        h = _pick(keep, t, z * h + (1 - z) * n, h)
        h_all[:, t] = h


def gru_classic_backward_ref(dh_seq: np.ndarray, weights_t: GRUClassicWeights, h0: np.ndarray,
                             mask: SequenceMask, cell: CellSpec, tape: GRUTape,
                             grads: CellGrads) -> None:
    (ut_zr, ut_n), (rmask, keep), act, ract, k = weights_t, mask, cell.act, cell.ract, cell.k
    pre, gates, h_all, (dxp_all, dh0) = tape.pre, tape.gates, tape.h_all, grads
    nb, nt, nh = dh_seq.shape
    dh_next = np.zeros((nb, nh), dtype=dh_seq.dtype)
    for t in range(nt - 1, -1, -1):
        if _cut(t, nt, k):
            dh_next[...] = 0.0
        z, r, n = gates[:, t, :nh], gates[:, t, nh : 2 * nh], gates[:, t, 2 * nh :]
        az, ar, an = pre[:, t, :nh], pre[:, t, nh : 2 * nh], pre[:, t, 2 * nh :]
        h_prev = h_all[:, t - 1] if t > 0 else h0
        dh = dh_seq[:, t] + dh_next
        dan = dh * (1 - z) * _d(an, act)
        daz = dh * (h_prev - n) * _d(az, ract)
        drh = dan @ ut_n  # dLoss/d(r ⊙ hm)
        dar = drh * h_prev * rmask * _d(ar, ract)
        dxp = _pick(keep, t, np.concatenate([daz, dar, dan], axis=1), 0.0)
        dxp_all[:, t] = dxp
        dh_next = _pick(keep, t, dh * z + (dxp[:, : 2 * nh] @ ut_zr + drh * r) * rmask, dh)
    dh0[...] = dh_next
