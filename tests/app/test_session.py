"""TrainingSession: play/pause/step/stop/reset on a tiny XOR network, timing and error paths.

Runs offscreen with pytest-qt; no widgets. Latencies are measured from the control call to the
worker's acknowledgement (``state_changed``), which is what a learner perceives.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from app.probe_schedule import EARLY_S, EMIT_INTERVAL_S
from app.session import TrainingHistory, TrainingSession, default_probes
from app.worker import ChunkSizer, merge_snapshots
from engine.graph import Graph
from engine.project import Project
from engine.snapshots import Snapshot
from engine.training import TrainConfig

FIRST_SNAPSHOT_MS = 120_000  # the very first step may JIT-compile kernels
LATENCY_S = 0.1


def xor_project(epochs: int = 60, n_samples: int = 200, output: str = "sigmoid",
                **training) -> Project:
    graph = Graph.sequential([
        {"kind": "Input", "shape": [2]},
        {"kind": "Dense", "units": 4, "activation": "tanh"},
        {"kind": "Dense", "units": 1, "activation": output},
    ])
    config = TrainConfig(epochs=epochs, batch_size=16, seed=3, **training)
    return Project(graph=graph, dataset={"name": "xor", "n_samples": n_samples},
                   training=config, name="xor test")


@pytest.fixture
def session(qtbot):
    s = TrainingSession()
    yield s
    s.shutdown()


def long_session(session: TrainingSession) -> TrainingSession:
    assert session.load(xor_project(epochs=1_000_000, n_samples=2000,
                                    optimizer="sgd", optimizer_options={"learning_rate": 0.01}))
    return session


def run_until_step(qtbot, session: TrainingSession, step: int) -> None:
    session.play()
    qtbot.waitUntil(lambda: session.last_snapshot.step >= step, timeout=FIRST_SNAPSHOT_MS)


def wait_state(qtbot, session: TrainingSession, state: str, action, timeout: int = 5000) -> float:
    """Run ``action`` and wait for ``state``; return the seconds it took."""
    with qtbot.waitSignal(session.state_changed, timeout=timeout,
                          check_params_cb=lambda s: s == state):
        t0 = time.perf_counter()
        action()
    return time.perf_counter() - t0


# -- training end to end ---------------------------------------------------------------------------
def test_load_shows_untrained_network_with_probes(qtbot, session):
    with qtbot.waitSignal(session.snapshot_ready) as blocker:
        assert session.load(xor_project())
    first = blocker.args[0]
    assert session.state == "idle" and first.step == 0
    assert first.probes["decision_grid"].shape == (60, 60)
    assert {"decision_grid", "neuron_maps", "weights"} <= set(session.probes)


def test_play_trains_and_no_loss_is_dropped(qtbot, session):
    session.load(xor_project(epochs=80, optimizer_options={"learning_rate": 0.05}))
    seen: list[Snapshot] = []
    session.snapshot_ready.connect(seen.append)
    with qtbot.waitSignal(session.run_finished, timeout=FIRST_SNAPSHOT_MS) as blocker:
        session.play()
    final = blocker.args[0]
    assert final.event == "finished" and session.state == "finished"
    losses = session.history.step_losses
    assert len(losses) == final.step == sum(len(s.batch_losses) for s in seen)
    assert np.mean(losses[-20:]) < 0.5 * np.mean(losses[:20])
    assert session.history.epochs == list(range(1, 81))  # every epoch delivered
    assert len(session.history.metrics["val_accuracy"]) == 80
    assert final.probes["decision_grid"].shape == (60, 60)  # final picture is current
    assert not session.is_worker_alive()


def test_pause_is_fast_and_really_stops(qtbot, session):
    run_until_step(qtbot, long_session(session), 200)
    latency = wait_state(qtbot, session, "paused", session.pause)
    assert latency < LATENCY_S
    step = session.trainer.step
    qtbot.wait(150)
    assert session.trainer.step == step and session.last_snapshot.step == step
    assert session.last_snapshot.probes  # the paused picture shows the current weights
    wait_state(qtbot, session, "running", session.play)
    qtbot.waitUntil(lambda: session.last_snapshot.step > step + 10, timeout=2000)


def test_snapshots_and_probes_are_throttled(qtbot, session):
    session.load(xor_project(epochs=1000, n_samples=20000, batch_mode="single",
                             optimizer="sgd", optimizer_options={"learning_rate": 0.01}))
    run_until_step(qtbot, session, 1)
    times: list[tuple[float, Snapshot]] = []
    session.snapshot_ready.connect(lambda s: times.append((time.perf_counter(), s)))
    qtbot.wait(600)
    session.pause()
    qtbot.waitUntil(lambda: session.state == "paused", timeout=1000)
    span = times[-1][0] - times[0][0]
    steps = [s for _, s in times if s.event == "step"]
    assert 3 <= len(steps) <= 30 * span + 3  # ~30 Hz at most
    # probes at most once per emitted snapshot (app.probe_schedule)
    assert sum(1 for _, s in times if s.probes) <= span / (EMIT_INTERVAL_S - EARLY_S) + 3
    first, last = times[0][1], times[-1][1]
    received = sum(len(s.batch_losses) for _, s in times)
    assert received == last.step - first.step + len(first.batch_losses)  # merged, not dropped


def test_step_batch_advances_exactly_one_step(qtbot, session):
    long_session(session)
    wait_state(qtbot, session, "paused", session.step_batch, timeout=FIRST_SNAPSHOT_MS)
    assert session.trainer.step == session.last_snapshot.step == 1
    for expected in (2, 3):
        wait_state(qtbot, session, "paused", session.step_batch)
        assert session.trainer.step == session.last_snapshot.step == expected
    assert len(session.history.step_losses) == 3


def test_step_epoch_ends_on_an_epoch_boundary(qtbot, session):
    long_session(session)
    wait_state(qtbot, session, "paused", session.step_batch, timeout=FIRST_SNAPSHOT_MS)
    per_epoch = math.ceil(len(session.data.x_train) / 16)
    wait_state(qtbot, session, "paused", session.step_epoch)
    snap = session.last_snapshot
    assert snap.event == "epoch" and snap.epoch == 1 and snap.step == per_epoch
    wait_state(qtbot, session, "paused", session.step_epoch)  # a whole epoch from a boundary
    assert session.last_snapshot.step == 2 * per_epoch and session.history.epochs == [1, 2]


def test_learning_rate_changes_live(qtbot, session):
    long_session(session)
    wait_state(qtbot, session, "paused", session.step_batch, timeout=FIRST_SNAPSHOT_MS)
    assert session.last_snapshot.learning_rate == pytest.approx(0.01)
    session.set_learning_rate(0.125)
    wait_state(qtbot, session, "paused", session.step_batch)
    assert session.last_snapshot.learning_rate == pytest.approx(0.125)
    session.play()
    session.set_learning_rate(0.05)
    qtbot.waitUntil(lambda: session.last_snapshot.learning_rate == pytest.approx(0.05),
                    timeout=2000)


def test_stop_is_fast_and_ends_the_thread(qtbot, session):
    run_until_step(qtbot, long_session(session), 200)
    with qtbot.waitSignal(session.run_finished, timeout=2000) as blocker:
        latency = wait_state(qtbot, session, "stopped", session.stop)
    assert latency < LATENCY_S
    assert blocker.args[0].event == "stopped"
    assert session.wait_for_worker(0.5) and not session.is_worker_alive()


def test_stop_while_paused_takes_no_extra_step(qtbot, session):
    long_session(session)
    wait_state(qtbot, session, "paused", session.step_batch, timeout=FIRST_SNAPSHOT_MS)
    with qtbot.waitSignal(session.run_finished, timeout=2000) as blocker:
        wait_state(qtbot, session, "stopped", session.stop)
    assert blocker.args[0].step == 1 and session.trainer.step == 1


def test_shutdown_mid_training_is_clean(qtbot, session):
    run_until_step(qtbot, long_session(session), 100)
    seen: list[Snapshot] = []
    session.snapshot_ready.connect(seen.append)
    t0 = time.perf_counter()
    session.shutdown()
    assert time.perf_counter() - t0 < 1.0
    assert not session.is_worker_alive() and session.state == "stopped"
    qtbot.wait(100)
    assert seen == []  # late events of the abandoned run are ignored


def test_reset_weights_restores_the_seeded_model(qtbot, session):
    session.load(xor_project(epochs=5))
    initial = session.model.params_flat.copy()
    with qtbot.waitSignal(session.run_finished, timeout=FIRST_SNAPSHOT_MS):
        session.play()
    assert not np.allclose(session.model.params_flat, initial)
    with qtbot.waitSignal(session.history_cleared):
        session.reset_weights()
    assert session.state == "idle" and session.history.step_losses == []
    np.testing.assert_array_equal(session.model.params_flat, initial)
    assert session.trainer.step == 0


def test_diverging_run_reports_why(qtbot, session):
    project = xor_project(epochs=50, output="linear", loss="mse", optimizer="sgd",
                          optimizer_options={"learning_rate": 1e6})
    session.load(project)
    with qtbot.waitSignal(session.run_finished, timeout=FIRST_SNAPSHOT_MS) as blocker:
        session.play()
    final = blocker.args[0]
    assert final.event == "diverged" and "learning rate" in final.message.lower()
    assert session.state == "finished"


# -- errors ----------------------------------------------------------------------------------------
def test_invalid_project_reports_learner_message(qtbot, session):
    graph = Graph.sequential([
        {"kind": "Input", "shape": [1, 8, 8]},
        {"kind": "Dense", "units": 4, "activation": "relu"},
        {"kind": "Dense", "units": 10, "activation": "softmax"},
    ])
    project = Project(graph=graph, dataset={"name": "digits", "as_image": True})
    with qtbot.waitSignal(session.error_occurred) as blocker:
        assert session.load(project) is False
    assert "Flatten" in blocker.args[0]
    assert session.state == "error"
    session.play()  # harmless: nothing to train
    assert not session.is_worker_alive()


@pytest.mark.expect_logged_errors  # the crash is logged with its traceback on purpose
def test_unexpected_worker_error_ends_cleanly(qtbot, session, monkeypatch, caplog):
    session.load(xor_project())

    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(session.trainer.stepper, "run", broken)
    with qtbot.waitSignal(session.error_occurred, timeout=FIRST_SNAPSHOT_MS) as blocker:
        session.play()
    assert blocker.args[0] == "Training failed unexpectedly: RuntimeError: boom"
    assert any(r.exc_info and "crashed" in r.getMessage() for r in caplog.records)
    qtbot.waitUntil(lambda: session.state == "error", timeout=1000)
    assert not session.is_worker_alive()


def test_invalid_learning_rate_is_refused(qtbot, session):
    session.load(xor_project())
    with qtbot.waitSignal(session.error_occurred):
        session.set_learning_rate(-1.0)


# -- helpers ---------------------------------------------------------------------------------------
def _snap(event="step", step=1, losses=(1.0,), probes=None, epoch=0, metrics=None):
    rows = ({"epoch": epoch, **(metrics or {})},) if event == "epoch" else ()
    return Snapshot(event=event, step=step, epoch=epoch, epoch_progress=0.5, samples_seen=step,
                    batch_losses=tuple(losses), train_loss=None, val_loss=None,
                    metrics=metrics or {}, learning_rate=0.1, elapsed=1.0,
                    samples_per_second=1.0, time_to_first_step=None, probes=probes or {},
                    epoch_rows=rows)


def test_merge_keeps_every_loss_and_latest_probes():
    grid = {"decision_grid": np.zeros((2, 2))}
    merged = merge_snapshots(_snap(step=2, losses=(3.0, 2.0), probes=grid),
                             _snap(step=3, losses=(1.0,)))
    assert merged.step == 3 and merged.batch_losses == (3.0, 2.0, 1.0)
    assert merged.probes is not grid and "decision_grid" in merged.probes
    epochs = merge_snapshots(_snap("epoch", epoch=1, metrics={"train_loss": 2.0}),
                             _snap("epoch", epoch=2, metrics={"train_loss": 1.0}))
    assert [row["epoch"] for row in epochs.epoch_rows] == [1, 2]


def test_chunk_sizer_targets_20ms_and_shrinks_at_once():
    sizer = ChunkSizer(0.02)
    assert sizer.update(0.001, 1) == 4  # growth capped at 4x per pull
    for _ in range(10):
        sizer.update(0.0001 * sizer.steps, sizer.steps)
    assert sizer.steps == 200
    assert sizer.update(1.0, 200) == 4  # slow chunk: shrink immediately


def test_history_aligns_metrics_that_appear_late():
    history = TrainingHistory()
    history.add(_snap("epoch", epoch=1, metrics={"train_loss": 1.0}))
    history.add(_snap("epoch", epoch=2, metrics={"train_loss": 0.5, "val_loss": 0.7}))
    history.add(_snap("step", step=3, losses=(0.4, 0.3)))
    assert history.epochs == [1, 2] and history.step_losses == [1.0, 1.0, 0.4, 0.3]
    assert history.metrics["train_loss"] == [1.0, 0.5]
    assert math.isnan(history.metrics["val_loss"][0]) and history.metrics["val_loss"][1] == 0.7


def test_default_probes_follow_the_input():
    class Fake:
        def __init__(self, shape, n):
            self.input_shape, self.n_params, self.task = shape, n, "regression"

    assert default_probes(["weights"], Fake((2,), 5000), Fake((2,), 0)) == [
        "weights", "decision_grid"]
    assert default_probes([], Fake((1,), 10), Fake((1,), 0)) == ["curve"]
