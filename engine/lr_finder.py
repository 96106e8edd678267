"""Learning-rate finder (Smith 2017, "Cyclical learning rates", the LR range test).

``find_learning_rate(project, weights=None)`` trains a *copy* of the project's model (fresh
from the seed, or with ``weights``) for one short sweep of ``steps`` mini-batches while the
learning rate grows exponentially from ``start`` to ``end``; it records the loss of every
batch, smooths it (exponential moving average with bias correction) and stops early once the
smoothed loss exceeds 4× its best (the run has diverged). The suggestion is the rate where the
smoothed loss falls fastest (steepest descent against log lr); ``min_lr / 10`` is given too.
When the smoothed loss never falls by ``MIN_DROP`` of where it started (a flat curve: the
range is too low, or the network cannot learn this data), nothing is suggested
(``suggestion`` is None) and the summary says so: a steepest point of noise is no advice.
The project's optimizer and settings are used; only the learning rate changes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.datasets.base import Dataset
from engine.project import Project
from engine.types import ConfigError

DIVERGE_FACTOR = 4.0
MIN_DROP = 0.1  # the smoothed loss must fall by 10 % of its starting level for a suggestion


@dataclass
class LRFinderResult:
    lrs: np.ndarray  # (k,) the rate used at each step
    losses: np.ndarray  # (k,) raw batch losses
    smoothed: np.ndarray  # (k,) bias-corrected moving average of the losses
    suggestion: float | None  # steepest descent of the smoothed loss; None: it never fell
    min_lr: float  # the rate at the smoothed loss's minimum
    diverged: bool  # stopped early because the loss blew up
    drop: float = 1.0  # how far the smoothed loss fell: (start − lowest) / start

    @property
    def min_over_ten(self) -> float:
        return self.min_lr / 10.0

    def summary(self) -> str:
        if self.suggestion is None:
            return (f"The loss hardly fell during the sweep (at best {100 * self.drop:.0f} % "
                    f"below where it started, between {self.lrs[0]:.3g} and "
                    f"{self.lrs[-1]:.3g}), so there is no learning rate to suggest. Sweep "
                    "again up to a larger rate, or check that the network can learn this "
                    "data (Problems panel, a smaller network first).")
        return (f"Suggested learning rate {self.suggestion:.3g} (steepest descent of the "
                f"loss); the loss was lowest at {self.min_lr:.3g}, so {self.min_over_ten:.3g} "
                "is a safe choice too.")


def find_learning_rate(project: Project, data: Dataset | None = None,
                       weights: dict[str, Any] | None = None, start: float = 1e-6,
                       end: float = 10.0, steps: int = 200, smooth: float = 0.95,
                       progress: Callable[[int, int], bool] | None = None) -> LRFinderResult:
    """Run the sweep (see the module docstring). ``progress(i, steps)`` may return False to
    cancel (the result then covers the steps run so far)."""
    if project.recipe != "supervised":
        raise ConfigError("The learning-rate finder works on supervised projects (a network "
                          f"trained on labelled data); this project uses the {project.recipe} "
                          "recipe.")
    if not (0 < start < end) or steps < 5:
        raise ConfigError("The learning-rate sweep needs 0 < start < end and at least 5 steps.")
    trainer, seed = _sweep_trainer(project, data, weights)
    lrs = start * (end / start) ** (np.arange(steps) / (steps - 1))
    losses, smoothed, diverged = _sweep(trainer, lrs, np.random.default_rng(seed), smooth,
                                        progress)
    k = len(losses)
    if k < 3:
        raise ConfigError("The loss blew up in the first steps of the sweep; start the sweep "
                          "at a smaller learning rate.")
    s = np.array(smoothed)
    lr_used = lrs[:k]
    skip = k // 10  # the first steps: the moving average is still settling
    i_min = skip + int(np.argmin(s[skip:]))
    slope = window_slope(np.log10(lr_used), s, max(5, k // 8))
    i_steep = skip + int(np.argmin(slope[skip:max(i_min, skip + 1)]))
    level = float(np.max(s[skip:i_min + 1]))  # where the fall to the minimum started
    drop = (level - float(s[i_min])) / max(abs(level), 1e-12)
    suggestion = float(lr_used[i_steep]) if drop >= MIN_DROP else None
    return LRFinderResult(lr_used, np.array(losses), s, suggestion, float(lr_used[i_min]),
                          diverged, drop)


def _sweep_trainer(project: Project, data: Dataset | None,
                   weights: dict[str, Any] | None) -> tuple[Any, int]:
    """A trainer for a copy of supervised ``project`` (no schedule; ``weights`` loaded when
    given) with training samples, and the project's seed."""
    from engine.recipes import prepare

    project = copy.deepcopy(project)
    project.training.schedule = None
    prepared = prepare(project, data)
    if weights:
        prepared.model.set_weights(weights)
    if len(prepared.data.x_train) == 0:
        raise ConfigError("The learning-rate finder needs training samples.")
    return prepared.trainer, project.training.seed


def _sweep(trainer: Any, lrs: np.ndarray, rng: np.random.Generator, smooth: float,
           progress: Callable[[int, int], bool] | None
           ) -> tuple[list[float], list[float], bool]:
    """One mini-batch step per learning rate in ``lrs`` (K,): the raw and bias-corrected
    smoothed losses of the steps run, and whether the loss diverged (the sweep stops there)."""
    x, y = trainer.data.x_train, trainer.y_train
    batch, steps = trainer.config.effective_batch(len(x)), len(lrs)
    losses: list[float] = []
    smoothed: list[float] = []
    avg, best = 0.0, np.inf
    order = rng.permutation(len(x))
    for i, lr in enumerate(lrs):
        if progress is not None and progress(i, steps) is False:
            break
        lo = (i * batch) % len(x)
        if lo + batch > len(x):
            order = rng.permutation(len(x))
            lo = 0
        idx = order[lo:lo + batch]
        trainer.optimizer.learning_rate = float(lr)
        with np.errstate(all="ignore"):
            loss = float(trainer.stepper.run(x, y, [idx])[0])
        if not np.isfinite(loss):
            return losses, smoothed, True
        avg = smooth * avg + (1 - smooth) * loss
        value = avg / (1 - smooth ** (i + 1))
        losses.append(loss)
        smoothed.append(value)
        best = min(best, value)
        if i > 5 and value > DIVERGE_FACTOR * best:
            return losses, smoothed, True
    return losses, smoothed, False


def window_slope(x: np.ndarray, y: np.ndarray, width: int) -> np.ndarray:
    """(k,) least-squares slope of y against x over a centred window of ``width`` points
    (noisy mini-batch losses make the point-to-point slope useless)."""
    k, half = len(x), width // 2
    out = np.zeros(k)
    for i in range(k):
        lo, hi = max(0, i - half), min(k, i + half + 1)
        xs, ys = x[lo:hi] - x[lo:hi].mean(), y[lo:hi]
        denom = float(xs @ xs)
        out[i] = float(xs @ (ys - ys.mean())) / denom if denom > 0 else 0.0
    return out
