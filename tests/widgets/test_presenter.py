"""Presenter mode: big text, thick lines, secondary panels hidden, a full-screen view, a pen.

Driven the way a lecturer uses it: the toolbar/menu actions, F5, double-clicks on a panel
title, Esc and real mouse drags on the drawing overlay.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMessageBox, QTabBar

from app.examples import example_path
from app.settings import Settings
from widgets.plots.palette import current_look, map_lut
from widgets.window.main_window import MainWindow
from widgets.window.pen_overlay import INK
from widgets.window.presenter import SECONDARY

SB = QMessageBox.StandardButton
LEFT = Qt.MouseButton.LeftButton


def _settings(tmp_path) -> Settings:
    return Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))


def _open(qtbot, settings, tmp_path) -> MainWindow:
    win = MainWindow(settings, autosave_folder=tmp_path / "recovery")
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    assert win.files.open_example(example_path("spiral"))
    win.dataset_panel.ensure_current()
    return win


def _close(win: MainWindow) -> None:
    win.prompts_enabled = False
    win.close()


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: SB.Discard))
    win = _open(qtbot, _settings(tmp_path), tmp_path)
    win.set_theme("light")
    yield win
    _close(win)


def _visible(win: MainWindow) -> dict[str, bool]:
    return {key: dock.isVisible() for key, dock in win.docks.items()}


def _plot_sizes(win: MainWindow) -> dict[str, float]:
    """Pen widths, marker sizes and tick fonts the loss and decision plots draw with."""
    loss, decision = win.plots.loss, win.plots.decision
    tick = loss.loss_plot.getAxis("left").style["tickFont"]
    return {"smooth": loss.smooth_item.opts["pen"].widthF(),
            "val": loss.val_item.opts["pen"].widthF(),
            "symbol": loss.train_item.opts["symbolSize"],
            "points": decision.train_points.opts["size"],
            "tick": tick.pointSizeF(),
            "axis_width": loss.loss_plot.getAxis("left").fixedWidth,
            "preview_tick": _preview_tick(win)}


def _preview_tick(win: MainWindow) -> float:
    font = win.dataset_panel.preview.getPlotItem().getAxis("left").style["tickFont"]
    return -1.0 if font is None else font.pointSizeF()


def test_presenter_mode_enlarges_and_toggling_off_restores_everything(window, qtbot):
    app = QApplication.instance()
    font, sheet = app.font(), app.styleSheet()
    docks, sizes = _visible(window), _plot_sizes(window)
    assert all(docks[k] for k in ("output", "loss", "training"))

    window.presenter.actions["presenter"].trigger()
    assert window.presenter.active and window.settings.presenter
    assert app.font().pointSizeF() >= 1.5 * font.pointSizeF()
    big = _plot_sizes(window)
    assert big["smooth"] >= 3.0 and big["val"] >= 3.0  # thick curves
    assert big["symbol"] >= 1.5 * sizes["symbol"] and big["points"] >= 1.5 * sizes["points"]
    assert big["tick"] >= 1.5 * sizes["tick"]
    assert big["axis_width"] >= 1.5 * sizes["axis_width"]  # room for the bigger tick labels
    assert big["preview_tick"] >= 1.5 * 9  # a plot no view styles gets big ticks too
    assert not any(window.docks[k].isVisible() for k in SECONDARY)
    assert window.docks["output"].isVisible() and window.docks["loss"].isVisible()
    assert window.canvas.isVisible()
    assert not window.params_label.isVisible()  # the status bar keeps room for run and Coach
    bars = [b for b in window.findChildren(QTabBar) if b.parentWidget() is window]
    assert bars and all(b.elideMode() == Qt.TextElideMode.ElideNone for b in bars)  # whole
    # dock titles ("Decision boundary", not "Decision bound.."), scrolled if need be
    assert tuple(map_lut()[0, :3]) == (0, 32, 77)  # cividis for magnitude maps
    # text size adjusts live and is remembered
    before = app.font().pointSizeF()
    window.presenter.actions["text_larger"].trigger()
    assert app.font().pointSizeF() > before
    assert window.settings.presenter_scale == pytest.approx(1.6)
    assert _plot_sizes(window)["tick"] > big["tick"]
    # the look holds while new curves are drawn (refresh after a restyle never compounds)
    window.presenter.refresh_plots()
    window.presenter.refresh_plots()
    assert _plot_sizes(window)["smooth"] == big["smooth"]

    window.presenter.actions["presenter"].trigger()
    assert not window.presenter.active and not window.settings.presenter
    assert app.font() == font and app.styleSheet() == sheet
    assert _visible(window) == docks
    assert window.params_label.isVisible()
    assert _plot_sizes(window) == sizes
    assert current_look().font_scale == 1.0
    assert tuple(map_lut()[-1, :3]) == tuple(pg.colormap.get("viridis").getLookupTable(
        0.0, 1.0, 256, alpha=True)[-1, :3])


def test_presenter_setting_persists_across_a_new_window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: SB.Discard))
    settings = _settings(tmp_path)
    first = _open(qtbot, settings, tmp_path)
    normal_points = QApplication.font().pointSizeF()
    with qtbot.waitActive(first):
        first.activateWindow()
    qtbot.keyClick(first.canvas, Qt.Key.Key_F5)  # the shortcut a lecturer presses
    assert first.presenter.active
    assert QApplication.font().pointSizeF() > normal_points
    _close(first)
    assert current_look().font_scale == 1.0  # a closed window leaves no look behind
    assert QApplication.font().pointSizeF() == normal_points  # nor its enlarged font

    second = _open(qtbot, settings, tmp_path)
    try:
        assert second.presenter.active
        assert second.presenter.actions["presenter"].isChecked()
        assert not second.docks["inspector"].isVisible()
        # digits: another kind of project, whose layout normally shows the confusion matrix
        assert second.files.open_example(example_path("digits_mlp"))
        second.dataset_panel.ensure_current()
        qtbot.wait(50)
        assert not any(second.docks[k].isVisible() for k in SECONDARY)
        assert second.docks["loss"].isVisible() and second.presenter.active
        second.presenter.set_enabled(False)
        assert QApplication.font().pointSizeF() == normal_points
        # the layout remembered at close was the normal one, not the presenter's
        assert second.docks["training"].isVisible() and second.docks["problems"].isVisible()
    finally:
        _close(second)


def _ink_pixels(overlay, pos: QPoint, radius: int = 4) -> int:
    image = overlay.grab().toImage()
    ink = QColor(INK)
    hits = 0
    for dx in range(-radius, radius + 1):
        for dy in range(-radius, radius + 1):
            c = image.pixelColor(pos.x() + dx, pos.y() + dy)
            if c.alpha() > 200 and abs(c.red() - ink.red()) < 30 and abs(c.green()
                                                                          - ink.green()) < 30:
                hits += 1
    return hits


def _drag(qtbot, widget, points: list[QPoint]) -> None:
    qtbot.mousePress(widget, LEFT, pos=points[0])
    for p in points[1:]:
        qtbot.mouseMove(widget, p)
    qtbot.mouseRelease(widget, LEFT, pos=points[-1])


def test_pen_draws_over_the_window_erases_and_clears_without_touching_the_project(
        window, qtbot):
    overlay, actions = window.presenter.overlay, window.presenter.actions
    undo_count, dirty = window.doc.undo_stack.count(), window.doc.is_dirty
    assert not overlay.isVisible()
    actions["pen"].trigger()
    assert overlay.isVisible()
    assert not overlay.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    # the overlay lies over the canvas and the plot docks
    for widget in (window.canvas, window.docks["loss"]):
        top_left = overlay.mapFrom(window, widget.mapTo(window, QPoint(5, 5)))
        assert overlay.rect().contains(top_left)

    line = [QPoint(200, 200), QPoint(260, 230), QPoint(320, 260), QPoint(380, 290)]
    _drag(qtbot, overlay, line)
    assert overlay.stroke_count == 1 and len(overlay.strokes[0].points) >= 4
    assert _ink_pixels(overlay, QPoint(290, 245)) > 10
    _drag(qtbot, overlay, [QPoint(500, 120), QPoint(560, 120), QPoint(620, 120)])
    assert overlay.stroke_count == 2

    actions["eraser"].trigger()  # the eraser replaces the pen
    assert not actions["pen"].isChecked()
    _drag(qtbot, overlay, [QPoint(560, 90), QPoint(560, 150)])  # across the second stroke
    assert overlay.stroke_count == 1
    assert _ink_pixels(overlay, QPoint(560, 120)) == 0
    assert _ink_pixels(overlay, QPoint(290, 245)) > 10

    actions["clear_drawing"].trigger()
    assert overlay.stroke_count == 0 and _ink_pixels(overlay, QPoint(290, 245)) == 0
    actions["eraser"].trigger()  # put it down: clicks reach the views again
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    assert not overlay.isVisible()
    assert window.doc.undo_stack.count() == undo_count and window.doc.is_dirty == dirty


def test_full_screen_view_by_title_double_click_and_escape(window, qtbot):
    with qtbot.waitActive(window):
        window.activateWindow()
    docks = _visible(window)
    loss = window.docks["loss"]
    qtbot.mouseDClick(loss, LEFT, pos=QPoint(40, 8))  # on the title bar
    assert window.presenter.full_view
    assert loss.isVisible() and not loss.isFloating()
    assert [k for k, d in window.docks.items() if d.isVisible()] == ["loss"]
    assert not window.canvas.isVisible()
    qtbot.waitUntil(lambda: loss.width() > 0.8 * window.width())
    qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert not window.presenter.full_view
    assert _visible(window) == docks and window.canvas.isVisible()

    window.canvas.setFocus()  # F11 on the canvas: the canvas alone
    window.presenter.actions["full_view"].trigger()
    assert window.presenter.full_view and window.canvas.isVisible()
    assert not any(d.isVisible() for d in window.docks.values())
    window.presenter.actions["full_view"].trigger()  # the same action returns
    assert _visible(window) == docks
    assert np.isfinite(window.canvas.zoom_level())


def test_theme_switch_restyles_the_windows_plots_without_walking_all_widgets(
        window, monkeypatch):
    """Issue 21: a walk over QApplication.allWidgets() touched a widget being destroyed."""
    def no_walk():
        raise AssertionError("theme switching walked QApplication.allWidgets()")

    monkeypatch.setattr(QApplication, "allWidgets", staticmethod(no_walk))
    preview = window.dataset_panel.preview  # a plot no view restyles itself
    window.actions["theme_dark"].trigger()
    assert preview.backgroundBrush().color().name() == "#15181d"
    window.presenter.set_enabled(True)  # presenter mode restyles through the same path
    window.presenter.set_enabled(False)
    window.actions["theme_light"].trigger()
    assert preview.backgroundBrush().color().name() == "#ffffff"


def _stroke(qtbot, window) -> None:
    window.presenter.actions["pen"].trigger()
    _drag(qtbot, window.presenter.overlay,
          [QPoint(200, 200), QPoint(260, 230), QPoint(320, 260)])
    assert window.presenter.overlay.stroke_count == 1
    window.presenter.actions["pen"].trigger()  # put it down; the stroke stays


def test_strokes_go_when_the_layout_changes_and_the_window_repaints(
        window, qtbot, monkeypatch):
    """A circle drawn round the boundary plot must not end up over the palette: the panels
    under the strokes move when presenter mode, a full-screen view or a dock move changes
    the layout, so the strokes are cleared, and the whole window is painted again (after F5
    the projector kept showing presenter mode)."""
    import widgets.window.pen_overlay as pen_overlay
    overlay = window.presenter.overlay
    repainted: list[object] = []
    real = pen_overlay.repaint_window
    monkeypatch.setattr(pen_overlay, "repaint_window", lambda w: (repainted.append(w), real(w)))
    _stroke(qtbot, window)
    window.presenter.set_enabled(True)  # F5
    assert overlay.stroke_count == 0 and not overlay.isVisible()
    _stroke(qtbot, window)
    window.presenter.set_enabled(False)  # F5 again: the old layout is back
    assert overlay.stroke_count == 0
    qtbot.waitUntil(lambda: len(repainted) >= 2)
    assert all(w is window for w in repainted)
    _stroke(qtbot, window)
    window.presenter.show_only(window.docks["loss"])  # one view full screen
    assert overlay.stroke_count == 0
    window.presenter.restore_view()
    _stroke(qtbot, window)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, window.docks["loss"])
    assert overlay.stroke_count == 0  # a dock moved to another side
