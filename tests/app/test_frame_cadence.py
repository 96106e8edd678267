"""How often the decision map can move: probe cadence in the worker and snapshot coalescing
in the session (the GUI thread draws the latest state once when it fell behind)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from app.session import coalesce_snapshots
from app.worker import (
    EMIT_INTERVAL_S,
    PROBE_COST_SHARE,
    WATCH_PROBE_SHARE,
    TrainingWorker,
)
from engine.project import load_project
from engine.recipes import prepare
from engine.snapshots import STEP, Snapshot
from engine.warmup import EXAMPLES


def _snap(step: int, losses: tuple[float, ...], probes: dict | None = None,
          rows: tuple = ()) -> Snapshot:
    return Snapshot(event=STEP, step=step, epoch=0, epoch_progress=0.0, samples_seen=step,
                    batch_losses=losses, train_loss=None, val_loss=None, metrics={},
                    learning_rate=0.1, elapsed=1.0, samples_per_second=1.0,
                    time_to_first_step=None, probes=probes or {}, epoch_rows=rows)


def test_consecutive_snapshots_merge_keeping_every_loss_and_the_newest_map():
    old_map, new_map = np.zeros((2, 2)), np.ones((2, 2))
    events = [("snapshot", _snap(2, (1.0, 0.9), {"decision_grid": old_map})),
              ("snapshot", _snap(3, (0.8,), rows=({"epoch": 1, "step": 3},))),
              ("snapshot", _snap(5, (0.7, 0.6), {"decision_grid": new_map})),
              ("activity", "paused"),
              ("snapshot", _snap(6, (0.5,)))]
    out = coalesce_snapshots(events)
    assert [kind for kind, _ in out] == ["snapshot", "activity", "snapshot"]
    merged = out[0][1]
    assert merged.step == 5 and merged.batch_losses == (1.0, 0.9, 0.8, 0.7, 0.6)
    assert merged.epoch_rows == ({"epoch": 1, "step": 3},)
    assert merged.probes["decision_grid"] is new_map
    assert out[2][1].step == 6  # after another event: not merged across it


def test_a_map_without_newer_probes_survives_the_merge():
    grid = np.zeros((2, 2))
    out = coalesce_snapshots([("snapshot", _snap(1, (1.0,), {"decision_grid": grid})),
                              ("snapshot", _snap(2, (0.9,)))])
    assert len(out) == 1 and out[0][1].probes["decision_grid"] is grid


def _worker(probe_seconds: float) -> TrainingWorker:
    """A worker (not started) for the xor example whose latest probes took ``probe_seconds``."""
    trainer = prepare(load_project(EXAMPLES / "xor.layerlab.json")).trainer
    trainer.probe_grid.last_seconds = probe_seconds
    return TrainingWorker(trainer, [])


def test_cheap_probes_follow_every_emitted_snapshot():
    worker = _worker(0.001)
    assert worker._probe_interval() == EMIT_INTERVAL_S  # ~30 maps a second


def test_a_watched_run_spends_up_to_half_its_waiting_time_on_probes():
    worker = _worker(0.008)  # a 2 ms probe on a loaded machine
    full_speed = worker._probe_interval()
    assert full_speed == 0.008 / PROBE_COST_SHARE  # training time comes first at full speed
    worker.set_step_rate(1000)
    watched = worker._probe_interval()
    assert watched == max(EMIT_INTERVAL_S, 0.008 / WATCH_PROBE_SHARE)
    assert 1 / watched >= 24 > 1 / full_speed


def test_merged_snapshot_is_a_plain_snapshot():
    snap = _snap(1, (1.0,))
    (kind, merged), = coalesce_snapshots([("snapshot", snap), ("snapshot", replace(snap, step=2))])
    assert kind == "snapshot" and isinstance(merged, Snapshot) and merged.step == 2


def test_a_training_thread_hands_the_gil_to_the_gui_often(monkeypatch):
    import sys

    from app import worker as worker_module

    monkeypatch.setattr(sys, "getswitchinterval", lambda: 0.005)
    chosen: list[float] = []
    monkeypatch.setattr(sys, "setswitchinterval", chosen.append)
    worker_module.share_the_gil()
    assert chosen == [worker_module.GIL_SWITCH_INTERVAL_S] and chosen[0] <= 0.001
