"""Procedurally drawn shapes: 28×28 grayscale images in 10 classes, any number of samples.

Classes (label: name): 0 circle (filled disk), 1 square (filled), 2 triangle (filled, pointing
up), 3 cross (×, two diagonal strokes), 4 plus (+), 5 ring (circle outline), 6 horizontal bar,
7 vertical bar, 8 diamond (filled square standing on a corner), 9 star (filled, 5 points).

Every image draws one shape with a random centre, size (half-width 5–11 pixels), rotation
(±15° only, so that a square stays different from a diamond, + from × and the two bars from
each other) and stroke width (1.5–3.5 pixels, for the line shapes and bars). Classes are
balanced (shuffled ``i mod 10``). The drawing is vectorized: for every pixel of every image
we compute a signed distance to the shape's outline in pixels (negative inside) and turn it
into a soft, anti-aliased edge ``clip(0.5 − distance, 0, 1)``. ``noise`` adds Gaussian pixel
noise (clipped to [0, 1]). The same seed gives the same images. ``x: (N, 1, 28, 28)`` in
[0, 1], ``y: (N,)``.
"""

from __future__ import annotations

import numpy as np

from engine.datasets.base import CLASSIFICATION, RawData

SIZE = 28
CLASS_NAMES = ["circle", "square", "triangle", "cross", "plus", "ring", "horizontal bar",
               "vertical bar", "diamond", "star"]
MAX_TURN = np.deg2rad(15.0)
_STAR_INNER = 0.45  # inner radius of the star / outer radius


def _distance(label: int, u: np.ndarray, v: np.ndarray, r: np.ndarray, w: np.ndarray
              ) -> np.ndarray:
    """Signed distance in pixels (< 0 inside) for shape ``label`` at local coordinates
    ``u`` (right), ``v`` (up) in units of the half-size ``r``; ``w`` the stroke width."""
    au, av = np.abs(u), np.abs(v)
    if label == 0:  # circle
        return (np.hypot(u, v) - 1.0) * r
    if label == 1:  # square, half-side 0.8
        return (np.maximum(au, av) - 0.8) * r
    if label == 2:  # triangle, circumradius 1: three half-planes at distance 0.5
        d = np.maximum(-v, np.maximum(0.866 * u + 0.5 * v, -0.866 * u + 0.5 * v))
        return (d - 0.5) * r
    if label == 3:  # ×: distance to the two diagonals, within the square |u|, |v| ≤ 0.8
        diag = np.minimum(np.abs(u - v), np.abs(u + v)) / np.sqrt(2.0) * r
        return np.maximum(diag - w / 2, (np.maximum(au, av) - 0.8) * r)
    if label == 4:  # +
        bars = np.minimum(np.maximum(au * r - w / 2, (av - 1) * r),
                          np.maximum(av * r - w / 2, (au - 1) * r))
        return bars
    if label == 5:  # ring, outer edge at radius 1
        return np.abs(np.hypot(u, v) * r - (r - w / 2)) - w / 2
    if label == 6:  # horizontal bar, twice the stroke width thick
        return np.maximum((au - 1.0) * r, av * r - w)
    if label == 7:  # vertical bar
        return np.maximum((av - 1.0) * r, au * r - w)
    if label == 8:  # diamond
        return (au + av - 1.0) * r / np.sqrt(2.0)
    # star: radius alternates between 1 (points) and _STAR_INNER, linearly in the angle
    phase = (np.arctan2(u, v) * 5 / (2 * np.pi)) % 1.0  # 0 at the top point
    edge = _STAR_INNER + (1 - _STAR_INNER) * np.abs(2 * phase - 1)
    return (np.hypot(u, v) - edge) * r * 0.6


def shapes(n_samples: int, noise: float, rng: np.random.Generator) -> RawData:
    """``n_samples`` images ``(N, 1, 28, 28)`` float32 in [0, 1] and labels ``(N,)``."""
    labels = rng.permutation(np.arange(n_samples) % 10).astype(np.int64)
    half = rng.uniform(5.0, 11.0, n_samples)  # half-size in pixels
    margin = half + 1.5
    cy = rng.uniform(margin, SIZE - 1 - margin)
    cx = rng.uniform(margin, SIZE - 1 - margin)
    turn = rng.uniform(-MAX_TURN, MAX_TURN, n_samples)
    stroke = rng.uniform(1.5, 3.5, n_samples)
    x = np.zeros((n_samples, SIZE, SIZE), np.float32)
    rows, cols = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    for label in range(10):
        idx = np.nonzero(labels == label)[0]
        if len(idx) == 0:
            continue
        r = half[idx, None, None].astype(np.float32)
        dx = cols[None] - cx[idx, None, None].astype(np.float32)
        dy = cy[idx, None, None].astype(np.float32) - rows[None]  # up is positive
        cos = np.cos(turn[idx])[:, None, None].astype(np.float32)
        sin = np.sin(turn[idx])[:, None, None].astype(np.float32)
        u, v = (cos * dx + sin * dy) / r, (-sin * dx + cos * dy) / r
        w = stroke[idx, None, None].astype(np.float32)
        x[idx] = np.clip(0.5 - _distance(label, u, v, r, w), 0.0, 1.0)
    if noise > 0:
        x = np.clip(x + rng.normal(0.0, noise, x.shape).astype(np.float32), 0.0, 1.0)
    return RawData(x[:, None], labels, CLASSIFICATION, 10,
                   [f"pixel ({i // SIZE}, {i % SIZE})" for i in range(SIZE * SIZE)],
                   list(CLASS_NAMES),
                   f"Shapes: {n_samples} drawn 28×28 images of 10 shapes (circle, square, "
                   f"triangle, ×, +, ring, bars, diamond, star)")
