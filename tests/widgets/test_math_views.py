"""Tools menu through the window: the backprop microscope steps through f = (x + y)z and the
open network (numbers equal the engine's), the optimizer race runs live with the slider, the
network's loss surface is computed off the GUI thread with the training path, and the
learning-rate finder's suggestion is applied as one undoable change."""

from __future__ import annotations

import numpy as np
import pytest

from app.examples import example_path
from engine.microscope import param_gradients
from tests.widgets.window_helpers import close_test_window, make_test_window


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch, keep_weights=True)
    assert win.files.open_example(example_path("xor"))
    win.dataset_panel.ensure_current()
    yield win
    for dialog in list(win.tools.windows.values()):
        dialog.close()
    close_test_window(win)


def _menu_action(win, text):
    menu = next(m for m in win.menuBar().actions() if m.text() == "&Tools").menu()
    return next(a for a in menu.actions() if a.text().replace("&", "").startswith(text))


def test_microscope_steps_through_sum_times_and_the_xor_network(window, qtbot):
    assert [a.text() for a in window.menuBar().actions()].count("&Tools") == 1  # one, shared
    _menu_action(window, "Backprop microscope").trigger()
    view = window.tools.microscope_view
    assert view.source.currentIndex() == 0 and view.index == -1
    assert not view.back_button.isEnabled()
    for _ in range(2):
        view.next_button.click()
    assert view.formula.text() == "f = q·z = 3 × (−4) = −12"
    for _ in range(4):
        view.next_button.click()
    assert view.formula.text() == "∂f/∂x = ∂f/∂q · ∂q/∂x = (−4) × 1 = −4"
    assert view.scope.state(view.index).step.edge == ("x", "q")
    view.end_button.click()
    assert view.formula.text().startswith("z ← z − η·∂f/∂z = −4 − 0.1 × 3")
    view.back_button.click()
    assert view.formula.text().startswith("y ← y")
    # the open project's network, from the session's current (trained) weights
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=15000)
    view.source.setCurrentIndex(2)
    assert view.scope is not None and view.message.text() == ""
    session = window.session
    model = session.model
    x = session.data.x_train[:1].astype(np.float64)
    trainer = session.trainer
    out = model.forward(x.astype(model.dtype))
    _, grad = trainer.loss.value_and_grad(out, trainer.y_train[:1])
    model.backward(grad, input_grad=False)
    engine = {f"{layer.name}/{k}": g.copy() for layer in model.layers.values()
              for k, g in layer.grads.items()}
    for key, g in param_gradients(view.scope).items():
        np.testing.assert_allclose(g, engine[key], rtol=2e-4, atol=1e-6)
    view.end_button.click()
    assert "←" in view.formula.text() and len(view.scene.items()) > 20


def test_microscope_explains_a_network_it_cannot_show(window, qtbot):
    window.doc.set_layer_options("hidden", {"units": 40})
    window.tools.open_microscope()
    view = window.tools.microscope_view
    view.source.setCurrentIndex(2)
    assert view.scope is None and "at most 64 weights" in view.message.text()
    assert "Traceback" not in view.message.text()


def test_optimizer_race_runs_live_and_the_slider_changes_the_verdicts(window, qtbot):
    _menu_action(window, "Loss landscape").trigger()
    race = window.tools.landscape_view.race
    race.surface_box.setCurrentIndex(list(race.surface_box.itemData(i) for i in range(
        race.surface_box.count())).index("bowl"))
    qtbot.waitUntil(lambda: race.race.steps >= 40, timeout=5000)
    assert len(race.curves[0].getData()[0]) > 20  # the SGD path is drawn
    assert race.verdict_labels["sgd"].text().startswith("good")
    race.slider.setValue(race.slider.maximum())  # × 100: plain SGD blows up
    qtbot.waitUntil(lambda: race.race.racer("sgd").stopped == "diverged", timeout=5000)
    qtbot.waitUntil(lambda: race.verdict_labels["sgd"].text().startswith("diverging"),
                    timeout=2000)
    race.slider.setValue(0)  # × 0.01: restarts the race
    race.timer.stop()
    race.race.step(298 - race.race.steps)  # fast-forward the race, then one timer tick
    race.tick()
    assert race.verdict_labels["sgd"].text().startswith("too small")
    race.set_start(1.5, -2.0)  # what a click on the map does
    assert all(r.path == [(1.5, -2.0)] for r in race.race.racers)
    race.set_start(50.0, 0.0)  # off the map: ignored
    assert race.race.start.tolist() == [1.5, -2.0]
    race.timer.stop()


def test_network_surface_is_computed_off_the_gui_thread_with_the_training_path(window, qtbot):
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=15000)
    assert len(window.tools.path) >= 3  # weights recorded from the snapshots
    window.tools.open_landscape()
    view = window.tools.landscape_view
    view.setCurrentIndex(1)
    view.network.button.click()
    qtbot.waitUntil(lambda: view.network.surface is not None, timeout=15000)
    s = view.network.surface
    n = len(s.alphas)
    assert s.losses.shape == (n, n) and len(s.path) >= 3
    assert s.losses[n // 2, n // 2] == pytest.approx(s.centre_loss)
    assert np.allclose(s.path[-1], 0, atol=1e-3)  # the path ends at the current weights
    assert "computed in" in view.network.info.text()


def test_lr_finder_applies_its_suggestion_as_one_undoable_change(window, qtbot):
    before = window.doc.project.training.optimizer_options.get("learning_rate")
    _menu_action(window, "Find learning rate").trigger()
    dialog = window.tools.windows["lrfind"]
    dialog.run_button.click()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=20000)
    assert dialog.apply_button.isEnabled()
    lr = float(f"{dialog.outcome.suggestion:.3g}")
    dialog.apply_button.click()
    assert window.doc.project.training.optimizer_options["learning_rate"] == lr
    window.doc.undo_stack.undo()
    assert window.doc.project.training.optimizer_options.get("learning_rate") == before


def test_lr_finder_offers_nothing_to_apply_when_the_loss_stays_flat(window, qtbot):
    from engine.lr_finder import LRFinderResult
    _menu_action(window, "Find learning rate").trigger()
    dialog = window.tools.windows["lrfind"]
    lrs = np.geomspace(1e-6, 10, 50)
    flat = 1.0 + 0.01 * np.sin(np.arange(50))  # noise around 1.0, never a real fall
    dialog.show_result(LRFinderResult(lrs, flat, flat, None, 1.0, False, 0.02))
    assert not dialog.apply_button.isEnabled()
    assert "no learning rate to suggest" in dialog.info.text()
    assert "steepest" not in dialog.info.text()
    dialog.close()


def test_optimizer_race_losses_read_as_plain_numbers(window, qtbot):
    _menu_action(window, "Loss landscape").trigger()
    race = window.tools.landscape_view.race
    race.surface_box.setCurrentIndex(list(race.surface_box.itemData(i) for i in range(
        race.surface_box.count())).index("bowl"))
    race.timer.stop()
    race.race.step(300)  # long enough for the fast ones to sit at the bottom
    race.tick()
    race.timer.stop()
    texts = [race.verdict_labels[r.name].text() for r in race.race.racers]
    assert not any("e-" in t or "e+" in t for t in texts), texts
    tiny = [r.name for r in race.race.racers if abs(r.losses[-1]) < 1e-6]
    assert tiny and all("loss ≈ 0" in race.verdict_labels[n].text() for n in tiny), texts
