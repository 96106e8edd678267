"""Turning small arrays (filters, feature maps, dataset images) into RGBA tiles and mosaics.

Every CNN view draws many tiny images. Instead of one ``ImageItem`` per tile they lay the tiles
out in one ``(rows·(h+gap), cols·(w+gap), 4)`` uint8 mosaic (``mosaic``) and call
``setImage`` once per frame. Colour maps: ``signed_tiles`` (diverging, orange < 0 < blue,
symmetric levels, for weights and signed activations), ``magnitude_tiles`` (viridis, 0..max,
for non-negative activations such as after ReLU), ``ink_rgba`` (dataset images: background
colour for the lowest value, foreground colour for the highest, so digits look like ink).
No function here calls Qt except through the palette's colour parsing.
"""

from __future__ import annotations

import numpy as np

from widgets.plots.palette import PlotStyle, diverging_lut, hex_rgb, map_lut, shade


def viridis_lut() -> np.ndarray:
    """``(256, 4)`` uint8 magnitude map (colour-blind safe, dark = 0, yellow = max): viridis,
    cividis in presenter mode (``palette.map_lut``)."""
    return map_lut()


def ink_lut(style: PlotStyle) -> np.ndarray:
    """``(256, 4)`` uint8 from the theme's background (0) to its foreground (255)."""
    t = np.linspace(0.0, 1.0, 256, dtype=np.float32)[:, None]
    bg, fg = hex_rgb(style.background), hex_rgb(style.foreground)
    lut = np.empty((256, 4), np.uint8)
    lut[:, :3] = np.clip(np.rint(bg + (fg - bg) * t), 0, 255)
    lut[:, 3] = 255
    return lut


def signed_lut(style: PlotStyle) -> np.ndarray:
    """The palette's diverging map at full strength (strong colours on a projector)."""
    return diverging_lut(style, 1.0)


def _per_tile(values: np.ndarray, scale: np.ndarray, lut: np.ndarray, lo: float) -> np.ndarray:
    """values (N, h, w) divided by scale (N,) then mapped from [lo, 1] through lut."""
    scaled = values / np.maximum(scale, 1e-12)[:, None, None]
    return shade(scaled, lut, lo, 1.0)


def signed_tiles(values: np.ndarray, style: PlotStyle, per_tile: bool = False,
                 limit: float | None = None) -> tuple[np.ndarray, float]:
    """values (N, h, w) -> ((N, h, w, 4) uint8, the ± level used). Levels are symmetric around
    0: ``limit`` or the largest |value| (each tile its own when ``per_tile``)."""
    v = np.asarray(values, dtype=np.float32)
    if per_tile:
        scale = np.abs(v).reshape(len(v), -1).max(axis=1) if v.size else np.ones(len(v))
    else:
        top = float(np.abs(v).max()) if v.size else 1.0
        scale = np.full(len(v), limit if limit else top)
    level = float(scale.max()) if len(scale) else 0.0
    return _per_tile(v, scale, signed_lut(style), -1.0), level


def magnitude_tiles(values: np.ndarray) -> np.ndarray:
    """values (N, h, w) ≥ 0 -> (N, h, w, 4) uint8 viridis, each tile scaled to its own max."""
    v = np.asarray(values, dtype=np.float32)
    scale = v.reshape(len(v), -1).max(axis=1) if v.size else np.ones(len(v))
    return _per_tile(v, scale, viridis_lut(), 0.0)


def display_plane(image: np.ndarray) -> np.ndarray:
    """A dataset sample ``(C, H, W)``, ``(H, W)`` or ``(F,)`` -> one ``(H, W)`` plane to show
    (the channel mean for C > 1; a square-ish reshape of flat vectors when possible)."""
    a = np.asarray(image, dtype=np.float32)
    if a.ndim == 3:
        return a.mean(axis=0) if a.shape[0] > 1 else a[0]
    if a.ndim == 2:
        return a
    side = int(round(np.sqrt(a.size)))
    return a.reshape(side, side) if side * side == a.size else a.reshape(1, -1)


