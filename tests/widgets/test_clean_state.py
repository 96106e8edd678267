"""Clean state between projects: the bundled examples opened one after another in ONE window,
through the gallery's path, each played a few steps with a Look-inside tab on screen. Every
view and readout must show only the current project: the status bar's parameter count is the
model's, the confusion matrix has one row per class, the loss plot holds this project's steps
only (no "earlier" run of another project), the training stats start over, and the Look-inside
views draw only results computed for this project (captions and hints included).

The exception guard (``tests.exception_guard``) fails these tests on any traceback on the way.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.examples import list_examples
from engine.resources import example_path
from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.panels.gallery import ExampleGallery
from widgets.views import attention_view
from widgets.views.common import ProbeView, ViewFrame
from widgets.window.main_window import MainWindow

STEPS = 3
FAST = ("xor", "spiral", "digits_cnn", "tiny_transformer", "dates_seq2seq_attention",
        "vae_digits_2d", "regression_sine")
PREFERRED_TAB = {"digits_cnn": "feature_maps", "tiny_transformer": "attention",
                 "dates_seq2seq_attention": "attention"}


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch, keep_weights=True,
                           size=(1600, 1000))
    yield win
    close_test_window(win)


class Snapshots:
    """Every snapshot the session sends while one project is open."""

    def __init__(self, win: MainWindow) -> None:
        self.seen: list[Any] = []
        win.session.snapshot_ready.connect(self.seen.append)

    def probe_values(self) -> list[Any]:
        return [v for snap in self.seen for v in (snap.probes or {}).values()]


def open_from_gallery(win: MainWindow, key: str) -> None:
    gallery = ExampleGallery(win)
    card = next(c for c in gallery.cards if c.example.key == key)
    gallery.select(card)
    assert win.files.open_example(gallery.chosen_path), key
    gallery.deleteLater()
    win.dataset_panel.ensure_current()


def assert_fresh(win: MainWindow, key: str) -> None:
    """Right after opening: nothing of the previous project on screen."""
    panel = win.training_panel
    assert all(label.text() == "–" for label in panel.values.values()), key
    assert panel.progress.value() == 0 and panel.message.isHidden(), key
    assert win.run_label.text() == "" and win.state_label.text() == "Ready", key
    report = win.doc.report
    expected = "? parameters" if report.errors else f"{report.total_params:,} parameters"
    assert win.params_label.text() == expected, key
    loss = win.plots.loss
    assert loss.kept == [] and loss.run.steps.n == 0, key
    assert win.plots.confusion.matrix.shape == (0, 0), key
    assert win.plots.confusion.summary.text() == "", key
    assert win.plots.decision.image.image is None, key
    assert win.plots.regression.curve.xData is None or not len(win.plots.regression.curve.xData)
    assert win.inside.coach.cards == [], key
    inside = win.inside  # generative views: no codes, pairs or decoder of the old model
    assert inside.latent.decode_point is None and inside.traversal.decode_point is None, key
    assert not len(inside.latent.codes) and not len(inside.traversal.codes), key
    assert inside.reconstruction.image is None and inside.gan.samples_image is None, key
    for entry in win.inside.dock.entries.values():
        view = entry.widget
        if isinstance(view, ProbeView):
            assert view.result is None, (key, entry.key)
        if isinstance(view, ViewFrame) and entry.key != "kernel":
            assert view.caption.text() == view._first_texts[0], (key, entry.key)
            assert view.showing_hint, (key, entry.key)


def play_steps(win: MainWindow, qtbot, key: str) -> None:
    """The Look inside dock in front with the example's tab, then STEPS single steps."""
    win.docks["inside"].show()
    win.docks["inside"].raise_()
    dock = win.inside.dock
    keys = dock.visible_keys()
    assert keys, key
    assert dock.show_view(PREFERRED_TAB.get(key, keys[0])), key
    errors: list[str] = []
    win.session.error_occurred.connect(errors.append)
    for i in range(STEPS):
        win.run.step_batch()
        qtbot.waitUntil(lambda i=i: bool(errors) or (
            win.session.last_snapshot is not None and win.session.last_snapshot.step >= i + 1
            and win.run.state == "paused"), timeout=60000)
        assert not errors, (key, errors)
    win.session.error_occurred.disconnect(errors.append)


def assert_only_this_project(win: MainWindow, key: str, snaps: Snapshots) -> None:
    model, data = win.session.model, win.session.data
    assert model is not None and data is not None, key
    assert win.params_label.text().startswith(f"{model.n_params:,} parameters"), key
    matrix = win.plots.confusion.matrix
    # the perceptron's probes (since its decision map was fixed) include the confusion matrix
    if data.task == "classification" and win.doc.project.recipe in ("supervised", "perceptron"):
        assert matrix.shape == (data.n_classes, data.n_classes), key
        assert int(matrix.sum()) > 0, key
    else:
        assert matrix.shape == (0, 0), key
    loss = win.plots.loss
    assert loss.kept == [], key  # no "earlier" run: this project ran once
    steps = len(win.session.history.step_losses)  # the perceptron rule has no loss
    assert loss.run.steps.n == steps and steps in (0, STEPS), key
    last = win.session.last_snapshot
    epochs = win.doc.project.training.epochs
    assert win.training_panel.values["step"].text() == f"{last.step:,}", key
    assert win.training_panel.values["epoch"].text() == f"{last.epoch}/{epochs}", key
    assert win.run_label.text().startswith(f"epoch {last.epoch}/{epochs} · step {last.step:,}")
    # a Look-inside view only draws results computed for this project
    produced = snaps.probe_values()
    for entry in win.inside.dock.entries.values():
        result = getattr(entry.widget, "result", None)
        if isinstance(entry.widget, ProbeView) and result is not None:
            assert any(result is value for value in produced), (key, entry.key)
    current = win.inside.current_key()
    assert current in win.inside.dock.visible_keys(), key
    if current == "attention":
        view = win.inside.dock.view("attention")
        assert not view.showing_hint, (key, view.hint.text())
        cross = key.startswith("dates")
        expected = attention_view.CROSS_CAPTION if cross else attention_view.CAPTION
        assert view.caption.text() == expected, key


def walk(win: MainWindow, qtbot, keys: list[str]) -> None:
    for key in keys:
        open_from_gallery(win, key)
        if not example_path(key).with_suffix(".npz").exists():
            assert_fresh(win, key)  # an example saved with its trained run shows that run
        snaps = Snapshots(win)
        play_steps(win, qtbot, key)
        assert_only_this_project(win, key, snaps)
        win.session.snapshot_ready.disconnect(snaps.seen.append)
    win.files.new()
    assert_fresh(win, "new")
    assert win.params_label.text() == "0 parameters"


def test_diverse_examples_in_one_window_show_only_the_current_project(window, qtbot):
    walk(window, qtbot, list(FAST))


@pytest.mark.slow
def test_every_bundled_example_in_one_window_shows_only_the_current_project(window, qtbot):
    walk(window, qtbot, [e.key for e in list_examples() if e.ok])


def test_a_running_project_leaves_nothing_behind_when_another_opens(window, qtbot):
    open_from_gallery(window, "spiral")
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.plots.loss.run.steps.n > 20, timeout=30000)
    open_from_gallery(window, "xor")  # while the spiral trains
    assert_fresh(window, "xor")
    assert not window.session.is_worker_alive()
    qtbot.wait(200)  # the stopped run's events would have arrived by now
    assert_fresh(window, "xor")
    assert window.plots.decision.image.image is None
