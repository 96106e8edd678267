"""How often the decision map can move: probe cadence in the worker and snapshot coalescing
in the session (the GUI thread draws the latest state once when it fell behind)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from app.probe_schedule import (
    EMIT_INTERVAL_S,
    FULL_COST_SHARE,
    FULL_MIN_INTERVAL_S,
    WATCH_COST_SHARE,
    ProbeSchedule,
)
from app.session import coalesce_snapshots
from engine.snapshots import STEP, Snapshot


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


def _schedule(full_seconds: float) -> ProbeSchedule:
    """A schedule whose full probe sets took ``full_seconds`` (the first one at t = 0)."""
    schedule = ProbeSchedule()
    for _ in range(3):
        schedule.computed("full", 0.0, full_seconds)
    return schedule


def _kinds(schedule: ProbeSchedule, seconds: float, watched: bool,
           pull_s: float = EMIT_INTERVAL_S + 0.002, cost: float = 0.001) -> list[str]:
    """The kinds chosen for pulls every ``pull_s`` (a little over 1/30 s, as measured),
    full probe sets costing ``cost`` seconds."""
    kinds, t = [], pull_s
    while t < seconds:
        kind = schedule.choose(t, forced=False, watched=watched)
        if kind != "none":
            schedule.computed(kind, t, cost)
        kinds.append(kind)
        t += pull_s
    return kinds


def test_cheap_probes_follow_every_emitted_snapshot():
    schedule = _schedule(0.001)
    assert schedule.full_interval(watched=False) == FULL_MIN_INTERVAL_S  # ~15 full sets a second
    assert _kinds(schedule, 1.0, watched=False).count("none") == 0


def test_pulls_a_millisecond_early_still_get_their_map():
    """Pulls every 1/30 s minus a little: the map must not skip every other one."""
    kinds = _kinds(_schedule(0.001), 1.0, watched=True, pull_s=EMIT_INTERVAL_S - 0.002)
    assert kinds.count("none") == 0


def test_costly_probes_get_rarer_but_the_map_keeps_its_pace():
    schedule = _schedule(0.008)  # full probes costing 8 ms: ~9 sets a second at 7 %
    assert schedule.full_interval(watched=False) == 0.008 / FULL_COST_SHARE
    kinds = _kinds(schedule, 2.0, watched=False, cost=0.008)
    full = kinds.count("full") / 2.0
    assert 1 / (schedule.full_interval(False) + EMIT_INTERVAL_S) <= full <= 1 / 0.1
    assert kinds.count("none") == 0  # every other pull still moves the map: ~30 frames/s


def test_a_watched_run_spends_up_to_half_its_waiting_time_on_probes():
    schedule = _schedule(0.008)
    watched = schedule.full_interval(watched=True)
    assert watched == max(FULL_MIN_INTERVAL_S, 0.008 / WATCH_COST_SHARE)
    assert 1 / watched >= 15 > 1 / schedule.full_interval(watched=False)


def test_one_slow_compute_does_not_halve_the_rate():
    """A compute that waited for the GIL costs several times the usual: the median rules."""
    schedule = _schedule(0.001)
    schedule.computed("full", 1.0, 0.05)
    assert schedule.full_interval(watched=False) == FULL_MIN_INTERVAL_S


def test_forced_probes_are_full_at_once():
    schedule = _schedule(0.001)
    schedule.computed("full", 1.0, 0.001)
    assert schedule.choose(1.001, forced=True, watched=False) == "full"
    assert schedule.choose(1.001, forced=False, watched=False) == "none"


def test_merged_snapshot_is_a_plain_snapshot():
    snap = _snap(1, (1.0,))
    (kind, merged), = coalesce_snapshots([("snapshot", snap), ("snapshot", replace(snap, step=2))])
    assert kind == "snapshot" and isinstance(merged, Snapshot) and merged.step == 2


def test_a_training_thread_hands_the_gil_to_the_gui_often(monkeypatch):
    import sys

    from app import worker_support as worker_module

    monkeypatch.setattr(sys, "getswitchinterval", lambda: 0.005)
    chosen: list[float] = []
    monkeypatch.setattr(sys, "setswitchinterval", chosen.append)
    worker_module.share_the_gil()
    assert chosen == [worker_module.GIL_SWITCH_INTERVAL_S] and chosen[0] <= 0.001
