"""Introspection probes in a live session (digits MLP) and the Coach's advice signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.coach_monitor import CoachMonitor
from app.session import TrainingHistory, TrainingSession
from engine.project import load_project
from engine.snapshots import EPOCH, FINISHED, Snapshot

DIGITS = Path(__file__).resolve().parents[2] / "assets" / "examples" / "digits_mlp.layerlab.json"
ALL = {"saliency": {"method": "grad_x_input", "index": 3}, "fgsm": {"epsilon": 0.05},
       "latent": {"layer": "hidden"}, "dynamics": {}, "evaluation": {}}


@pytest.fixture
def session(qtbot):
    s = TrainingSession()
    project = load_project(DIGITS)
    project.training.epochs = 100_000
    assert s.load(project)
    yield s
    s.shutdown()


def latest(session: TrainingSession, name: str) -> dict | None:
    snap = session.last_snapshot
    return None if snap is None else snap.probes.get(f"introspection:{name}")


def test_idle_session_computes_requests_at_once(session):
    assert latest(session, "saliency") is None
    session.set_probe_requests(ALL)
    for name in ALL:
        assert "error" not in latest(session, name), name
    sal = latest(session, "saliency")
    assert sal["heat"].shape == (64,) and sal["input"].shape == (64,) and sal["index"] == 3
    assert latest(session, "latent")["points"].shape == (256, 2)
    assert latest(session, "evaluation")["confusion"].shape == (10, 10)
    assert latest(session, "fgsm")["adversarial"].shape == (64,)


def test_running_session_delivers_and_follows_new_requests(qtbot, session):
    session.set_probe_requests({"saliency": {"index": 0}, "dynamics": {}})
    seen: list[Snapshot] = []
    session.snapshot_ready.connect(seen.append)
    session.play()
    qtbot.waitUntil(lambda: any("introspection:dynamics" in s.probes and s.step > 0
                                for s in seen), timeout=20_000)
    session.set_probe_requests({"saliency": {"index": 7, "method": "smoothgrad"}})

    def follows() -> bool:
        sal = latest(session, "saliency")
        return sal is not None and sal["options"].get("index") == 7 and sal["index"] == 7
    qtbot.waitUntil(follows, timeout=5000)
    assert session.state == "running"
    last = session.last_snapshot.step
    qtbot.waitUntil(lambda: session.last_snapshot.step > last, timeout=5000)  # still training


def test_paused_session_answers_new_requests(qtbot, session):
    session.play()
    qtbot.waitUntil(lambda: session.last_snapshot.step > 5, timeout=20_000)
    session.pause()
    qtbot.waitUntil(lambda: session.state == "paused", timeout=2000)
    step = session.last_snapshot.step
    session.set_probe_requests({"fgsm": {"index": 5, "epsilon": 0.2}})
    qtbot.waitUntil(lambda: latest(session, "fgsm") is not None, timeout=2000)
    assert latest(session, "fgsm")["options"]["epsilon"] == 0.2
    assert session.last_snapshot.step == step  # no training happened


def overfitting_snapshots(epochs: int = 14) -> list[Snapshot]:
    """Training loss falls all along; validation loss bottoms out at epoch 5 and rises."""
    out = []
    for e in range(1, epochs + 1):
        train, val = 1.0 / e, 0.5 + 0.05 * abs(e - 5)
        row = {"epoch": e, "step": 10 * e, "train_loss": train, "val_loss": val}
        out.append(Snapshot(event=FINISHED if e == epochs else EPOCH, step=10 * e, epoch=e,
                            epoch_progress=0.0, samples_seen=0, batch_losses=(train,) * 10,
                            train_loss=train, val_loss=val, metrics={}, learning_rate=0.01,
                            elapsed=e, samples_per_second=0.0, time_to_first_step=None,
                            epoch_rows=(row,)))
    return out


def test_coach_monitor_advises_once_on_overfitting():
    history = TrainingHistory()
    monitor = CoachMonitor(history, interval=0.0)
    said = []
    for snap in overfitting_snapshots():
        history.add(snap)
        advice = monitor.take(snap)
        if advice is not None:
            said.append(advice)
    assert said and any(a.kind == "overfitting" for a in said[-1])
    assert len(said) < len(overfitting_snapshots())  # not re-emitted every epoch
    again = overfitting_snapshots()[-1]
    assert monitor.take(again) is None  # the same advice is not emitted twice


def test_session_emits_advice_and_clears_it(qtbot, session):
    session.coach.interval = 0.0
    lists: list[list] = []
    session.advice_changed.connect(lists.append)
    for snap in overfitting_snapshots():
        session._take_snapshot(snap)
    assert lists and lists[-1][0].kind == "overfitting"
    assert "validation loss has risen" in lists[-1][0].message
    with qtbot.waitSignal(session.advice_changed, timeout=1000) as blocker:
        session.reset_weights()
    assert blocker.args == [[]]


def test_coach_sees_dead_relus_from_dynamics_frames(qtbot):
    history = TrainingHistory()
    monitor = CoachMonitor(history, interval=0.0)
    frame = {"dead_fraction": {"hidden": 0.8}, "layers": ["hidden"], "grad_rms": {}}
    snap = overfitting_snapshots(1)[0]
    snap = Snapshot(**{**snap.__dict__, "probes": {"introspection:dynamics": frame}})
    history.add(snap)
    advice = monitor.take(snap)
    assert advice is not None and any(a.kind == "dead_relu" for a in advice)
    assert np.isclose(next(a for a in advice if a.kind == "dead_relu")
                      .evidence["dead_fraction"]["hidden"], 0.8)
