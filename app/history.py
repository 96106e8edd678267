"""What a session keeps of a run for redrawing plots and for the Coach, bounded for long runs.

``TrainingHistory`` collects every snapshot's step losses and epoch rows (``add``). A
classroom run can go for an hour at ~18,000 steps/s and ~450 epochs/s (the spiral at full
speed): kept whole, that is millions of Python floats (~57 MB a minute, and every Coach pass
walking all of them on the GUI thread). So:

- ``step_losses`` is a window of the newest steps: past ``MAX_STEP_LOSSES`` the oldest half is
  dropped and ``first_step`` (the step number of ``step_losses[0]``) moves on;
- the epoch columns (``epochs`` and one list per metric in ``metrics``) keep every row until
  ``MAX_EPOCH_ROWS``; then the older half is thinned to every second row, so recent epochs stay
  exact and the whole run's shape stays (older rows ever sparser, never more than the cap).

A short run (the tests', a lesson's) is kept whole: the caps are far above it.
"""

from __future__ import annotations

import math
from typing import Any

from engine.snapshots import Snapshot

MAX_STEP_LOSSES = 100_000  # newest step losses kept (older ones dropped, half at a time)
MAX_EPOCH_ROWS = 5_000  # epoch rows kept (the older half thinned when passed)


class TrainingHistory:
    """Everything received so far, within bounds: per-step losses and per-epoch metrics (NaN
    where absent). ``step_losses[i]`` is the loss of optimizer step ``first_step + i``;
    ``metrics[name][i]`` belongs to epoch ``epochs[i]``."""

    def __init__(self, max_steps: int = MAX_STEP_LOSSES, max_rows: int = MAX_EPOCH_ROWS) -> None:
        self.step_losses: list[float] = []
        self.first_step = 1
        self.epochs: list[int] = []
        self.metrics: dict[str, list[float]] = {}
        self.max_steps, self.max_rows = max_steps, max_rows

    def clear(self) -> None:
        self.step_losses.clear()
        self.first_step = 1
        self.epochs.clear()
        self.metrics.clear()

    @property
    def steps_seen(self) -> int:
        """How many step losses came in since ``clear`` (kept or dropped)."""
        return self.first_step - 1 + len(self.step_losses)

    def add(self, snap: Snapshot) -> None:
        self.step_losses.extend(snap.batch_losses)
        if len(self.step_losses) > self.max_steps:
            drop = len(self.step_losses) - self.max_steps // 2
            del self.step_losses[:drop]
            self.first_step += drop
        for row in snap.epoch_rows:
            epoch = int(row["epoch"])
            if self.epochs and self.epochs[-1] >= epoch:
                continue
            self.epochs.append(epoch)
            for key in row.keys() - self.metrics.keys() - {"epoch", "step"}:
                self.metrics[key] = [math.nan] * (len(self.epochs) - 1)
            for key, values in self.metrics.items():
                values.append(float(row.get(key, math.nan)))
        if len(self.epochs) > self.max_rows:
            self._thin_older_rows()

    def _thin_older_rows(self) -> None:
        """Every second row of the older half goes; the newer half stays whole."""
        half = len(self.epochs) // 2
        columns: list[list[Any]] = [self.epochs, *self.metrics.values()]
        for column in columns:
            column[:half] = column[:half:2]
