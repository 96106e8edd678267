"""Numba kernels of the recurrent cells (SimpleRNN, LSTM; the GRU's live in
``engine.kernels.recurrent_gru``): the per-timestep loops (shared helpers: ``.recurrent_common``).

The layers (``engine.layers.recurrent``) do the big, time-independent products with BLAS —
the input projection ``XP = X @ W + b`` over all ``B·T`` steps at once before the loop, and
``dW = Xᵀ dXP``, ``dU = H_prevᵀ dHP``, ``dX = dXP Wᵀ`` after it. These kernels run only what
must be sequential: per step one small BLAS product ``(h ⊙ rmask) @ U`` (``np.dot``), fused with
the gate arithmetic in one pass over ``(B, units)``.

Arguments come in the typed bundles of ``engine.kernels.recurrent_args`` (``SequenceMask``,
``CellSpec``, a tape per cell, …); the arrays' shapes: ``xp: (B, T, G·H)`` input projections
with the input bias added (G = 1 SimpleRNN, 4 LSTM, 3 GRU), ``u: (H, G·H)`` recurrent kernel,
``ut: (G·H, H)`` its transpose (contiguous), ``h0: (B, H)`` the initial state h_(-1) (LSTM also
``c0: (B, H)``; zeros when none is given), ``rmask: (B, H)`` recurrent-dropout mask (ones at
test time; it multiplies h_(-1) too), ``keep: (B, T)`` bool, False where a step is padding —
there ``h_t = h_(t-1)`` (and ``c_t = c_(t-1)``), the gates are stored as 0 and the gradient
passes straight through. ``keep=None`` masks nothing: numba then compiles a version without the
test (``padded``/``has_mask`` are compile-time False; a per-row test on an empty array cost up
to 15%). Gate order along the last axis follows Keras: LSTM ``i, f, g(cell candidate), o`` (the
same as PyTorch's ``i, f, g, o``), GRU ``z(update), r(reset), n(candidate)`` (PyTorch orders
its GRU weights ``r, z, n``). ``act``/``ract`` are activation ids of
``engine.kernels.activations`` (elementwise only); ``fast`` (for float32 arrays only) computes
tanh and sigmoid with a vectorisable rational approximation (error < 4e-7) instead of exp.
Backward kernels take ``dh_seq: (B, T, H)`` (dLoss/d hidden state from above) and ``k``
(truncated BPTT: gradients do not flow from step ``t`` to ``t - 1`` when ``t`` is a multiple of
``k``; 0 = full BPTT; step 0 always passes its gradient on to h_(-1), so ``k ≥ T`` equals full
BPTT) and fill the pre-activation gradients and ``dh0: (B, H)`` = dLoss/dh_(-1) (LSTM also
``dc0``). The plain-numpy twins live in ``engine.kernels.recurrent_ref`` (same arguments).

numba caches a kernel by its own file only: a change to the helpers it inlines
(``.recurrent_common``, ``activations.default_alpha``) must touch this file too, or cached
kernels keep the old helper (helpers revision: 2, leaky ReLU/ELU slopes).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.kernels.activations import SIGMOID, TANH
from engine.kernels.recurrent_common import (
    _act,
    _act_fast,
    _copy,
    _copy_row,
    _cut,
    _masked,
    _slope,
    _tanh32,
    has_mask,
    padded,
)


# -- SimpleRNN: h_t = act(xp_t + h_{t-1} U) ---------------------------------------------------
@njit(cache=True, nogil=True, error_model="numpy")
def rnn_forward(xp, u, h0, mask, cell, tape):
    """xp: (B, T, H), u: (H, H), h0: (B, H), mask: SequenceMask, cell: CellSpec -> fills tape
    (RNNTape): pre: (B, T, H) = a_t (unwritten at padded steps), h_all: (B, T, H) = act(a_t)."""
    rmask, keep, act, fast = mask.rmask, mask.keep, cell.act, cell.fast
    pre, h_all = tape.pre, tape.h_all
    nb, nt, nh = xp.shape
    h = np.empty_like(h0)
    _copy(h0, h)
    hm = np.empty_like(h)
    z = np.empty_like(h)
    for t in range(nt):
        _masked(h, rmask, hm)
        np.dot(hm, u, z)
        for b in range(nb):
            if padded(keep, b, t):  # h_t = h_(t-1): the state is carried over
                for j in range(nh):
                    h_all[b, t, j] = h[b, j]
                continue
            for j in range(nh):
                a = z[b, j] + xp[b, t, j]
                pre[b, t, j] = a
                y = _act_fast(a, act, fast)
                h[b, j] = y
                h_all[b, t, j] = y


@njit(cache=True, nogil=True, error_model="numpy")
def rnn_backward(dh_seq, ut, mask, cell, tape, grads):
    """dh_seq: (B, T, H), ut: (H, H) = Uᵀ, tape: ``rnn_forward``'s -> grads (CellGrads):
    dz: (B, T, H) = dLoss/da_t (also dLoss/dxp_t; 0 at padded steps), dh0: (B, H)."""
    rmask, keep, act, k = mask.rmask, mask.keep, cell.act, cell.k
    pre, h_all, da_all = tape.pre, tape.h_all, grads.dz
    nb, nt, nh = dh_seq.shape
    dh_next = np.zeros((nb, nh), dtype=dh_seq.dtype)
    da = np.empty_like(dh_next)
    tmp = np.empty_like(dh_next)
    carry = np.empty_like(dh_next)  # at a padded step: dLoss/dh_t, passed on to h_(t-1) as is
    for t in range(nt - 1, -1, -1):
        if _cut(t, nt, k):
            dh_next[:, :] = 0.0
        for b in range(nb):
            if padded(keep, b, t):
                for j in range(nh):
                    carry[b, j] = dh_seq[b, t, j] + dh_next[b, j]
                    da[b, j] = 0.0
                    da_all[b, t, j] = 0.0
                continue
            for j in range(nh):
                g = (dh_seq[b, t, j] + dh_next[b, j]) * _slope(pre[b, t, j], h_all[b, t, j], act)
                da[b, j] = g
                da_all[b, t, j] = g
        np.dot(da, ut, tmp)
        _masked(tmp, rmask, dh_next)
        if has_mask(keep):
            for b in range(nb):
                if padded(keep, b, t):
                    for j in range(nh):
                        dh_next[b, j] = carry[b, j]
    _copy(dh_next, grads.dh0)


# -- LSTM ---------------------------------------------------------------------------------------
@njit(cache=True, nogil=True, error_model="numpy")
def _lstm_carry(gb, cb, tb, hb, cp, hp, act, fast):
    """A padded step of one row: c_t = c_(t-1), h_t = h_(t-1), gates shown as 0."""
    nh = cb.shape[0]
    for q in range(4 * nh):
        gb[q] = 0.0
    for j in range(nh):
        cb[j] = cp[j]
    for j in range(nh):
        tb[j] = _act_fast(cp[j], act, fast)
    for j in range(nh):
        hb[j] = hp[j]


@njit(cache=True, nogil=True, error_model="numpy")
def lstm_forward(xp, rows, u, state, mask, cell, tape):
    """The whole batch (``lstm_forward_part`` over samples ``0:B``)."""
    lstm_forward_part(xp, rows, u, state, mask, cell, tape, 0, rows.shape[1])


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})  # FMA (see _tanh32)
def lstm_forward_part(xp, rows, u, state, mask, cell, tape, b0, b1):
    """Samples ``b0:b1`` of the batch (the others are neither read nor written: parts of one
    batch may run on several threads at once, ``engine.layers.recurrent``). TIME-MAJOR work
    arrays (step t's rows lie together): xp: (R, 4H) input projections,
    rows: (T, B) int64 -> step t of sample b reads ``xp[rows[t, b]]`` (``arange(T·B)`` for a
    (T·B, 4H) projection; token ids when xp is an Embedding's projected table); u: (H, 4H);
    state: LSTMState, mask: SequenceMask, cell: CellSpec -> fills tape (LSTMTape): pre/gates:
    (T, B, 4H) pre-/post-activation i, f, g, o (``pre`` is left unwritten when ``fast``:
    tanh/sigmoid slopes come from the gates); c_all: (T, B, H) cell states, tc_all = act(c);
    h_all: (B, T, H) = o ⊙ act(c) (batch-major: it is the layer's output); hprev: (T, B, H)
    C-contiguous = h_(t-1) ⊙ rmask, each step's input to the product with U (the layer reuses
    it for dU = H_prevᵀ dZ).

    NOTE: every inner loop writes one array and reads few: LLVM then vectorises it (with many
    arrays per loop its run-time alias checks give up and the loop stays scalar, ~2× slower).
    """
    h0, c0, rmask, keep = state.h0, state.c0, mask.rmask, mask.keep
    act, ract, fast = cell.act, cell.ract, cell.fast
    pre, gates, c_all, tc_all, h_all, hprev = tape
    nt = rows.shape[0]
    g4 = xp.shape[1]
    nh = g4 // 4
    _masked(h0[b0:b1], rmask[b0:b1], hprev[0, b0:b1])  # the first step's h_(-1) ⊙ rmask
    z = np.empty((b1 - b0, g4), dtype=xp.dtype)
    # per-column constants of the fast gates: one loop over all 4H columns instead of three
    # (~10 % of the forward kernel); the same float32 numbers (·1 and +0 are exact)
    g_mul = np.full(g4, 0.5, dtype=xp.dtype)
    g_off = np.full(g4, 0.5, dtype=xp.dtype)
    for q in range(2 * nh, 3 * nh):
        g_mul[q] = 1.0
        g_off[q] = 0.0
    for t in range(nt):
        np.dot(hprev[t, b0:b1], u, z)
        more = t + 1 < nt  # hprev[t + 1] is the next step's input
        for b in range(b0, b1):
            zb, xb, pb, gb = z[b - b0], xp[rows[t, b]], pre[t, b], gates[t, b]
            if padded(keep, b, t):  # (h ⊙ rmask stays as it is)
                _lstm_carry(gb, c_all[t, b], tc_all[t, b], h_all[b, t],
                            c_all[t - 1, b] if t > 0 else c0[b],
                            h_all[b, t - 1] if t > 0 else h0[b], act, fast)
                if more:
                    _copy_row(hprev[t, b], hprev[t + 1, b])
                continue
            if fast:  # float32 tanh/sigmoid: one branch-free loop that LLVM vectorises
                for q in range(g4):  # sigmoid(a) = 1/2 + tanh(a/2)/2, tanh(a) = 0 + 1·tanh(1·a)
                    gb[q] = g_off[q] + g_mul[q] * _tanh32(g_mul[q] * (zb[q] + xb[q]))
            else:
                for q in range(g4):
                    pb[q] = zb[q] + xb[q]
                for q in range(g4):
                    gb[q] = _act(pb[q], act if 2 * nh <= q < 3 * nh else ract)
            cb, tb, hb, mb = c_all[t, b], tc_all[t, b], h_all[b, t], rmask[b]
            if t > 0:  # NOTE: two loops, not one on ``cp = … if t > 0 else c0[b]``: 5% faster
                cp = c_all[t - 1, b]
                for j in range(nh):
                    cb[j] = gb[nh + j] * cp[j] + gb[j] * gb[2 * nh + j]
            else:
                cp = c0[b]
                for j in range(nh):
                    cb[j] = gb[nh + j] * cp[j] + gb[j] * gb[2 * nh + j]
            if fast:
                for j in range(nh):
                    tb[j] = _tanh32(cb[j])
            else:
                for j in range(nh):
                    tb[j] = _act(cb[j], act)
            for j in range(nh):
                hb[j] = gb[3 * nh + j] * tb[j]
            if more:
                hmb = hprev[t + 1, b]
                for j in range(nh):  # the next step's input h ⊙ rmask
                    hmb[j] = hb[j] * mb[j]


@njit(cache=True, nogil=True, error_model="numpy")
def _lstm_skip_back(dhb, cab, db, keep_bt):
    """A padded step's row in ``lstm_backward``: dhb += the gradient carried from a padded step
    t + 1 (cab); then at a padded step t (returns True) h_t = h_(t-1), c_t = c_(t-1), so dh_t
    goes on to h_(t-1) unchanged (cab = dhb), dc_t stays in dc and the row's dz is 0."""
    for j in range(dhb.shape[0]):
        dhb[j] += cab[j]
    if keep_bt:
        for j in range(dhb.shape[0]):
            cab[j] = 0.0
        return False
    for j in range(dhb.shape[0]):
        cab[j] = dhb[j]
    for q in range(db.shape[0]):
        db[q] = 0.0
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def _lstm_step_back(gb, pb, cb, tb, cp, dhb, dcb, db, act, ract):
    """One row of one step, any activations (tanh/sigmoid: inline in ``lstm_backward``):
    dcb in: dLoss/dc_t from later steps, out: dLoss/dc_(t-1); db = dLoss/d(i, f, g, o)."""
    nh = dhb.shape[0]
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


@njit(cache=True, nogil=True, error_model="numpy")
def lstm_backward(dh_seq, ut, state, mask, cell, tape, grads):
    """The whole batch (``lstm_backward_part`` over samples ``0:B``)."""
    lstm_backward_part(dh_seq, ut, state, mask, cell, tape, grads, 0, dh_seq.shape[0])


@njit(cache=True, nogil=True, error_model="numpy")
def lstm_backward_part(dh_seq, ut, state, mask, cell, tape, grads, b0, b1):
    """dh_seq: (B, T, H), ut: (4H, H) = Uᵀ; state (its c0), mask, cell and the tape as in
    ``lstm_forward`` -> grads (LSTMGrads): dz: (T, B, 4H) = dLoss/d(pre-activations), also
    dLoss/dxp; dh0, dc0: (B, H); only samples ``b0:b1`` are read and written
    (``lstm_forward_part``)."""
    c0, rmask, keep, act, ract, k = state.c0, mask.rmask, mask.keep, cell.act, cell.ract, cell.k
    pre, gates, c_all, tc_all = tape.pre, tape.gates, tape.c_all, tape.tc_all
    dz_all, dh0, dc0 = grads
    nt, nh = dh_seq.shape[1], dh_seq.shape[2]
    nb = b1 - b0
    dh = np.empty((nb, nh), dtype=dh_seq.dtype)  # dLoss/dh_t
    dc = np.zeros_like(dh)  # dLoss/dc_t (carried back through the forget gate)
    back = np.zeros_like(dh)  # dz_(t+1) @ Uᵀ: the gradient reaching h_t through the recurrence
    carry = np.zeros_like(dh)  # dLoss/dh_(t+1) of a padded step t + 1: reaches h_t as it is
    one = dh_seq.dtype.type(1.0)  # keeps float32 arithmetic in float32
    for t in range(nt - 1, -1, -1):
        cut = _cut(t, nt, k)
        flow = t < nt - 1 and not cut
        if cut:
            dc[:, :] = 0.0
            carry[:, :] = 0.0
        for b in range(b0, b1):
            r = b - b0  # the row of this part's own work arrays
            gb, cb, tb, db, dcb = gates[t, b], c_all[t, b], tc_all[t, b], dz_all[t, b], dc[r]
            dhs, dhb, bb, mb = dh_seq[b, t], dh[r], back[r], rmask[b]
            if flow:
                for j in range(nh):
                    dhb[j] = dhs[j] + bb[j] * mb[j]
            else:
                for j in range(nh):
                    dhb[j] = dhs[j]
            if has_mask(keep) and _lstm_skip_back(dhb, carry[r], db, not padded(keep, b, t)):
                continue
            cp = c_all[t - 1, b] if t > 0 else c0[b]
            if act != TANH or ract != SIGMOID:
                _lstm_step_back(gb, pre[t, b], cb, tb, cp, dhb, dcb, db, act, ract)
                continue
            # tanh/sigmoid: slopes from the outputs; short loops (few arrays each) so that
            # LLVM's alias checks stay cheap and every loop vectorises
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
        np.dot(dz_all[t, b0:b1], ut, back)
    dh0p = dh0[b0:b1]
    _masked(back, rmask[b0:b1], dh0p)  # dLoss/dh_(-1) = (dz_0 Uᵀ) ⊙ rmask (+ padded step 0's)
    for r in range(nb):
        for j in range(nh):
            dh0p[r, j] += carry[r, j]
    _copy(dc, dc0[b0:b1])
