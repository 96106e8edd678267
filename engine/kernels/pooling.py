"""Numba kernels of max and average pooling on ``(B, C, H, W)`` arrays, with numpy twins.

Window ``(oy, ox)`` covers input rows ``oy·sh − ph … oy·sh − ph + kh − 1`` and the matching
columns; positions outside the image are skipped (max pooling never picks them, average
pooling divides by the number of real pixels in the window, Keras's convention and PyTorch's
``count_include_pad=False``). Max pooling records, per output, the flat index ``h·W + w`` of
the first largest value so the backward pass routes the gradient to it alone.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _maxpool_2x2(x, sh, sw, out, arg):
    """2×2 windows inside the image: four loads and three branch-free selects per output."""
    nb, nc, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    for b in range(nb):
        for c in range(nc):
            for oy in range(oh):
                r = oy * sh
                for ox in range(ow):
                    q = ox * sw
                    v0, v1 = x[b, c, r, q], x[b, c, r, q + 1]
                    v2, v3 = x[b, c, r + 1, q], x[b, c, r + 1, q + 1]
                    t1 = v1 > v0
                    m01 = v1 if t1 else v0
                    i01 = r * w + q + 1 if t1 else r * w + q
                    t3 = v3 > v2
                    m23 = v3 if t3 else v2
                    i23 = (r + 1) * w + q + 1 if t3 else (r + 1) * w + q
                    t = m23 > m01
                    out[b, c, oy, ox] = m23 if t else m01
                    arg[b, c, oy, ox] = i23 if t else i01


@njit(cache=True, nogil=True)
def _maxpool_inside(x, kh, kw, sh, sw, out, arg):
    """maxpool_forward when every window lies inside the image (no bounds checks)."""
    nb, nc, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    if kh == 2 and kw == 2:
        _maxpool_2x2(x, sh, sw, out, arg)
        return
    for b in range(nb):
        for c in range(nc):
            img = x[b, c]
            for oy in range(oh):
                h0 = oy * sh
                for ox in range(ow):
                    w0 = ox * sw
                    best = img[h0, w0]
                    where = h0 * w + w0
                    for i in range(h0, h0 + kh):
                        for j in range(w0, w0 + kw):
                            v = img[i, j]
                            take = v > best  # branch-free select (random data mispredicts)
                            best = v if take else best
                            where = i * w + j if take else where
                    out[b, c, oy, ox] = best
                    arg[b, c, oy, ox] = where


@njit(cache=True, nogil=True)
def maxpool_forward(x, kh, kw, sh, sw, ph, pw, out, arg):
    """x: (B, C, H, W) -> out: (B, C, OH, OW) window maxima, arg: their flat indices h·W + w."""
    nb, nc, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    if ph == 0 and pw == 0 and (oh - 1) * sh + kh <= h and (ow - 1) * sw + kw <= w:
        _maxpool_inside(x, kh, kw, sh, sw, out, arg)
        return
    for b in range(nb):
        for c in range(nc):
            for oy in range(oh):
                h0 = oy * sh - ph
                for ox in range(ow):
                    w0 = ox * sw - pw
                    best = -np.inf
                    where = -1
                    for i in range(max(h0, 0), min(h0 + kh, h)):
                        for j in range(max(w0, 0), min(w0 + kw, w)):
                            v = x[b, c, i, j]
                            if v > best or where < 0:
                                best = v
                                where = i * w + j
                    out[b, c, oy, ox] = best
                    arg[b, c, oy, ox] = where


@njit(cache=True, nogil=True)
def _maxpool_backward_2x2(g, arg, dx):
    """When output (oy, ox)'s maximum lies in rows 2oy..2oy+1, cols 2ox..2ox+1 (2×2 windows
    at stride 2), these blocks tile dx: write each block once, no zero pass and no adds.
    Returns False (dx then holds garbage) when some maximum lies elsewhere."""
    nb, nc, oh, ow = g.shape
    h, w = dx.shape[2], dx.shape[3]
    n_bad = 0
    for b in range(nb):
        if n_bad:
            return False
        bad = 0
        for c in range(nc):
            for i in range(2 * oh, h):  # rows and columns no window covers
                for j in range(w):
                    dx[b, c, i, j] = 0.0
            for i in range(2 * oh):
                for j in range(2 * ow, w):
                    dx[b, c, i, j] = 0.0
            for oy in range(oh):
                r = 2 * oy
                for ox in range(ow):
                    q = 2 * ox
                    k = arg[b, c, oy, ox] - (r * w + q)
                    bad |= (k != 0) & (k != 1) & (k != w) & (k != w + 1)
                    v = g[b, c, oy, ox]
                    dx[b, c, r, q] = v if k == 0 else 0.0
                    dx[b, c, r, q + 1] = v if k == 1 else 0.0
                    dx[b, c, r + 1, q] = v if k == w else 0.0
                    dx[b, c, r + 1, q + 1] = v if k == w + 1 else 0.0
        n_bad += bad
    return n_bad == 0


@njit(cache=True, nogil=True)
def maxpool_backward(g, arg, dx):
    """g: (B, C, OH, OW), arg from the forward pass -> dx: (B, C, H, W) (overwritten)."""
    nb, nc, oh, ow = g.shape
    w = dx.shape[3]
    if oh * 2 <= dx.shape[2] and ow * 2 <= w and _maxpool_backward_2x2(g, arg, dx):
        return
    for b in range(nb):
        dx[b] = 0.0
        for c in range(nc):
            for oy in range(oh):
                for ox in range(ow):
                    k = arg[b, c, oy, ox]
                    dx[b, c, k // w, k % w] += g[b, c, oy, ox]


@njit(cache=True, nogil=True)
def avgpool_forward(x, kh, kw, sh, sw, ph, pw, out):
    """x: (B, C, H, W) -> out: (B, C, OH, OW) means over the real pixels of each window."""
    nb, nc, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    for b in range(nb):
        for c in range(nc):
            for oy in range(oh):
                h0 = oy * sh - ph
                for ox in range(ow):
                    w0 = ox * sw - pw
                    acc = 0.0
                    count = 0
                    for i in range(max(h0, 0), min(h0 + kh, h)):
                        for j in range(max(w0, 0), min(w0 + kw, w)):
                            acc += x[b, c, i, j]
                            count += 1
                    out[b, c, oy, ox] = acc / max(count, 1)


@njit(cache=True, nogil=True)
def avgpool_backward(g, kh, kw, sh, sw, ph, pw, dx):
    """g: (B, C, OH, OW) -> dx: (B, C, H, W): each window's gradient shared by its pixels."""
    nb, nc, h, w = dx.shape
    oh, ow = g.shape[2], g.shape[3]
    dx[...] = 0.0
    for b in range(nb):
        for c in range(nc):
            for oy in range(oh):
                h0 = oy * sh - ph
                i0, i1 = max(h0, 0), min(h0 + kh, h)
                for ox in range(ow):
                    w0 = ox * sw - pw
                    j0, j1 = max(w0, 0), min(w0 + kw, w)
                    count = max((i1 - i0) * (j1 - j0), 1)
                    share = g[b, c, oy, ox] / count
                    for i in range(i0, i1):
                        for j in range(j0, j1):
                            dx[b, c, i, j] += share


