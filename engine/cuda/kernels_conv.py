"""CUDA kernels of the convolution family (float32): Conv2D forward and backward, MaxPool2D,
AvgPool2D and dropout's mask. Launch them through ``engine.cuda.ops``.

Layouts: every activation on the device is a 2-D array ``(B, C·H·W)``, one row per sample in
the CPU engine's channels-first order (so Flatten is the same buffer); image sizes come in as
ints. A Conv2D kernel ``(F, C, kh, kw)`` is the flat parameter slice ``(F·C·kh·kw,)``.
``geo`` is the CPU layer's geometry: ``kh kw sh sw ph pw dh dw oh ow`` (pooling: dh = dw = 1).

Direct kernels, one thread per output value (forward), per weight (dW), per filter (db) and
per input value (dx, a gather over the outputs that read it: no atomics, so the sums run in
a fixed order). They restate ``engine.kernels.conv_chunks`` and ``engine.kernels.pooling``
(cross-correlation with zero padding; max pooling keeps the first maximum of a window in
row-major order, padding never wins; "same" average windows count only real pixels).
"""

from __future__ import annotations

from numba import cuda, float32

from engine.cuda.kernels_dense import act_slope, act_value


@cuda.jit
def conv_forward(x, w, b, has_bias, c, h, wd, f, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, act,
                 alpha, z, y):
    """x (B, C·H·W), w (F·C·kh·kw,), b (F,) -> z, y (B, F·OH·OW); y = act(z).
    Grid: 1D over B·F·OH·OW."""
    i = cuda.grid(1)
    per = f * oh * ow
    if i < z.shape[0] * per:
        n, r = i // per, i % per
        fi, p = r // (oh * ow), r % (oh * ow)
        oy, ox = p // ow, p % ow
        acc = float32(0.0)
        for ci in range(c):
            for ky in range(kh):
                iy = oy * sh - ph + ky * dh
                if 0 <= iy < h:
                    for kx in range(kw):
                        ix = ox * sw - pw + kx * dw
                        if 0 <= ix < wd:
                            acc += (x[n, (ci * h + iy) * wd + ix]
                                    * w[((fi * c + ci) * kh + ky) * kw + kx])
        if has_bias:
            acc += b[fi]
        z[n, r] = acc
        y[n, r] = act_value(acc, act, alpha)


@cuda.jit
def conv_act_backward(z, y, g, act, alpha):
    """g (B, F·OH·OW) *= f'(z), in place. Grid: 1D over all values."""
    i = cuda.grid(1)
    if i < g.size:
        n, r = i // g.shape[1], i % g.shape[1]
        g[n, r] = g[n, r] * act_slope(z[n, r], y[n, r], act, alpha)


