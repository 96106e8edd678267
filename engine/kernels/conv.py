"""Numba kernels of the convolution layers (im2col / col2im + fused epilogues), with numpy twins.

A 2-D convolution of ``x: (B, C, H, W)`` with ``F`` filters of ``C × kh × kw`` is one BLAS
product ``Y = Wm @ cols`` where ``Wm: (F, C·kh·kw)`` and ``cols: (C·kh·kw, B·OH·OW)`` holds, in
column ``b·OH·OW + y·OW + x``, the input patch seen by output pixel ``(y, x)`` of sample ``b``
(``im2col``). Row ``(c·kh + i)·kw + j`` of ``cols`` reads input pixel
``(y·sh − ph + i·dh, x·sw − pw + j·dw)`` of channel ``c``, zero outside the image (``ph``, ``pw``
are the top/left paddings; the bottom/right padding is implied by ``OH``, ``OW``). ``col2im``
is its adjoint: it adds every column entry back onto the pixel it was read from (the input
gradient of a convolution, the forward pass of a transposed convolution).

``bias_act_nchw`` turns ``Y: (F, B·P)`` into ``z, y: (B, F, P)`` (P = OH·OW) with the bias and
an elementwise activation fused in one pass; ``act_grad_fp`` is the backward twin (activation
slope and transpose back to ``(F, B·P)``). The ``*_ref`` functions are the
plain-numpy references with the same arguments and in-place results.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from engine.kernels.activations import (
    LINEAR,
    RELU,
    _act_scalar,
    _forward_ref,
    _slope_ref,
    _slope_scalar,
)


@njit(cache=True, nogil=True, inline="always")
def _inside(j, sw, pw, dw, w, ow):
    """[lo, hi): the output columns xx whose input column xx·sw − pw + j·dw is in [0, w)."""
    off = j * dw - pw
    lo = max(0, -((off) // sw))  # smallest xx with xx·sw + off >= 0
    hi = min(ow, (w - off + sw - 1) // sw)  # smallest xx with xx·sw + off >= w
    return lo, max(hi, lo)


# im2col / col2im index flat views with unsigned offsets: numba then drops the negative-index
# wrap-around test it adds to every signed index, and the row copies vectorize (~3× faster than
# 4-D indexing). All arrays must be C-contiguous (the layers pass fresh or sliced-batch arrays).
@njit(cache=True, nogil=True)
def im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cols):
    """x: (B, C, H, W) -> cols: (C·kh·kw, B·oh·ow), zeros where the patch leaves the image."""
    nb, nc, h, w = x.shape
    p, n = oh * ow, cols.shape[1]
    xf, cf = x.reshape(-1), cols.reshape(-1)
    for b in range(nb):
        for c in range(nc):
            base = (b * nc + c) * h * w
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    lo, hi = _inside(j, sw, pw, dw, w, ow)
                    off = j * dw - pw
                    for yy in range(oh):
                        r = yy * sh - ph + i * dh
                        o = uint64(row * n + b * p + yy * ow)
                        if r < 0 or r >= h:
                            for xx in range(ow):
                                cf[o + uint64(xx)] = 0.0
                            continue
                        for xx in range(lo):
                            cf[o + uint64(xx)] = 0.0
                        src = base + r * w + off  # + xx·sw >= 0 for xx in [lo, hi)
                        if sw == 1:
                            for xx in range(lo, hi):
                                cf[o + uint64(xx)] = xf[uint64(src + xx)]
                        else:
                            for xx in range(lo, hi):
                                cf[o + uint64(xx)] = xf[uint64(src + xx * sw)]
                        for xx in range(hi, ow):
                            cf[o + uint64(xx)] = 0.0


@njit(cache=True, nogil=True)
def col2im(cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, x):
    """cols: (C·kh·kw, B·oh·ow) -> x: (B, C, H, W) = the sum of every entry onto its pixel."""
    nb, nc, h, w = x.shape
    p, n = oh * ow, cols.shape[1]
    xf, cf = x.reshape(-1), cols.reshape(-1)
    xf[:] = 0.0
    for b in range(nb):
        for c in range(nc):
            base = (b * nc + c) * h * w
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    lo, hi = _inside(j, sw, pw, dw, w, ow)
                    off = j * dw - pw
                    for yy in range(oh):
                        r = yy * sh - ph + i * dh
                        if r < 0 or r >= h:
                            continue
                        o = uint64(row * n + b * p + yy * ow)
                        dst = base + r * w + off
                        if sw == 1:
                            for xx in range(lo, hi):
                                xf[uint64(dst + xx)] += cf[o + uint64(xx)]
                        else:
                            for xx in range(lo, hi):
                                xf[uint64(dst + xx * sw)] += cf[o + uint64(xx)]


@njit(cache=True, nogil=True)
def bias_act_nchw(yfp, bias, act_id, alpha, z, out):
    """yfp: (F, B·P), bias: (F,) -> z = yfp + bias as (B, F, P); out = act(z) (elementwise).

    ``z`` may be ``out`` itself (linear and ReLU need no separate pre-activation: ReLU's
    slope is ``out > 0``); it is then written once, with the activated value.
    """
    nb, nf, p = out.shape
    for b in range(nb):
        for f in range(nf):
            bf = bias[f]
            src = yfp[f, b * p : (b + 1) * p]
            dst = out[b, f]
            if act_id == RELU:
                for q in range(p):
                    v = src[q] + bf
                    dst[q] = 0.0 if v < 0 else v + 0.0
            elif act_id == LINEAR:
                for q in range(p):
                    dst[q] = src[q] + bf
            else:
                pre = z[b, f]
                for q in range(p):
                    v = src[q] + bf
                    pre[q] = v
                    dst[q] = _act_scalar(v, act_id, alpha)


@njit(cache=True, nogil=True)
def act_grad_fp(g, z, y, act_id, alpha, gfp):
    """g: (B, F, P) dLoss/dy -> gfp: (F, B·P) dLoss/dz (the bias gradient is its row sum)."""
    nb, nf, p = g.shape
    for b in range(nb):
        for f in range(nf):
            src = g[b, f]
            dst = gfp[f, b * p : (b + 1) * p]
            if act_id == RELU:
                out = y[b, f]
                for q in range(p):
                    dst[q] = src[q] if out[q] > 0 else 0.0
            elif act_id == LINEAR:
                dst[:] = src
            else:
                pre, out = z[b, f], y[b, f]
                for q in range(p):
                    dst[q] = src[q] * _slope_scalar(pre[q], out[q], act_id, alpha)


# -- plain-numpy references ----------------------------------------------------------------------
def _padded_views(shape: tuple[int, ...], kh: int, kw: int, sh: int, sw: int, ph: int, pw: int,
                  dh: int, dw: int, oh: int, ow: int) -> tuple[tuple[int, ...], list]:
    """Padded shape and, per kernel offset (i, j), the slices of the padded image it reads."""
    nb, nc, h, w = shape
    hp = max(h + ph, (oh - 1) * sh + (kh - 1) * dh + 1)
    wp = max(w + pw, (ow - 1) * sw + (kw - 1) * dw + 1)
    views = [(i, j, (slice(None), slice(None),
                     slice(i * dh, i * dh + (oh - 1) * sh + 1, sh),
                     slice(j * dw, j * dw + (ow - 1) * sw + 1, sw)))
             for i in range(kh) for j in range(kw)]
    return (nb, nc, hp, wp), views


def im2col_ref(x: np.ndarray, kh: int, kw: int, sh: int, sw: int, ph: int, pw: int, dh: int,
               dw: int, oh: int, ow: int, cols: np.ndarray) -> None:
    nb, nc, h, w = x.shape
    pshape, views = _padded_views(x.shape, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)
    xp = np.zeros(pshape, dtype=x.dtype)
    xp[:, :, ph : ph + h, pw : pw + w] = x
    c6 = cols.reshape(nc, kh, kw, nb, oh, ow)
    for i, j, view in views:
        c6[:, i, j] = xp[view].transpose(1, 0, 2, 3)


def col2im_ref(cols: np.ndarray, kh: int, kw: int, sh: int, sw: int, ph: int, pw: int, dh: int,
               dw: int, oh: int, ow: int, x: np.ndarray) -> None:
    nb, nc, h, w = x.shape
    pshape, views = _padded_views(x.shape, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)
    xp = np.zeros(pshape, dtype=x.dtype)
    c6 = cols.reshape(nc, kh, kw, nb, oh, ow)
    for i, j, view in views:
        xp[view] += c6[:, i, j].transpose(1, 0, 2, 3)
    x[...] = xp[:, :, ph : ph + h, pw : pw + w]


def bias_act_nchw_ref(yfp: np.ndarray, bias: np.ndarray, act_id: int, alpha: float,
                      z: np.ndarray, out: np.ndarray) -> None:
    nb, nf, p = out.shape
    pre = yfp.reshape(nf, nb, p).transpose(1, 0, 2) + bias[None, :, None]
    if act_id not in (LINEAR, RELU):
        z[...] = pre
    out[...] = _forward_ref(pre, act_id, alpha)


def act_grad_fp_ref(g: np.ndarray, z: np.ndarray, y: np.ndarray, act_id: int, alpha: float,
                    gfp: np.ndarray) -> None:
    nb, nf, p = g.shape
    pre = y if act_id == RELU else z  # z may be y itself for linear and ReLU
    gz = g * _slope_ref(pre, act_id, alpha) if act_id != LINEAR else g
    gfp[...] = gz.transpose(1, 0, 2).reshape(nf, nb * p)
