"""TrainingSession.update_data: the learner edits the points while the network trains."""

from __future__ import annotations

import numpy as np
import pytest

from app.session import TrainingSession, default_probes
from engine.datasets.point_edits import edited_spec
from engine.datasets.points import points_of
from engine.datasets.registry import load_dataset
from engine.graph import Graph
from engine.project import Project
from engine.training import TrainConfig

FIRST_SNAPSHOT_MS = 120_000  # the first step may JIT-compile kernels
SPEC = {"name": "xor", "n_samples": 400}


def project(epochs: int = 1_000_000, features: list[str] | None = None) -> Project:
    inputs = len(features) if features else 2
    graph = Graph.sequential([
        {"kind": "Input", "shape": [inputs]},
        {"kind": "Dense", "units": 4, "activation": "tanh"},
        {"kind": "Dense", "units": 1, "activation": "sigmoid"},
    ])
    spec = {**SPEC, "features": features} if features else dict(SPEC)
    config = TrainConfig(epochs=epochs, batch_size=16, seed=3, optimizer="sgd",
                         optimizer_options={"learning_rate": 0.01})
    return Project(graph=graph, dataset=spec, training=config, name="live data")


def far_points(data) -> object:
    """The same points plus a far corner: the decision map's extent must grow to it."""
    return load_dataset(edited_spec(SPEC, points_of(data) + [[6.0, 6.0, 1]], data))


@pytest.fixture
def session(qtbot):
    s = TrainingSession()
    yield s
    s.shutdown()


def test_update_data_while_running_changes_the_next_grid(qtbot, session):
    assert session.load(project())
    session.play()
    qtbot.waitUntil(lambda: session.last_snapshot.step > 50, timeout=FIRST_SNAPSHOT_MS)
    old_extent = session.last_snapshot.probes.get("grid_extent")
    new = far_points(session.data)
    with qtbot.waitSignal(session.data_replaced, timeout=2000) as blocker:
        assert session.update_data(new)
    assert blocker.args[0] is new and session.data is new
    qtbot.waitUntil(lambda: session.last_snapshot.probes.get("grid_extent") is not None
                    and session.last_snapshot.probes["grid_extent"][1] > 6.0, timeout=2000)
    assert old_extent is None or old_extent[1] < 2.0
    step = session.last_snapshot.step
    qtbot.waitUntil(lambda: session.last_snapshot.step > step + 20, timeout=2000)
    assert session.state == "running" and session.trainer.data is new


def test_update_data_while_paused_shows_the_new_map_at_once(qtbot, session):
    session.load(project())
    session.play()
    qtbot.waitUntil(lambda: session.last_snapshot.step > 10, timeout=FIRST_SNAPSHOT_MS)
    session.pause()
    qtbot.waitUntil(lambda: session.state == "paused", timeout=2000)
    step = session.last_snapshot.step
    session.update_data(far_points(session.data))
    qtbot.waitUntil(lambda: session.last_snapshot.probes.get("grid_extent") is not None
                    and session.last_snapshot.probes["grid_extent"][1] > 6.0, timeout=2000)
    assert session.last_snapshot.step == step and session.state == "paused"  # no training


def test_data_that_does_not_fit_is_refused_and_training_goes_on(qtbot, session):
    session.load(project())
    old = session.data
    session.play()
    qtbot.waitUntil(lambda: session.last_snapshot.step > 10, timeout=FIRST_SNAPSHOT_MS)
    three = load_dataset(edited_spec(SPEC, points_of(old) + [[0.0, 0.0, 2]], old))
    with qtbot.waitSignal(session.error_occurred, timeout=2000) as blocker:
        session.update_data(three)
    assert "3 classes" in blocker.args[0] and "1 unit" in blocker.args[0]
    step = session.last_snapshot.step
    qtbot.waitUntil(lambda: session.last_snapshot.step > step + 20, timeout=2000)
    assert session.state == "running" and session.data is old and session.trainer.data is old


def test_update_data_when_idle_and_after_the_run(qtbot, session):
    session.load(project(epochs=2))
    spec = edited_spec(SPEC, points_of(session.data) + [[6.0, 6.0, 1]], session.data)
    new = load_dataset(spec)
    with qtbot.waitSignal(session.snapshot_ready, timeout=2000) as blocker:
        assert session.update_data(new, spec)
    assert blocker.args[0].probes["grid_extent"][1] > 6.0 and session.data is new
    assert session.project.dataset == spec
    with qtbot.waitSignal(session.run_finished, timeout=FIRST_SNAPSHOT_MS):
        session.play()
    wrong = load_dataset({"name": "sine"})
    with qtbot.waitSignal(session.error_occurred, timeout=2000):
        assert not session.update_data(wrong)
    assert session.data is new
    with qtbot.waitSignal(session.run_finished, timeout=FIRST_SNAPSHOT_MS):
        session.play()  # a fresh run on the edited points
    assert session.trainer.data is new


def test_features_keep_the_decision_map(qtbot, session):
    with qtbot.waitSignal(session.snapshot_ready) as blocker:
        assert session.load(project(features=["x1", "x2", "x1*x2"]))
    assert "decision_grid" in session.probes
    assert blocker.args[0].probes["decision_grid"].shape == (60, 60)
    data = load_dataset({"name": "xor", "features": ["x1*x2"]})
    assert "decision_grid" in default_probes([], session.model, data)
    sine = load_dataset({"name": "sine"})
    assert "decision_grid" not in default_probes([], session.model, sine)
    assert np.isfinite(blocker.args[0].probes["decision_grid"]).all()


def test_data_problem_says_why_before_any_swap(qtbot, session):
    assert session.data_problem(load_dataset(SPEC)) == "Nothing is loaded for training yet."
    session.load(project())
    assert session.data_problem(far_points(session.data)) is None
    message = session.data_problem(load_dataset({"name": "sine"}))
    assert "Input layer" in message
    assert session.data is not None and session.trainer.data is session.data
