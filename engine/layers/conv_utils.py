"""Shared option handling and geometry of the convolution and pooling layers.

Output size along one axis (Keras/PyTorch): ``out = floor((in + 2·pad − dilation·(k − 1) − 1)
/ stride) + 1`` with ``pad = 0`` for ``"valid"``; ``"same"`` gives ``out = ceil(in / stride)``
and pads ``max((out − 1)·stride + dilation·(k − 1) + 1 − in, 0)`` in total, the smaller half
before (top/left) and the larger after (bottom/right), like Keras. An explicit whole number
pads that many zeros on every side (PyTorch's ``padding=p``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.types import ConfigError, Shape, ShapeError, format_shape

PADDING_HELP = '"valid" (no padding), "same" (output = ceil(input / stride)) or a whole number'


def normalize_pairs(options: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """Copy of ``options`` with a single number under ``keys`` turned into ``[n, n]``."""
    out = dict(options)
    for key in keys:
        value = out.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = [value, value]
        elif isinstance(value, str) and value.strip().isdigit():
            out[key] = [int(value), int(value)]
    return out


def check_pairs(config: dict[str, Any], keys: tuple[str, ...], owner: str) -> None:
    """Make each ``config[key]`` a list of two positive sizes (``[k]`` becomes ``[k, k]``)."""
    for key in keys:
        value = list(config[key])
        if len(value) == 1:
            value = value * 2
        if len(value) != 2 or any(v < 1 for v in value):
            raise ConfigError(f"{owner}: option '{key}' must be one or two positive whole "
                              f"numbers (height, width), such as 3 or 3, 3; got {config[key]}.")
        config[key] = value


def check_padding(config: dict[str, Any], owner: str) -> None:
    """``padding`` becomes "valid", "same" or the text of a whole number ("1")."""
    text = str(config["padding"]).strip().lower()
    if text not in ("valid", "same") and not text.isdigit():
        raise ConfigError(f"{owner}: option 'padding' must be {PADDING_HELP}; "
                          f"got {config['padding']!r}.")
    config["padding"] = str(int(text)) if text.isdigit() else text


def pads(padding: str, size: int, k: int, stride: int, dilation: int) -> tuple[int, int, int]:
    """(out, pad before, pad after) along one axis; out may be ≤ 0 (the caller explains)."""
    span = dilation * (k - 1) + 1
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + span - size, 0)
        return out, total // 2, total - total // 2
    p = 0 if padding == "valid" else int(padding)
    return (size + 2 * p - span) // stride + 1, p, p


def size_error(owner: str, kernel: list[int], strides: list[int], dilation: list[int],
               padding: str, in_hw: list[int], out_hw: list[int], what: str = "kernel",
               one_d: bool = False) -> ShapeError:
    """The learner-readable message when an output size comes out as 0 or less."""
    dims = [0] if one_d else [0, 1]
    bad = min(dims, key=lambda a: out_hw[a])
    pad = 0 if padding in ("valid", "same") else int(padding)
    ks, s, d, n = kernel[bad], strides[bad], dilation[bad], in_hw[bad]

    same = one_d or strides[0] == strides[1]
    stride_text = str(strides[0]) if same else f"{strides[0]}×{strides[1]}"
    input_text = f"length-{in_hw[0]}" if one_d else f"{in_hw[0]}×{in_hw[1]}"
    kernel_text = f"size-{kernel[0]}" if one_d else f"{kernel[0]}×{kernel[1]}"
    return ShapeError(
        f"{owner} with a {kernel_text} {what} and stride {stride_text} on a {input_text} input "
        f"gives a size of {out_hw[bad]} — reduce the {what} or add padding. Each output size "
        f"is out = floor((in + 2·pad − dilation·(k − 1) − 1) / stride) + 1 = floor(({n} + 2·"
        f"{pad} − {d}·({ks} − 1) − 1) / {s}) + 1 = {out_hw[bad]}."
    )


def expect_image(owner: str, shape: Shape) -> tuple[int, int, int]:
    """(C, H, W) of an image input, or a ShapeError that says how to get one."""
    if len(shape) == 3:
        return int(shape[0]), int(shape[1]), int(shape[2])
    got = format_shape(shape)
    if len(shape) == 1:
        side = math.isqrt(max(int(shape[0]), 0))  # -1: a free length
        hint = (f" (e.g. to 1×{side}×{side})" if side * side == shape[0] else
                " such as 1×H×W with H·W = " + str(shape[0]))
        return _raise(f"{owner} works on images (channels, height, width) but receives a flat "
                      f"vector {got} — add a Reshape layer before it{hint}.")
    if len(shape) == 2:
        return _raise(f"{owner} works on images (channels, height, width) but receives {got} "
                      f"— add a Reshape layer to 1×{shape[0]}×{shape[1]} (one channel).")
    return _raise(f"{owner} works on 3-D images (channels, height, width) but receives {got} "
                  "— reshape the data to 3 dimensions.")


def expect_sequence(owner: str, shape: Shape) -> tuple[int, int]:
    """(steps, channels) of a sequence input, or a ShapeError that says how to get one."""
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    got = format_shape(shape)
    if len(shape) == 1:
        return _raise(f"{owner} works on sequences (steps, channels) but receives a flat vector "
                      f"{got} — add a Reshape layer to {shape[0]}×1 (one channel).")
    return _raise(f"{owner} works on 2-D sequences (steps, channels) but receives {got} — use "
                  "Conv2D for images, or Reshape the data to (steps, channels).")


def scratch(owner: Any, key: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An array kept on ``owner`` and reused while shape and dtype stay the same.

    Large arrays allocated afresh every step cost page faults (glibc maps them anew); the
    layers keep their work arrays, training-mode outputs and input gradients here instead.
    Such an array is overwritten by the next step: copy it to keep it.
    """
    bufs = owner.__dict__.setdefault("_scratch", {})
    buf = bufs.get(key)
    if buf is None or buf.shape != tuple(shape) or buf.dtype != dtype:
        buf = bufs[key] = np.empty(shape, dtype=dtype)
    return buf


def _raise(message: str) -> Any:
    raise ShapeError(message)
