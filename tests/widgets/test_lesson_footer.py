"""The lesson's navigation stays on screen at a projector's size: at 1280×720 (and 1366×768,
1920×1080) the Back and Next buttons and an answer check's Check button show without
scrolling, whatever the length of the step's text; the text scrolls above them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QWidget

import widgets.window.window_layout as window_layout
from engine.lessons import LESSONS_DIR
from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.window.theme import apply_theme

SCREENS = ((1280, 720), (1366, 768), (1920, 1080))


def fully_shown(widget: QWidget) -> bool:
    """On screen and not cut by a scroll area's viewport (or anything else)."""
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lesson", ["02_xor_hidden_layer", "06_losses"])
def test_back_next_and_check_stay_in_view(qtbot, tmp_path, monkeypatch, size, lesson):
    monkeypatch.setattr(window_layout, "available_geometry", lambda _w: QRect(0, 0, *size))
    win = make_test_window(qtbot, tmp_path, monkeypatch, size=size)
    apply_theme(QApplication.instance(), "light", win.settings.font_size)  # as ``main`` does
    try:
        win.apply_default_sizes()
        assert win.files.open_path(LESSONS_DIR / f"{lesson}.lesson.json", ask=False)
        win.docks["lesson"].raise_()
        palette, dock = win.docks["palette"], win.docks["lesson"]
        qtbot.waitUntil(lambda: dock.height() > palette.height())  # ``make_room`` has run
        panel = win.lessons.panel
        qtbot.waitUntil(lambda: panel.rows and all(r.isVisible() for r in panel.rows))
        qtbot.wait(100)  # the checks' area fitted to its rows
        for button in (panel.back_button, panel.next_button, panel.hint_button):
            assert fully_shown(button), (button.text(), panel.size(), size)  # Next was cut
        answers = [row.button for row in panel.rows if row.button is not None]
        assert answers and all(fully_shown(b) for b in answers), (
            panel.size(), panel.checks.size(), [b.visibleRegion().boundingRect() for b in answers])
        panel.next_button.click()  # step 2: its checks in view, its text starting at the top
        qtbot.waitUntil(lambda: panel.rows and all(r.isVisible() for r in panel.rows))
        qtbot.wait(50)
        answers = [row.button for row in panel.rows if row.button is not None]
        assert all(fully_shown(b) for b in answers), panel.checks.size()
        if size[1] >= 1080:  # room for every check without scrolling them
            assert all(fully_shown(row) for row in panel.rows), panel.checks.size()
        assert fully_shown(panel.next_button) or not panel.next_button.isEnabled()
        assert panel.frame.verticalScrollBar().value() == 0
    finally:
        close_test_window(win)
