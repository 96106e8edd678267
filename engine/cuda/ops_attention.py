"""Host-side launchers of ``engine.cuda.kernels_attention`` (PositionalEncoding's addition,
multi-head attention forward and backward). Arrays are numba device arrays in the layouts
that module states; nothing is copied to or from the host here.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from engine.cuda import kernels_attention as KA
from engine.cuda.ops import _grid1


class Heads(NamedTuple):
    """The shape of one attention call: H heads, query/key lengths, head sizes, the
    context's feature count (for the padding mask), the score scale and the masks."""

    heads: int
    t_q: int
    t_k: int
    d_k: int
    d_v: int
    f_c: int
    scale: float
    causal: bool
    pad: bool


def add_table(x: Any, table: Any, count: int, out: Any) -> None:
    """out (B, T·F) = x + table (T·F,) for the first ``count`` rows."""
    KA.add_table[_grid1(count * out.shape[1])](x, table, count, out)


def attend(q: Any, k: Any, v: Any, xc: Any, count: int, s: Heads, w: Any, out: Any) -> None:
    """Weights ``w`` (B, H·T_q·T_k) and the heads' outputs ``out`` (B, T_q·H·d_v)."""
    KA.attend_forward[_grid1(count * s.heads * s.t_q)](
        q, k, v, xc, count, s.heads, s.t_q, s.t_k, s.d_k, s.d_v, s.f_c, s.scale, s.causal,
        s.pad, w, out)


def attend_backward(gh: Any, q: Any, k: Any, v: Any, w: Any, count: int, s: Heads, ds: Any,
                    gq: Any, gk: Any, gv: Any) -> None:
    """From dLoss/d(heads' outputs) ``gh``: dLoss/dScores into ``ds`` (work space), and the
    projections' gradients ``gq``, ``gk``, ``gv`` (the layouts of q, k, v)."""
    KA.attend_backward_rows[_grid1(count * s.heads * s.t_q)](
        gh, k, v, w, count, s.heads, s.t_q, s.t_k, s.d_k, s.d_v, s.scale, ds, gq)
    KA.attend_backward_keys[_grid1(count * s.heads * s.t_k)](
        gh, q, w, ds, count, s.heads, s.t_q, s.t_k, s.d_k, s.d_v, gk, gv)
