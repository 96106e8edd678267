"""One worker's share of a chunked convolution pass, as a single numba call (numpy twins below).

A convolution runs its batch in chunks of samples (``engine.layers.conv_exec``); doing every
chunk's im2col, BLAS product and epilogue from Python costs ~10 µs of interpreter and dispatch
overhead per chunk. These kernels loop over one worker's chunks in compiled code instead and
call BLAS through numba's ``np.dot`` (``nogil``: several workers run side by side).

Layouts (``p = OH·OW``, ``k = C·kh·kw``, chunk ``t`` = samples ``starts[t]:stops[t]``, ``m`` =
its samples × p): ``cols`` is flat, chunk t's im2col block the ``(k, m)`` matrix at
``k·p·starts[t]``; ``yfp``/``gfp``/``dcols`` are a worker's flat scratch for ``(F, m)`` /
``(F, m)`` / ``(k, m)``; ``gwt: (chunks, k, F)`` and ``gb: (chunks, F)`` receive each chunk's
dWᵀ and bias gradient at index ``ids[t]`` (summed in chunk order by the caller).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.kernels.conv import (
    act_grad_fp,
    act_grad_fp_ref,
    bias_act_nchw,
    bias_act_nchw_ref,
    col2im,
    col2im_ref,
    im2col,
    im2col_ref,
)

Geo = tuple[int, int, int, int, int, int, int, int, int, int]  # kh kw sh sw ph pw dh dw oh ow


@njit(cache=True, nogil=True)
def forward_chunks(x, wm, bias, geo, act_id, alpha, starts, stops, cols, yfp, z, y):
    """x: (B, C, H, W), wm: (F, k) -> z, y: (B, F, p) for this worker's chunks; fills cols."""
    kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = geo
    nf, k = wm.shape
    p = oh * ow
    for t in range(starts.size):
        b0, b1 = starts[t], stops[t]
        m = (b1 - b0) * p
        block = cols[k * p * b0 : k * p * b1].reshape(k, m)
        im2col(x[b0:b1], kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, block)
        out = yfp[: nf * m].reshape(nf, m)
        np.dot(wm, block, out)
        bias_act_nchw(out, bias, act_id, alpha, z[b0:b1], y[b0:b1])


@njit(cache=True, nogil=True)
def backward_chunks(g, z, y, wm, geo, act_id, alpha, starts, stops, ids, cols, gfp, dcols,
                    gwt, gb, need_dx, dx):
    """g: (B, F, p) dLoss/dy -> per-chunk dWᵀ and bias gradient; dx (B, C, H, W) if need_dx."""
    kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = geo
    nf, k = wm.shape
    p = oh * ow
    wmt = wm.T
    ones = np.ones(np.max(stops - starts) * p, gfp.dtype)  # bias gradient = gz @ 1 (BLAS)
    for t in range(starts.size):
        b0, b1, c = starts[t], stops[t], ids[t]
        m = (b1 - b0) * p
        gz = gfp[: nf * m].reshape(nf, m)
        act_grad_fp(g[b0:b1], z[b0:b1], y[b0:b1], act_id, alpha, gz)
        np.dot(gz, ones[:m], gb[c])
        block = cols[k * p * b0 : k * p * b1].reshape(k, m)
        np.dot(block, gz.T, gwt[c])
        if need_dx:
            dblock = dcols[: k * m].reshape(k, m)
            np.dot(wmt, gz, dblock)
            col2im(dblock, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, dx[b0:b1])


# -- plain-numpy references ----------------------------------------------------------------------
def forward_chunks_ref(x: np.ndarray, wm: np.ndarray, bias: np.ndarray, geo: Geo,
                       act_id: int, alpha: float, starts: np.ndarray, stops: np.ndarray,
                       cols: np.ndarray, yfp: np.ndarray, z: np.ndarray, y: np.ndarray) -> None:
    nf, k = wm.shape
    p = geo[8] * geo[9]
    for b0, b1 in zip(starts.tolist(), stops.tolist()):
        m = (b1 - b0) * p
        block = cols[k * p * b0 : k * p * b1].reshape(k, m)
        im2col_ref(x[b0:b1], *geo, block)
        out = yfp[: nf * m].reshape(nf, m)
        np.dot(wm, block, out=out)
        bias_act_nchw_ref(out, bias, act_id, alpha, z[b0:b1], y[b0:b1])


def backward_chunks_ref(g: np.ndarray, z: np.ndarray, y: np.ndarray, wm: np.ndarray,
                        geo: Geo, act_id: int, alpha: float, starts: np.ndarray,
                        stops: np.ndarray, ids: np.ndarray, cols: np.ndarray, gfp: np.ndarray,
                        dcols: np.ndarray, gwt: np.ndarray, gb: np.ndarray, need_dx: bool,
                        dx: np.ndarray) -> None:
    nf, k = wm.shape
    p = geo[8] * geo[9]
    for b0, b1, c in zip(starts.tolist(), stops.tolist(), ids.tolist()):
        m = (b1 - b0) * p
        gz = gfp[: nf * m].reshape(nf, m)
        act_grad_fp_ref(g[b0:b1], z[b0:b1], y[b0:b1], act_id, alpha, gz)
        gb[c] = gz.sum(axis=1)
        block = cols[k * p * b0 : k * p * b1].reshape(k, m)
        np.dot(block, gz.T, out=gwt[c])
        if need_dx:
            dblock = dcols[: k * m].reshape(k, m)
            np.dot(wm.T, gz, out=dblock)
            col2im_ref(dblock, *geo, dx[b0:b1])
