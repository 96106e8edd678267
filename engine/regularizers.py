"""L1/L2 weight penalties added to the loss, Keras convention: ``l1·Σ|w| + l2·Σw²``.

NOTE: the L2 term has no ½ (Keras' ``L2(l2)``), so its gradient is ``2·l2·w``; PyTorch's
``weight_decay=wd`` in SGD corresponds to ``l2 = wd/2``. The L1 gradient uses ``sign(w)``
with ``sign(0) = 0`` (a subgradient). ``w`` and ``g`` are any-shape arrays of the same shape
(float32, or float64 in gradient checks); ``add_penalty_grad`` keeps ``g``'s dtype.
"""

from __future__ import annotations

import numpy as np

from engine.types import ConfigError


def _check(l1: float, l2: float) -> None:
    if not (l1 >= 0 and l2 >= 0):
        raise ConfigError(f"Weight penalties must be 0 or more; got l1={l1}, l2={l2}.")


def penalty(w: np.ndarray, l1: float, l2: float) -> float:
    """w: any shape -> ``l1·Σ|w| + l2·Σw²`` (summed in float64)."""
    _check(l1, l2)
    total = 0.0
    if l1:
        total += l1 * float(np.sum(np.abs(w), dtype=np.float64))
    if l2:
        total += l2 * float(np.sum(np.square(w, dtype=np.float64)))
    return total


def add_penalty_grad(w: np.ndarray, g: np.ndarray, l1: float, l2: float) -> None:
    """w, g: same shape. ``g += l1·sign(w) + 2·l2·w`` in place."""
    _check(l1, l2)
    if w.shape != g.shape:
        raise ConfigError(f"Weight penalty: weights {w.shape} and gradient {g.shape} differ.")
    if l1:
        g += l1 * np.sign(w)
    if l2:
        g += (2.0 * l2) * w
