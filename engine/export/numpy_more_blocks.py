"""Building blocks pasted into an exported NumPy script (``inspect.getsource``): Conv1D,
Upsample2D, PReLU and OneHot, forward and backward, in plain numpy with the engine's
conventions (sequences channels-last ``(B, T, C)``, images ``(B, C, H, W)``).

Conv1D reuses ``numpy_blocks.conv2d_forward/backward``: a sequence is an image one pixel
high. ``interpolation_matrix`` is the engine's own (``engine.layers.pooling``).
"""

from __future__ import annotations

import numpy as np

from engine.export.numpy_blocks import conv2d_backward, conv2d_forward
from engine.layers.pooling import interpolation_matrix

__all__ = ["conv2d_backward", "conv2d_forward", "interpolation_matrix"]


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
         "upsample2d_forward": ["interpolation_matrix"]}
