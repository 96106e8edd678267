"""Shared pieces of the generative views: samples as images, image mosaics, colour maps, notes.

Samples arrive as arrays ``(N, *shape)``. ``image_layout(shape)`` says how one sample is drawn:
``(C, H, W)`` images (C = 1 grey, C = 3 colour) and flat vectors whose length is a square
≥ 16 (8×8 digits: 64) are pictures; anything else is a vector, drawn as a ``1 × D`` strip.
``to_images`` turns samples into ``(N, H, W)`` (grey) or ``(N, H, W, 3)`` (colour) float
arrays, ``mosaic`` tiles a ``(R, K, H, W[, 3])`` block of them into one image (row 0 on top)
that a single ``ImageItem`` shows, so a frame costs one ``setImage``. ``ProbesWidget`` is the
base of the generative views: ``update(snapshot)`` -> ``show_probes(snapshot.probes,
snapshot)``. Grey pictures go through ``cnn_tiles.ink_lut`` (background → foreground).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QWidget

from widgets.plots.palette import PlotStyle, hex_rgb
from widgets.views import common

REAL = "#009E73"  # bluish green: real data (GAN Lab's green)
FAKE = "#CC79A7"  # reddish purple: generated samples (GAN Lab's purple)
TITLE_PT = 14


def image_layout(shape: tuple[int, ...] | None) -> tuple[int, int, int] | None:
    """``(H, W, C)`` when a sample of ``shape`` is a picture, else None (a plain vector)."""
    if not shape:
        return None
    shape = tuple(int(v) for v in shape)
    if len(shape) == 3 and shape[0] in (1, 3):
        return shape[1], shape[2], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1], 1
    if len(shape) == 1 and shape[0] >= 16 and math.isqrt(shape[0]) ** 2 == shape[0]:
        side = math.isqrt(shape[0])
        return side, side, 1
    return None


def to_images(samples: np.ndarray, layout: tuple[int, int, int] | None) -> np.ndarray:
    """samples: (N, *shape) -> (N, H, W) grey or (N, H, W, 3) colour float32; vectors (no
    layout) become ``(N, 1, D)`` strips."""
    x = np.asarray(samples, dtype=np.float32)
    n = len(x)
    if layout is None:
        return x.reshape(n, 1, -1)
    h, w, c = layout
    if c == 1:
        return x.reshape(n, h, w)
    return np.moveaxis(x.reshape(n, c, h, w), 1, -1)


def mosaic(tiles: np.ndarray, pad: int = 1, fill: float = np.nan) -> np.ndarray:
    """tiles: (R, K, H, W[, 3]) -> one image ``(R·(H+pad)−pad, K·(W+pad)−pad[, 3])``; tile
    (r, k) starts at row r·(H+pad), column k·(W+pad); the gaps hold ``fill``."""
    r, k, h, w = tiles.shape[:4]
    extra = tiles.shape[4:]
    out = np.full((r * (h + pad) - pad, k * (w + pad) - pad, *extra), fill, np.float32)
    for i in range(r):
        for j in range(k):
            out[i * (h + pad): i * (h + pad) + h, j * (w + pad): j * (w + pad) + w] = tiles[i, j]
    return out


def grid_shape(n: int, max_cols: int = 8) -> tuple[int, int]:
    """(rows, cols) for ``n`` tiles, at most ``max_cols`` wide."""
    cols = max(1, min(max_cols, n))
    return max(1, math.ceil(n / cols)), cols


def tile_rows(images: np.ndarray, cols: int, fill: float = np.nan) -> np.ndarray:
    """images: (N, H, W[, 3]) -> (R, cols, H, W[, 3]), the last row padded with ``fill``."""
    n = len(images)
    rows = max(1, math.ceil(n / cols))
    out = np.full((rows * cols, *images.shape[1:]), fill, np.float32)
    out[:n] = images
    return out.reshape(rows, cols, *images.shape[1:])


def two_color_lut(style: PlotStyle, low: str, high: str, strength: float = 0.55) -> np.ndarray:
    """(256, 4) uint8: ``low`` colour (0) → theme background (0.5) → ``high`` colour (1)."""
    mid, a, b = hex_rgb(style.background), hex_rgb(low), hex_rgb(high)
    t = np.linspace(-1.0, 1.0, 256, dtype=np.float32)[:, None]
    side = np.where(t < 0, a, b)
    lut = np.empty((256, 4), np.uint8)
    lut[:, :3] = np.clip(np.rint(mid + (side - mid) * np.abs(t) * strength), 0, 255)
    lut[:, 3] = 255
    return lut


def levels_for(x: np.ndarray | None) -> tuple[float, float]:
    """Display levels of sample values: (0, 1) for data in [0, 1], else its 1–99 % range."""
    if x is None or not np.size(x):
        return 0.0, 1.0
    lo, hi = float(np.nanmin(x)), float(np.nanmax(x))
    if lo >= -1e-6 and hi <= 1.0 + 1e-6:
        return 0.0, 1.0
    lo, hi = (float(v) for v in np.nanpercentile(x, [1, 99]))
    return lo, hi if hi > lo else lo + 1.0


def show_image(item: pg.ImageItem, image: np.ndarray, levels: tuple[float, float],
               lut: np.ndarray) -> None:
    """Grey (H, W) through ``lut`` with fixed levels, colour (H, W, 3) as RGB; NaN gaps are
    drawn as the lowest level."""
    img = np.nan_to_num(image, nan=levels[0])
    if img.ndim == 3:
        item.setLookupTable(None)
        item.setImage(img, autoLevels=False, levels=levels)
    else:
        item.setLookupTable(lut)
        item.setImage(img, autoLevels=False, levels=levels)


def image_box(title: str = "") -> tuple[pg.GraphicsLayoutWidget, pg.ViewBox, pg.ImageItem]:
    """A small, locked-aspect picture panel (row 0 on top, no mouse panning)."""
    widget = pg.GraphicsLayoutWidget()
    widget.ci.setContentsMargins(2, 2, 2, 2)
    if title:
        widget.addLabel(title, size=f"{TITLE_PT - 2}pt")
        widget.nextRow()
    box = widget.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
    box.setMenuEnabled(False)
    item = pg.ImageItem(axisOrder="row-major")
    box.addItem(item)
    return widget, box, item


class ProbesWidget(QWidget):
    """A generative view: ``update(snapshot)`` hands ``probes_of(snapshot)`` and the snapshot
    to ``show_probes``; ``update()`` alone repaints (Qt's ``QWidget.update``)."""

    def update(self, snapshot: Any = None) -> None:  # type: ignore[override]
        if snapshot is None:
            super().update()
            return
        self.show_probes(probes_of(snapshot), snapshot)

    def show_probes(self, p: dict[str, Any], snapshot: Any) -> None:
        """Draw what the probes ``p`` of ``snapshot`` carry (a subclass draws)."""


def muted_label(text: str, wrap: bool = True) -> QLabel:
    """The one-line explanation under a view (styled by the app's ``role=muted`` rule)."""
    label = common.muted_label(text, wrap)
    label.setContentsMargins(6, 0, 6, 2)
    return label


def hint_label(text: str) -> QLabel:
    """The centred muted note a view shows instead of an empty plot."""
    label = common.hint_label(text, TITLE_PT)
    label.setContentsMargins(6, 0, 6, 2)
    return label


def data_levels(dataset: Any) -> tuple[float, float]:
    """``levels_for`` the first 500 training samples of ``dataset`` (0..1 without any)."""
    x = getattr(dataset, "x_train", None)
    return levels_for(None if x is None else np.asarray(x[:500]))


def eased(current: np.ndarray | None, target: Any, share: float = 0.35) -> np.ndarray:
    """The view window ``[x0, x1, y0, y1]`` moved ``share`` of the way to ``target`` (the
    whole way the first time), so a growing or drifting latent cloud pans smoothly."""
    goal = np.asarray(target, np.float64).reshape(4)
    if current is None or not np.all(np.isfinite(current)):
        return goal
    return current + share * (goal - current)


def probes_of(snapshot: Any) -> dict[str, np.ndarray]:
    """``snapshot.probes`` or {} (None, a snapshot without probes, a bare dict)."""
    if snapshot is None:
        return {}
    if isinstance(snapshot, dict):
        return snapshot
    return dict(getattr(snapshot, "probes", None) or {})


def eval_samples(dataset: Any) -> np.ndarray | None:
    """The samples the latent probes encode: validation when there is any, else training."""
    if dataset is None:
        return None
    x_val = getattr(dataset, "x_val", None)
    if x_val is not None and len(x_val):
        return np.asarray(x_val)
    x = getattr(dataset, "x_train", None)
    return None if x is None else np.asarray(x)