# -- plain-numpy references ----------------------------------------------------------------------
def _windows(x: np.ndarray, kh: int, kw: int, sh: int, sw: int, ph: int, pw: int, oh: int,
             ow: int, fill: float) -> np.ndarray:
    """(B, C, OH, OW, kh·kw) window values, ``fill`` where a window leaves the image."""
    nb, nc, h, w = x.shape
    hp = max(h + ph, (oh - 1) * sh + kh)
    wp = max(w + pw, (ow - 1) * sw + kw)
    xp = np.full((nb, nc, hp, wp), fill, dtype=x.dtype)
    xp[:, :, ph : ph + h, pw : pw + w] = x
    parts = [xp[:, :, i : i + (oh - 1) * sh + 1 : sh, j : j + (ow - 1) * sw + 1 : sw]
             for i in range(kh) for j in range(kw)]
    return np.stack(parts, axis=-1)


def _flat_index(shape: tuple[int, ...], kh: int, kw: int, sh: int, sw: int, ph: int, pw: int,
                oh: int, ow: int) -> np.ndarray:
    """(OH, OW, kh·kw) flat input index h·W + w of every window position (may be outside)."""
    h, w = shape[2], shape[3]
    rows = (np.arange(oh) * sh - ph)[:, None, None] + np.repeat(np.arange(kh), kw)[None, None]
    cols = (np.arange(ow) * sw - pw)[None, :, None] + np.tile(np.arange(kw), kh)[None, None]
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    return np.where(inside, rows * w + cols, -1)


def maxpool_forward_ref(x: np.ndarray, kh: int, kw: int, sh: int, sw: int, ph: int, pw: int,
                        out: np.ndarray, arg: np.ndarray) -> None:
    oh, ow = out.shape[2], out.shape[3]
    win = _windows(x, kh, kw, sh, sw, ph, pw, oh, ow, -np.inf)
    pos = np.argmax(win, axis=-1)  # first maximum
    out[...] = np.take_along_axis(win, pos[..., None], -1)[..., 0]
    index = _flat_index(x.shape, kh, kw, sh, sw, ph, pw, oh, ow)
    arg[...] = np.take_along_axis(np.broadcast_to(index, (*pos.shape, kh * kw)),
                                  pos[..., None], -1)[..., 0]


def maxpool_backward_ref(g: np.ndarray, arg: np.ndarray, dx: np.ndarray) -> None:
    nb, nc, h, w = dx.shape
    flat = np.zeros((nb * nc, h * w), dtype=dx.dtype)
    rows = np.repeat(np.arange(nb * nc), arg[0, 0].size)
    np.add.at(flat, (rows, arg.reshape(-1)), g.reshape(-1))
    dx[...] = flat.reshape(dx.shape)


def avgpool_forward_ref(x: np.ndarray, kh: int, kw: int, sh: int, sw: int, ph: int, pw: int,
                        out: np.ndarray) -> None:
    oh, ow = out.shape[2], out.shape[3]
    win = _windows(x, kh, kw, sh, sw, ph, pw, oh, ow, 0.0)
    count = (_flat_index(x.shape, kh, kw, sh, sw, ph, pw, oh, ow) >= 0).sum(-1)  # (OH, OW)
    out[...] = win.sum(-1) / np.maximum(count, 1)


def avgpool_backward_ref(g: np.ndarray, kh: int, kw: int, sh: int, sw: int, ph: int, pw: int,
                         dx: np.ndarray) -> None:
    nb, nc, h, w = dx.shape
    oh, ow = g.shape[2], g.shape[3]
    index = _flat_index(dx.shape, kh, kw, sh, sw, ph, pw, oh, ow)  # (OH, OW, K)
    inside = index >= 0
    share = g / np.maximum(inside.sum(-1), 1)  # (B, C, OH, OW)
    flat = np.zeros((nb * nc, h * w + 1), dtype=dx.dtype)  # last column collects the outside
    target = np.where(inside, index, h * w).reshape(-1)
    values = np.repeat(share.reshape(nb * nc, -1), index.shape[-1], axis=1)
    np.add.at(flat, (np.arange(nb * nc)[:, None], target[None, :]), values)
    dx[...] = flat[:, : h * w].reshape(dx.shape)
