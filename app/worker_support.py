"""The training thread's helpers that need no worker: GIL sharing, merging snapshots, sizing
pulls, and handing introspection requests to a trainer's probe set (``app.worker`` uses them;
``app.timeline`` and ``app.preparation`` ask probes the same way)."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

from engine.introspection import probe_batch_from
from engine.probes import ProbeSet
from engine.snapshots import Snapshot
from engine.trainer_protocol import RecipeTrainer

TARGET_CHUNK_S = 0.02  # wanted duration of one pull (pause/stop latency is about this)
MAX_CHUNK_STEPS = 100_000
GIL_SWITCH_INTERVAL_S = 0.001  # see share_the_gil


def share_the_gil(interval_s: float = GIL_SWITCH_INTERVAL_S) -> None:
    """Make a thread that runs Python hand the GIL over after ``interval_s`` (default 5 ms).

    Every paint and slot of the GUI thread is a Python callback that must take the GIL; while
    the training thread runs Python between its (nogil) kernels, each of those waited up to
    the 5 ms default — measured at full speed on the spiral: median event-loop gap ~150 ms
    and ~5 snapshots/s reaching the views, against ~6 ms and ~18/s with 0.5–1 ms."""
    if sys.getswitchinterval() > interval_s:
        sys.setswitchinterval(interval_s)


def merge_snapshots(older: Snapshot | None, newer: Snapshot) -> Snapshot:
    """``newer`` carrying every loss and the latest probes of ``older`` (which it follows)."""
    if older is None:
        return newer
    return replace(
        newer, batch_losses=older.batch_losses + newer.batch_losses,
        epoch_rows=older.epoch_rows + newer.epoch_rows,
        probes={**older.probes, **newer.probes} if older.probes else newer.probes,
        extra={**older.extra, **newer.extra} if older.extra else newer.extra,
    )


class ChunkSizer:
    """Steps per pull such that one pull takes about ``target`` seconds."""

    def __init__(self, target: float = TARGET_CHUNK_S) -> None:
        self.target, self.steps = target, 1

    def update(self, seconds: float, steps: int) -> int:
        """Record that ``steps`` steps took ``seconds``; return the next chunk size."""
        if steps > 0 and seconds > 0:
            wanted = int(self.target * steps / seconds)
            # shrink at once (latency matters), grow at most 4x per pull (JIT warm-up, noise)
            self.steps = max(1, min(wanted, 4 * self.steps, MAX_CHUNK_STEPS))
        return self.steps


def with_introspection(trainer: RecipeTrainer, names: list[str],
                       requests: dict[str, dict[str, Any]],
                       budget_s: float | None) -> list[str]:
    """``names`` plus ``"introspection"`` when the trainer's probe set can compute the
    ``requests`` (given to it here, with its probe batch the first time and ``budget_s``)."""
    grid = trainer.probe_grid
    if not isinstance(grid, ProbeSet):  # only the supervised probe set computes introspection
        return list(names)
    grid.set_introspection(requests)
    grid.introspection_budget_s = budget_s
    if not requests:
        return [n for n in names if n != "introspection"]
    if grid.probe_batch is None:  # a new probe set (new run or new data): new fixed samples
        grid.probe_batch = probe_batch_from(trainer)
    return [*names, "introspection"]
