"""Catch a run that is diverging *before* its loss becomes NaN: the loss grown by orders of
magnitude above where it started, parameters grown far beyond any trained network's, or
gradients grown by orders of magnitude above the first ones (and large in absolute terms).

``DivergenceWatch.check(losses, step, lr)`` is called by the trainer after every chunk of
steps (``losses``: that chunk's batch losses, shape ``(steps,)``); it returns a plain-language
reason with the fix, or None. The parameter and gradient scan (one max-abs per array; the
gradients are the latest step's) runs at most every ``PARAM_EVERY`` steps (or on every call
with ``force_scan``, for trainers that call once per epoch), so a small network's step stays
cheap. Every recipe's trainer uses it: ``engine.training.Trainer.run`` (supervised, autoencoder,
VAE), ``engine.generative.gan.GANTrainer.run`` and ``engine.perceptron.PerceptronTrainer.run``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

LOSS_GROWTH = 1e4  # the loss this many times above its reference (and above LOSS_FLOOR)
LOSS_FLOOR = 100.0  # never call a loss below this diverging (e.g. 0.01 -> 10 on a bad batch)
PARAM_LIMIT = 1e6  # a parameter this large means exploding weights (trained ones are < 100)
PARAM_EVERY = 50  # steps between two parameter scans
REFERENCE_STEPS = 5  # batch losses whose median is the reference
GRAD_GROWTH = 1e6  # the largest gradient this many times above the first scan's ...
GRAD_FLOOR = 1e4  # ... and above this (times the data's scale) means exploding gradients

Arrays = Callable[[], Iterable[np.ndarray]]


class DivergenceWatch:
    """State of the check for one run: the reference loss and the last parameter scan."""

    def __init__(self, params: Arrays, scale: float = 1.0, grads: Arrays | None = None,
                 clipping: bool = True) -> None:
        """``params``/``grads``: the arrays to scan (``grads``: the latest step's gradients;
        None: no gradient check). ``scale``: the largest magnitude in the data (inputs and
        targets); weights may legitimately grow with it (a bias fitting targets around 1e7),
        so the limits do. ``clipping``: whether to suggest gradient clipping (False for
        the perceptron rule, which has no gradients)."""
        self.params, self.grads = params, grads
        self.clip_hint = ", turn on gradient clipping," if clipping else ""
        self.limit = PARAM_LIMIT * max(1.0, scale)
        self.grad_floor = GRAD_FLOOR * max(1.0, scale)
        self.first: list[float] = []
        self.reference: float | None = None
        self.grad_reference: float | None = None
        self.scanned_at = -PARAM_EVERY

    def check(self, losses: np.ndarray, step: int, lr: float,
              force_scan: bool = False) -> str | None:
        finite = [float(v) for v in losses if math.isfinite(v)]
        if self.reference is None:
            self.first.extend(finite[:REFERENCE_STEPS - len(self.first)])
            if len(self.first) >= min(REFERENCE_STEPS, 1):
                self.reference = max(float(np.median(self.first)), 1e-8)
        if self.reference is not None and finite:
            worst = max(finite)
            if worst > LOSS_FLOOR and worst > self.reference * LOSS_GROWTH:
                growth = worst / self.reference
                return (f"Training stopped at step {step}: the loss grew "
                        f"{_fold(growth)}-fold (from {self.reference:.3g} to {worst:.3g}) — "
                        f"the run is diverging. The learning rate {lr:g} is too high: try "
                        f"{lr / 10:g} or lower, or turn on gradient clipping.")
        if force_scan or step - self.scanned_at >= PARAM_EVERY:
            self.scanned_at = step
            largest = _largest(self.params())
            if not largest <= self.limit:  # NaN too
                return (f"Training stopped at step {step}: the weights exploded (a weight "
                        f"reached {largest:.3g}; trained networks stay below 100). Lower the "
                        f"learning rate (now {lr:g}){self.clip_hint} or check the data for "
                        "huge values.")
            return self._check_gradients(step, lr)
        return None

    def _check_gradients(self, step: int, lr: float) -> str | None:
        if self.grads is None:
            return None
        with np.errstate(over="ignore", invalid="ignore"):
            largest = _largest(self.grads())
        if self.grad_reference is None:
            if math.isfinite(largest) and largest > 0:
                self.grad_reference = largest
            return None
        if not (largest <= self.grad_floor or largest <= self.grad_reference * GRAD_GROWTH):
            growth = largest / self.grad_reference if math.isfinite(largest) else math.inf
            grown = f"{_fold(growth)}-fold" if math.isfinite(growth) else "beyond any number"
            return (f"Training stopped at step {step}: the gradients exploded (they grew "
                    f"{grown}, to {largest:.3g}) — the run is diverging. Lower the learning "
                    f"rate (now {lr:g}) or turn on gradient clipping.")
        return None


def _largest(arrays: Iterable[np.ndarray]) -> float:
    """The largest absolute value in ``arrays`` (NaN when one holds a NaN), 0.0 if empty."""
    largest = 0.0
    for a in arrays:
        if a.size:
            value = float(np.max(np.abs(a)))
            if math.isnan(value):
                return value
            largest = max(largest, value)
    return largest


def _fold(growth: float) -> str:
    return f"{growth:.0f}" if growth < 1000 else f"1e{int(math.log10(growth))}"
