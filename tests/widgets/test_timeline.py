"""The timeline under the loss curve: drag back on the spiral, see the network as it was, and
come back to the present with 'Back to now' or Play."""

from __future__ import annotations

import copy

import numpy as np

from app.worker import with_introspection
from engine.checkpoints import restore
from engine.recipes import prepare
from widgets.window.main_window import MainWindow


def grid_of(win: MainWindow) -> np.ndarray:
    return np.array(win.plots.decision._grid, copy=True)


def grid_of_run_stopped_at(win: MainWindow, step: int) -> np.ndarray:
    """The decision map of the same project trained afresh and stopped at ``step``."""
    trainer = prepare(copy.deepcopy(win.session.project), win.session.data).trainer
    trainer.config.snapshot_every = 1
    for snap in trainer.run():
        if snap.step >= step:
            break
    assert trainer.step == step
    return trainer.probe_grid.compute(["decision_grid"])["decision_grid"]


def grid_from_checkpoint(win: MainWindow, checkpoint) -> np.ndarray:
    """The decision map of the checkpoint's weights, computed here on a fresh copy."""
    trainer = prepare(copy.deepcopy(win.session.project), win.session.data).trainer
    restore(trainer, checkpoint)
    return trainer.probe_grid.compute(["decision_grid"])["decision_grid"]


def test_dragging_back_shows_the_checkpoint_and_now_returns(window, qtbot):
    window.doc.set_training({"epochs": 12})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    bar = window.timeline
    bar.refresh()
    items = bar.items
    assert len(items) >= 8 and items[0].step == 0
    assert bar.slider.value() == bar.slider.maximum() == len(items)
    assert f"({len(items)} · " in bar.memory.text() and "MB" in bar.memory.toolTip()
    now = grid_of(window)

    index = next(i for i, c in enumerate(items) if c.epoch >= 2)
    checkpoint = items[index]
    bar.drag_to(index)
    assert bar.looking_back.isVisible()
    assert f"Showing epoch {checkpoint.epoch}" in bar.banner.text()
    assert "Back to now" in bar.banner.text()
    qtbot.waitUntil(lambda: window.timeline.controller.last_past is not None, timeout=10000)
    shown = grid_of(window)
    assert np.array_equal(shown, grid_from_checkpoint(window, checkpoint))
    assert np.array_equal(shown, grid_of_run_stopped_at(window, checkpoint.step))
    assert not np.array_equal(shown, now)
    assert window.training_panel.values["step"].text() == f"{checkpoint.step:,}"
    assert bar.marker.line.isVisible() and bar.marker.line.value() == checkpoint.step

    bar.now_button.click()
    assert not bar.looking_back.isVisible() and not bar.marker.line.isVisible()
    qtbot.waitUntil(lambda: np.array_equal(grid_of(window), now), timeout=10000)
    assert bar.slider.value() == len(items)


def test_scrubbing_pauses_a_running_run_and_play_resumes_from_now(window, qtbot):
    window.doc.set_training({"epochs": 100_000})
    window.session.set_step_rate(300)
    window.run.toggle_play()
    bar = window.timeline
    qtbot.waitUntil(lambda: len(window.session.checkpoints) >= 6, timeout=20000)
    bar.refresh()
    bar.drag_to(2)
    qtbot.waitUntil(lambda: window.run.state == "paused", timeout=5000)
    qtbot.waitUntil(lambda: window.timeline.controller.last_past is not None, timeout=10000)
    past = grid_of(window)
    step = window.session.last_snapshot.step
    qtbot.wait(200)  # the pausing run's last snapshot must not replace the past moment
    assert np.array_equal(grid_of(window), past) and bar.looking_back.isVisible()
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.session.last_snapshot.step > step + 5, timeout=10000)
    assert not bar.looking_back.isVisible() and not window.timeline.controller.is_scrubbed
    assert bar.slider.value() == bar.slider.maximum()
    window.run.stop()
    qtbot.waitUntil(lambda: window.run.state == "stopped", timeout=5000)


def test_the_memory_limit_is_shown_and_can_be_lowered(window, qtbot):
    window.doc.set_training({"epochs": 8})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    bar = window.timeline
    bar.refresh()
    store = window.session.checkpoints
    assert store.cap_bytes is not None and store.bytes <= store.cap_bytes
    assert bar.limit.value() == max(1, round(store.cap_bytes / 2**20))
    before = len(store)
    bar.limit.setValue(1)
    bar.limit.editingFinished.emit()
    assert window.session.checkpoint_cap == 2**20
    assert store.bytes <= 2**20 and len(store) <= before
    bar.drag_to(1)
    assert bar.looking_back.isVisible()
    window.run.reset()  # fresh weights: a new run, an empty timeline, back at now
    assert not bar.looking_back.isVisible() and not bar.controller.is_scrubbed
    assert len(window.session.checkpoints) == 0 and not bar.slider.isEnabled()
    assert window.session.checkpoints.cap_bytes == 2**20  # the learner's limit stays


