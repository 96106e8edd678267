"""Preparing a run off the GUI thread (``TrainingSession.prepare_in_background``).

A learner presses Play after an edit: the session says ``preparing`` at once, builds the run
on a background thread, shows its step-0 snapshot, then starts what was pressed. A newer
preparation, Stop or another project meanwhile drops the older one: its result never reaches
a view. ``app.preparation.prepare`` is gated in some tests so that the "meanwhile" is real.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

import app.preparation as preparation
from app.session import TrainingSession
from engine.graph import Graph
from engine.project import Project
from engine.training import TrainConfig
from engine.types import LayerLabError

TIMEOUT_MS = 60_000  # a first preparation may load kernels from numba's cache


def xor_project(units: int = 4, epochs: int = 40, name: str = "xor") -> Project:
    graph = Graph.sequential([
        {"kind": "Input", "shape": [2]},
        {"kind": "Dense", "units": units, "activation": "tanh"},
        {"kind": "Dense", "units": 1, "activation": "sigmoid"},
    ])
    return Project(graph=graph, dataset={"name": "xor", "n_samples": 200},
                   training=TrainConfig(epochs=epochs, batch_size=16, seed=3), name=name)


@pytest.fixture
def session(qtbot):
    s = TrainingSession()
    yield s
    s.shutdown()
    assert s.wait_for_preparation(30.0)


@pytest.fixture
def gate(monkeypatch):
    """``prepare`` of a project named "slow" waits until ``gate.release.set()``;
    ``gate.entered`` is set once it has started, ``gate.left`` once it returned."""
    class Gate:
        entered, release, left = threading.Event(), threading.Event(), threading.Event()

    real = preparation.prepare

    def prepare(project: Project, data: Any = None) -> Any:
        if project.name == "slow":
            Gate.entered.set()
            assert Gate.release.wait(30.0)
            try:
                return real(project, data)
            finally:
                Gate.left.set()
        return real(project, data)

    monkeypatch.setattr(preparation, "prepare", prepare)
    yield Gate
    Gate.release.set()


def record(session: TrainingSession) -> dict[str, list]:
    seen: dict[str, list] = {"states": [], "snapshots": [], "errors": [], "done": []}
    session.state_changed.connect(seen["states"].append)
    session.snapshot_ready.connect(seen["snapshots"].append)
    session.error_occurred.connect(seen["errors"].append)
    session.preparation_done.connect(seen["done"].append)
    return seen


def test_preparing_then_idle_with_the_untrained_network(qtbot, session):
    seen = record(session)
    assert session.prepare_in_background(xor_project())
    assert session.state == "preparing" and session.preparing and session.model is None
    qtbot.waitUntil(lambda: session.state == "idle", timeout=TIMEOUT_MS)
    assert seen["states"] == ["preparing", "idle"] and seen["done"] == [None]
    first = seen["snapshots"][-1]
    assert first.step == 0 and "decision_grid" in first.probes  # the untrained map, at once
    assert session.model is not None and session.history.steps_seen == 0


def test_play_pressed_while_preparing_runs_once_prepared(qtbot, session, gate):
    seen = record(session)
    session.prepare_in_background(xor_project(name="slow"))
    session.play()  # queued: nothing runs yet
    session.play()  # a double Play stays one run
    assert session.queued_command == "running" and not session.is_worker_alive()
    gate.release.set()
    qtbot.waitUntil(lambda: session.state in ("finished", "error"), timeout=TIMEOUT_MS)
    assert session.state == "finished" and not seen["errors"]
    assert seen["states"].count("running") == 1 and "idle" not in seen["states"]


def test_step_while_preparing_steps_once(qtbot, session, gate):
    session.prepare_in_background(xor_project(name="slow"), then="running")
    session.step_batch()  # the newer command replaces Play
    gate.release.set()
    qtbot.waitUntil(lambda: session.state == "paused", timeout=TIMEOUT_MS)
    assert len(session.history.step_losses) == 1


def test_newer_preparation_wins_and_the_stale_one_is_never_shown(qtbot, session, gate):
    seen = record(session)
    session.prepare_in_background(xor_project(units=3, name="slow"), then="running")
    assert gate.entered.wait(30.0)  # the old version is being prepared right now
    session.prepare_in_background(xor_project(units=7, epochs=1), then="step")
    gate.release.set()
    assert gate.left.wait(30.0)  # the stale preparation did finish ...
    qtbot.waitUntil(lambda: session.state == "paused", timeout=TIMEOUT_MS)
    assert session.wait_for_preparation(30.0)
    qtbot.wait(50)
    assert len(seen["done"]) == 1  # ... and was dropped: one model reached the views
    assert session.model.n_params == 2 * 7 + 7 + 7 + 1  # the newer network (7 units)
    assert all(s.step <= 1 for s in seen["snapshots"]) and len(session.history.step_losses) == 1


def test_stop_while_preparing_cancels(qtbot, session, gate):
    seen = record(session)
    session.prepare_in_background(xor_project(name="slow"), then="running")
    assert gate.entered.wait(30.0)
    session.stop()
    assert session.state == "idle" and not session.preparing and session.model is None
    gate.release.set()
    assert session.wait_for_preparation(30.0)
    qtbot.wait(50)
    assert seen["snapshots"] == [] and seen["done"] == [] and not session.is_worker_alive()
    assert session.state == "idle"


def test_unload_while_preparing_drops_it(qtbot, session, gate):
    seen = record(session)
    session.prepare_in_background(xor_project(name="slow"), then="running")
    session.unload()  # another project was opened
    gate.release.set()
    assert session.wait_for_preparation(30.0)
    qtbot.wait(50)
    assert seen["snapshots"] == [] and session.project is None and session.state == "idle"


def test_load_at_once_supersedes_a_preparation(qtbot, session, gate):
    seen = record(session)
    session.prepare_in_background(xor_project(units=3, name="slow"), then="running")
    assert session.load(xor_project(units=5))  # e.g. File → Open with a saved run
    gate.release.set()
    assert session.wait_for_preparation(30.0)
    qtbot.wait(50)
    assert session.state == "idle" and seen["done"] == [] and not session.is_worker_alive()
    assert session.model.n_params == 2 * 5 + 5 + 5 + 1


def test_failed_preparation_gives_the_plain_message(qtbot, session):
    graph = Graph.sequential([
        {"kind": "Input", "shape": [1, 8, 8]},
        {"kind": "Dense", "units": 4, "activation": "relu"},
        {"kind": "Dense", "units": 10, "activation": "softmax"},
    ])
    project = Project(graph=graph, dataset={"name": "digits", "as_image": True})
    with qtbot.waitSignal(session.error_occurred, timeout=TIMEOUT_MS) as blocker:
        session.prepare_in_background(project, then="running")
    assert "Flatten" in blocker.args[0] and "Traceback" not in blocker.args[0]
    assert session.state == "error" and not session.is_worker_alive()


def test_unexpected_error_in_preparation_is_a_message(qtbot, session, monkeypatch):
    def broken(project: Project, data: Any = None) -> Any:
        raise LayerLabError("The dataset file could not be read.")

    monkeypatch.setattr(preparation, "prepare", broken)
    with qtbot.waitSignal(session.error_occurred, timeout=TIMEOUT_MS) as blocker:
        session.prepare_in_background(xor_project(), then="running")
    assert blocker.args[0] == "The dataset file could not be read."
    assert session.state == "error"


def test_fresh_weights_in_background_keep_the_live_learning_rate(qtbot, session):
    assert session.load(xor_project(epochs=2))
    session.set_learning_rate(0.25)
    session.play()
    qtbot.waitUntil(lambda: session.state == "finished", timeout=TIMEOUT_MS)
    assert session.prepare_in_background(then="step")  # Play after the run ended
    assert session.history.step_losses == []  # a new curve at once
    qtbot.waitUntil(lambda: session.state == "paused", timeout=TIMEOUT_MS)
    assert session.trainer.learning_rate() == pytest.approx(0.25)
    assert len(session.history.step_losses) == 1


def test_kept_weights_are_loaded_by_the_preparation(qtbot, session):
    assert session.load(xor_project(units=4))
    trained = {name: w * 2.0 + 1.0 for name, w in session.weights_snapshot().items()}
    seen = record(session)
    session.prepare_in_background(xor_project(units=4, epochs=3), weights=trained)
    qtbot.waitUntil(lambda: session.state == "idle", timeout=TIMEOUT_MS)
    kept = seen["done"][0]
    assert kept.total == len(trained) and sorted(kept.names) == sorted(trained)
    now = session.weights_snapshot()
    assert all((now[k] == trained[k]).all() for k in trained)


def test_the_same_probe_requests_again_compute_nothing(qtbot, session):
    """The views resend their requests on every context change (a dataset reload before
    Play sent them five times, each one recomputing probes on the GUI thread)."""
    assert session.load(xor_project())
    seen = record(session)
    session.set_probe_requests({"dynamics": {}})
    session.set_probe_requests({"dynamics": {}})
    assert len(seen["snapshots"]) == 1 and "introspection:dynamics" in seen["snapshots"][0].probes
    session.set_probe_requests({"dynamics": {}, "saliency": {"index": 1}})
    assert len(seen["snapshots"]) == 2
