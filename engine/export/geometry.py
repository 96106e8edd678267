"""Static sizes the templates write into code: convolution and pooling paddings, strides.

Computed once from the plan with the engine's own rules (``engine.layers.conv_utils.pads``),
so an exported script pads exactly as the engine does ("same" puts the extra row/column at
the bottom/right, like Keras).
"""

from __future__ import annotations

from typing import Any

from engine.layers.conv_utils import pads
from engine.types import Shape


def pair(value: Any) -> tuple[int, int]:
    """``3`` or ``[3]`` or ``[3, 3]`` -> ``(3, 3)``."""
    if isinstance(value, (list, tuple)):
        values = [int(v) for v in value]
        return (values[0], values[0]) if len(values) == 1 else (values[0], values[1])
    return int(value), int(value)


def conv_geometry(options: dict[str, Any], in_shape: Shape
                  ) -> tuple[tuple[int, int, int, int], tuple[int, int], tuple[int, int]]:
    """(top, bottom, left, right) padding, strides and dilation of a Conv2D on ``(C, H, W)``."""
    k, s = pair(options["kernel_size"]), pair(options["strides"])
    d = pair(options.get("dilation_rate", 1))
    _, top, bottom = pads(str(options["padding"]), in_shape[1], k[0], s[0], d[0])
    _, left, right = pads(str(options["padding"]), in_shape[2], k[1], s[1], d[1])
    return (top, bottom, left, right), s, d


def pool_geometry(options: dict[str, Any], in_shape: Shape
                  ) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int, int, int]]:
    """Window size, strides and (top, bottom, left, right) padding of a 2-D pooling layer."""
    k = pair(options["pool_size"])
    strides = options.get("strides", [-1])
    s = k if list(strides) in ([-1], [-1, -1]) else pair(strides)
    _, top, bottom = pads(str(options["padding"]), in_shape[1], k[0], s[0], 1)
    _, left, right = pads(str(options["padding"]), in_shape[2], k[1], s[1], 1)
    return k, s, (top, bottom, left, right)
