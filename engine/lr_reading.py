"""Reading a learning-rate sweep: from the raw batch losses of a range test to a suggested rate.

``read_sweep(lrs, losses, diverged)`` takes the (k,) rates of an exponential sweep and the
(k,) raw loss of the batch trained at each, and returns a ``SweepReading``:

- The losses are smoothed *without lag* (``centred_average``: an exponential moving average
  run forwards, then backwards; losses above ``CLIP`` × the starting loss count as that, so a
  blow-up does not leak far back). The running average the sweep stops by lags ~19 steps —
  up to ×4.7 in rate at 200 steps over 7 decades — and read from it, every steepest point
  moved up by ×3–5 (xor: 2.52, where fresh runs fail on every seed).
- Once the loss has started to fall, it *turns up* at the first step where it climbs back
  above its lowest value so far by ``RISE`` of its whole fall (or the sweep diverged); the
  minimum is the lowest point before that, so nothing past the start of the rise is
  suggested.
- The loss *starts to fall* where it has gone ``ONSET`` of the way from its starting level
  to the minimum and stays below (Smith's lower bound of the range test).
- When it turns up inside the sweep, the suggestion follows fastai and Smith: the steepest
  descent of the smoothed loss against log lr (searched between the start of the fall and the
  minimum), or a tenth of the rate at the minimum — whichever is smaller (more cautious).
- When the loss is still falling at the end of the sweep (a few samples are learned during
  the sweep itself, as on xor), the sweep never shows where a rate becomes too large, so
  the steepest point and min/10 only measure that progress; the suggestion is then where the
  loss starts to fall.
- When the loss never falls by ``MIN_DROP`` of its starting level, nothing is suggested.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_DROP = 0.1  # the smoothed loss must fall by 10 % of its starting level for a suggestion
RISE = 0.25  # "turns up": back above its lowest value by a quarter of its whole fall
ONSET = 0.2  # "starts to fall": a fifth of the way from the starting level to the minimum
CENTRED_WEIGHT = 0.9  # weight of the forward and the backward moving average
CLIP = 2.0  # losses above twice the starting loss are smoothed as that (a blow-up would leak back)


@dataclass(frozen=True)
class SweepReading:
    smoothed: np.ndarray  # (k,) centred moving average of the losses (no lag)
    suggestion: float | None  # see the module docstring; None: the loss hardly fell
    rule: str  # how it was chosen: "steepest", "min/10", "onset" or "none"
    min_lr: float  # the rate at the smoothed loss's minimum (before it turns up)
    steepest: float  # the rate where the smoothed loss falls fastest (before the minimum)
    onset: float  # the rate where the loss clearly starts to fall
    drop: float  # how far the smoothed loss fell: (start − lowest) / start
    turned: bool  # the loss turned up (or diverged) inside the sweep
    rise_lr: float | None  # where it rose MIN_DROP above its start (or blew up); None: never


def read_sweep(lrs: np.ndarray, losses: np.ndarray, diverged: bool) -> SweepReading:
    """Read (k,) ``lrs`` and their (k,) raw ``losses`` (k ≥ 3; see the module docstring)."""
    k = len(losses)
    raw = np.asarray(losses, dtype=float)
    head = float(np.median(raw[:max(3, k // 10)]))  # the loss where the sweep started
    s = centred_average(np.minimum(raw, CLIP * abs(head)), CENTRED_WEIGHT)
    skip = max(1, k // 20)  # the first steps: the backward average ends on one value there
    level = float(np.max(s[:skip + 1]))
    scale = max(level - float(np.min(s[skip:])), 1e-12)  # the whole fall, over the sweep
    running = np.minimum.accumulate(s[skip:])
    rising = np.flatnonzero((s[skip:] > running + RISE * scale)
                            & (running < level - ONSET * scale))  # once it has started to fall
    i_rise = skip + int(rising[0]) if len(rising) else None
    i_min = skip + int(np.argmin(s[skip:k if i_rise is None else i_rise]))
    level = float(np.max(s[:i_min + 1]))  # where the fall to the minimum started
    fall = level - float(s[i_min])
    drop = fall / max(abs(level), 1e-12)
    above = np.flatnonzero(s[:i_min + 1] > level - ONSET * fall)
    i_onset = min(int(above[-1]) + 1, i_min) if len(above) else 0
    slope = window_slope(np.log10(lrs), s, max(5, k // 8))
    i_steep = i_onset + int(np.argmin(slope[i_onset:max(i_min, i_onset + 1)]))
    turned = diverged or i_rise is not None
    min_lr, steep, onset = float(lrs[i_min]), float(lrs[i_steep]), float(lrs[i_onset])
    if drop < MIN_DROP:
        suggestion, rule = None, "none"
    elif not turned:
        suggestion, rule = onset, "onset"
    elif steep <= min_lr / 10:
        suggestion, rule = steep, "steepest"
    else:
        suggestion, rule = min_lr / 10, "min/10"
    over = np.flatnonzero(s[i_min:] > (1 + MIN_DROP) * level)  # clearly above the start
    rise_lr = float(lrs[i_min + int(over[0])]) if len(over) else (
        float(lrs[-1]) if diverged else None)
    return SweepReading(s, suggestion, rule, min_lr, steep, onset, drop, turned, rise_lr)


def centred_average(values: np.ndarray, weight: float) -> np.ndarray:
    """(k,) exponential moving average of ``values`` (k,) run forwards, then backwards over
    the result: as smooth as the running average, without its lag."""
    out = np.empty(len(values))
    acc = float(values[0])
    for i in range(len(values)):
        acc = weight * acc + (1.0 - weight) * float(values[i])
        out[i] = acc
    acc = float(out[-1])
    for i in range(len(values) - 1, -1, -1):
        acc = weight * acc + (1.0 - weight) * float(out[i])
        out[i] = acc
    return out


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
