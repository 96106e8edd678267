"""Second newcomer round (issue 18): what a first-time learner saw wrong in the window, each
checked the way they met it — open an example, press Play, edit, open another project."""

from __future__ import annotations

import numpy as np
import pytest

from app.examples import example_path
from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.window.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch, keep_weights=False,
                           size=(1280, 720))
    yield win
    close_test_window(win)


def open_example(win: MainWindow, key: str) -> None:
    assert win.files.open_example(example_path(key)), key
    win.dataset_panel.ensure_current()


def train_to_end(win: MainWindow, qtbot, timeout: int = 60000) -> None:
    win.run.toggle_play()
    qtbot.waitUntil(lambda: win.run.state in ("finished", "stopped", "error"), timeout=timeout)
    assert win.run.state == "finished"


def test_perceptron_draws_its_decision_line(window, qtbot):
    open_example(window, "perceptron_and")
    train_to_end(window, qtbot)
    plot = window.plots.decision
    image = plot.image.image
    assert image is not None and image.size > 0
    grid = np.asarray(plot._grid)
    assert grid.min() == 0.0 and grid.max() == 1.0  # both sides of the neuron's line


def test_a_finished_run_without_problems_says_so(window, qtbot):
    from widgets.views.coach_panel import EMPTY_BY_STATE
    coach = window.inside.coach
    assert coach.empty.text() == EMPTY_BY_STATE["idle"]
    open_example(window, "perceptron_and")
    train_to_end(window, qtbot)
    assert coach.cards == [] and coach.empty.text() == "Finished: no problems found"


def test_editing_the_network_after_a_run_clears_its_map_and_advice(window, qtbot):
    from engine.coach import Advice
    open_example(window, "xor")
    window.doc.set_training({"epochs": 3})
    train_to_end(window, qtbot)
    plot = window.plots.decision
    assert plot.image.image is not None
    stale = [Advice("flat_loss", "warning", "The loss is flat.")]
    window.session.coach.advice = stale  # what the Coach said about this run
    window.session.advice_changed.emit(stale)
    assert len(window.inside.coach.cards) == 1
    window.doc.move_layer("hidden", (0.0, 0.0), (40.0, 30.0))  # the canvas only: nothing goes
    qtbot.wait(20)
    assert plot.image.image is not None and len(window.inside.coach.cards) == 1
    window.doc.set_layer_options("hidden", {"activation": "relu"})  # the old weights are stale
    qtbot.waitUntil(lambda: plot.image.image is None and window.inside.coach.cards == [])
    assert not window.coach_notices.button.isVisible()
    assert window.run.toggle_play() is None  # Play starts the new network's run: a new map
    qtbot.waitUntil(lambda: plot.image.image is not None, timeout=30000)


def test_the_coach_knows_a_gan_run_is_adversarial(window):
    open_example(window, "gan_ring_of_gaussians")
    assert window.run.load()
    assert window.session.coach.adversarial
    open_example(window, "xor")
    assert window.run.load()
    assert not window.session.coach.adversarial


def test_another_project_starts_with_empty_readouts(window, qtbot):
    open_example(window, "xor")
    window.doc.set_training({"epochs": 40})
    train_to_end(window, qtbot)
    loss = window.plots.loss
    assert loss.loss_plot.viewRange()[0][1] > 10  # the run's steps
    messages = [text for _, text, _ in window.problems.messages]
    assert any("XOR" in text for text in messages)
    assert window.files.new()
    assert not any("XOR" in text for _, text, _ in window.problems.messages)
    open_example(window, "perceptron_and")
    qtbot.wait(50)
    for plot in (loss.loss_plot, loss.metric_plot):
        (x0, x1), _ = plot.viewRange()
        assert x1 - x0 < 2, "the empty plot kept the previous project's step range"
    assert [text for _, text, _ in window.problems.messages][-1].startswith("Opened")


def test_reset_empties_the_loss_plots_range(window, qtbot):
    open_example(window, "xor")
    window.doc.set_training({"epochs": 40})
    train_to_end(window, qtbot)
    window.run.reset()
    qtbot.wait(50)
    (x0, x1), _ = window.plots.loss.loss_plot.viewRange()
    assert x1 - x0 < 2


def test_mistake_rings_are_thin_and_hug_their_points(qtbot):
    from widgets.plots.decision_plot import POINT_SIZE, DecisionPlot
    plot = DecisionPlot()
    qtbot.addWidget(plot)
    x = np.array([[0.0, 0.0], [1.0, 1.0]], np.float32)
    plot.set_data(x, np.array([0, 1]), np.zeros((0, 2), np.float32), np.zeros(0, np.int64), 2)
    plot.show_grid(np.zeros((4, 4), np.float32), np.array([-0.5, 1.5, -0.5, 1.5]))
    assert plot.wrong.tolist() == [False, True]  # the class-1 point is ringed
    assert plot.mistakes.opts["size"] <= POINT_SIZE + 4
    assert plot.mistakes.opts["pen"].widthF() <= 1.5


def test_gallery_fits_the_screen_and_draws_the_attention_block(qtbot):
    from app.examples import list_examples
    from widgets.panels.gallery import FRAME_ROOM, ExampleGallery
    from widgets.window.window_layout import available_geometry
    gallery = ExampleGallery()
    qtbot.addWidget(gallery)
    avail = available_geometry(gallery)
    assert gallery.width() + FRAME_ROOM.width() <= avail.width()
    assert gallery.height() + FRAME_ROOM.height() <= avail.height()  # Open/Cancel on screen
    transformer = next(e for e in list_examples() if e.key == "tiny_transformer")
    assert "MultiHeadAttention" in [kind for kind, _ in transformer.columns]