@cuda.jit
def conv_grad_kernel(x, g, count, c, h, wd, f, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, gw):
    """gw (F·C·kh·kw,) = Σ_{samples < count, oy, ox} g · x at the tap. Grid: 1D over weights."""
    i = cuda.grid(1)
    if i < f * c * kh * kw:
        kx = i % kw
        ky = (i // kw) % kh
        ci = (i // (kw * kh)) % c
        fi = i // (kw * kh * c)
        acc = float32(0.0)
        for n in range(count):
            for oy in range(oh):
                iy = oy * sh - ph + ky * dh
                if 0 <= iy < h:
                    for ox in range(ow):
                        ix = ox * sw - pw + kx * dw
                        if 0 <= ix < wd:
                            acc += g[n, (fi * oh + oy) * ow + ox] * x[n, (ci * h + iy) * wd + ix]
        gw[i] = acc


@cuda.jit
def conv_grad_bias(g, count, f, p, gb):
    """gb (F,) = Σ over samples < count and the P = OH·OW positions of g. Grid: 1D over F."""
    fi = cuda.grid(1)
    if fi < f:
        acc = float32(0.0)
        for n in range(count):
            for q in range(p):
                acc += g[n, fi * p + q]
        gb[fi] = acc


@cuda.jit
def conv_grad_input(g, w, c, h, wd, f, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, dx):
    """dx (B, C·H·W) = Σ over the (filter, tap, output) triples that read each input value.
    Grid: 1D over B·C·H·W."""
    i = cuda.grid(1)
    per = c * h * wd
    if i < dx.shape[0] * per:
        n, r = i // per, i % per
        ci, q = r // (h * wd), r % (h * wd)
        iy, ix = q // wd, q % wd
        acc = float32(0.0)
        for ky in range(kh):
            ty = iy + ph - ky * dh  # = oy · sh
            if ty >= 0 and ty % sh == 0 and ty // sh < oh:
                oy = ty // sh
                for kx in range(kw):
                    tx = ix + pw - kx * dw
                    if tx >= 0 and tx % sw == 0 and tx // sw < ow:
                        ox = tx // sw
                        for fi in range(f):
                            acc += (g[n, (fi * oh + oy) * ow + ox]
                                    * w[((fi * c + ci) * kh + ky) * kw + kx])
        dx[n, r] = acc


@cuda.jit
def maxpool_forward(x, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow, out, arg):
    """out (B, C·OH·OW) = each window's maximum; arg (B, C·OH·OW) int32 = its index
    iy·W + ix in the channel (the first maximum). Grid: 1D over B·C·OH·OW."""
    i = cuda.grid(1)
    per = c * oh * ow
    if i < out.shape[0] * per:
        n, r = i // per, i % per
        ci, p = r // (oh * ow), r % (oh * ow)
        oy, ox = p // ow, p % ow
        best = -float32(3.0e38)
        where = -1
        for ky in range(kh):
            iy = oy * sh - ph + ky
            if 0 <= iy < h:
                for kx in range(kw):
                    ix = ox * sw - pw + kx
                    if 0 <= ix < wd:
                        v = x[n, (ci * h + iy) * wd + ix]
                        if where < 0 or v > best:
                            best, where = v, iy * wd + ix
        out[n, r] = best
        arg[n, r] = where


@cuda.jit
def maxpool_backward(g, arg, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow, dx):
    """dx (B, C·H·W) = Σ of g over the windows whose maximum sits at each input value.
    Grid: 1D over B·C·H·W (a gather: every window that covers the value is checked)."""
    i = cuda.grid(1)
    per = c * h * wd
    if i < dx.shape[0] * per:
        n, r = i // per, i % per
        ci, q = r // (h * wd), r % (h * wd)
        iy, ix = q // wd, q % wd
        acc = float32(0.0)
        for ky in range(kh):
            ty = iy + ph - ky
            if ty >= 0 and ty % sh == 0 and ty // sh < oh:
                for kx in range(kw):
                    tx = ix + pw - kx
                    if tx >= 0 and tx % sw == 0 and tx // sw < ow:
                        o = (ci * oh + ty // sh) * ow + tx // sw
                        if arg[n, o] == q:
                            acc += g[n, o]
        dx[n, r] = acc


@cuda.jit(device=True)
def _window_count(oy, ox, h, wd, kh, kw, sh, sw, ph, pw):
    """How many real (unpadded) pixels the window of output (oy, ox) covers (at least 1)."""
    rows = min(oy * sh - ph + kh, h) - max(oy * sh - ph, 0)
    cols = min(ox * sw - pw + kw, wd) - max(ox * sw - pw, 0)
    return max(rows * cols, 1)


@cuda.jit
def avgpool_forward(x, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow, out):
    """out (B, C·OH·OW) = the mean of each window's real pixels. Grid: 1D over the outputs."""
    i = cuda.grid(1)
    per = c * oh * ow
    if i < out.shape[0] * per:
        n, r = i // per, i % per
        ci, p = r // (oh * ow), r % (oh * ow)
        oy, ox = p // ow, p % ow
        acc = float32(0.0)
        for ky in range(kh):
            iy = oy * sh - ph + ky
            if 0 <= iy < h:
                for kx in range(kw):
                    ix = ox * sw - pw + kx
                    if 0 <= ix < wd:
                        acc += x[n, (ci * h + iy) * wd + ix]
        out[n, r] = acc / _window_count(oy, ox, h, wd, kh, kw, sh, sw, ph, pw)


@cuda.jit
def avgpool_backward(g, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow, dx):
    """dx (B, C·H·W) = Σ over the windows covering each value of g / the window's count.
    Grid: 1D over B·C·H·W."""
    i = cuda.grid(1)
    per = c * h * wd
    if i < dx.shape[0] * per:
        n, r = i // per, i % per
        ci, q = r // (h * wd), r % (h * wd)
        iy, ix = q // wd, q % wd
        acc = float32(0.0)
        for ky in range(kh):
            ty = iy + ph - ky
            if ty >= 0 and ty % sh == 0 and ty // sh < oh:
                for kx in range(kw):
                    tx = ix + pw - kx
                    if tx >= 0 and tx % sw == 0 and tx // sw < ow:
                        oy, ox = ty // sh, tx // sw
                        acc += (g[n, (ci * oh + oy) * ow + ox]
                                / _window_count(oy, ox, h, wd, kh, kw, sh, sw, ph, pw))
        dx[n, r] = acc


@cuda.jit
def apply_mask(a, keep, offset, scale, out):
    """out (B, D) = a · (keep[offset + i] ? scale : 0) with keep a flat uint8 array of
    B·D decisions starting at ``offset`` (dropout forward and backward). Grid: 1D over B·D."""
    i = cuda.grid(1)
    if i < out.size:
        n, d = i // out.shape[1], i % out.shape[1]
        out[n, d] = a[n, d] * (scale if keep[offset + i] else float32(0.0))
