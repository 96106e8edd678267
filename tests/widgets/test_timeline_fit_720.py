"""The timeline on a 1280×720 screen: a branch with a long name does not widen the window
past the screen, and looking back keeps the loss curve tall (the banner is one line)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

import widgets.window.window_layout as window_layout
from app.examples import example_path
from app.settings import Settings
from widgets.window.main_window import MainWindow
from widgets.window.theme import apply_theme

SCREEN = QRect(0, 0, 1280, 720)
SB = QMessageBox.StandardButton


@pytest.fixture
def win(qtbot, tmp_path, monkeypatch):
    """The spiral example on an emulated 1280×720 screen, in the app's own font."""
    monkeypatch.setattr(window_layout, "available_geometry", lambda _w: SCREEN)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: SB.Discard))
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    apply_theme(QApplication.instance(), "light", settings.font_size)
    window = MainWindow(settings, autosave_folder=tmp_path / "recovery")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.files.open_example(example_path("spiral"))
    window.dataset_panel.ensure_current()
    window.apply_default_sizes()
    qtbot.wait(50)
    yield window
    window.prompts_enabled = False
    window.close()


def _train(win, qtbot, epochs: int = 5) -> None:
    win.doc.set_training({"epochs": epochs})
    win.run.toggle_play()
    qtbot.waitUntil(lambda: win.run.state == "finished", timeout=30000)
    win.timeline.refresh()


def _look_back(win, qtbot, index: int = 3) -> None:
    bar = win.timeline
    bar.drag_to(index)
    qtbot.waitUntil(lambda: bar.controller.last_past is not None, timeout=10000)
    qtbot.wait(50)


def test_a_branch_with_a_long_name_keeps_the_window_on_the_screen(win, qtbot):
    _train(win, qtbot)
    assert SCREEN.contains(win.frameGeometry())
    _look_back(win, qtbot)
    win.session.set_learning_rate(0.01)
    assert win.timeline.controller.branch_here()
    qtbot.waitUntil(lambda: win.run.state == "finished", timeout=30000)
    c = win.timeline.controller
    c.rename(c.current, "branch at step 3, lr 0.01, a much longer name the learner typed in")
    qtbot.wait(100)
    box = win.timeline.branch_box
    assert box.isVisible() and box.count() == 2
    assert box.width() <= 200, box.width()  # elided, not as wide as the name
    full = c.branches[c.current].name
    assert full in box.toolTip() and box.itemData(c.current, 3) == full  # 3: ToolTipRole
    assert win.width() <= SCREEN.width(), win.width()
    assert SCREEN.contains(win.frameGeometry()), win.frameGeometry()
    assert win.minimumSizeHint().width() <= SCREEN.width(), win.minimumSizeHint()


def test_looking_back_keeps_most_of_the_loss_curves_height(win, qtbot):
    _train(win, qtbot)
    qtbot.wait(50)
    curves = win.plots.loss.graphics
    before = curves.height()
    _look_back(win, qtbot)
    bar = win.timeline
    assert bar.looking_back.isVisible()
    assert "Showing epoch" in bar.banner.text() and bar.banner.toolTip() == bar.banner.text()
    row = bar.looking_back.height()
    assert row <= 2.2 * bar.fontMetrics().height(), row  # one line, buttons beside it
    assert curves.height() >= 0.6 * before, (before, curves.height())
    assert SCREEN.contains(win.frameGeometry()), win.frameGeometry()
    bar.controller.back_to_now()
    qtbot.wait(50)
    assert not bar.looking_back.isVisible() and curves.height() >= 0.95 * before
