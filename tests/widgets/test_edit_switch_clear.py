"""The decision plot's "✎ Edit" switch never hides data: it sits in a strip above the view box,
or beside the data area when keeping the data's shape leaves room there (the newcomer test
found it over (1, 1), the one class-1 point of AND and xor, at 1280×720)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect

from tests.widgets.test_polish_720 import close
from tests.widgets.test_screen_fit import open_window
from widgets.plots.decision_plot import SWITCH_GAP, DecisionPlot


def data_rect(plot: DecisionPlot) -> QRect:
    """The view box's data corners (its whole view range), in ``plot_widget`` pixels."""
    box = plot.plot.getViewBox()
    (x0, x1), (y0, y1) = box.viewRange()
    corners = [plot.plot_widget.mapFromScene(box.mapViewToScene(QPointF(x, y)))
               for x, y in ((x0, y0), (x1, y1))]
    return QRect(corners[0], corners[1]).normalized()


def assert_switch_clear(plot: DecisionPlot) -> None:
    switch = plot.edit_bar.switch
    if switch.parent() is plot.holder:  # beside a round data area, in the room left over
        assert switch.isVisible() and plot.holder.rect().contains(switch.geometry())
        assert not switch.geometry().intersects(plot.plot_widget.geometry())
        return
    assert switch.isVisible() and switch.parent() is plot.plot_widget
    assert plot.plot_widget.rect().contains(switch.geometry())  # whole, readable
    data = data_rect(plot)
    assert data.top() <= switch.geometry().bottom() + 12  # the strip costs no more
    assert not switch.geometry().intersects(data), (switch.geometry(), data)
    for x, y in plot.points:  # every point, with its marker, lies inside the view box
        p = plot.plot_widget.mapFromScene(plot.plot.getViewBox().mapViewToScene(QPointF(x, y)))
        assert data.contains(p) and not switch.geometry().adjusted(-6, -6, 6, 6).contains(p)


def test_edit_switch_sits_above_the_xor_data_also_in_presenter_mode(qtbot, tmp_path,
                                                                     monkeypatch):
    win = open_window(qtbot, tmp_path, monkeypatch, (1280, 720), "xor")
    try:
        plot = win.findChild(DecisionPlot)
        assert len(plot.points) >= 4
        assert_switch_clear(plot)
        normal_height = plot.edit_bar.switch.height()
        win.presenter.set_enabled(True)
        qtbot.wait(50)
        assert plot.edit_bar.switch.height() > normal_height  # its font grew with the text
        assert_switch_clear(plot)
        plot.set_edit_allowed(False)  # a lesson locks the data: no switch, no strip
        qtbot.wait(10)
        assert data_rect(plot).top() <= 2 * SWITCH_GAP + 4  # room for the top tick label only
        win.presenter.set_enabled(False)
    finally:
        close(win)