def ink_rgba(image: np.ndarray, style: PlotStyle, lo: float | None = None,
             hi: float | None = None) -> np.ndarray:
    """A dataset sample -> (H, W, 4) uint8; RGB images (3, H, W) keep their colours."""
    a = np.asarray(image, dtype=np.float32)
    lo = float(a.min()) if lo is None and a.size else (lo or 0.0)
    hi = float(a.max()) if hi is None and a.size else (hi or 1.0)
    if a.ndim == 3 and a.shape[0] == 3:
        rgb = np.clip((a - lo) / max(hi - lo, 1e-12), 0, 1).transpose(1, 2, 0) * 255
        out = np.full(rgb.shape[:2] + (4,), 255, np.uint8)
        out[..., :3] = np.rint(rgb)
        return out
    return shade(display_plane(a), ink_lut(style), lo, max(hi, lo + 1e-12))


def grid_shape(n: int, cols: int | None = None) -> tuple[int, int]:
    """(rows, cols) for n tiles: ``cols`` given, else about square (wider than tall)."""
    if n <= 0:
        return 0, 0
    c = cols or int(np.ceil(np.sqrt(n)))
    c = max(1, min(c, n))
    return int(np.ceil(n / c)), c


def neat_cols(n: int, max_cols: int = 8) -> int:
    """Columns for n tiles: the smallest count from √n up to ``max_cols`` that fills every
    row (16 -> 4, 24 -> 6, 32 -> 8), else about 1.5 × as wide as tall."""
    if n <= 0:
        return 1
    start = int(np.ceil(np.sqrt(n)))
    for c in range(start, min(max_cols, n) + 1):
        if n % c == 0:
            return c
    return max(1, min(max_cols, int(np.ceil(np.sqrt(n * 1.5)))))


def fitting_cols(n: int, width: float, height: float) -> int:
    """Columns for n square tiles in a ``width`` × ``height`` px panel: the count that makes
    the tiles largest (16 in a 440 × 100 strip: 8 × 2, not 4 × 4); ``neat_cols`` for an
    unknown size."""
    if n <= 0 or width <= 0 or height <= 0:
        return neat_cols(n)
    return max(range(1, n + 1),
               key=lambda c: (min(width / c, height / -(-n // c)), n % c == 0, -c))


def separator(style: PlotStyle) -> np.ndarray:
    """RGB (3,) of the lines between tiles: halfway from the background to the muted colour,
    so a tile whose border is 0 (background-coloured) still shows its edge."""
    return (hex_rgb(style.background) + hex_rgb(style.muted)) / 2


def mosaic(tiles: np.ndarray, cols: int | None, style: PlotStyle, min_px: int = 24
           ) -> np.ndarray:
    """tiles (N, h, w, 4) uint8 -> one RGBA uint8 image, row by row, ``cols`` per row.

    Tiles smaller than ``min_px`` are enlarged by an integer factor (each value a block of
    pixels) so the ``separator``-coloured lines between them stay thin next to the tiles;
    unused cells at the end of the last row stay background."""
    n, h, w = tiles.shape[:3]
    if n == 0:
        return np.zeros((1, 1, 4), np.uint8)
    f = max(1, -(-min_px // max(h, w)))
    if f > 1:
        tiles = tiles.repeat(f, axis=1).repeat(f, axis=2)
        h, w = h * f, w * f
    gap = max(1, round(max(h, w) / 14))
    rows, c = grid_shape(n, cols)
    out = np.empty((rows * (h + gap) - gap, c * (w + gap) - gap, 4), np.uint8)
    out[..., :3] = np.rint(separator(style)).astype(np.uint8)
    out[..., 3] = 255
    if n < rows * c:  # empty cells of the last row
        k = n - (rows - 1) * c
        out[(rows - 1) * (h + gap):, k * (w + gap) - gap:, :3] = hex_rgb(style.background)
    for i in range(n):
        r, k = divmod(i, c)
        out[r * (h + gap): r * (h + gap) + h, k * (w + gap): k * (w + gap) + w] = tiles[i]
    return out
