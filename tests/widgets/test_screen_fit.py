"""Fits the screen, readable on a projector: at 1280×720, 1366×768 and 1920×1080 the window
lies on the screen, the canvas has the largest share, the palette shows its entries, no panel
is squashed, fitted network text stays readable, and plots never hide silently."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QByteArray, QPointF, QRect, QSettings, QSize
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication, QMessageBox

import widgets.window.window_layout as window_layout
from app.examples import example_path
from app.settings import Settings
from widgets.plots import ConfusionView, LossPlot
from widgets.window.main_window import MainWindow
from widgets.window.theme import apply_theme
from widgets.window.window_layout import READABLE_DOCK, ShrinkableArea

SCREENS = ((1280, 720), (1366, 768), (1920, 1080))
SB = QMessageBox.StandardButton


def open_window(qtbot, tmp_path, monkeypatch, size, example, geometry=None):
    """A window on an emulated screen of ``size`` (the offscreen screen is a fixed 800×800)."""
    monkeypatch.setattr(window_layout, "available_geometry", lambda _w: QRect(0, 0, *size))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: SB.Discard))
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    if geometry is not None:
        settings.save_window(geometry, QByteArray())
    # the app's own font, as ``main`` applies it (13 pt; Qt's offscreen default is 9 pt, and
    # whether an earlier test had set the theme decided which one these sizes were measured at)
    apply_theme(QApplication.instance(), "light", settings.font_size)
    win = MainWindow(settings, autosave_folder=tmp_path / "recovery")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert win.files.open_example(example_path(example))
    win.dataset_panel.ensure_current()
    win.apply_default_sizes()
    qtbot.wait(50)
    return win


def shown_docks(win):
    """Docks on screen (not floating, not behind another tab)."""
    return {k: d for k, d in win.docks.items()
            if d.isVisible() and not d.isFloating() and not d.visibleRegion().isEmpty()}


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("example", ["spiral", "digits_cnn", "dates_seq2seq_attention"])
def test_window_fits_and_shares_the_screen(qtbot, tmp_path, monkeypatch, size, example):
    win = open_window(qtbot, tmp_path, monkeypatch, size, example)
    try:
        screen = QRect(0, 0, *size)
        assert screen.contains(win.frameGeometry()), (win.frameGeometry(), size)
        assert win.canvas.width() >= 0.35 * win.width()
        docks = shown_docks(win)
        widest = max(d.width() for d in docks.values())
        assert win.canvas.width() >= widest  # the canvas has the largest share
        assert win.layer_palette.visible_entries() >= 6
        assert len(win.layer_palette.category_bar.buttons) >= 12
        for key, dock in docks.items():
            assert dock.width() >= READABLE_DOCK.width(), (key, dock.size())
            assert dock.height() >= READABLE_DOCK.height(), (key, dock.size())
        assert win.canvas.smallest_text_px() >= 9.0  # fitted, yet readable
        if example == "dates_seq2seq_attention":  # its neuron view would be a blob
            assert not win.docks["network"].isVisible()
    finally:
        win.prompts_enabled = False
        win.close()


RIGHT = ("output", "inside", "loss", "network", "confusion")
PLOT_PX = 200  # a plot in front is at least this tall: readable from the back of a hall


@pytest.mark.parametrize("example", ["spiral", "digits_cnn", "dates_seq2seq_attention"])
def test_at_1280x720_the_views_in_front_are_tall_and_the_rest_one_click_away(
        qtbot, tmp_path, monkeypatch, example):
    win = open_window(qtbot, tmp_path, monkeypatch, (1280, 720), example)
    try:
        assert win.right_column.is_compact()  # the loss curves' group holds network/confusion
        front = {k: d for k, d in shown_docks(win).items() if k in RIGHT}
        top = "output" if example == "spiral" else "inside"
        assert set(front) == {top, "loss"}, sorted(front)
        for key, dock in front.items():
            area = dock.widget()
            view = area.widget() if isinstance(area, ShrinkableArea) else area
            assert view.height() >= PLOT_PX, (key, view.size())
            if isinstance(area, ShrinkableArea):  # nothing scrolled out of view vertically
                assert not area.verticalScrollBar().isVisible(), (key, view.size(), area.size())
        plot = front["loss"].findChild(LossPlot)  # the curves themselves, not the timeline row
        assert plot.height() >= PLOT_PX, plot.size()
        if example == "spiral":
            assert not front["output"].widget().horizontalScrollBar().isVisible()
        # the other views are a tab away, in the loss curves' group
        behind = [d.windowTitle() for d in win.tabifiedDockWidgets(win.docks["loss"])]
        assert "Confusion matrix" in behind
        win.docks["network" if example != "dates_seq2seq_attention" else "confusion"].raise_()
        qtbot.wait(20)
        assert "loss" not in shown_docks(win)
    finally:
        win.prompts_enabled = False
        win.close()


def test_at_1920x1080_network_and_confusion_get_their_own_group(qtbot, tmp_path, monkeypatch):
    win = open_window(qtbot, tmp_path, monkeypatch, (1920, 1080), "spiral")
    try:
        assert not win.right_column.is_compact()
        front = shown_docks(win)
        assert {"output", "loss", "network"} <= set(front)
        assert front["output"].widget().widget().height() >= 1.2 * PLOT_PX
        win.resize(1280, 700)  # a smaller screen, then Reset Panel Layout
        win.actions["reset_layout"].trigger()
        qtbot.wait(20)
        assert win.right_column.is_compact()
        win.resize(1900, 1000)
        win.actions["reset_layout"].trigger()
        qtbot.wait(20)
        assert not win.right_column.is_compact() and "network" in shown_docks(win)
    finally:
        win.prompts_enabled = False
        win.close()


def test_a_geometry_from_a_bigger_screen_is_clamped(qtbot, tmp_path, monkeypatch):
    win = open_window(qtbot, tmp_path, monkeypatch, (1280, 720), "xor")
    try:
        win.setGeometry(300, 200, 2400, 1300)  # as restored from a 2560×1440 monitor
        window_layout.fit_window(win)
        assert QRect(0, 0, 1280, 720).contains(win.frameGeometry())
        win.apply_default_sizes()
        qtbot.wait(20)
        assert win.canvas.width() >= 0.35 * win.width()
    finally:
        win.prompts_enabled = False
        win.close()
    frame = QSize(8, 30)  # a window manager's borders and title bar
    rect = window_layout.fitted_rect(QRect(1000, 600, 900, 500), frame, QRect(0, 0, 1280, 720))
    assert rect.right() + frame.width() < 1280 and rect.bottom() + frame.height() < 720
    assert rect.size() == QSize(900, 500)
    assert window_layout.fitted_rect(QRect(), frame, QRect(0, 24, 1366, 744)) == \
        QRect(0, 24, 1358, 714)


def test_dragging_a_layer_over_a_wire_shows_where_it_goes(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QMimeData, Qt
    from PySide6.QtGui import QDragMoveEvent

    from widgets.canvas.view import MIME_LAYER

    win = open_window(qtbot, tmp_path, monkeypatch, (1280, 720), "spiral")
    try:
        view = win.canvas
        edge = next(iter(view.canvas.edges.values()))
        mid = view.mapFromScene(edge.path().pointAtPercent(0.5))
        mime = QMimeData()
        mime.setData(MIME_LAYER, b"Dropout")
        move = QDragMoveEvent(QPointF(mid).toPoint(), Qt.DropAction.CopyAction, mime,
                              Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        view.dragMoveEvent(move)
        assert view.drop_target() is edge and edge.drop_target
        far = view.mapFromScene(view.canvas.network_rect().bottomRight() + QPointF(300, 300))
        view.dragMoveEvent(QDragMoveEvent(far, Qt.DropAction.CopyAction, mime,
                                          Qt.MouseButton.LeftButton,
                                          Qt.KeyboardModifier.NoModifier))
        assert view.drop_target() is None and not edge.drop_target
    finally:
        win.prompts_enabled = False
        win.close()


def test_ten_by_ten_confusion_numbers_never_overlap(qtbot):
    view = ConfusionView()
    qtbot.addWidget(view)
    view.resize(440, 440)
    view.show()
    matrix = np.full((10, 10), 7, np.int64) + np.eye(10, dtype=np.int64) * 1200
    view.update(matrix, [str(i) for i in range(10)])
    font = view.texts[0].textItem.font()
    assert not view.numbers_hidden and font.pixelSize() >= 9
    metrics = QFontMetricsF(font)
    widest = max(metrics.horizontalAdvance(t.textItem.toPlainText()) for t in view.texts)
    assert widest <= 0.9 * view.cell_px()  # a gap between neighbouring numbers
    view.resize(200, 200)
    qtbot.waitUntil(lambda: view.numbers_hidden)
    assert not any(t.isVisible() for t in view.texts)
    assert "too small" in view.summary.text()


@pytest.mark.parametrize("size", SCREENS[:2], ids=lambda s: f"{s[0]}x{s[1]}")
def test_dock_tab_titles_are_not_cut_off(qtbot, tmp_path, monkeypatch, size):
    """Issue 18: the left column read "Trai… | L… | Da… | Layer set…" at 1280×720."""
    from PySide6.QtWidgets import QTabBar

    win = open_window(qtbot, tmp_path, monkeypatch, size, "spiral")
    try:
        bars = [b for b in win.findChildren(QTabBar) if b.isVisible()
                and b.parent() is win and b.count() > 1]
        titles = [b.tabText(i) for b in bars for i in range(b.count())]
        assert {"Training", "Data", "Layer", "Lesson", "Loss"} <= set(titles), titles
        for bar in bars:
            metrics = bar.fontMetrics()
            for i in range(bar.count()):
                needed = metrics.horizontalAdvance(bar.tabText(i))
                assert bar.tabRect(i).width() >= needed + 8, (bar.tabText(i), size)
                assert bar.tabRect(i).right() <= bar.width(), (bar.tabText(i), size)
    finally:
        win.prompts_enabled = False
        win.close()
