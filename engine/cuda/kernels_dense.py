"""CUDA kernels of the dense family (float32): matrix product, bias + activation, their
gradients, softmax rows and the batch gather. Shapes are stated per kernel; launch them
through ``engine.cuda.ops``, which picks the grids.

The activation formulas are those of ``engine.kernels.activations`` (same ids, same slope
conventions: ReLU's slope is 0 at 0), restated for the CUDA target (numba cannot call a CPU
``njit`` function from a CUDA kernel); every activation but step (no gradient) is here.
"""

from __future__ import annotations

import math

from numba import cuda, float32

from engine.kernels.activations import (
    ELU,
    GELU,
    HARD_SIGMOID,
    LEAKY_RELU,
    RELU,
    SELU,
    SELU_ALPHA,
    SELU_SCALE,
    SIGMOID,
    SILU,
    SOFTMAX,
    SOFTPLUS,
    TANH,
)

_INV_SQRT2 = 0.7071067811865476  # 1/√2
_INV_SQRT_2PI = 0.3989422804014327  # 1/√(2π)

TILES = (4, 16)  # matrix product tiles: TILE × TILE threads per block, two shared tiles


def make_gemm(tile: int):  # noqa: ANN201 - a numba.cuda kernel
    """The tiled product kernel for one (compile-time) tile width."""

    @cuda.jit
    def gemm(a, b, c, trans_a, trans_b):
        """c (M, N) = op(a) @ op(b), op(x) = x.T when its flag is set; op(a): (M, K),
        op(b): (K, N).

        Each block computes one tile × tile tile of c; per step along K it loads one tile of
        op(a) and one of op(b) into shared memory (zeros past the edges), then every thread
        adds ``tile`` products from shared memory. Grid: (ceil(N / tile), ceil(M / tile)),
        block (tile, tile).
        """
        sa = cuda.shared.array((tile, tile), float32)
        sb = cuda.shared.array((tile, tile), float32)
        tx, ty = cuda.threadIdx.x, cuda.threadIdx.y
        row = cuda.blockIdx.y * tile + ty
        col = cuda.blockIdx.x * tile + tx
        m, n = c.shape
        k = a.shape[0] if trans_a else a.shape[1]
        acc = float32(0.0)
        for t in range((k + tile - 1) // tile):
            ka = t * tile + tx  # the column of op(a) this thread loads
            if row < m and ka < k:
                sa[ty, tx] = a[ka, row] if trans_a else a[row, ka]
            else:
                sa[ty, tx] = float32(0.0)
            kb = t * tile + ty  # the row of op(b) this thread loads
            if kb < k and col < n:
                sb[ty, tx] = b[col, kb] if trans_b else b[kb, col]
            else:
                sb[ty, tx] = float32(0.0)
            cuda.syncthreads()
            for i in range(tile):
                acc += sa[ty, i] * sb[i, tx]
            cuda.syncthreads()
        if row < m and col < n:
            c[row, col] = acc

    return gemm


GEMMS = {tile: make_gemm(tile) for tile in TILES}


@cuda.jit(device=True)
def _sigmoid(x):
    """Stable logistic (never exp of a large positive number)."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@cuda.jit(device=True)
def act_value(x, act, alpha):
    """f(x) of an elementwise activation (any but softmax and step)."""
    if act == SIGMOID:
        return _sigmoid(x)
    if act == TANH:
        return math.tanh(x)
    if act == RELU:
        return 0.0 if x < 0 else x
    if act == LEAKY_RELU:
        return x if x > 0 else alpha * x
    if act == ELU:
        return x if x > 0 else alpha * math.expm1(x)
    if act == SELU:
        return SELU_SCALE * x if x > 0 else SELU_SCALE * SELU_ALPHA * math.expm1(x)
    if act == SOFTPLUS:
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))
    if act == SILU:
        return x * _sigmoid(x)
    if act == GELU:
        return 0.5 * x * (1.0 + math.erf(x * _INV_SQRT2))
    if act == HARD_SIGMOID:
        return min(max(x + 3.0, 0.0), 6.0) / 6.0
    return x


@cuda.jit(device=True)
def act_slope(x, y, act, alpha):
    """dy/dx from the input x and output y (elementwise activations)."""
    if act == SIGMOID:
        return y * (1.0 - y)
    if act == TANH:
        return 1.0 - y * y
    if act == RELU:
        return 1.0 if x > 0 else 0.0
    if act == LEAKY_RELU:
        return 1.0 if x > 0 else alpha
    if act == ELU:
        return 1.0 if x > 0 else y + alpha
    if act == SELU:
        return SELU_SCALE if x > 0 else y + SELU_SCALE * SELU_ALPHA
    if act == SOFTPLUS:
        return _sigmoid(x)
    if act == SILU:
        s = _sigmoid(x)
        return s * (1.0 + x * (1.0 - s))
    if act == GELU:
        return (0.5 * (1.0 + math.erf(x * _INV_SQRT2))
                + x * _INV_SQRT_2PI * math.exp(-0.5 * x * x))
    if act == HARD_SIGMOID:
        return 1.0 / 6.0 if -3.0 < x < 3.0 else 0.0
    return 1.0


@cuda.jit
def bias_act_forward(z, bias, has_bias, act, alpha, y):
    """z: (B, N) += bias (N,) when has_bias; y (B, N) = act(z). Softmax is a separate pass
    (``softmax_rows``): here it leaves y = z. Grid: 2D over (B, N)."""
    r, c = cuda.grid(2)
    if r < z.shape[0] and c < z.shape[1]:
        v = z[r, c] + bias[c] if has_bias else z[r, c]
        z[r, c] = v
        y[r, c] = v if act == SOFTMAX else act_value(v, act, alpha)


@cuda.jit
def softmax_rows(z, y):
    """y (B, N) = softmax(z) along each row; one thread per row (classroom widths)."""
    r = cuda.grid(1)
    if r < z.shape[0]:
        top = z[r, 0]
        for c in range(1, z.shape[1]):
            top = max(top, z[r, c])
        total = 0.0
        for c in range(z.shape[1]):
            e = math.exp(z[r, c] - top)
            y[r, c] = e
            total += e
        for c in range(z.shape[1]):
            y[r, c] = y[r, c] / total


@cuda.jit
def act_backward(z, y, g, act, alpha):
    """g (B, N) *= f'(z), in place (elementwise activations). Grid: 2D over (B, N)."""
    r, c = cuda.grid(2)
    if r < g.shape[0] and c < g.shape[1]:
        g[r, c] = g[r, c] * act_slope(z[r, c], y[r, c], act, alpha)


@cuda.jit
def softmax_backward(y, g):
    """g (B, N) ← y ⊙ (g − Σ_c g·y) per row, in place; one thread per row."""
    r = cuda.grid(1)
    if r < g.shape[0]:
        dot = 0.0
        for c in range(g.shape[1]):
            dot += g[r, c] * y[r, c]
        for c in range(g.shape[1]):
            g[r, c] = y[r, c] * (g[r, c] - dot)


@cuda.jit
def column_sums(g, out):
    """out (N,) = Σ_rows g (B, N): the bias gradient; one thread per column."""
    c = cuda.grid(1)
    if c < g.shape[1]:
        total = float32(0.0)
        for r in range(g.shape[0]):
            total += g[r, c]
        out[c] = total


@cuda.jit
def gather_rows(src, idx, count, dst):
    """dst[i] = src[idx[i]] for i < count; src (N, D), idx (≥ count,) int64, dst (≥ count, D)."""
    i, c = cuda.grid(2)
    if i < count and c < src.shape[1]:
        dst[i, c] = src[idx[i], c]


@cuda.jit
def gather_labels(src, idx, count, dst):
    """dst[i] = src[idx[i]] for i < count (int64 labels)."""
    i = cuda.grid(1)
    if i < count:
        dst[i] = src[idx[i]]
