"""The decision map keeps the data's shape: with both inputs on one scale a unit of x is as
long on screen as a unit of y — the spiral is round, not stretched ~2× in the wide, short
dock of a 1280×720 projector — and the map still covers the whole data area (no bands)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.probes import grid_extent
from tests.widgets.test_screen_fit import SCREENS, open_window
from widgets.plots import DecisionPlot

MIN_SIDE = 150  # px: the data area stays readable


def px_per_unit(view: DecisionPlot) -> tuple[float, float, float, float]:
    """(x px per unit, y px per unit, data-area width, height) of the view box on screen."""
    box = view.plot.getViewBox().sceneBoundingRect()
    (x0, x1), (y0, y1) = view.plot.getViewBox().viewRange()
    return box.width() / (x1 - x0), box.height() / (y1 - y0), box.width(), box.height()


def spiral_points(n: int = 120) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0.2, 3 * np.pi, n)
    pts = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * np.pi)
    return pts.astype(np.float32), (np.arange(n) % 2).astype(int)


def test_a_round_data_set_stays_round_in_a_wide_short_dock(qtbot):
    view = DecisionPlot()
    qtbot.addWidget(view)
    view.resize(460, 300)  # the decision dock at 1280×720
    view.show()
    pts, labels = spiral_points()
    view.set_data(pts[:90], labels[:90], pts[90:], labels[90:], 2)
    extent = grid_extent(pts)
    view.show_grid(np.full((40, 40), 0.5, np.float32), extent)
    qtbot.wait(50)
    sx, sy, w, h = px_per_unit(view)
    assert sx == pytest.approx(sy, rel=0.04), (sx, sy)  # was ~2× wider than tall
    assert min(w, h) >= MIN_SIDE, (w, h)
    (x0, x1), (y0, y1) = view.plot.getViewBox().viewRange()
    assert [x0, x1, y0, y1] == pytest.approx(list(extent), abs=1e-6)  # the map fills it
    assert view.plot_widget.geometry().center().x() == pytest.approx(view.holder.width() / 2,
                                                                       abs=2)  # centred
    view.resize(300, 460)  # tall and narrow: still one scale
    qtbot.wait(50)
    sx, sy, _w, _h = px_per_unit(view)
    assert sx == pytest.approx(sy, rel=0.04), (sx, sy)


def test_inputs_of_unrelated_scales_fill_the_view(qtbot):
    view = DecisionPlot()
    qtbot.addWidget(view)
    view.resize(460, 300)
    view.show()
    rng = np.random.default_rng(0)
    pts = np.stack([rng.uniform(0, 100, 60), rng.uniform(0, 1, 60)], axis=1)
    labels = (pts[:, 1] > 0.5).astype(int)
    view.set_data(pts[:40], labels[:40], pts[40:], labels[40:], 2)
    qtbot.wait(50)
    assert view.plot_widget.geometry() == view.holder.rect()  # stretched: readable


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
def test_the_spiral_is_round_in_the_window(qtbot, tmp_path, monkeypatch, size, presenter):
    win = open_window(qtbot, tmp_path, monkeypatch, size, "spiral")
    try:
        if presenter:
            win.presenter.set_enabled(True)
        win.docks["output"].raise_()
        view = win.plots.decision
        qtbot.waitUntil(lambda: abs(px_per_unit(view)[0] / px_per_unit(view)[1] - 1) < 0.05,
                        timeout=3000)
        qtbot.wait(50)
        sx, sy, w, h = px_per_unit(view)
        assert sx == pytest.approx(sy, rel=0.05), (sx, sy, view.size())
        assert min(w, h) >= MIN_SIDE, (w, h, view.size())
    finally:
        win.presenter.set_enabled(False)
        win.prompts_enabled = False
        win.close()
