"""Leftovers of issues 18/21 seen through the window: the Attention tab's first hint."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from app.examples import example_path
from app.settings import Settings
from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.window.main_window import MainWindow
from widgets.window.theme import apply_theme


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch)
    yield win
    close_test_window(win)


def open_example(win: MainWindow, key: str) -> None:
    assert win.files.open_example(example_path(key))
    win.dataset_panel.ensure_current()


def test_attention_tab_before_play_says_to_press_play_not_to_add_a_layer(window):
    open_example(window, "tiny_transformer")
    assert window.inside.dock.show_view("attention")
    view = window.inside.dock.view("attention")
    assert view.showing_hint
    assert view.hint.text() == "Press Play (or Step) to see the attention weights."
    open_example(window, "char_lstm")  # no attention layer: the tab is not offered at all,
    assert view.hint.text().startswith("Add a MultiHeadAttention layer")  # nor its old hint


def test_the_perceptron_offers_no_gradient_views(window):
    """Its step function has no gradient: no Saliency or Adversarial tab (the engine declines
    them in a plain sentence if asked anyway: tests/engine/test_every_probe_everywhere.py)."""
    open_example(window, "perceptron_and")
    assert not window.inside.dock.show_view("saliency")
    assert not window.inside.dock.show_view("adversarial")
    open_example(window, "xor")  # an MLP classifier has them
    assert window.inside.dock.show_view("saliency")


def test_a_window_saved_small_fills_a_bigger_screen_at_start(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QByteArray, QRect

    import widgets.window.window_layout as window_layout

    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    screen = [QRect(0, 0, 1280, 720)]
    monkeypatch.setattr(window_layout, "available_geometry", lambda _w: screen[0])
    # the app's 13 pt font, as ``main`` applies it: the window's minimum width is ~1085 px then
    # (Qt's offscreen default font, 9 pt, allowed 925 px), so the sizes below stay above it
    apply_theme(QApplication.instance(), "light", 0)
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    first = MainWindow(settings, autosave_folder=tmp_path / "recovery")
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.setGeometry(40, 30, 700, 500)  # left small on the lecture room's 1280×720 screen
    settings.save_window(first.saveGeometry(), QByteArray())
    first.prompts_enabled = False
    first.close()

    screen[0] = QRect(0, 0, 1920, 1080)  # next start: the office monitor
    win = MainWindow(settings, autosave_folder=tmp_path / "recovery2")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.wait(20)
    try:
        assert win.frameGeometry().size() == screen[0].size()
        # a window the learner made narrow (the app's minimum width, ~57 % of the screen) at
        # full height keeps its size: at start-up, and on a later show (which only clamps)
        win.setGeometry(0, 0, 1100, 1040)
        window_layout.fit_window(win, fill_if_small=True)
        assert (win.width(), win.height()) == (1100, 1040)
        win.setGeometry(100, 100, 1100, 700)
        window_layout.fit_window(win)
        assert (win.width(), win.height()) == (1100, 700)
        window_layout.fit_window(win, fill_if_small=True)
        assert win.frameGeometry().size() == screen[0].size()
    finally:
        win.prompts_enabled = False
        win.close()
