"""A layer added from the palette is on screen: after File → New and a few double-clicks at a
projector's 1280×720 every layer of the growing network shows without pressing Fit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QRectF
from PySide6.QtWidgets import QApplication

import widgets.window.window_layout as window_layout
from tests.widgets.test_palette_placement import double_click
from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.window.main_window import MainWindow
from widgets.window.theme import apply_theme


@pytest.fixture(params=[(1280, 720), (1366, 768), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def window(request, qtbot, tmp_path, monkeypatch):
    # the screen emulated (the offscreen one is 800×800): the window lays out for it
    monkeypatch.setattr(window_layout, "available_geometry", lambda _w: QRect(0, 0, *request.param))
    win = make_test_window(qtbot, tmp_path, monkeypatch, size=request.param)
    apply_theme(QApplication.instance(), "light", win.settings.font_size)  # as ``main`` does
    win.apply_default_sizes()
    win.actions["new"].trigger()
    qtbot.wait(50)  # the fit that New schedules
    yield win
    close_test_window(win)


def seen(win: MainWindow) -> QRectF:
    view = win.canvas
    return view.mapToScene(view.viewport().rect()).boundingRect()


def test_every_layer_added_by_double_click_stays_in_view(window, qtbot):
    names = []
    for kind in ("Input", "Dense", "Dense", "Dense"):
        names.append(double_click(window, qtbot, kind))
        qtbot.wait(10)
        view = seen(window)
        nodes = window.canvas.canvas.nodes
        # the new layer whole, and (the network being small) every earlier one too: was
        # input_1 off the left edge after the third double-click
        for name in names:
            assert view.contains(nodes[name].sceneBoundingRect()), (name, names, view)
    assert window.canvas.smallest_text_px() >= 9.0  # shown, yet readable


def test_a_long_chain_keeps_the_newest_layer_in_view(window, qtbot):
    """Past what fits readably the view follows the newest layer (the first scroll away)."""
    names = [double_click(window, qtbot, kind) for kind in ("Input", *["Dense"] * 7)]
    qtbot.wait(10)
    assert seen(window).contains(window.canvas.canvas.nodes[names[-1]].sceneBoundingRect())
    assert window.canvas.smallest_text_px() >= 9.0
