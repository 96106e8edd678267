"""Catch a run that is diverging *before* its loss becomes NaN: the loss grown by orders of
magnitude above where it started, or parameters grown far beyond any trained network's.

``DivergenceWatch.check(losses, step, lr)`` is called by the trainer after every chunk of
steps (``losses``: that chunk's batch losses, shape ``(steps,)``); it returns a plain-language
reason with the fix, or None. The parameter scan (one max-abs per array) runs at most every
``PARAM_EVERY`` steps, so a step of a small network stays cheap.
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


class DivergenceWatch:
    """State of the check for one run: the reference loss and the last parameter scan."""

    def __init__(self, params: Callable[[], Iterable[np.ndarray]], scale: float = 1.0) -> None:
        """``scale``: the largest magnitude in the data (inputs and targets); weights may
        legitimately grow with it (a bias fitting targets around 1e7), so the limit does."""
        self.params = params
        self.limit = PARAM_LIMIT * max(1.0, scale)
        self.first: list[float] = []
        self.reference: float | None = None
        self.scanned_at = -PARAM_EVERY

    def check(self, losses: np.ndarray, step: int, lr: float) -> str | None:
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
        if step - self.scanned_at >= PARAM_EVERY:
            self.scanned_at = step
            largest = max((float(np.max(np.abs(p))) for p in self.params() if p.size),
                          default=0.0)
            if not largest <= self.limit:  # NaN too
                return (f"Training stopped at step {step}: the weights exploded (a weight "
                        f"reached {largest:.3g}; trained networks stay below 100). Lower the "
                        f"learning rate (now {lr:g}), turn on gradient clipping, or check "
                        "the data for huge values.")
        return None


def _fold(growth: float) -> str:
    return f"{growth:.0f}" if growth < 1000 else f"1e{int(math.log10(growth))}"
