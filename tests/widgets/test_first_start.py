"""First start on a projector: the whole window, title bar and status bar included, is on
the screen. A fresh configuration (or a window restored much smaller than this screen) opens
maximized; a restored window is clamped again once the window manager has put its frame on."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize
from PySide6.QtWidgets import QMessageBox

import widgets.window.window_layout as window_layout
from app.examples import example_path
from app.settings import Settings
from widgets.window.main_window import MainWindow
from widgets.window.startup import open_start_project

SB = QMessageBox.StandardButton


def make_window(qtbot, tmp_path, monkeypatch, screen, geometry=None):
    monkeypatch.setattr(window_layout, "available_geometry", lambda _w: QRect(0, 0, *screen))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: SB.Discard))
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    if geometry is not None:
        settings.save_window(geometry, QByteArray())
    win = MainWindow(settings, autosave_folder=tmp_path / "recovery")
    qtbot.addWidget(win)
    return win


def test_a_fresh_configuration_opens_maximized(qtbot, tmp_path, monkeypatch):
    win = make_window(qtbot, tmp_path, monkeypatch, (1280, 720))
    try:
        assert win.fills_screen
        window_layout.show_on_screen(win, win.fills_screen)
        qtbot.waitExposed(win)
        assert win.isMaximized()
        qtbot.wait(300)  # the re-fits after show leave a maximized window maximized
        assert win.isMaximized()
    finally:
        win.prompts_enabled = False
        win.close()


def test_a_small_restored_window_fills_a_bigger_screen_a_large_one_is_kept(
        qtbot, tmp_path, monkeypatch):
    win = make_window(qtbot, tmp_path, monkeypatch, (1920, 1080))
    try:
        win.setGeometry(10, 40, 1200, 650)  # as restored: saved on a 1280×720 projector
        assert window_layout.fit_window(win, fill_if_small=True)
        assert win.geometry() == QRect(0, 0, 1920, 1080)
        win.setGeometry(100, 60, 1500, 900)  # the size the learner chose on this screen
        assert not window_layout.fit_window(win, fill_if_small=True)
        window_layout.show_on_screen(win, False)
        qtbot.waitExposed(win)
        qtbot.wait(50)
        assert not win.isMaximized()
        assert win.size() == QSize(1500, 900)
    finally:
        win.prompts_enabled = False
        win.close()


def test_the_title_bar_and_status_bar_stay_on_screen_once_the_frame_is_known():
    """Under a window manager the client area of a window that filled the screen before show
    sits 30 px lower after show (title bar): the re-fit moves and shrinks it so that the
    frame's top and the status bar at the bottom are both on the 1280×720 screen."""
    frame = QSize(2, 32)  # borders and a title bar: frame size − client size
    avail = QRect(0, 0, 1280, 720)
    client = QRect(1, 31, 1280, 720)  # where the window manager put it
    rect = window_layout.fitted_rect(client, frame, avail)
    assert rect.top() >= avail.top() and rect.left() >= avail.left()
    assert rect.bottom() + frame.height() <= avail.bottom() + 1  # status bar on screen
    assert rect.right() + frame.width() <= avail.right() + 1
    assert rect.size() == QSize(1278, 688)


def restart(qtbot, tmp_path, monkeypatch, close_first):
    """Close ``close_first`` (its settings file stays) and start a window as ``run_app`` does."""
    close_first.prompts_enabled = False
    close_first.close()  # records what was open
    win = make_window(qtbot, tmp_path, monkeypatch, (1280, 720))
    open_start_project(win, None, gallery=False)
    return win


def test_a_restart_reopens_what_was_open_at_quit(qtbot, tmp_path, monkeypatch):
    win = make_window(qtbot, tmp_path, monkeypatch, (1280, 720))
    assert win.files._save_to(tmp_path / "mine.layerlab.json")  # the last saved file
    assert win.files.open_example(example_path("digits_cnn"))  # then an example, unsaved
    name = win.doc.project.name
    win = restart(qtbot, tmp_path, monkeypatch, win)
    try:
        assert win.doc.project.name == name  # the example, not mine.layerlab.json
        assert win.doc.path is None  # still a copy: Save never overwrites the bundled file
        assert win.files.open_path(tmp_path / "mine.layerlab.json", ask=False)
    except AssertionError:
        win.prompts_enabled = False
        win.close()
        raise
    win = restart(qtbot, tmp_path, monkeypatch, win)
    try:
        assert win.doc.path == (tmp_path / "mine.layerlab.json")
        win.files.new()
        win = restart(qtbot, tmp_path, monkeypatch, win)
        assert win.doc.path is None and win.doc.project.name != name  # a new project again
    finally:
        win.prompts_enabled = False
        win.close()
