"""A theme switch through the window: its style sheet goes on the window only (nothing outside
it is repolished — an application style sheet repolished all 2,600 widgets alive, 2,300 of them
pyqtgraph's hidden plot menus), and a Look-inside tab behind another one shows the new theme
once it comes to the front."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel

from app.examples import example_path
from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.window.theme import DARK, LIGHT


class StyleChanges(QObject):
    """Counts the StyleChange events (repolishes) of the widgets it watches."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.StyleChange:
            self.count += 1
        return False


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch, size=(1280, 720))
    qtbot.waitExposed(win)
    assert win.files.open_example(example_path("digits_cnn"))
    win.dataset_panel.ensure_current()
    yield win
    close_test_window(win)


def test_a_theme_switch_restyles_the_window_and_leaves_other_widgets_alone(window, qtbot):
    outside = QLabel("another window's label")
    qtbot.addWidget(outside)
    outside.show()
    changes = StyleChanges()
    outside.installEventFilter(changes)
    window.actions["theme_dark"].trigger()
    assert DARK.accent in window.styleSheet() and LIGHT.accent not in window.styleSheet()
    assert QApplication.instance().styleSheet() == ""
    window.actions["theme_light"].trigger()
    assert LIGHT.accent in window.styleSheet()
    assert changes.count == 0  # the label outside the window was never repolished


def test_a_look_inside_tab_shows_the_new_theme_when_brought_to_the_front(window, qtbot):
    inside = window.inside.dock
    window.docks["inside"].raise_()
    assert inside.show_view("saliency")
    maps = inside.view("feature_maps")
    window.actions["theme_dark"].trigger()
    assert inside.show_view("feature_maps")
    assert DARK.plot_bg.lower() in maps.body.styleSheet().lower()
    window.actions["theme_light"].trigger()
    assert LIGHT.plot_bg.lower() in maps.body.styleSheet().lower()
