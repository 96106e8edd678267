"""Presenter look: a side axis title never runs past its plot ("accurac)" on a short plot),
and it grows back to the view's own size when the plot is tall enough again."""

from __future__ import annotations

import pyqtgraph as pg

from widgets.plots.palette import NORMAL_LOOK, Look
from widgets.window.plot_look import LABEL_MIN_PT, apply_look

PRESENTING = Look(font_scale=1.5, line_scale=1.6, marker_scale=1.5, magnitude_map="cividis")


def _size(axis: pg.AxisItem) -> float:
    return float(str(axis.labelStyle["font-size"])[:-2])


def test_a_side_title_fits_a_short_plot_and_grows_back(qtbot):
    view = pg.PlotWidget()
    qtbot.addWidget(view)
    axis = view.getPlotItem().getAxis("left")
    axis.setLabel("accuracy", **{"font-size": "20pt"})
    view.resize(300, 110)  # a short accuracy plot beside the loss
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(20)
    assert axis.label.boundingRect().width() > axis.size().height()  # it would be cut off
    apply_look([view], PRESENTING)
    assert LABEL_MIN_PT <= _size(axis) < 20
    assert axis.label.boundingRect().width() <= axis.size().height()
    view.resize(300, 500)
    qtbot.wait(20)
    apply_look([view], PRESENTING)  # the window re-applies the look every second
    assert _size(axis) == 20  # never larger than the view chose
    view.resize(300, 110)
    qtbot.wait(20)
    apply_look([view], PRESENTING)
    assert _size(axis) < 20
    apply_look([view], NORMAL_LOOK)  # leaving presenter mode: the view's own size
    assert _size(axis) == 20
