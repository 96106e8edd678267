"""The training panel's Speed: a step-rate limit on the worker, live, that never delays Pause."""

from __future__ import annotations

import time

import pytest

from app.session import TrainingSession
from engine.training import TrainConfig
from tests.app.test_session import (
    FIRST_SNAPSHOT_MS,
    LATENCY_S,
    long_session,
    wait_state,
    xor_project,
)


@pytest.fixture
def session(qtbot):
    s = TrainingSession()
    yield s
    s.shutdown()


def steps_during(qtbot, session: TrainingSession, seconds: float) -> float:
    """Optimizer steps per second over ``seconds`` of a running session."""
    start_step, start = session.last_snapshot.step, time.perf_counter()
    qtbot.wait(int(seconds * 1000))
    return (session.last_snapshot.step - start_step) / (time.perf_counter() - start)


def test_step_rate_limits_training_and_changes_live(qtbot, session):
    long_session(session)
    session.set_step_rate(100)
    session.play()
    qtbot.waitUntil(lambda: session.last_snapshot.step > 5, timeout=FIRST_SNAPSHOT_MS)
    slow = steps_during(qtbot, session, 1.0)
    # a limit is an upper bound whatever the machine's load: ~100 steps/s, plus one chunk of
    # slack (snapshots arrive in ~1/30 s chunks); the lower bound only says it still trains,
    # with a wide margin, because a busy shared machine may run far below the limit
    assert 10 <= slow <= 130
    session.set_step_rate(0)  # full speed, live
    fast = steps_during(qtbot, session, 0.5)
    assert fast > 300  # clearly above the old limit: it was lifted live


def test_pause_answers_at_once_under_a_slow_rate(qtbot, session):
    long_session(session)
    session.set_step_rate(2)  # one step every half second
    session.play()
    qtbot.waitUntil(lambda: session.last_snapshot.step >= 1, timeout=FIRST_SNAPSHOT_MS)
    qtbot.wait(100)
    assert wait_state(qtbot, session, "paused", session.pause) < LATENCY_S


def test_the_project_speed_is_the_session_default(qtbot, session):
    project = xor_project()
    project.training.max_steps_per_second = 250.0
    assert session.load(project)
    assert session.step_rate == 250.0


def test_negative_speed_is_refused_by_the_config():
    with pytest.raises(Exception, match="speed"):
        TrainConfig.from_dict({"max_steps_per_second": -1})
