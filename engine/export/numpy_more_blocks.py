"""Building blocks pasted into an exported NumPy script (``inspect.getsource``): Conv1D,
Conv2DTranspose, Upsample2D, PReLU and OneHot, forward and backward, in plain numpy with the
engine's conventions (sequences channels-last ``(B, T, C)``, images ``(B, C, H, W)``).

Conv1D reuses ``numpy_blocks.conv2d_forward/backward``: a sequence is an image one pixel
high. ``interpolation_matrix`` is the engine's own (``engine.layers.pooling``).
"""

from __future__ import annotations

import numpy as np

from engine.export.numpy_blocks import (
    activate,
    activate_backward,
    conv2d_backward,
    conv2d_forward,
)
from engine.layers.pooling import interpolation_matrix

__all__ = ["activate", "activate_backward", "conv2d_backward", "conv2d_forward",
           "interpolation_matrix"]


def conv1d_forward(x, W, b, stride, pads, dilation, act):
    """x: (B, T, C) -> y: (B, T', F) with filters W: (F, C, k), b: (F,) or None; ``pads`` =
    (before, after) zero steps. The sequence is an image one pixel high, (B, C, 1, T), so
    conv2d_forward does the work with a (F, C, 1, k) kernel."""
    image = x.transpose(0, 2, 1)[:, :, None, :]  # (B, C, 1, T)
    y, cache = conv2d_forward(image, W[:, :, None, :], b, (1, stride), (0, 0, *pads),
                              (1, dilation), act)
    return y[:, :, 0, :].transpose(0, 2, 1), cache  # (B, T', F)


def conv1d_backward(g, cache):
    """g: (B, T', F) -> (dx (B, T, C), dW (F, C, k), db (F,))."""
    dx, dW, db = conv2d_backward(g.transpose(0, 2, 1)[:, :, None, :], cache)
    return dx[:, :, 0, :].transpose(0, 2, 1), dW[:, :, 0, :], db


def conv2d_transpose_forward(x, W, b, stride, pads, dilation, out_size, act):
    """Transposed convolution. x: (B, C, H, W) -> y: (B, F, OH, OW) with kernel
    W: (C, F, kh, kw), b: (F,) or None. Every input pixel stamps its kernel, scaled by its
    value, onto the output at ``stride`` spacing; overlaps add up. The stamps land on a
    larger canvas whose first ``pads`` = (top, left) rows/columns and whatever lies beyond
    ``out_size`` = (OH, OW) are cut off."""
    (sh, sw), (top, left), (dh, dw), (oh, ow) = stride, pads, dilation, out_size
    _, _, h, w = x.shape
    _, n_filters, kh, kw = W.shape
    big_h = max(top + oh, sh * (h - 1) + dh * (kh - 1) + 1)
    big_w = max(left + ow, sw * (w - 1) + dw * (kw - 1) + 1)
    canvas = np.zeros((x.shape[0], n_filters, big_h, big_w), dtype=np.result_type(x, W))
    for i in range(kh):
        for j in range(kw):  # tap (i, j) of every pixel's stamp
            canvas[:, :, i * dh:i * dh + sh * (h - 1) + 1:sh,
                   j * dw:j * dw + sw * (w - 1) + 1:sw] += np.einsum(
                       "bchw,cf->bfhw", x, W[:, :, i, j])
    z = canvas[:, :, top:top + oh, left:left + ow]
    if b is not None:
        z = z + b[None, :, None, None]
    y = activate(z, act)
    return y, (x, W, z, y, act, stride, pads, dilation, canvas.shape)


def conv2d_transpose_backward(g, cache):
    """g: (B, F, OH, OW) -> (dx (B, C, H, W), dW (C, F, kh, kw), db (F,)): each input pixel
    collects the gradient under its stamp."""
    x, W, z, y, act, (sh, sw), (top, left), (dh, dw), canvas_shape = cache
    gz = activate_backward(g, z, y, act)
    _, _, h, w = x.shape
    canvas = np.zeros(canvas_shape, dtype=gz.dtype)
    canvas[:, :, top:top + gz.shape[2], left:left + gz.shape[3]] = gz
    dx, dW = np.zeros_like(x), np.zeros_like(W)
    for i in range(W.shape[2]):
        for j in range(W.shape[3]):
            under = canvas[:, :, i * dh:i * dh + sh * (h - 1) + 1:sh,
                           j * dw:j * dw + sw * (w - 1) + 1:sw]  # (B, F, H, W)
            dx += np.einsum("bfhw,cf->bchw", under, W[:, :, i, j])
            dW[:, :, i, j] = np.einsum("bchw,bfhw->cf", x, under)
    return dx, dW, gz.sum(axis=(0, 2, 3))


def upsample2d_forward(x, size, mode):
    """x: (B, C, H, W) -> (B, C, H·sh, W·sw): each axis multiplied by an interpolation
    matrix A (out = A @ in; nearest repeats pixels, bilinear blends the two nearest)."""
    a_h = interpolation_matrix(x.shape[2], size[0], mode)  # (OH, H)
    a_w = interpolation_matrix(x.shape[3], size[1], mode)  # (OW, W)
    return a_h @ x @ a_w.T, (a_h, a_w)


def upsample2d_backward(g, cache):
    """g: (B, C, OH, OW) -> dx (B, C, H, W) = A_hᵀ @ g @ A_w."""
    a_h, a_w = cache
    return a_h.T @ g @ a_w


def prelu_forward(x, alpha):
    """x: (B, ...) -> x where x ≥ 0, alpha·x elsewhere; alpha: one learned slope per value
    (shape x.shape[1:])."""
    return np.where(x >= 0, x, alpha * x), x


def prelu_backward(g, x, alpha):
    """g like x -> (dx, d alpha summed over the batch)."""
    negative = x < 0
    return np.where(negative, alpha * g, g), np.sum(np.where(negative, g * x, 0), axis=0)


def one_hot(ids, depth):
    """ids: (B, T) whole numbers (stored as floats) -> (B, T, depth) rows of 0s with a 1 at
    the id. No gradient flows back to the ids."""
    return np.eye(depth, dtype=ids.dtype)[np.rint(ids).astype(np.int64)]


NEEDS = {"conv1d_forward": ["activate", "conv2d_forward"],
         "conv1d_backward": ["activate_backward", "conv2d_backward"],
         "upsample2d_forward": ["interpolation_matrix"],
         "conv2d_transpose_forward": ["activate"],
         "conv2d_transpose_backward": ["activate_backward"]}
