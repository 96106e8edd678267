"""A class watches the spiral learn, drags back to epoch 5, branches with another learning
rate and watches the branch and its parent train side by side in the window."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from app.examples import example_path
from app.variants import VariantSpec
from engine.checkpoints import restore
from engine.recipes import prepare
from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.dialogs.variant_editor import VariantEditor


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch)
    assert win.files.open_example(example_path("spiral"))
    win.dataset_panel.ensure_current()
    yield win
    if win.timeline.compare_window is not None:
        win.timeline.compare_window.close()
    close_test_window(win)


def _alone(project, data, checkpoint, rate):
    trainer = prepare(copy.deepcopy(project), data).trainer
    restore(trainer, checkpoint)
    trainer.set_learning_rate(rate)
    list(trainer.run())
    return trainer.model.get_weights()


def test_branch_and_parent_train_side_by_side_from_epoch_5(window, qtbot):
    window.doc.set_training({"epochs": 9})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    bar = window.timeline
    bar.refresh()
    index = next(i for i, c in enumerate(bar.items) if c.epoch >= 5)
    fork = bar.items[index]
    bar.drag_to(index)
    assert bar.branch_button.isVisible() and bar.compare_action.isVisible()
    assert bar.compare_action in bar.branch_button.menu().actions()
    compare = bar.compare_here(VariantSpec({"learning_rate": 0.05}))
    assert compare is not None and compare.isVisible()
    own = window.session.project.training.optimizer_options["learning_rate"]  # the example's
    assert compare.labels() == [f"parent from epoch {fork.epoch}, lr {own:g}",
                                f"branch from epoch {fork.epoch}: lr 0.05"]
    assert not compare.add_button.isEnabled()
    qtbot.waitUntil(lambda: compare.group is not None and not compare.group.running,
                    timeout=30000)
    compare.poll()
    # curves overlaid from the fork point; the epochs before it in grey
    for curve in compare.curves:
        xs, _ys = curve.getData()
        assert xs[0] == fork.epoch and xs[-1] == 9
    assert [x for x, _y in compare.before][-1] == fork.epoch
    # decision maps side by side, both shown, and different
    left, right = compare.tiles[:2]
    assert left.shown and right.shown and left.isVisible() and right.isVisible()
    assert not compare.tiles[2].isVisible()
    assert not np.array_equal(left.image.image, right.image.image)
    # each run equals that run alone from the checkpoint (bit-identical)
    project, data = window.session.project, window.session.data
    for run, rate in zip(compare.group.runs, (own, 0.05), strict=True):
        alone = _alone(project, data, fork, rate)
        mine = run.model.get_weights()
        assert all(np.array_equal(mine[k], alone[k]) for k in alone)
    assert compare.table.item(1, 1).text() == "9"
    assert window.run.state == "finished"  # the main run was left alone


def test_the_branch_editor_starts_from_the_rate_set_now_and_adds_dropout(window, qtbot):
    window.doc.set_training({"epochs": 3})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    window.session.set_learning_rate(0.03)  # typed in the training panel while looking back
    editor = VariantEditor(window.session.project, 2, window, learning_rate=0.01)
    editor.lr.setValue(0.03)
    editor.add_after.setCurrentIndex(editor.add_after.findData("hidden1"))
    editor.add_rate.setValue(0.3)
    spec = editor.spec()
    assert spec.training == {"learning_rate": 0.03}
    assert dict(spec.dropout_after) == {"hidden1": 0.3} and spec.remove == ()
    assert spec.label() == "lr 0.03, dropout 0.3 after hidden1"
    editor.close()
    bar = window.timeline
    bar.refresh()
    bar.drag_to(4)
    compare = bar.compare_here(spec)
    assert compare is not None
    assert compare.plans[1].kept == "all layers keep their weights"
    qtbot.waitUntil(lambda: not compare.group.running, timeout=30000)
    compare.poll()
    assert compare.table.item(1, 7).text() == "all layers keep their weights"
    assert compare.plans[1].project.graph.nodes["dropout_1"].options["rate"] == 0.3


def test_compare_needs_a_moment_shown(window, qtbot):
    messages = []
    window.timeline.controller.failed.connect(messages.append)
    assert window.timeline.compare_here(VariantSpec()) is None
    assert messages and "Drag the timeline back" in messages[0]
