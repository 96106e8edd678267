"""Branch from here with an edited network (the spiral): while looking back at a moment, the
learner adds a Dropout on the canvas; the edit waits for the branch (no question, no reload),
the banner says what Play and Branch from here will do, and Play trains the edited network on
from that moment, exactly as a fresh run of the new graph loaded with the checkpoint."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from app.branch_graph import grafted_start
from app.branch_settings import adapted
from app.examples import example_path
from engine.checkpoints import restore
from engine.graph import Edge
from engine.recipes import prepare
from tests.widgets.window_helpers import close_test_window, make_test_window


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch)
    asked: list[bool] = []
    win.run.ask_keep_weights = lambda: asked.append(True) or True
    win.asked = asked
    assert win.files.open_example(example_path("spiral"))
    win.dataset_panel.ensure_current()
    yield win
    close_test_window(win)


def _train_and_look_back(win, qtbot, index: int = 4):
    win.doc.set_training({"epochs": 5})
    win.run.toggle_play()
    qtbot.waitUntil(lambda: win.run.state == "finished", timeout=30000)
    bar = win.timeline
    bar.refresh()
    fork = bar.items[index]
    bar.drag_to(index)
    qtbot.waitUntil(lambda: bar.controller.last_past is not None, timeout=10000)
    return bar, fork


def test_play_after_adding_a_dropout_while_looking_back_branches_the_edited_network(
        window, qtbot):
    bar, fork = _train_and_look_back(window, qtbot)
    c = bar.controller
    first_end = window.session.model.params_flat.copy()
    old_project = copy.deepcopy(window.session.project)
    # the learner drops a Dropout on the wire hidden1 -> hidden2 (a document command)
    name = window.doc.insert_on_wire("Dropout", Edge("hidden1", "hidden2", 0), (0.0, 0.0))
    window.doc.set_layer_options(name, {"rate": 0.2})
    qtbot.wait(50)
    assert c.is_scrubbed and c.holds_edit() and window.asked == []  # no reload, no question
    assert "You changed the network" in bar.banner.text()
    posted: list[str] = []
    c.notice.connect(posted.append)
    window.run.toggle_play()  # Play from the past moment: a branch of the edited network
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    assert window.asked == [] and len(c.branches) == 2 and c.current == 1
    branch = c.branches[1]
    assert branch.fork_step == fork.step and f"added {name}" in branch.name
    assert name in window.session.project.graph.nodes and not window.run.needs_load()
    assert window.plots.loss.run.label == branch.name
    assert [run.label for run in window.plots.loss.kept] == ["first run"]
    assert len(posted) == 1 and "all layers keep their weights" in posted[0]
    # exactly: a fresh run of the new graph, loaded with the checkpoint fitted to it
    fresh = prepare(copy.deepcopy(window.session.project), window.session.data).trainer
    fitted, kept = grafted_start(old_project, window.session.project.graph, fork)
    assert kept == "all layers keep their weights"
    restore(fresh, adapted(fitted, old_project.training, window.session.project.training))
    list(fresh.run())
    assert np.array_equal(fresh.model.params_flat, window.session.model.params_flat)
    # the branch's timeline starts at the fork; the first run keeps its own network
    assert c.store.checkpoints()[0].step == fork.step
    assert c.branches[0].graph is not None and name not in c.branches[0].graph.nodes
    assert c.switch_to(0)
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    assert name not in window.session.project.graph.nodes
    assert np.array_equal(window.session.model.params_flat, first_end)


def test_a_wider_layer_keeps_the_other_weights_and_says_so(window, qtbot):
    bar, _fork = _train_and_look_back(window, qtbot, 3)
    posted: list[str] = []
    bar.controller.notice.connect(posted.append)
    options = dict(window.doc.graph.nodes["hidden2"].options, units=12)
    window.doc.set_layer_options("hidden2", options)
    qtbot.wait(50)
    assert bar.controller.holds_edit() and window.asked == []
    bar.branch_button.click()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    assert posted and "kept weights: hidden1; fresh: hidden2, output" in posted[0]
    assert "changed hidden2" in bar.controller.branches[1].name
    assert window.session.model.get_weights()["hidden2/kernel"].shape == (8, 12)


def test_back_to_now_keeps_the_edit_for_the_present_run(window, qtbot):
    bar, _fork = _train_and_look_back(window, qtbot)
    window.doc.insert_on_wire("Dropout", Edge("hidden1", "hidden2", 0), (0.0, 0.0))
    bar.now_button.click()
    assert not bar.controller.is_scrubbed and not bar.controller.holds_edit()
    assert window.run.needs_load()  # the next Play trains the edited network from now