def test_the_timeline_is_saved_with_the_project_when_ticked_and_reopens(window, qtbot,
                                                                        tmp_path):
    window.doc.set_training({"epochs": 6})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    recorded = window.session.checkpoints.checkpoints()
    plain, kept = tmp_path / "plain.layerlab.json", tmp_path / "kept.layerlab.json"
    assert window.files._save_to(plain)  # not ticked: the weights only
    window.timeline.save_action.setChecked(True)
    assert window.files._save_to(kept)
    assert window.files.open_path(plain, ask=False)
    assert len(window.session.checkpoints) == 0
    assert window.files.open_path(kept, ask=False)
    bar = window.timeline
    loaded = window.session.checkpoints.checkpoints()
    assert [c.step for c in loaded] == [c.step for c in recorded]
    for old, new in zip(recorded, loaded):
        assert old.arrays.keys() == new.arrays.keys()
        assert all(np.array_equal(old.arrays[k], new.arrays[k]) for k in old.arrays)
    assert len(bar.items) == len(loaded) and bar.save_requested
    bar.drag_to(2)
    qtbot.waitUntil(lambda: window.timeline.controller.last_past is not None, timeout=10000)
    assert np.array_equal(grid_of(window), grid_from_checkpoint(window, loaded[2]))


def test_branch_from_a_past_moment_with_a_new_learning_rate(window, qtbot):
    window.doc.set_training({"epochs": 6})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    bar, loss = window.timeline, window.plots.loss
    bar.refresh()
    index = next(i for i, c in enumerate(bar.items) if c.epoch >= 2 and c.epoch_pos)
    fork = bar.items[index]  # inside epoch 2 or later
    bar.drag_to(index)
    qtbot.waitUntil(lambda: window.timeline.controller.last_past is not None, timeout=10000)
    assert bar.branch_button.isVisible()
    window.session.set_learning_rate(0.05)  # what the training panel's field does
    kept = len(loss.kept)
    bar.branch_button.click()
    assert not bar.looking_back.isVisible()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    assert len(loss.kept) == kept + 1  # the parent's curve stays, dimmed
    assert loss.run.steps.x[0] == fork.step + 1  # the branch's starts at its fork
    assert loss.run.label == f"branch at step {fork.step:,}, lr 0.05"
    steps = [c.step for c in window.session.checkpoints.checkpoints()]
    assert steps[0] == 0 and fork.step in steps and steps[-1] > fork.step
    # the branch is a fresh run loaded with the checkpoint and the new learning rate
    fresh = prepare(copy.deepcopy(window.session.project), window.session.data).trainer
    restore(fresh, fork)
    fresh.set_learning_rate(0.05)
    list(fresh.run())
    assert np.array_equal(fresh.model.params_flat, window.session.model.params_flat)
    plain = prepare(copy.deepcopy(window.session.project), window.session.data).trainer
    restore(plain, fork)
    list(plain.run())  # the run's own learning rate gives other weights
    assert not np.array_equal(plain.model.params_flat, window.session.model.params_flat)


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return a == b


def test_look_inside_probes_of_a_past_moment_come_from_its_weights(window, qtbot):
    window.session.set_probe_requests({"saliency": {}})  # as the Saliency tab asks
    window.doc.set_training({"epochs": 5})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    present = window.session.last_snapshot.probes["introspection:saliency"]
    bar = window.timeline
    bar.refresh()
    bar.drag_to(3)
    qtbot.waitUntil(lambda: window.timeline.controller.last_past is not None, timeout=10000)
    shown = window.timeline.controller.last_past.probes["introspection:saliency"]
    fresh = prepare(copy.deepcopy(window.session.project), window.session.data).trainer
    restore(fresh, bar.items[3])
    names = with_introspection(fresh, [], {"saliency": {}}, None)
    expected = fresh.probe_grid.compute(names)["introspection:saliency"]
    assert _same(shown, expected) and not _same(shown, present)


def test_branches_are_listed_switched_renamed_and_deleted(window, qtbot):
    window.doc.set_training({"epochs": 6, "max_steps_per_second": 60})  # time to look back
    window.run.toggle_play()
    qtbot.waitUntil(lambda: len(window.session.checkpoints) >= 12, timeout=20000)
    bar, c, loss = window.timeline, window.timeline.controller, window.plots.loss
    bar.refresh()
    fork = bar.items[4]
    bar.drag_to(4)  # pauses the first run
    qtbot.waitUntil(lambda: window.run.state == "paused", timeout=5000)
    window.session.set_learning_rate(0.05)  # for the branch
    window.session.set_step_rate(0)
    assert c.branch_here()
    assert bar.branch_box.isVisible() and bar.branch_box.count() == 2 and c.current == 1
    left_at = c.branches[0].present.step
    assert left_at > fork.step
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    branch_end = window.session.model.params_flat.copy()

    bar._on_branch_chosen(0)  # the first run goes on where it was left
    assert c.current == 0 and c.branches[1].present is not None
    assert len(bar.items) >= 12 and bar.items[-1].step <= left_at  # its own timeline
    assert loss.run.label == "first run"
    qtbot.waitUntil(lambda: window.run.state == "finished" and window.session.last_snapshot
                    .epoch == 6, timeout=30000)
    steps = loss.run.steps.x  # its own whole curve: up to where it was left, then on
    assert steps[0] == 1 and steps[-1] > left_at
    assert np.array_equal(steps, np.arange(1, steps[-1] + 1))
    whole = prepare(copy.deepcopy(window.session.project), window.session.data).trainer
    list(whole.run())  # the first run, never interrupted
    assert np.array_equal(window.session.model.params_flat, whole.model.params_flat)
    assert not np.array_equal(branch_end, whole.model.params_flat)

    c.rename(0, "slow and steady")
    assert loss.run.label == "slow and steady" and bar.branch_box.itemText(0) == "slow and steady"
    assert [a.text() for a in bar.delete_menu.actions()] == [c.branches[1].name]
    bar.delete_menu.actions()[0].trigger()
    assert len(c.branches) == 1 and not bar.branch_box.isVisible()
