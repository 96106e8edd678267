"""Host-side launchers of the CUDA kernels: each picks the grid for its shapes and launches.

All arrays are numba device arrays (float32 unless stated); nothing is copied to or from
the host here. ``to_device``/``zeros`` wrap numba.cuda's allocation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import cuda

from engine.cuda import kernels_dense as KD
from engine.cuda import kernels_loss as KL
from engine.cuda import kernels_optim as KO
from engine.kernels.activations import LINEAR, SOFTMAX

THREADS_1D = 128
BLOCK_2D = (16, 16)


def _grid1(n: int) -> tuple[int, int]:
    """(blocks, threads) covering n items; small n gets a small block (the simulator runs
    one Python thread per CUDA thread)."""
    threads = max(1, min(THREADS_1D, n))
    return (n + threads - 1) // threads, threads


def _grid2(rows: int, cols: int) -> tuple[tuple[int, int], tuple[int, int]]:
    bx, by = max(1, min(BLOCK_2D[0], rows)), max(1, min(BLOCK_2D[1], cols))
    return ((rows + bx - 1) // bx, (cols + by - 1) // by), (bx, by)


def to_device(a: np.ndarray) -> Any:
    return cuda.to_device(np.ascontiguousarray(a))


def zeros(shape: tuple[int, ...] | int, dtype: Any = np.float32) -> Any:
    return cuda.to_device(np.zeros(shape, dtype=dtype))


def matmul(a: Any, b: Any, out: Any, trans_a: bool = False, trans_b: bool = False,
           tile: int | None = None) -> None:
    """out (M, N) = op(a) @ op(b) with the tiled shared-memory kernel: 16-wide tiles when
    both M and N reach 16, else 4-wide ones (tiny classroom layers would leave most of a
    16 × 16 block idle)."""
    m, n = out.shape
    t = tile or (16 if min(m, n) >= 16 else 4)
    KD.GEMMS[t][((n + t - 1) // t, (m + t - 1) // t), (t, t)](a, b, out, trans_a, trans_b)


def bias_act(z: Any, bias: Any, act: int, alpha: float, y: Any) -> None:
    """z (B, N) += bias (or None); y = act(z) (softmax along rows)."""
    has_bias = bias is not None
    blocks, threads = _grid2(*z.shape)
    KD.bias_act_forward[blocks, threads](z, bias if has_bias else z[0], has_bias, act, alpha, y)
    if act == SOFTMAX:
        KD.softmax_rows[_grid1(z.shape[0])](z, y)


def act_backward(z: Any, y: Any, g: Any, act: int, alpha: float) -> None:
    """g (B, N) ← dLoss/dz from dLoss/dy, in place."""
    if act == SOFTMAX:
        KD.softmax_backward[_grid1(g.shape[0])](y, g)
    elif act != LINEAR:
        blocks, threads = _grid2(*g.shape)
        KD.act_backward[blocks, threads](z, y, g, act, alpha)


def column_sums(g: Any, out: Any) -> None:
    KD.column_sums[_grid1(g.shape[1])](g, out)


def gather_rows(src: Any, idx: Any, count: int, dst: Any) -> None:
    blocks, threads = _grid2(count, src.shape[1])
    KD.gather_rows[blocks, threads](src, idx, count, dst)


def gather_labels(src: Any, idx: Any, count: int, dst: Any) -> None:
    KD.gather_labels[_grid1(count)](src, idx, count, dst)


LOSS_KERNELS = {"mse": KL.mse, "softmax_ce": KL.softmax_ce, "sigmoid_bce": KL.sigmoid_bce}


def loss_and_grad(kind: str, out: Any, target: Any, count: int, grad: Any, losses: Any,
                  step: int) -> None:
    """Add the mean loss of rows < count to ``losses[step]``; fill ``grad`` (see kernels_loss)."""
    scale = 1.0 / count if kind == "softmax_ce" else 1.0 / (count * out.shape[1])
    LOSS_KERNELS[kind][_grid1(count)](out, target, count, scale, grad, losses, step)


def optimizer_step(name: str, params: Any, grads: Any, state: list[Any],
                   scalars: tuple[Any, ...]) -> None:
    """One update of the flat ``params`` by optimizer ``name`` (``Optimizer._scalars``)."""
    KO.KERNELS[name][_grid1(params.size)](params, grads, *state, *scalars)


def clip(grads: Any, clip_value: float, clip_norm: float, scratch: Any) -> None:
    """Clip by value, then to a global norm (``scratch``: a (1,) float64 device slot)."""
    grid = _grid1(grads.size)
    if clip_value > 0:
        KO.clip_value[grid](grads, clip_value)
    if clip_norm > 0:
        KO.zero_slot[1, 1](scratch)
        KO.sum_squares[grid](grads, scratch)
        KO.scale_to_norm[grid](grads, scratch, clip_norm)


def penalize(params: Any, grads: Any, part: slice, l1: float, l2: float, losses: Any,
             step: int) -> None:
    """L1/L2 penalty of ``params[part]``: its gradient into ``grads``, its value into
    ``losses[step]`` (at most 512 threads, a grid-stride loop each)."""
    n = part.stop - part.start
    blocks, threads = _grid1(min(n, 4 * THREADS_1D))
    KO.penalize[blocks, threads](params, grads, part.start, part.stop, l1, l2, losses, step)


def mask_frozen(grads: Any, trainable: Any) -> None:
    KO.mask_frozen[_grid1(grads.size)](grads, trainable)


def restore_frozen(params: Any, held: Any, trainable: Any) -> None:
    KO.restore_frozen[_grid1(params.size)](params, held, trainable)
