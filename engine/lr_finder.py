"""Learning-rate finder (Smith 2017, "Cyclical learning rates", the LR range test).

``find_learning_rate(project, weights=None)`` trains a *copy* of the project's model (fresh
from the seed, or with ``weights``) for one short sweep of ``steps`` mini-batches while the
learning rate grows exponentially from ``start`` to ``end``; it records the loss of every
batch and stops early once a running average of the losses exceeds 4× its best (the run has
diverged). ``engine.lr_reading.read_sweep`` reads the curve: a lag-free smoothing, then the
more cautious of the steepest descent and a tenth of the rate at the minimum (fastai, Smith),
never past where the loss starts to rise; where the loss is still falling at the end of the
sweep, where it starts to fall; on a curve that hardly falls, nothing (``suggestion`` None)
and words that say why. The project's optimizer and settings are used; only the learning
rate changes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.datasets.base import Dataset
from engine.lr_reading import MIN_DROP, read_sweep, window_slope
from engine.project import Project
from engine.types import ConfigError

__all__ = ["LRFinderResult", "MIN_DROP", "find_learning_rate", "window_slope"]

DIVERGE_FACTOR = 4.0


@dataclass
class LRFinderResult:
    lrs: np.ndarray  # (k,) the rate used at each step
    losses: np.ndarray  # (k,) raw batch losses
    smoothed: np.ndarray  # (k,) lag-free (centred) moving average of the losses
    suggestion: float | None  # see engine.lr_reading; None: the loss hardly fell
    min_lr: float  # the rate at the smoothed loss's minimum (before it turns up)
    diverged: bool  # stopped early because the loss blew up
    drop: float = 1.0  # how far the smoothed loss fell: (start − lowest) / start
    turned: bool = True  # the loss turned up (or diverged) inside the sweep
    steepest: float | None = None  # the rate where the smoothed loss falls fastest
    rise_lr: float | None = None  # where the loss rises clearly above its start; None: never
    rule: str = "min/10"  # how the suggestion was chosen: steepest, min/10, onset or none

    @property
    def min_over_ten(self) -> float:
        return self.min_lr / 10.0

    def summary(self) -> str:
        """The reading in plain words (engine.lr_words)."""
        from engine.lr_words import summary

        return summary(self)


def find_learning_rate(project: Project, data: Dataset | None = None,
                       weights: dict[str, Any] | None = None, start: float = 1e-6,
                       end: float = 10.0, steps: int = 200, smooth: float = 0.95,
                       progress: Callable[[int, int], bool] | None = None) -> LRFinderResult:
    """Run the sweep (see the module docstring). ``smooth`` is the running average's weight
    (the early stop only). ``progress(i, steps)`` may return False to cancel (the result then
    covers the steps run so far)."""
    if project.recipe != "supervised":
        raise ConfigError("The learning-rate finder works on supervised projects (a network "
                          f"trained on labelled data); this project uses the {project.recipe} "
                          "recipe.")
    if not (0 < start < end) or steps < 5:
        raise ConfigError("The learning-rate sweep needs 0 < start < end and at least 5 steps.")
    trainer, seed = _sweep_trainer(project, data, weights)
    lrs = start * (end / start) ** (np.arange(steps) / (steps - 1))
    losses, diverged = _sweep(trainer, lrs, np.random.default_rng(seed), smooth, progress)
    k = len(losses)
    if k < 3:
        raise ConfigError("The loss blew up in the first steps of the sweep; start the sweep "
                          "at a smaller learning rate.")
    r = read_sweep(lrs[:k], np.array(losses), diverged)
    return LRFinderResult(lrs[:k], np.array(losses), r.smoothed, r.suggestion, r.min_lr,
                          diverged, r.drop, r.turned, r.steepest, r.rise_lr, r.rule)


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
           ) -> tuple[list[float], bool]:
    """One mini-batch step per learning rate in ``lrs`` (K,): the raw losses of the steps
    run, and whether the loss diverged (a bias-corrected running average with weight
    ``smooth`` above ``DIVERGE_FACTOR`` × its best: the sweep stops there)."""
    x, y = trainer.data.x_train, trainer.y_train
    batch, steps = trainer.config.effective_batch(len(x)), len(lrs)
    losses: list[float] = []
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
            return losses, True
        avg = smooth * avg + (1 - smooth) * loss
        value = avg / (1 - smooth ** (i + 1))
        losses.append(loss)
        best = min(best, value)
        if i > 5 and value > DIVERGE_FACTOR * best:
            return losses, True
    return losses, False

