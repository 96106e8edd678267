"""Plain-numpy twins of ``engine.kernels.recurrent`` (same arguments, same in-place results).

``fast`` is accepted and ignored (numpy's own tanh/exp are used). Each step is written as
whole-batch array expressions so the formulas read like the textbook:
LSTM ``c = f ⊙ c_prev + i ⊙ g``, ``h = o ⊙ act(c)``; GRU ``h = z ⊙ h_prev + (1 - z) ⊙ n``.
The LSTM's work arrays are time-major ``(T, B, ·)`` as in the kernels.
"""

from __future__ import annotations

import numpy as np

from engine.kernels.activations import _forward_ref, _slope_ref


def _f(x: np.ndarray, act: int) -> np.ndarray:
    return _forward_ref(x, act, 0.0).astype(x.dtype, copy=False)


def _d(x: np.ndarray, act: int) -> np.ndarray:
    return _slope_ref(x, act, 0.0).astype(x.dtype, copy=False)


def _cut(t: int, n_steps: int, k: int) -> bool:
    return k > 0 and t + 1 < n_steps and (t + 1) % k == 0


def rnn_forward_ref(xp, u, rmask, act, fast, pre, h_all) -> None:
    nb, nt, nh = xp.shape
    h = np.zeros((nb, nh), dtype=xp.dtype)
    for t in range(nt):
        pre[:, t] = xp[:, t] + (h * rmask) @ u  # a_t: (B, H)
        h = _f(pre[:, t], act)
        h_all[:, t] = h


def rnn_backward_ref(dh_seq, ut, rmask, act, pre, h_all, k, da_all) -> None:
    nb, nt, nh = dh_seq.shape
    dh_next = np.zeros((nb, nh), dtype=dh_seq.dtype)
    for t in range(nt - 1, -1, -1):
        if _cut(t, nt, k):
            dh_next[...] = 0.0
        da = (dh_seq[:, t] + dh_next) * _d(pre[:, t], act)
        da_all[:, t] = da
        dh_next = (da @ ut) * rmask


def lstm_forward_ref(xp, u, rmask, act, ract, fast, pre, gates, c_all, tc_all, h_all) -> None:
    nt, nb, g4 = xp.shape  # time-major work arrays; h_all (B, T, H)
    nh = g4 // 4
    h = np.zeros((nb, nh), dtype=xp.dtype)
    c = np.zeros((nb, nh), dtype=xp.dtype)
    for t in range(nt):
        z = xp[t] + (h * rmask) @ u  # (B, 4H): i, f, g, o
        pre[t] = z
        i, f = _f(z[:, :nh], ract), _f(z[:, nh : 2 * nh], ract)
        g, o = _f(z[:, 2 * nh : 3 * nh], act), _f(z[:, 3 * nh :], ract)
        gates[t] = np.concatenate([i, f, g, o], axis=1)
        c = f * c + i * g
        c_all[t] = c
        tc_all[t] = _f(c, act)
        h = o * tc_all[t]
        h_all[:, t] = h


def lstm_backward_ref(dh_seq, ut, rmask, act, ract, pre, gates, c_all, tc_all, k, dz_all) -> None:
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
        c_prev = c_all[t - 1] if t > 0 else np.zeros_like(dc)
        dc_next = dc * f
        dz = np.concatenate([
            dc * g * _d(zt[:, :nh], ract), dc * c_prev * _d(zt[:, nh : 2 * nh], ract),
            dc * i * _d(zt[:, 2 * nh : 3 * nh], act), dh * tc_all[t] * _d(zt[:, 3 * nh :], ract),
        ], axis=1)
        dz_all[t] = dz
        dh_next = (dz @ ut) * rmask


def gru_forward_ref(xp, u, rbias, rmask, act, ract, fast, pre, gates, hn_all, h_all) -> None:
    nb, nt, g3 = xp.shape
    nh = g3 // 3
    h = np.zeros((nb, nh), dtype=xp.dtype)
    for t in range(nt):
        hp = (h * rmask) @ u + rbias  # (B, 3H)
        az = xp[:, t, :nh] + hp[:, :nh]
        ar = xp[:, t, nh : 2 * nh] + hp[:, nh : 2 * nh]
        z, r = _f(az, ract), _f(ar, ract)
        an = xp[:, t, 2 * nh :] + r * hp[:, 2 * nh :]
        n = _f(an, act)
        pre[:, t] = np.concatenate([az, ar, an], axis=1)
        gates[:, t] = np.concatenate([z, r, n], axis=1)
        hn_all[:, t] = hp[:, 2 * nh :]
        h = z * h + (1 - z) * n
        h_all[:, t] = h


def gru_backward_ref(dh_seq, ut, rmask, act, ract, pre, gates, hn_all, h_all, k, dxp_all,
                     dhp_all) -> None:
    nb, nt, nh = dh_seq.shape
    dh_next = np.zeros((nb, nh), dtype=dh_seq.dtype)
    for t in range(nt - 1, -1, -1):
        if _cut(t, nt, k):
            dh_next[...] = 0.0
        z, r, n = gates[:, t, :nh], gates[:, t, nh : 2 * nh], gates[:, t, 2 * nh :]
        az, ar, an = pre[:, t, :nh], pre[:, t, nh : 2 * nh], pre[:, t, 2 * nh :]
        h_prev = h_all[:, t - 1] if t > 0 else np.zeros_like(z)
        dh = dh_seq[:, t] + dh_next
        dan = dh * (1 - z) * _d(an, act)
        daz = dh * (h_prev - n) * _d(az, ract)
        dar = dan * hn_all[:, t] * _d(ar, ract)
        dxp_all[:, t] = np.concatenate([daz, dar, dan], axis=1)
        dhp_all[:, t] = np.concatenate([daz, dar, dan * r], axis=1)
        dh_next = dh * z + (dhp_all[:, t] @ ut) * rmask
