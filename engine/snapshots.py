"""Immutable snapshots of a training run, the only thing views ever see (DESIGN.md §5).

A ``Snapshot`` is yielded by ``engine.training.fit`` every few steps and at each epoch end. It
holds scalars and, when probes ran, *copied* arrays, so a view thread can keep it while the
engine moves on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# event values
STEP, EPOCH, FINISHED, STOPPED, DIVERGED, EARLY_STOPPED = (
    "step", "epoch", "finished", "stopped", "diverged", "early_stopped")
EPOCH_END_EVENTS = (EPOCH, FINISHED, EARLY_STOPPED)


@dataclass(frozen=True)
class Snapshot:
    """State of a run after ``step`` optimizer steps (``epoch`` counts finished epochs)."""

    event: str
    step: int
    epoch: int
    epoch_progress: float  # 0..1 within the current epoch
    samples_seen: int
    batch_losses: tuple[float, ...]  # losses of the steps since the previous snapshot
    train_loss: float | None  # mean batch loss of the last finished epoch
    val_loss: float | None
    metrics: dict[str, float]  # e.g. train_accuracy, val_accuracy, val_r2
    learning_rate: float
    elapsed: float  # seconds since fit started (pauses excluded by the caller's clock)
    samples_per_second: float
    time_to_first_step: float | None
    message: str | None = None  # plain-language explanation for diverged/early_stopped
    probes: dict[str, np.ndarray] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    # One row per epoch finished since the previous snapshot: {"epoch": n, "step": s, **metrics}. A
    # consumer that merges snapshots (the GUI throttles them) concatenates these, so no
    # epoch's metrics are lost even when many tiny epochs run between two frames.
    epoch_rows: tuple[dict[str, float], ...] = ()

    @property
    def is_final(self) -> bool:
        return self.event in (FINISHED, STOPPED, DIVERGED, EARLY_STOPPED)
