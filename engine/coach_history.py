"""What the Coach reads and says: ``History`` (a run's record) and ``Advice`` (one rule's
finding), and the builders that make a ``History`` from snapshots or from the app's columns.

A ``History`` holds the epoch rows of the snapshots (``{"epoch", "step", "train_loss",
"val_loss", "train_accuracy", ...}``), every batch loss in order (``step_losses[i]`` is the loss
of step ``first_step + i``), the learning rate, the ``"dynamics"`` probe results oldest first,
and for a classifier ``chance_accuracy`` (``chance_from_confusion``). Re-exported by
``engine.coach``, whose rules read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Advice:
    kind: str  # the rule: "overfitting", "dead_relu", ...
    severity: str  # "error" | "warning" | "info"
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class History:
    epoch_rows: Sequence[dict[str, float]] = ()
    step_losses: Sequence[float] = ()
    dynamics: Sequence[dict[str, Any]] = ()
    learning_rate: float | None = None
    first_step: int = 1  # step number of step_losses[0]
    chance_accuracy: float | None = None  # majority-class share; None: unknown / regression
    linear_model: bool = False  # no non-linearity before the output (readiness_linear)
    adversarial: bool = False  # a GAN: its two losses hover by design (ADVERSARIAL_SKIPS)


def chance_from_confusion(matrix: Any) -> float | None:
    """The accuracy of always guessing the most common true class: a ``(K, K)`` confusion
    matrix (rows = true class) -> max row sum / total; None when it is empty or not a matrix."""
    counts = np.asarray(matrix, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or not counts.sum() > 0:
        return None
    return float(counts.sum(axis=1).max() / counts.sum())


def history_from_snapshots(snapshots: Sequence[Any],
                           dynamics: Sequence[dict[str, Any]] = ()) -> History:
    """Build a History from ``engine.snapshots.Snapshot``s (in order) and dynamics frames."""
    rows = [row for snap in snapshots for row in snap.epoch_rows]
    losses = [v for snap in snapshots for v in snap.batch_losses]
    first = snapshots[0].step - len(snapshots[0].batch_losses) + 1 if snapshots else 1
    lr = snapshots[-1].learning_rate if snapshots else None
    chance = next((c for snap in reversed(snapshots) if "confusion" in snap.probes
                   and (c := chance_from_confusion(snap.probes["confusion"])) is not None), None)
    return History(rows, losses, list(dynamics), lr, first, chance)


def history_from_columns(epochs: Sequence[int], metrics: dict[str, Sequence[float]],
                         step_losses: Sequence[float], dynamics: Sequence[dict[str, Any]] = (),
                         learning_rate: float | None = None,
                         chance_accuracy: float | None = None, first_step: int = 1) -> History:
    """Build a History from column form (the app's ``TrainingHistory``: one value per entry of
    ``epochs`` in each metric list, and the loss of step ``first_step + i`` at index i)."""
    rows = [{"epoch": float(e), **{k: float(v[i]) for k, v in metrics.items() if i < len(v)}}
            for i, e in enumerate(epochs)]
    return History(rows, list(step_losses), list(dynamics), learning_rate, first_step,
                   chance_accuracy)
