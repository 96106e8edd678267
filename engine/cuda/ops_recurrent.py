"""Host-side launchers of ``engine.cuda.kernels_recurrent`` (Embedding, and whole forward and
backward passes through time of SimpleRNN, LSTM and GRU: one launch per step forward, two per
step backward). Arrays are numba device arrays, sequences ``(B, T·W)`` float32; nothing is
copied to or from the host here.
"""

from __future__ import annotations

from typing import Any

from engine.cuda import kernels_recurrent as KR
from engine.cuda.ops import _grid1


def embedding_gather(ids: Any, table: Any, count: int, mask_zero: bool, out: Any) -> None:
    """ids (B, T) float ids, table (V, D) -> out (B, T·D) for the first ``count`` rows."""
    KR.embedding_gather[_grid1(count * out.shape[1])](ids, table, count, mask_zero, out)


def embedding_scatter(ids: Any, g: Any, count: int, mask_zero: bool, gtable: Any) -> None:
    """gtable (V, D) ← the scatter-added rows of g (B, T·D), in a fixed order."""
    KR.embedding_scatter[_grid1(gtable.shape[1])](ids, g, count, mask_zero, gtable)


def zero_rows(a: Any, count: int) -> None:
    KR.zero_rows[_grid1(count * a.shape[1])](a, count)


def cell_forward(cell: str, w: dict[str, Any], u: Any, rbias: Any, nt: int, count: int,
                 act: int, ract: int) -> None:
    """Every step of a cell over the work buffers ``w`` (see ``RecurrentGpu``)."""
    grid = _grid1(count * u.shape[0])
    for t in range(nt):
        if cell == "SimpleRNN":
            KR.rnn_forward_step[grid](w["xp"], u, t, count, act, w["pre"], w["h"], w["hprev"])
        elif cell == "LSTM":
            KR.lstm_forward_step[grid](w["xp"], u, t, count, act, ract, w["pre"], w["gates"],
                                       w["c"], w["tc"], w["h"], w["hprev"])
        else:
            KR.gru_forward_step[grid](w["xp"], u, rbias, t, count, act, ract, w["pre"],
                                      w["gates"], w["hn"], w["h"], w["hprev"])


def cell_backward(cell: str, w: dict[str, Any], grad: Any, seq: bool, u: Any, nt: int,
                  count: int, act: int, ract: int) -> None:
    """Backpropagation through every step (full BPTT, from dLoss/d output ``grad``): fills
    ``w["dz"]`` (dLoss/d input projections) and, for the GRU, ``w["dhp"]`` (dLoss/d(h U))."""
    grid = _grid1(count * u.shape[0])
    dh = w["dh"]
    zero_rows(dh, count)
    if cell == "LSTM":
        zero_rows(w["dc"], count)
    for t in range(nt - 1, -1, -1):
        if cell == "SimpleRNN":
            KR.rnn_backward_step[grid](grad, seq, nt, t, count, act, w["pre"], w["h"], dh,
                                       w["dz"])
        elif cell == "LSTM":
            KR.lstm_backward_step[grid](grad, seq, nt, t, count, act, ract, w["pre"],
                                        w["gates"], w["c"], w["tc"], dh, w["dc"], w["dz"])
        else:
            KR.gru_backward_step[grid](grad, seq, nt, t, count, act, ract, w["pre"],
                                       w["gates"], w["hn"], w["h"], dh, w["dz"], w["dhp"],
                                       w["carry"])
        if t > 0:  # dLoss/dh_(t-1); the initial state is zero, its gradient unused
            gru = cell == "GRU"
            KR.state_backward[grid](w["dhp"] if gru else w["dz"], u, t, count, w["carry"],
                                    gru, dh)
