"""The timeline of the generative recipes and the perceptron: their moments are recorded
whole and dragging back shows their views (GAN samples, latent space, decision map) from those
weights; Branch and Compare are offered for every recipe."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from app.examples import example_path
from app.variants import VariantSpec
from engine.checkpoints import model_weights
from engine.recipes import prepare
from tests.widgets.window_helpers import close_test_window, make_test_window


def _probes_of(win, checkpoint, names):
    """The probes of the checkpoint's weights, computed here on a fresh copy."""
    copied = prepare(copy.deepcopy(win.session.project), win.session.data)
    copied.model.set_weights(model_weights(checkpoint), strict=True)
    return copied.trainer.probe_grid.compute(names)


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return np.array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("example, epochs, resumable", [
    ("gan_ring_of_gaussians", 3, True),
    ("perceptron_and", 6, True),
    ("ae_digits_2d", 2, True),
])
def test_scrubbing_back_shows_the_views_of_that_moment(qtbot, tmp_path, monkeypatch, example,
                                                       epochs, resumable):
    win = make_test_window(qtbot, tmp_path, monkeypatch)
    try:
        assert win.files.open_example(example_path(example))
        win.dataset_panel.ensure_current()
        win.doc.set_training({"epochs": epochs})
        win.run.toggle_play()
        qtbot.waitUntil(lambda: win.run.state == "finished", timeout=60000)
        bar = win.timeline
        bar.refresh()
        items = bar.items
        assert len(items) >= 3 and items[0].step == 0 and bar.slider.isEnabled()
        assert all(c.resumable == resumable for c in items)
        present = win.session.last_snapshot.probes
        index = 1
        bar.drag_to(index)
        qtbot.waitUntil(lambda: bar.controller.last_past is not None, timeout=20000)
        shown = bar.controller.last_past.probes
        expected = _probes_of(win, items[index], list(win.session.probes))
        names = sorted(k for k in shown if not k.startswith("introspection"))
        assert names and set(names) == set(expected) and set(names) <= set(present)
        assert all(_same(shown[k], expected[k]) for k in names)
        assert not all(_same(shown[k], present[k]) for k in names)
        assert bar.branch_button.isHidden() != resumable
        assert bar.compare_action.isVisible() == resumable
        assert ("keeps only its weights" in bar.banner.text()) != resumable
        if not resumable:  # no branch can start there; the comparison says why
            messages: list[str] = []
            bar.controller.failed.connect(messages.append)
            assert not bar.controller.branch_here()
            bar.compare_here(VariantSpec({"learning_rate": 0.05}))
            assert messages and "cannot" in messages[-1]
        bar.now_button.click()
        assert not bar.looking_back.isVisible()
    finally:
        close_test_window(win)
