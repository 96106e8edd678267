"""Switching back to a branch (the spiral's "first run") and saving: the shown branch's
trained weights go into the ``.npz`` sidecar (reopening gives its predictions), and the
training panel and the loss plot's current curve show that branch's own numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog

from engine.checkpoints import model_weights
from engine.project import weights_path


def _branch_then_back(window, qtbot):
    """Train 4 epochs, branch at epoch 2 with SGD, batch 5, switch to the first run.
    Returns the first run's last snapshot and its whole state when it was left."""
    window.doc.set_training({"epochs": 4})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    first_last = window.session.last_snapshot
    bar, c = window.timeline, window.timeline.controller
    bar.refresh()
    bar.drag_to(next(i for i, m in enumerate(bar.items) if m.epoch >= 2))
    qtbot.waitUntil(lambda: c.last_past is not None, timeout=10000)
    window.doc.set_training({"optimizer": "sgd", "batch_size": 5})
    bar.branch_button.click()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    assert len(c.branches) == 2 and c.current == 1
    first_state = c.branches[0].present
    assert first_state is not None
    assert c.switch_to(0)
    return first_last, first_state


def _save_as(window, monkeypatch, path: Path) -> list[str]:
    posted: list[str] = []
    original = window.post
    monkeypatch.setattr(window, "post",
                        lambda text, level="info": (posted.append(text), original(text, level)))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    assert window.files.save_as()
    return posted


def _predictions(window) -> np.ndarray:
    x = np.asarray(window.session.prepared.data.x_val[:64], dtype=np.float64)
    return window.session.model.predict(x)


def _check_saved(window, qtbot, posted, path, first_state):
    assert any("with its trained weights" in p for p in posted), posted
    assert weights_path(path).exists()
    expected = model_weights(first_state)
    assert window.files.open_path(path, ask=False)
    qtbot.waitUntil(lambda: not window.session.preparing, timeout=30000)
    now = window.session.model.get_weights()
    assert all(np.allclose(now[k], expected[k], rtol=0, atol=1e-6) for k in expected)
    reopened = _predictions(window)
    window.session.model.set_weights(expected)
    assert np.allclose(reopened, _predictions(window), rtol=0, atol=1e-6)


def test_save_as_right_after_switching_back_writes_the_first_runs_weights(
        window, qtbot, tmp_path, monkeypatch):
    _, first_state = _branch_then_back(window, qtbot)
    path = tmp_path / "switched_now.layerlab.json"
    assert window.session.preparing_branch  # no event handled since: still being prepared
    posted = _save_as(window, monkeypatch, path)  # the first run may still be prepared
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    _check_saved(window, qtbot, posted, path, first_state)


def test_switching_back_shows_the_first_runs_numbers_and_curve_and_saves_it(
        window, qtbot, tmp_path, monkeypatch):
    first_last, first_state = _branch_then_back(window, qtbot)
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    values = window.training_panel.values
    assert values["epoch"].text() == "4/4"
    assert values["step"].text() == f"{first_last.step:,}"
    loss = window.plots.loss
    assert loss.run.label == "first run" and not loss.run.empty  # the current curve
    assert int(loss.run.steps.x[-1]) == first_last.step
    assert loss.raw_item.xData is not None and int(loss.raw_item.xData[-1]) == first_last.step
    assert "first run" not in [r.label for r in loss.kept]  # not also a grey earlier run
    branch = next(r for r in loss.kept if r.label == window.timeline.controller.branches[1].name)
    assert branch.steps.n > 0  # the branch's curve is the dimmed one now
    path = tmp_path / "switched.layerlab.json"  # saved once the switch has settled
    posted = _save_as(window, monkeypatch, path)
    _check_saved(window, qtbot, posted, path, first_state)
