"""Image resampling shared by the image datasets and augmentation (pure numpy, vectorized).

Images are channels-first batches ``(B, C, H, W)``. Pixel ``(i, j)`` sits at coordinates
``(y, x) = (i, j)``; ``sample_bilinear`` reads an image at arbitrary (fractional) coordinates,
mixing the four surrounding pixels by their distance, and ``resize_bilinear`` uses it with the
half-pixel convention of PyTorch's ``interpolate(mode="bilinear", align_corners=False)``.
"""

from __future__ import annotations

import numpy as np


def sample_bilinear(images: np.ndarray, ys: np.ndarray, xs: np.ndarray,
                    outside: str = "zero") -> np.ndarray:
    """images: (B, C, H, W); ys, xs: (B, Ho, Wo) source coordinates -> (B, C, Ho, Wo).

    ``outside="zero"``: pixels beyond the border read as 0 (black), ``"edge"``: as the
    nearest border pixel. Integer coordinates copy pixels exactly.
    """
    b_count, _, h, w = images.shape
    y0f, x0f = np.floor(ys), np.floor(xs)
    wy, wx = (ys - y0f).astype(images.dtype), (xs - x0f).astype(images.dtype)
    y0, x0 = y0f.astype(np.int64), x0f.astype(np.int64)
    src = images.transpose(0, 2, 3, 1)  # (B, H, W, C): gather whole pixels
    batch = np.arange(b_count)[:, None, None]
    out = np.zeros((*ys.shape, images.shape[1]), dtype=images.dtype)
    corners = ((0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx),
               (1, 0, wy * (1 - wx)), (1, 1, wy * wx))
    for dy, dx, weight in corners:
        yy, xx = y0 + dy, x0 + dx
        if outside == "zero":
            weight = weight * ((yy >= 0) & (yy < h) & (xx >= 0) & (xx < w))
        yy, xx = np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)
        out += weight[..., None] * src[batch, yy, xx]
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def resize_bilinear(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """images: (B, C, H, W) -> (B, C, height, width), bilinear, edges repeated."""
    b_count, _, h, w = images.shape
    ys = np.maximum((np.arange(height) + 0.5) * (h / height) - 0.5, 0.0)
    xs = np.maximum((np.arange(width) + 0.5) * (w / width) - 0.5, 0.0)
    grid_y = np.broadcast_to(ys[None, :, None], (b_count, height, width))
    grid_x = np.broadcast_to(xs[None, None, :], (b_count, height, width))
    return sample_bilinear(images, grid_y, grid_x, outside="edge")
