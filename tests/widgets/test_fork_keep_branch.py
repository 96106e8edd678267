"""Keep as branch: a run trained beside its parent in the Compare window joins the main
run's branch list (the spiral), with its curve on the loss plot, its final state and the
moments it recorded, so switching to it goes on exactly where it ended, with its own settings
on screen, and its timeline can be scrubbed between the fork and its end."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from app.examples import example_path
from app.variants import VariantSpec
from engine.checkpoints import restore
from engine.recipes import prepare
from tests.widgets.window_helpers import close_test_window, make_test_window


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch)
    assert win.files.open_example(example_path("spiral"))
    win.dataset_panel.ensure_current()
    yield win
    if win.timeline.compare_window is not None:
        win.timeline.compare_window.close()
    close_test_window(win)


def test_a_compared_branch_is_kept_and_switched_to(window, qtbot):
    window.doc.set_training({"epochs": 6})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    bar, c = window.timeline, window.timeline.controller
    bar.refresh()
    index = next(i for i, k in enumerate(bar.items) if k.epoch >= 3)
    fork = bar.items[index]
    bar.drag_to(index)
    compare = bar.compare_here(VariantSpec({"learning_rate": 0.05, "optimizer": "sgd"}))
    assert compare is not None
    compare.group.pause_all()  # still training: nothing to keep yet
    assert not compare.keep_button.isEnabled() and compare.keep_as_branch(1) is None
    assert "Stop all" in compare.note.text() and len(c.branches) == 1
    compare.group.resume_all()
    qtbot.waitUntil(lambda: compare.group is not None and not compare.group.running,
                    timeout=30000)
    compare.poll()
    assert compare.keep_button.isEnabled()
    run = compare.group.runs[1]
    end = run.model.get_weights()
    kept = compare.keep_as_branch(1)
    assert kept is not None and compare.keep_as_branch(1) is None  # kept once
    # the branch list: the kept run, resting at its end, forked at the moment shown
    assert [b.name for b in c.branches] == ["first run", kept.name] and c.current == 0
    branch = c.branches[1]
    assert branch.fork_step == fork.step and branch.present.step == run.last.step
    assert branch.settings["optimizer"] == "sgd" and branch.learning_rate == 0.05
    steps = [m.step for m in branch.moments]  # the run's before the fork, then the branch's
    assert fork.step in steps and steps[-1] == run.last.step and steps == sorted(set(steps))
    between = [m for m in branch.moments if fork.step < m.step < run.last.step]
    assert len(between) >= 2  # recorded while it trained in the Compare window
    assert bar.branch_box.isVisible() and bar.branch_box.count() == 2
    # its curve on the loss plot, dimmed, from the fork to its end
    curve = next(r for r in window.plots.loss.kept if r.label == kept.name)
    assert curve.steps.x[0] == fork.step + 1 and curve.steps.x[-1] == run.last.step
    assert np.allclose(curve.train.y[-1], run.last.train_loss)
    # switching to it goes on exactly where it ended, its settings on screen
    bar.now_button.click()
    assert c.switch_to(1)
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    now = window.session.model.get_weights()
    assert all(np.array_equal(now[k], end[k]) for k in end)
    # its own numbers and its curve as the current one (not only a dimmed earlier run)
    assert window.training_panel.values["step"].text() == f"{run.last.step:,}"
    assert window.session.last_snapshot.val_loss == run.last.val_loss
    assert window.session.history.steps_seen > 0  # saved with its weights
    loss = window.plots.loss
    assert loss.run.label == kept.name and int(loss.run.steps.x[-1]) == run.last.step
    assert window.training_panel.editors["optimizer"].currentData() == "sgd"
    assert window.training_panel.editors["learning_rate"].value() == pytest.approx(0.05)
    assert window.session.project.training.optimizer == "sgd"
    assert not window.run.needs_load()
    # its timeline holds the moments recorded in the Compare window: drag back to one
    bar.refresh()
    index = next(i for i, m in enumerate(bar.items) if m.step == between[0].step)
    bar.drag_to(index)
    qtbot.waitUntil(lambda: c.last_past is not None, timeout=20000)
    copied = prepare(copy.deepcopy(window.session.project), window.session.data).trainer
    restore(copied, between[0])
    expected = copied.probe_grid.compute(["decision_grid"])["decision_grid"]
    assert np.array_equal(c.last_past.probes["decision_grid"], expected)
    restore(copied, bar.items[-1])  # its end looks otherwise: the check above can fail
    assert not np.array_equal(copied.probe_grid.compute(["decision_grid"])["decision_grid"],
                              expected)
