"""Switching timeline branches puts each branch's own network and settings on screen (the
spiral): a branch made while looking back (a Dropout added, hidden2 widened, SGD chosen)
and the first run each show on the canvas, inspector and training panel what the session
trains; Play then trains what the canvas shows."""

from __future__ import annotations

import pytest

from app.examples import example_path
from engine.graph import Edge
from engine.model import Model
from tests.widgets.window_helpers import close_test_window, make_test_window


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch)
    win.run.ask_keep_weights = lambda: True
    assert win.files.open_example(example_path("spiral"))
    win.dataset_panel.ensure_current()
    yield win
    close_test_window(win)


def _shapes(weights):
    return {k: v.shape for k, v in weights.items()}


def _screen(win):
    """What the window shows: canvas layers, hidden2's units, the panel's optimizer and
    batch size."""
    panel = win.training_panel.editors
    return (sorted(win.canvas.canvas.nodes), win.doc.graph.nodes["hidden2"].options["units"],
            panel["optimizer"].currentData(), panel["batch_size"].value())


def _branch_with_dropout(win, qtbot):
    win.doc.set_training({"epochs": 4})
    win.run.toggle_play()
    qtbot.waitUntil(lambda: win.run.state == "finished", timeout=30000)
    bar = win.timeline
    bar.refresh()
    bar.drag_to(3)
    qtbot.waitUntil(lambda: bar.controller.last_past is not None, timeout=10000)
    name = win.doc.insert_on_wire("Dropout", Edge("hidden1", "hidden2", 0), (0.0, 0.0))
    win.doc.set_layer_options("hidden2", dict(win.doc.graph.nodes["hidden2"].options,
                                               units=12))
    win.doc.set_training({"optimizer": "sgd", "batch_size": 5})
    win.run.toggle_play()  # Play from the past moment: the edited network branches
    qtbot.waitUntil(lambda: win.run.state == "finished", timeout=30000)
    assert len(bar.controller.branches) == 2 and bar.controller.current == 1
    return bar, name


def test_switching_branches_shows_each_branch_network_and_settings(window, qtbot):
    bar, dropout = _branch_with_dropout(window, qtbot)
    c, doc = bar.controller, window.doc
    branch_screen = _screen(window)
    assert dropout in branch_screen[0] and branch_screen[1:] == (12, "sgd", 5)
    window.inspector.set_layer(dropout)
    assert c.switch_to(0)  # the first run: no Dropout, hidden2 of 8, Adam, its batch size
    first = window.session.project
    assert dropout not in doc.graph.nodes and dropout not in window.canvas.canvas.nodes
    assert window.inspector.name is None  # the Dropout's inspector page went with it
    assert _screen(window)[1:] == (8, "adam", first.training.batch_size) != (12, "sgd", 5)
    assert window.canvas.canvas.nodes["hidden2"].options["units"] == 8
    assert doc.undo_stack.count() == 0  # navigation, not an edit: nothing to undo
    qtbot.waitUntil(lambda: not window.session.preparing, timeout=30000)  # off the GUI thread
    assert _shapes(window.session.model.get_weights()) == \
        _shapes(Model(doc.graph).get_weights())
    assert not window.run.needs_load() and not c.holds_edit()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    assert c.switch_to(1)  # back: the Dropout, 12 units and SGD again
    assert _screen(window) == branch_screen
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    assert not window.run.needs_load()
    # Play trains what the canvas shows (a fresh run of it, the run having ended)
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)
    assert dropout in window.session.project.graph.nodes
    assert window.session.project.training.optimizer == "sgd"
    assert _shapes(window.session.model.get_weights()) == \
        _shapes(Model(doc.graph).get_weights())
    assert window.session.model.get_weights()["hidden2/kernel"].shape == (8, 12)


def test_an_untrained_edit_is_left_behind_with_a_notice(window, qtbot):
    bar, dropout = _branch_with_dropout(window, qtbot)
    posted: list[str] = []
    bar.controller.notice.connect(posted.append)
    window.doc.remove_layers([dropout])  # an edit not trained yet
    assert bar.controller.switch_to(0)
    assert posted and "removed dropout_1" in posted[0] and "'first run'" in posted[0]
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=30000)



def test_switching_while_running_neither_asks_nor_reloads(window, qtbot):
    asked: list[bool] = []
    window.run.ask_keep_weights = lambda: asked.append(True) or True
    window.doc.set_training({"epochs": 400})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: bool(window.session.checkpoints.checkpoints())
                    and window.session.checkpoints.checkpoints()[-1].epoch >= 2, timeout=30000)
    bar, c = window.timeline, window.timeline.controller
    bar.refresh()
    bar.drag_to(2)  # pauses the run
    qtbot.waitUntil(lambda: c.last_past is not None, timeout=10000)
    dropout = window.doc.insert_on_wire("Dropout", Edge("hidden1", "hidden2", 0), (0.0, 0.0))
    window.run.toggle_play()  # the branch trains the edited network
    qtbot.waitUntil(lambda: c.current == 1 and window.run.state == "running", timeout=10000)
    replaced: list[object] = []  # the data is not swapped in again either
    window.session.data_replaced.connect(replaced.append)
    assert c.switch_to(0) and dropout not in window.doc.graph.nodes
    qtbot.wait(300)  # the structure timer has fired: nothing to reload, nothing to ask
    assert asked == [] and replaced == []
    assert window.run.state == "running" and not window.run.needs_load()
    assert c.switch_to(1) and dropout in window.doc.graph.nodes
    qtbot.wait(300)
    assert asked == [] and window.run.state == "running" and not window.run.needs_load()
    assert dropout in window.session.project.graph.nodes
    window.run.stop()
