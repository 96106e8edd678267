"""Branch from here with another optimizer and batch size (the spiral): the branch trains on
from the moment shown with the settings chosen since, and is named after them."""

from __future__ import annotations

import copy

import numpy as np

from app.branch_settings import adapted, describe, settings_of, with_settings
from app.examples import example_path
from engine.checkpoints import restore
from engine.project import load_project
from engine.recipes import prepare


def test_branch_with_another_optimizer_and_batch_size(window, qtbot):
    window.doc.set_training({"epochs": 5})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    bar, c = window.timeline, window.timeline.controller
    bar.refresh()
    index = next(i for i, k in enumerate(bar.items) if k.epoch >= 2 and k.epoch_pos)
    fork = bar.items[index]  # inside an epoch: a new batch size starts it again
    bar.drag_to(index)
    qtbot.waitUntil(lambda: c.last_past is not None, timeout=10000)
    old = copy.deepcopy(window.session.project.training)
    window.doc.set_training({"optimizer": "sgd", "batch_size": 5})  # the training panel
    bar.branch_button.click()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    new = window.session.project.training
    assert (new.optimizer, new.batch_size) == ("sgd", 5)
    assert window.plots.loss.run.label.endswith(", sgd, batch 5")
    assert c.branches[0].settings["optimizer"] == "adam"
    assert c.branches[1].settings["optimizer"] == "sgd"
    # exactly: a fresh sgd trainer loaded with the moment (no Adam memory, epoch restarted)
    fresh = prepare(copy.deepcopy(window.session.project), window.session.data).trainer
    restore(fresh, adapted(fork, old, new))
    assert fresh.epoch_pos == 0 and fresh.optimizer.iterations == 0
    list(fresh.run())
    assert np.array_equal(fresh.model.params_flat, window.session.model.params_flat)


def test_settings_copy_and_describe_what_differs():
    project = load_project(example_path("spiral"))
    same = with_settings(project, settings_of(project.training))
    assert describe(project.training, same.training) == ""
    assert with_settings(project, None) is project
    other = with_settings(project, {"batch_mode": "full"})
    assert describe(project.training, other.training) == "full batch"
    assert project.training.batch_mode == "mini"  # the original is untouched
