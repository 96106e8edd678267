"""scikit-learn's 8×8 digits upscaled to 28×28 (MNIST's size), for convolution lessons.

Each 8×8 image (pixels in [0, 1]) is resized with bilinear interpolation (half-pixel centres,
edges repeated; ``engine.datasets.imaging.resize_bilinear``). ``x: (1797, 1, 28, 28)``
float32 in [0, 1], ``y: (1797,)`` labels 0–9.
"""

from __future__ import annotations

from engine.datasets.base import RawData
from engine.datasets.digits import digits
from engine.datasets.imaging import resize_bilinear

SIZE = 28


def digits28() -> RawData:
    """All 1797 digits as ``(1797, 1, 28, 28)`` images."""
    small = digits(as_image=True)
    x = resize_bilinear(small.x, SIZE, SIZE)
    names = [f"pixel ({i // SIZE}, {i % SIZE})" for i in range(SIZE * SIZE)]
    return RawData(x, small.y, small.task, small.n_classes, names, small.class_names,
                   f"Digits 28×28: {len(x)} handwritten digits 0–9 upscaled from 8×8 "
                   f"(bilinear), pixels in [0, 1]")
