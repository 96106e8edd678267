"""A ``view_shown`` check in the window: lesson 22 sends the learner to Look inside →
Saliency; the check waits while another tab is in front and ticks when the learner brings
the Saliency tab up (no training needed). The lesson's own ``show_view`` brings a Look-inside
tab to the front, and the view names lessons may use are the window's tab keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from app.settings import Settings
from engine.lessons import LESSONS_DIR
from engine.lessons.views import INSIDE_VIEWS
from widgets.window.main_window import MainWindow

LESSON_22 = LESSONS_DIR / "22_saliency_adversarial.lesson.json"
OPEN: list[MainWindow] = []


@pytest.fixture(autouse=True)
def _close_windows():
    yield
    while OPEN:
        win = OPEN.pop()
        win.prompts_enabled = False
        win.close()


def _window(qtbot, tmp_path) -> MainWindow:
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    win = MainWindow(settings, autosave_folder=tmp_path / "recovery")
    win.run.ask_keep_weights = lambda: True
    win.prompts_enabled = False
    qtbot.addWidget(win)
    win.show()
    OPEN.append(win)
    return win


def test_view_shown_ticks_when_the_learner_brings_the_tab_to_the_front(qtbot, tmp_path):
    win = _window(qtbot, tmp_path)
    assert win.files.open_path(LESSON_22, ask=False)
    session = win.lessons.session
    assert session is not None and session.index == 0
    inside = win.inside.dock
    qtbot.waitUntil(lambda: {"saliency", "layer_map"} <= set(inside.visible_keys()),
                    timeout=10_000)  # the tabs follow the dataset, loaded in the background
    win.docks["inside"].show()
    win.docks["inside"].raise_()
    assert inside.show_view("layer_map")
    qtbot.wait(250)  # past the session's evaluation timer
    assert "view_saliency" not in session.passed
    assert "saliency" not in session.views_shown and "layer_map" in session.views_shown

    inside.tabs.setCurrentIndex(inside.visible_keys().index("saliency"))  # the learner's click
    qtbot.waitUntil(lambda: "view_saliency" in session.passed, timeout=2000)
    row = next(r for r in win.lessons.panel.rows if r.check.id == "view_saliency")
    assert row.mark.text().startswith("✓")
    assert "layer_map" not in session.views_shown


def test_the_lessons_show_view_brings_a_look_inside_tab_up(qtbot, tmp_path):
    win = _window(qtbot, tmp_path)
    assert win.files.open_path(LESSON_22, ask=False)
    qtbot.waitUntil(lambda: "adversarial" in win.inside.dock.visible_keys(), timeout=10_000)
    win.lessons.show_view("adversarial")
    assert win.inside.current_key() == "adversarial"
    assert {"inside", "adversarial"} <= set(win.lessons.views_in_front())


def test_every_view_a_lesson_may_name_is_a_tab_of_look_inside(qtbot, tmp_path):
    win = _window(qtbot, tmp_path)
    assert set(INSIDE_VIEWS) == set(win.inside.dock.entries)
