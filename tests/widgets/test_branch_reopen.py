"""A reopened project with branches: the first Play goes on with the current branch's own
state and settings (not the project file's), and the branch list stays."""

from __future__ import annotations

import numpy as np


def test_play_after_reopening_trains_the_current_branch_with_its_settings(
        window, qtbot, tmp_path):
    window.doc.set_training({"epochs": 5})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    bar, c = window.timeline, window.timeline.controller
    bar.refresh()
    bar.drag_to(4)
    qtbot.waitUntil(lambda: c.last_past is not None, timeout=10000)
    window.doc.set_training({"optimizer": "sgd", "batch_size": 5})
    bar.branch_button.click()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    branch_end = window.session.model.params_flat.copy()
    window.doc.set_training({"optimizer": "adam", "batch_size": 10})  # the file's settings
    path = tmp_path / "branched.layerlab.json"
    bar.save_action.setChecked(True)
    assert window.files._save_to(path)
    posted: list[str] = []
    original = window.post
    window.post = lambda text, level="info": (posted.append(text), original(text, level))
    assert window.files.open_path(path, ask=False)
    assert c.current == 1 and c.takes_play()
    assert any("Play goes on with 'branch at step" in p and "(sgd, batch 5" in p
               for p in posted)
    assert window.doc.project.training.optimizer == "adam"
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    training = window.session.project.training
    assert (training.optimizer, training.batch_size) == ("sgd", 5)
    assert len(c.branches) == 2 and c.current == 1 and not c.takes_play()
    # its whole state was saved: it goes on exactly where it was (here: already at the end)
    assert np.array_equal(window.session.model.params_flat, branch_end)
    assert any("trains on with its own settings" in p for p in posted)


def test_step_after_reopening_also_goes_on_with_the_current_branch(window, qtbot, tmp_path):
    """Step takes the same path as Play: the reopened branch's own state and settings."""
    window.doc.set_training({"epochs": 5})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    bar, c = window.timeline, window.timeline.controller
    bar.refresh()
    bar.drag_to(2)
    qtbot.waitUntil(lambda: c.last_past is not None, timeout=10000)
    window.doc.set_training({"optimizer": "sgd", "batch_size": 5, "epochs": 50})
    bar.branch_button.click()
    qtbot.waitUntil(lambda: window.session.last_snapshot is not None
                    and window.session.last_snapshot.step > 0, timeout=30000)
    window.run.toggle_play()  # pause the branch mid-run
    qtbot.waitUntil(lambda: window.run.state == "paused", timeout=10000)
    paused_step = window.session.trainer.step
    path = tmp_path / "branched.layerlab.json"
    bar.save_action.setChecked(True)
    assert window.files._save_to(path)
    assert window.files.open_path(path, ask=False)
    assert c.takes_play()
    window.run.step_batch()
    qtbot.waitUntil(lambda: window.run.state == "paused" and not c.takes_play(), timeout=30000)
    training = window.session.project.training
    assert (training.optimizer, training.batch_size) == ("sgd", 5)
    assert window.session.trainer.step == paused_step + 1  # one step past where it was left
