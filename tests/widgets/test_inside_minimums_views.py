"""Look inside at a projector's 1280×720 (and 1366×768): Saliency, Layer map, Dynamics and the
GAN's samples grid / ring plane keep a readable size in the real window (the Look-inside dock
scrolls instead of squashing them to ~20-60 px strips), their captions wrap whole, and the
pictures keep their aspect (a digit's cell square within 10 %)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tests.widgets.test_inside_minimums import assert_whole
from tests.widgets.test_screen_fit import open_window

SCREENS = ((1280, 720), (1366, 768))
PLOT_PX = 110  # a plot's data area is at least this tall (was ~20 px at 1280×720)
IMAGE_PX = 140  # a picture's side (the saliency map, the GAN's samples grid)
PLANE_PX = 180  # the GAN ring plane


def settle(qtbot, win, key):
    """The Look-inside dock in front, showing view ``key``."""
    win.docks["inside"].raise_()
    assert win.inside.dock.show_view(key)
    qtbot.wait(50)
    return win.inside.dock.view(key)


def data_box(qtbot, vb, least):
    """The view box's scene rectangle once the layout gave it ``least`` px of height."""
    try:
        qtbot.waitUntil(lambda: vb.sceneBoundingRect().height() >= least, timeout=3000)
    except qtbot.TimeoutError:
        pass  # the assertion that follows says by how much
    qtbot.wait(50)  # the dock's scroll area settled
    return vb.sceneBoundingRect()


def image_aspect(vb, item):
    """On-screen width / height of ``item`` in ``vb`` over its pixel width / height (1 = kept)."""
    rect = item.sceneBoundingRect()
    shape = item.image.shape
    return (rect.width() / rect.height()) / (shape[1] / shape[0])


def no_sideways_scroll(win, view):
    area = win.docks["inside"].widget()
    assert not area.horizontalScrollBar().isVisible(), (view.size(), area.size())


def close(win):
    win.prompts_enabled = False
    win.close()


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_saliency_picture_is_readable(qtbot, tmp_path, monkeypatch, size):
    win = open_window(qtbot, tmp_path, monkeypatch, size, "digits_mlp")
    try:
        view = settle(qtbot, win, "saliency")
        rng = np.random.default_rng(0)
        result = {"input": rng.random(64), "heat": rng.random(64), "index": 3, "target": 5,
                  "predicted": 5, "label": 5, "probabilities": np.full(10, 0.1)}
        view.update(SimpleNamespace(probes={"introspection:saliency": result}))
        box = data_box(qtbot, view.panel.plot.getViewBox(), IMAGE_PX)
        assert min(box.width(), box.height()) >= IMAGE_PX, box  # was ~20 px tall
        assert abs(image_aspect(view.panel.plot.getViewBox(), view.panel.base) - 1) < 0.1
        assert_whole(view.caption)
        assert_whole(view.summary)
        assert view.summary.y() > view.stack.y(), "the readout goes under the picture"
        no_sideways_scroll(win, view)
    finally:
        close(win)


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_layer_map_is_readable(qtbot, tmp_path, monkeypatch, size):
    win = open_window(qtbot, tmp_path, monkeypatch, size, "digits_mlp")
    try:
        view = settle(qtbot, win, "layer_map")
        rng = np.random.default_rng(0)
        result = {"points": rng.normal(size=(200, 2)), "explained": np.array([0.45, 0.31]),
                  "labels": np.arange(200) % 10}
        view.update(SimpleNamespace(probes={"introspection:latent": result}))
        vb = view.plot.getViewBox()
        box = data_box(qtbot, vb, 2 * PLOT_PX)
        assert box.height() >= 2 * PLOT_PX and box.width() >= 2 * PLOT_PX, box  # was ~60 px
        left = view.plot.getAxis("left")  # "axis 2 (31 % of spread)" whole (was cut)
        label = left.label.boundingRect().width()  # the label is drawn rotated: its width
        assert label <= left.sceneBoundingRect().height(), (label, left.sceneBoundingRect())
        assert_whole(view.caption)
        no_sideways_scroll(win, view)
    finally:
        close(win)


def dynamics_frame(rng):
    edges = np.linspace(-1, 1, 21)
    hist = {"counts": rng.integers(0, 50, 20).astype(float), "edges": edges}
    layers = ["dense", "dense_1", "dense_2"]
    return {"weight_hist": {f"{n}/W": hist for n in layers},
            "grad_hist": {f"{n}/W": hist for n in layers}, "act_hist": {n: hist for n in layers},
            "grad_norm": dict.fromkeys(layers, 0.1), "update_ratio": dict.fromkeys(layers, 1e-3),
            "dead_fraction": dict.fromkeys(layers, 0.2), "layers": layers}


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dynamics_plots_are_readable(qtbot, tmp_path, monkeypatch, size):
    win = open_window(qtbot, tmp_path, monkeypatch, size, "digits_mlp")
    try:
        view = settle(qtbot, win, "dynamics")
        rng = np.random.default_rng(0)
        for step in (10, 20):
            view.update(SimpleNamespace(probes={"introspection:dynamics": dynamics_frame(rng)},
                                        step=step))
        data_box(qtbot, view.heat_plot.getViewBox(), PLOT_PX)
        for plot in (view.heat_plot, *(w.getPlotItem() for w in view.bar_widgets)):
            box = plot.getViewBox().sceneBoundingRect()
            assert box.height() >= PLOT_PX and box.width() >= 100, (plot.titleLabel.text, box)
        assert_whole(view.caption)  # was cut after its second line
        no_sideways_scroll(win, view)
    finally:
        close(win)


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_gan_samples_grid_keeps_square_digits(qtbot, tmp_path, monkeypatch, size):
    win = open_window(qtbot, tmp_path, monkeypatch, size, "gan_digits")
    try:
        view = settle(qtbot, win, "gan")
        samples = np.random.default_rng(0).random((64, 64)).astype(np.float32)
        view.show_samples(samples)
        box = data_box(qtbot, view.images_box, IMAGE_PX)
        assert min(box.width(), box.height()) >= IMAGE_PX, box  # was ~6×20 px per digit
        assert abs(image_aspect(view.images_box, view.images_item) - 1) < 0.1
        assert_whole(view.explain)
        no_sideways_scroll(win, view)
    finally:
        close(win)


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_gan_ring_plane_is_readable(qtbot, tmp_path, monkeypatch, size):
    win = open_window(qtbot, tmp_path, monkeypatch, size, "gan_ring_of_gaussians")
    try:
        view = settle(qtbot, win, "gan")
        angles = np.linspace(0, 2 * np.pi, 64)
        view.show_samples(np.stack([np.cos(angles), np.sin(angles)], 1).astype(np.float32))
        view.show_coverage(7, 8, 0.62)
        box = data_box(qtbot, view.plot.getViewBox(), PLANE_PX)
        assert min(box.width(), box.height()) >= PLANE_PX, box  # was ~40 px tall
        assert_whole(view.coverage)
        assert_whole(view.explain)
        no_sideways_scroll(win, view)
    finally:
        close(win)
