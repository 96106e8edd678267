"""Branches on the loss plot and in the saved timeline: a deleted branch's curves go, and the
branch list (names, fork steps, settings, their states) is saved and reopened."""

from __future__ import annotations

import numpy as np

from app.examples import example_path


def _train_and_branch(win, qtbot, rate: float = 0.05):
    """Train 5 epochs, drag back to the 4th moment, branch with ``rate``; both finished."""
    win.doc.set_training({"epochs": 5})
    win.run.toggle_play()
    qtbot.waitUntil(lambda: win.run.state == "finished", timeout=30000)
    first_end = win.session.model.params_flat.copy()
    bar = win.timeline
    bar.refresh()
    fork = bar.items[4]
    bar.drag_to(4)
    qtbot.waitUntil(lambda: bar.controller.last_past is not None, timeout=10000)
    win.session.set_learning_rate(rate)
    assert bar.controller.branch_here()
    qtbot.waitUntil(lambda: win.run.state == "finished", timeout=30000)
    return fork, first_end


def test_a_deleted_branch_takes_its_curves_off_the_loss_plot(window, qtbot):
    _train_and_branch(window, qtbot)
    c, loss = window.timeline.controller, window.plots.loss
    assert [run.label for run in loss.kept] == ["first run"]  # named as in the branch list
    assert loss.kept[0].items and all(i.getViewBox() is not None for i in loss.kept[0].items)
    items = list(loss.kept[0].items)
    c.rename(1, "fast")
    assert loss.run.label == "fast"
    assert c.delete(0)
    assert loss.kept == [] and all(item.getViewBox() is None for item in items)
    assert "earlier:" not in loss.key.text()
    assert [b.name for b in c.branches] == ["fast"] and c.current == 0


def test_the_branch_list_is_saved_with_the_timeline_and_reopened(window, qtbot, tmp_path):
    fork, first_end = _train_and_branch(window, qtbot)
    c = window.timeline.controller
    c.rename(1, "fast")
    names = [b.name for b in c.branches]
    settings = c.branches[1].settings
    path = tmp_path / "branched.layerlab.json"
    window.timeline.save_action.setChecked(True)
    assert window.files._save_to(path)
    assert window.files.open_path(example_path("spiral"), ask=False)
    assert len(c.branches) == 1
    assert window.files.open_path(path, ask=False)
    assert [b.name for b in c.branches] == names == ["first run", "fast"]
    assert c.current == 1 and c.branches[1].fork_step == fork.step
    assert c.branches[1].learning_rate == 0.05 and c.branches[1].settings == settings
    assert c.branches[0].fork_step is None and c.branches[0].present is not None
    bar = window.timeline
    assert bar.branch_box.isVisible() and bar.branch_box.count() == 2
    # the first run can be switched to: it is where it was left
    bar._on_branch_chosen(0)
    assert c.current == 0
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    assert np.array_equal(window.session.model.params_flat, first_end)
