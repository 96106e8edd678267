"""Host-side launchers of the convolution-family kernels (``engine.cuda.kernels_conv``).

Arrays are numba device arrays, activations ``(B, C·H·W)`` float32; ``image`` is one
sample's ``(C, H, W)`` and ``geo`` the CPU layer's geometry (see ``kernels_conv``). Nothing
is copied to or from the host here.
"""

from __future__ import annotations

from typing import Any

from engine.cuda import kernels_conv as KC
from engine.cuda.ops import _grid1

Image = tuple[int, int, int]


def conv_forward(x: Any, w: Any, b: Any | None, image: Image, f: int, geo: tuple[int, ...],
                 act: int, alpha: float, z: Any, y: Any) -> None:
    """x (B, C·H·W) -> z, y (B, F·OH·OW) for a Conv2D with kernel ``w`` and bias ``b``."""
    KC.conv_forward[_grid1(z.size)](x, w, w if b is None else b, b is not None, *image, f,
                                     *geo, act, alpha, z, y)


def conv_act_backward(z: Any, y: Any, g: Any, act: int, alpha: float) -> None:
    KC.conv_act_backward[_grid1(g.size)](z, y, g, act, alpha)


def conv_backward(x: Any, g: Any, w: Any, image: Image, f: int, geo: tuple[int, ...],
                  gw: Any, gb: Any | None, dx: Any | None) -> None:
    """From g = dLoss/dz (B, F·OH·OW): gw (F·C·kh·kw,), gb (F,) and, when ``dx`` is given,
    dx (B, C·H·W)."""
    count = g.shape[0]
    KC.conv_grad_kernel[_grid1(gw.size)](x, g, count, *image, f, *geo, gw)
    if gb is not None:
        KC.conv_grad_bias[_grid1(f)](g, count, f, geo[8] * geo[9], gb)
    if dx is not None:
        KC.conv_grad_input[_grid1(dx.size)](g, w, *image, f, *geo, dx)


def maxpool_forward(x: Any, image: Image, geo: tuple[int, ...], out: Any, arg: Any) -> None:
    """geo: the pool's (kh, kw, sh, sw, ph, pw, oh, ow)."""
    KC.maxpool_forward[_grid1(out.size)](x, *image, *geo, out, arg)


def maxpool_backward(g: Any, arg: Any, image: Image, geo: tuple[int, ...], dx: Any) -> None:
    KC.maxpool_backward[_grid1(dx.size)](g, arg, *image, *geo, dx)


def avgpool_forward(x: Any, image: Image, geo: tuple[int, ...], out: Any) -> None:
    KC.avgpool_forward[_grid1(out.size)](x, *image, *geo, out)


def avgpool_backward(g: Any, image: Image, geo: tuple[int, ...], dx: Any) -> None:
    KC.avgpool_backward[_grid1(dx.size)](g, *image, *geo, dx)


def apply_mask(a: Any, keep: Any, offset: int, scale: float, out: Any) -> None:
    """out = a · (keep ? scale : 0), keep read from ``offset`` on (dropout)."""
    KC.apply_mask[_grid1(out.size)](a, keep, offset, scale, out)
