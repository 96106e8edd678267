"""Plain-language explanations of runs that went wrong (used by ``fit`` and the Coach).

``diagnose_divergence`` turns the recent loss history into advice, e.g. "learning rate 5 is
too high: the loss grew 1e6-fold in 3 steps".
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def diagnose_divergence(losses: Sequence[float], step: int, lr: float) -> str:
    """losses: the batch losses of the current epoch, ending with the first non-finite one."""
    finite = [v for v in losses if math.isfinite(v)]
    what = "NaN" if any(math.isnan(v) for v in losses) else "infinite"
    head = f"Training stopped: the loss became {what} at step {step}."
    if len(finite) >= 2 and min(finite) > 0:
        low_i = min(range(len(finite)), key=lambda i: finite[i])
        growth = finite[-1] / finite[low_i]
        steps = len(finite) - 1 - low_i
        if growth >= 10 and steps > 0:
            return (f"{head} The learning rate {lr:g} is too high: the loss grew "
                    f"{_fold(growth)}-fold in {steps} step{'s' if steps != 1 else ''} before "
                    f"that. Try a learning rate of {lr / 10:g} or lower, or turn on gradient "
                    "clipping.")
    return (f"{head} The weights blew up (exploding gradients). Lower the learning rate "
            f"(now {lr:g}), turn on gradient clipping, or check the data for huge values.")


def _fold(growth: float) -> str:
    if growth < 1000:
        return f"{growth:.0f}"
    return f"1e{int(math.log10(growth))}"
