"""Growing, bounded curve buffers and the smoothing of the Loss panel's curves.

``GrowingSeries``: ``x, y`` float64 buffers that double when full and thin their older half past
``max_points``; ``ema``: TensorBoard-style debiased exponential moving average, resumable.
"""

from __future__ import annotations

import math

import numpy as np

MAX_POINTS = 60_000  # per curve; older points are thinned beyond (long runs)


class GrowingSeries:
    """``x, y`` float64 buffers that double when full; ``x``/``y`` are views of the used part.

    Bounded for long runs: past ``max_points`` the older half is thinned to every second
    point (``thin_older_half``), so the newest points stay exact, older ones get sparser and
    an hour at 18,000 steps/s keeps at most ``max_points`` (a few MB, a cheap ``setData``).
    """

    def __init__(self, capacity: int = 1024, max_points: int = MAX_POINTS) -> None:
        self._data = np.empty((2, capacity))
        self.n = 0
        self.max_points = max_points

    def extend(self, xs: np.ndarray, ys: np.ndarray) -> None:
        m = len(xs)
        while self.n + m > self.max_points and self.n >= 4:
            self.n = thin_older_half(self._data, self.n)
        if self.n + m > self._data.shape[1]:
            grown = np.empty((2, max(2 * self._data.shape[1], self.n + m)))
            grown[:, : self.n] = self._data[:, : self.n]
            self._data = grown
        self._data[0, self.n : self.n + m] = xs
        self._data[1, self.n : self.n + m] = ys
        self.n += m

    def clear(self) -> None:
        self.n = 0

    @property
    def x(self) -> np.ndarray:
        return self._data[0, : self.n]

    @property
    def y(self) -> np.ndarray:
        return self._data[1, : self.n]


def thin_older_half(data: np.ndarray, n: int) -> int:
    """Keep every second column of the older half of ``data[:, :n]`` (shape ``(rows, cap)``),
    in place, the newer half untouched; returns the new count."""
    half = n // 2
    kept = data[:, :half:2].copy()
    k = kept.shape[1]
    data[:, :k] = kept
    data[:, k : k + n - half] = data[:, half:n].copy()
    return k + n - half


def ema(values: np.ndarray, weight: float, state: tuple[float, int] = (0.0, 0)
        ) -> tuple[np.ndarray, tuple[float, int]]:
    """Debiased exponential moving average (TensorBoard style); returns values and new state."""
    acc, count = state
    out = np.empty(len(values))
    for i, v in enumerate(values.tolist()):
        if not math.isfinite(v):  # a diverged step: leave a gap, keep the average
            out[i] = math.nan
            continue
        acc = weight * acc + (1.0 - weight) * v
        count += 1
        out[i] = acc / (1.0 - weight**count) if weight > 0 else v
    return out, (acc, count)
