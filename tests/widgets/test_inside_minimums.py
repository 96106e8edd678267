"""Look inside at a projector's 1280×720 (and 1366×768, 1920×1080): the "Hidden states"
heatmap and the "Latent space" plot keep a readable size (the dock scrolls instead of
squashing them), the colour bar's labels stand apart, and the captions wrap whole."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QLabel

from tests.widgets.test_screen_fit import SCREENS, open_window

HEATMAP_PX, LATENT_PX = 120, 200


def hidden_result(steps: int = 40, units: int = 128) -> dict:
    rng = np.random.default_rng(0)
    return {"index": 0, "layers": {"lstm": np.tanh(rng.normal(size=(steps, units)))},
            "gates": {}, "tokens": None, "token_names": None}


def assert_whole(label: QLabel) -> None:
    """A wrapped label as tall as its text needs at its width: nothing cut off."""
    assert label.wordWrap()
    assert label.height() >= label.heightForWidth(label.width()), (label.size(), label.text())


def bar_labels(panel) -> list[QRectF]:
    """Where the colour bar's axis draws its tick labels (as it paints them)."""
    axis = panel.bar.axis
    image = QImage(axis.boundingRect().size().toSize(), QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [rect for rect, _flags, _text in specs[2]] if specs else []


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_hidden_states_heatmap_is_readable(qtbot, tmp_path, monkeypatch, size):
    win = open_window(qtbot, tmp_path, monkeypatch, size, "char_lstm")
    try:
        win.docks["inside"].raise_()
        assert win.inside.dock.show_view("hidden_states")
        view = win.inside.dock.view("hidden_states")
        view.update(SimpleNamespace(probes={"introspection:hidden_states": hidden_result()}))
        vb = view.panel.plot.getViewBox()
        qtbot.waitUntil(lambda: vb.sceneBoundingRect().height() >= HEATMAP_PX, timeout=3000)
        qtbot.wait(50)  # the dock's scroll area settled
        box = vb.sceneBoundingRect()
        assert box.height() >= HEATMAP_PX, (box, view.size())  # was ~20 px
        labels = bar_labels(view.panel)  # overlapped: -1.0 / -0.5 / 0 / 0.5 / 1.0 in 20 px
        assert len(labels) >= 2 and not any(a.intersects(b) for i, a in enumerate(labels)
                                             for b in labels[i + 1:]), labels
        assert_whole(view.caption)  # was cut after two of its five lines
        assert_whole(view.summary)
        area = win.docks["inside"].widget()
        assert not area.horizontalScrollBar().isVisible(), (view.size(), area.size())
    finally:
        win.prompts_enabled = False
        win.close()


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_latent_space_plot_is_readable(qtbot, tmp_path, monkeypatch, size):
    win = open_window(qtbot, tmp_path, monkeypatch, size, "vae_digits_2d")
    try:
        win.docks["inside"].raise_()
        assert win.inside.dock.show_view("latent")
        view = win.inside.dock.view("latent")
        codes = np.random.default_rng(0).normal(size=(300, 2)).astype(np.float32)
        view.show_codes(codes, np.arange(300) % 10, np.array([-3.0, 3.0, -3.0, 3.0]))
        vb = view.plot.getViewBox()
        qtbot.waitUntil(lambda: min(vb.sceneBoundingRect().size().toTuple()) >= LATENT_PX,
                        timeout=3000)
        qtbot.wait(50)
        box = vb.sceneBoundingRect()
        assert box.width() >= LATENT_PX and box.height() >= LATENT_PX, box  # was ~245×58
        assert_whole(view.explain)
        assert_whole(view.key)
        area = win.docks["inside"].widget()
        assert not area.horizontalScrollBar().isVisible(), (view.size(), area.size())
    finally:
        win.prompts_enabled = False
        win.close()
