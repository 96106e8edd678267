"""Issue 18, at a 1280×720 projector: one-line plot keys, a readable Problems verdict and
Look inside pages that fit their column (no sideways scrolling)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from tests.widgets.test_screen_fit import open_window
from widgets.plots.decision_plot import DecisionPlot
from widgets.plots.loss_plot import LossPlot


def lines(label: QLabel) -> float:
    """How many text lines ``label`` needs at its current width."""
    m = label.contentsMargins()
    return (label.heightForWidth(label.width()) - m.top() - m.bottom()) \
        / label.fontMetrics().lineSpacing()


def close(win) -> None:
    win.run.stop()
    win.prompts_enabled = False
    win.close()


def test_spiral_keys_are_one_line_and_the_verdict_is_whole(qtbot, tmp_path, monkeypatch):
    win = open_window(qtbot, tmp_path, monkeypatch, (1280, 720), "spiral")
    try:
        win.run.step_epoch()
        loss = win.findChild(LossPlot)
        qtbot.waitUntil(lambda: loss.run.train.n > 0, timeout=5000)
        assert lines(loss.key) < 1.6, loss.key.text()
        decision = win.findChild(DecisionPlot)
        assert lines(decision.key) < 2.0, decision.key.text()  # its marks are 15-17 pt
        switch = decision.edit_bar.switch
        where = switch.parentWidget()  # the plot, or beside the round data area's plot
        assert switch.isVisible() and where in (decision.plot_widget, decision.holder)
        assert where.rect().contains(switch.geometry())
        assert where is decision.plot_widget or \
            not switch.geometry().intersects(decision.plot_widget.geometry())
        summary = win.problems.summary
        assert "Ready to train" in summary.text()
        assert summary.height() >= summary.heightForWidth(summary.width())  # nothing clipped
        assert lines(summary) < 1.6
    finally:
        close(win)


def test_cnn_look_inside_pages_fit_the_column(qtbot, tmp_path, monkeypatch):
    win = open_window(qtbot, tmp_path, monkeypatch, (1280, 720), "digits_cnn")
    try:
        dock = win.docks["inside"]
        dock.raise_()
        inside = win.inside.dock
        column = dock.width()
        assert column <= 470
        for key in ("filters", "feature_maps", "saliency", "adversarial", "kernel"):
            assert key in inside.visible_keys()
            page = inside.view(key)
            assert page.minimumSizeHint().width() <= column - 20, key
        assert inside.minimumSizeHint().width() <= column - 20  # no sideways scrolling
    finally:
        close(win)


def test_presenter_mode_enlarges_canvas_text_and_keeps_the_coach_notice_readable(
        qtbot, tmp_path, monkeypatch):
    from engine.coach import Advice
    from widgets.canvas import style as st
    from widgets.plots.palette import current_look

    win = open_window(qtbot, tmp_path, monkeypatch, (1280, 720), "spiral")
    try:
        view = win.canvas
        assert view.canvas.text_scale == st.text_scale_for_zoom(view.zoom_level())
        win.presenter.set_enabled(True)
        qtbot.wait(50)
        scale = current_look().font_scale
        assert scale > 1.1
        expected = st.text_scale_for_zoom(view.zoom_level()) * scale
        assert abs(view.canvas.text_scale - expected) < 1e-3
        win.coach_notices.on_advice([Advice("flat_loss", "warning", "The loss is flat.")])
        qtbot.wait(50)
        button = win.coach_notices.button
        assert button.text().startswith("⚠ Coach (1): the loss is flat")
        assert button.width() >= button.minimumSizeHint().width()
        assert button.shown_text().startswith("⚠ Coach (1):")  # never just "Co"
        win.presenter.set_enabled(False)
        qtbot.wait(50)
        assert view.canvas.text_scale == st.text_scale_for_zoom(view.zoom_level())
    finally:
        win.presenter.set_enabled(False)
        close(win)


def test_step_axis_counts_in_thousands(qtbot):
    from widgets.plots.palette import CompactAxis

    axis = CompactAxis("bottom")
    assert axis.tickStrings([0.0, 2000.0, 4000.0], 1.0, 2000.0) == ["0", "2k", "4k"]
    assert axis.tickStrings([0.0, 20.0, 40.0], 1.0, 20.0) == ["0", "20", "40"]


def test_a_short_accuracy_axis_labels_few_ticks(qtbot):
    """The CNN's accuracy axis, 0.91-0.99 on ~70 px, labelled 0.98/0.96/0.94/0.92 packed."""
    from widgets.plots.palette import CompactAxis

    axis = CompactAxis("left")
    levels = axis.tickSpacing(0.91, 0.99, 70.0)
    major = levels[0][0]
    assert 0.08 / major <= 2.0  # at most ~2 labelled intervals
    assert all(spacing < major for spacing, _ in levels[1:])
    tall = axis.tickSpacing(0.91, 0.99, 400.0)[0][0]
    assert tall < major  # a tall axis keeps its finer ticks
