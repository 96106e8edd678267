"""Classic 2-D loss surfaces with their analytic gradients, for the optimizer race.

Each ``Surface`` has ``f(p) -> float`` and ``grad(p) -> (2,)`` for a point ``p: (2,)``
(float64), a start point, the plotted box ``extent = (x0, x1, y0, y1)``, its minima (for
judging progress) and the base learning rates at which the race is "good" (the slider scales
them): ``sgd_lr`` for SGD/momentum/Nesterov, ``adaptive_lr`` for Adagrad/RMSprop/Adam,
``adadelta_lr`` for Adadelta (its step size is set by its own history).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Vec = np.ndarray


@dataclass(frozen=True)
class Surface:
    key: str
    title: str
    blurb: str
    f: Callable[[Vec], float]
    grad: Callable[[Vec], Vec]
    start: tuple[float, float]
    extent: tuple[float, float, float, float]
    minima: tuple[tuple[float, float], ...]
    sgd_lr: float
    adaptive_lr: float
    adadelta_lr: float = 1.0
    log_colors: bool = False  # contour levels on a log scale (Rosenbrock, Beale)

    def grid(self, n: int = 80) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xs (n,), ys (n,), values (n, n) indexed [iy, ix]) over the extent."""
        x0, x1, y0, y1 = self.extent
        xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
        vals = np.array([[self.f(np.array([x, y])) for x in xs] for y in ys])
        return xs, ys, vals

    def f_min(self) -> float:
        return min(self.f(np.array(m)) for m in self.minima)


def _bowl(p: Vec) -> float:
    return float(p[0] ** 2 + p[1] ** 2)


def _ravine(p: Vec) -> float:
    return float(0.05 * p[0] ** 2 + 5.0 * p[1] ** 2)


def _rosen(p: Vec) -> float:
    return float((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2)


def _rosen_grad(p: Vec) -> Vec:
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


_BEALE_C = (1.5, 2.25, 2.625)


def _beale(p: Vec) -> float:
    x, y = p
    return float(sum((c - x + x * y ** (i + 1)) ** 2 for i, c in enumerate(_BEALE_C)))


def _beale_grad(p: Vec) -> Vec:
    x, y = p
    gx = gy = 0.0
    for i, c in enumerate(_BEALE_C):
        k = i + 1
        r = c - x + x * y ** k
        gx += 2 * r * (y ** k - 1)
        gy += 2 * r * x * k * y ** (k - 1)
    return np.array([gx, gy])


def _saddle(p: Vec) -> float:
    x, y = p
    return float(x * x + y ** 4 / 4 - y * y / 2)


def _himmelblau(p: Vec) -> float:
    x, y = p
    return float((x * x + y - 11) ** 2 + (x + y * y - 7) ** 2)


def _himmelblau_grad(p: Vec) -> Vec:
    x, y = p
    a, b = x * x + y - 11, x + y * y - 7
    return np.array([4 * x * a + 2 * b, 2 * a + 4 * y * b])


SURFACES: dict[str, Surface] = {s.key: s for s in (
    Surface("bowl", "Round bowl", "f = x² + y²: every direction curves the same; all reach 0.",
            _bowl, lambda p: 2 * np.asarray(p, dtype=np.float64), (-4.0, 3.0),
            (-5, 5, -5, 5), ((0.0, 0.0),), 0.1, 0.3),
    Surface("ravine", "Narrow ravine", "f = 0.05x² + 5y²: steep walls, a flat floor; plain SGD "
            "zig-zags across, momentum rolls along.", _ravine,
            lambda p: np.array([0.1 * p[0], 10.0 * p[1]]), (-9.0, 1.0), (-10, 10, -3, 3),
            ((0.0, 0.0),), 0.09, 0.3),
    Surface("rosenbrock", "Rosenbrock", "A curved, almost flat valley; the minimum at (1, 1) "
            "is easy to find and slow to reach.", _rosen, _rosen_grad, (-1.5, 2.0),
            (-2, 2, -1, 3), ((1.0, 1.0),), 0.001, 0.05, log_colors=True),
    Surface("beale", "Beale", "Flat plateaus and sharp ridges; the minimum sits at (3, 0.5).",
            _beale, _beale_grad, (1.0, 1.4), (-4.5, 4.5, -4.5, 4.5), ((3.0, 0.5),), 0.005,
            0.05, log_colors=True),
    Surface("saddle", "Saddle", "f = x² + y⁴/4 − y²/2: starting almost on the ridge, the "
            "gradient is tiny; who escapes the saddle at (0, 0) to a valley at y = ±1?",
            _saddle, lambda p: np.array([2 * p[0], p[1] ** 3 - p[1]]), (-2.0, 1e-3),
            (-2.5, 2.5, -2, 2), ((0.0, 1.0), (0.0, -1.0)), 0.1, 0.1),
    Surface("minima", "Several minima", "Himmelblau's function has four minima of equal "
            "depth: where you end depends on the optimizer and the start.", _himmelblau,
            _himmelblau_grad, (-0.3, -0.9), (-5, 5, -5, 5),
            ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
             (3.584428, -1.848127)), 0.01, 0.1, log_colors=True),
)}
