"""Branch from here for a GAN and the perceptron, in the window: drag back, set another
learning rate, branch; the branch equals a fresh run loaded with that moment and the rate
(bit-identical), and switching back to the first run goes on exactly where it was left."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from app.examples import example_path
from app.variants import VariantSpec
from engine.checkpoints import restore
from engine.recipes import prepare
from tests.widgets.window_helpers import close_test_window, make_test_window


def _fresh_from(win, checkpoint, rate: float | None):
    trainer = prepare(copy.deepcopy(win.session.project), win.session.data).trainer
    restore(trainer, checkpoint)
    if rate is not None:
        trainer.set_learning_rate(rate)
    list(trainer.run())
    return trainer.model.get_weights()


def _equal(a, b) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("example, epochs, rate", [
    ("gan_ring_of_gaussians", 3, 0.004),
    ("perceptron_and", 4, 0.5),
])
def test_a_branch_equals_a_fresh_run_from_the_moment(qtbot, tmp_path, monkeypatch, example,
                                                     epochs, rate):
    win = make_test_window(qtbot, tmp_path, monkeypatch)
    try:
        assert win.files.open_example(example_path(example))
        win.dataset_panel.ensure_current()
        win.doc.set_training({"epochs": epochs, "max_steps_per_second": 0})
        win.run.toggle_play()
        qtbot.waitUntil(lambda: win.run.state == "finished", timeout=60000)
        bar, c = win.timeline, win.timeline.controller
        bar.refresh()
        index = next(i for i, m in enumerate(bar.items) if m.epoch >= 1 and m.step > 0)
        fork = bar.items[index]
        assert fork.resumable
        bar.drag_to(index)
        qtbot.waitUntil(lambda: c.last_past is not None, timeout=20000)
        assert bar.branch_button.isVisible()
        first_end = win.session.model.get_weights()
        win.session.set_learning_rate(rate)  # what the training panel's field does
        bar.branch_button.click()
        qtbot.waitUntil(lambda: win.run.state == "finished", timeout=60000)
        assert len(c.branches) == 2 and c.current == 1
        branch_end = win.session.model.get_weights()
        assert _equal(branch_end, _fresh_from(win, fork, rate))
        assert not _equal(branch_end, _fresh_from(win, fork, None))  # the rate mattered
        # the first run rests where it ended: switching back goes on from there exactly
        assert c.switch_to(0)
        qtbot.waitUntil(lambda: win.run.state == "finished", timeout=60000)
        assert _equal(win.session.model.get_weights(), first_end)
    finally:
        close_test_window(win)


def test_a_gan_with_branches_reopens_and_goes_on_with_its_branch(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch)
    try:
        assert win.files.open_example(example_path("gan_ring_of_gaussians"))
        win.dataset_panel.ensure_current()
        win.doc.set_training({"epochs": 2, "max_steps_per_second": 0})
        win.run.toggle_play()
        qtbot.waitUntil(lambda: win.run.state == "finished", timeout=60000)
        bar, c = win.timeline, win.timeline.controller
        bar.refresh()
        bar.drag_to(next(i for i, m in enumerate(bar.items) if m.epoch_pos > 0))
        qtbot.waitUntil(lambda: c.last_past is not None, timeout=20000)
        win.session.set_learning_rate(0.004)
        bar.branch_button.click()
        qtbot.waitUntil(lambda: win.run.state == "finished", timeout=60000)
        branch_end = win.session.model.get_weights()
        path = tmp_path / "gan_branched.layerlab.json"
        bar.save_action.setChecked(True)
        assert win.files._save_to(path)
        assert win.files.open_path(path, ask=False)
        assert len(c.branches) == 2 and c.current == 1 and c.takes_play()
        win.run.toggle_play()  # the branch goes on with its own state (here: at its end)
        qtbot.waitUntil(lambda: win.run.state == "finished", timeout=60000)
        assert _equal(win.session.model.get_weights(), branch_end)
        assert win.session.learning_rate_override == pytest.approx(0.004)
    finally:
        close_test_window(win)


def test_a_gan_compared_side_by_side_is_kept_with_its_moments(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch)
    compare = None
    try:
        assert win.files.open_example(example_path("gan_ring_of_gaussians"))
        win.dataset_panel.ensure_current()
        win.doc.set_training({"epochs": 3, "max_steps_per_second": 0})
        win.run.toggle_play()
        qtbot.waitUntil(lambda: win.run.state == "finished", timeout=60000)
        bar, c = win.timeline, win.timeline.controller
        bar.refresh()
        index = next(i for i, m in enumerate(bar.items) if m.epoch >= 1 and m.epoch_pos > 0)
        fork = bar.items[index]
        bar.drag_to(index)
        qtbot.waitUntil(lambda: c.last_past is not None, timeout=20000)
        compare = bar.compare_here(VariantSpec({"learning_rate": 0.004}))
        assert compare is not None and not isinstance(compare, str)
        qtbot.waitUntil(lambda: compare.group is not None and not compare.group.running,
                        timeout=60000)
        compare.poll()
        assert all(run.message is None for run in compare.group.runs)
        run = compare.group.runs[1]
        plan = compare.plans[1]  # the variant: both networks' rate in its settings
        alone = prepare(copy.deepcopy(plan.project), win.session.data).trainer
        restore(alone, plan.start)
        alone.set_learning_rate(plan.learning_rate)
        list(alone.run())
        assert _equal(run.model.get_weights(), alone.model.get_weights())
        kept = compare.keep_as_branch(1)
        assert kept is not None
        steps = [m.step for m in c.branches[1].moments]
        assert fork.step in steps and steps[-1] == run.last.step
        assert any(fork.step < s < run.last.step for s in steps)  # scrubbable between
    finally:
        if compare is not None:
            compare.close()
        close_test_window(win)
