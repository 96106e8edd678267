"""The optimizer race: the engine's own optimizers stepping on a surface's analytic gradient.

``Race(surface, lr_scale)`` makes one racer per optimizer in ``RACERS`` (``engine.optimizers``
with the surface's base learning rate × ``lr_scale``), all from the same start. ``step(n)``
moves every racer still running: ``g = surface.grad(p)``, then ``optimizer.step([p], [g])``
(exactly what training does with the flat parameter buffer). A racer whose point becomes
non-finite, leaves far outside the map or whose loss explodes stops: ``stopped = "diverged"``
(its path ends at the last finite point, where the view draws a marker).
``verdict(racer)`` names the learning rate's effect: too small, good, too large or diverging.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.landscape.surfaces import Surface
from engine.optimizers import Optimizer, get_optimizer

RACERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam")
SGD_FAMILY = ("sgd", "momentum", "nesterov")
VERDICTS = ("too small", "good", "too large", "diverging")


def base_lr(surface: Surface, name: str) -> float:
    if name in SGD_FAMILY:
        return surface.sgd_lr
    return surface.adadelta_lr if name == "adadelta" else surface.adaptive_lr


@dataclass
class Racer:
    name: str
    optimizer: Optimizer
    point: np.ndarray  # (2,) float64, updated in place by the optimizer
    path: list[tuple[float, float]] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    stopped: str | None = None


class Race:
    def __init__(self, surface: Surface, lr_scale: float = 1.0,
                 names: tuple[str, ...] = RACERS,
                 start: tuple[float, float] | None = None) -> None:
        self.surface, self.lr_scale = surface, float(lr_scale)
        self.start = np.array(start if start is not None else surface.start, dtype=np.float64)
        x0, x1, y0, y1 = surface.extent
        self._span = max(x1 - x0, y1 - y0)
        self._centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        f0 = surface.f(self.start)
        self._blowup = 1e4 * (1.0 + abs(f0))
        self.steps = 0
        self.racers: list[Racer] = []
        for name in names:
            opt = get_optimizer(name, learning_rate=base_lr(surface, name) * self.lr_scale)
            self.racers.append(Racer(name, opt, self.start.copy(),
                                     [(float(self.start[0]), float(self.start[1]))], [f0]))

    def racer(self, name: str) -> Racer:
        return next(r for r in self.racers if r.name == name)

    @property
    def running(self) -> bool:
        return any(r.stopped is None for r in self.racers)

    def step(self, n: int = 1) -> None:
        """n optimizer steps of every racer still running."""
        for _ in range(n):
            for r in self.racers:
                if r.stopped is None:
                    self._step_one(r)
            self.steps += 1

    def _step_one(self, r: Racer) -> None:
        g = np.asarray(self.surface.grad(r.point), dtype=np.float64)
        before = r.point.copy()
        with np.errstate(all="ignore"):
            r.optimizer.step([r.point], [g])
            value = self.surface.f(r.point) if np.all(np.isfinite(r.point)) else np.inf
        far = not np.all(np.isfinite(r.point)) or \
            float(np.abs(r.point - self._centre).max()) > 50 * self._span
        if far or not np.isfinite(value) or value > self._blowup:
            r.stopped = "diverged"
            r.point[:] = before
            return
        r.path.append((float(r.point[0]), float(r.point[1])))
        r.losses.append(float(value))

    def verdict(self, name: str) -> str:
        """What the learning rate did for this racer so far (one of ``VERDICTS``)."""
        r = self.racer(name)
        if r.stopped == "diverged":
            return "diverging"
        f_min = self.surface.f_min()
        start, end = r.losses[0] - f_min, r.losses[-1] - f_min
        if end <= 1e-3 * start:
            return "good"
        losses, moves = np.array(r.losses), np.diff(np.array(r.path), axis=0)
        rises = int(np.sum(np.diff(losses) > 1e-12 * (1 + np.abs(losses[:-1]))))
        turns = int(np.sum(np.einsum("ij,ij->i", moves[1:], moves[:-1]) < 0))
        if len(losses) > 5 and max(rises, turns) > 0.3 * (len(losses) - 2):
            return "too large"
        return "too small" if end > 0.1 * start else "good"
