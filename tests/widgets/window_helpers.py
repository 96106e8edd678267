"""One way for widget tests to build a MainWindow: its own QSettings file and autosave folder
under ``tmp_path``, message boxes that never block, and a close that asks nothing.

Typical fixture::

    @pytest.fixture
    def window(qtbot, tmp_path, monkeypatch):
        win = make_test_window(qtbot, tmp_path, monkeypatch, keep_weights=True)
        yield win
        close_test_window(win)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from app.settings import Settings
from widgets.window.main_window import MainWindow

SB = QMessageBox.StandardButton


def silence_dialogs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Questions answer 'Discard'; warnings answer OK and are recorded as (title, text) in the
    returned list, for tests that check what the learner was told."""
    shown: list[tuple[str, str]] = []

    def warning(_parent, title, text, *_args, **_kwargs):
        shown.append((title, text))
        return SB.Ok

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: SB.Discard))
    return shown


def make_test_window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch | None = None, *,
                     suffix: str = "", keep_weights: bool | None = None,
                     size: tuple[int, int] | None = None) -> MainWindow:
    """A shown MainWindow whose settings live in ``tmp_path/s{suffix}.ini`` and whose autosaves
    go to ``tmp_path/recovery{suffix}``. With ``monkeypatch`` the dialogs are silenced first
    (``silence_dialogs``); ``keep_weights`` answers the "keep the trained weights?" question;
    ``size`` is (width, height) set before the window shows."""
    if monkeypatch is not None:
        silence_dialogs(monkeypatch)
    store = QSettings(str(tmp_path / f"s{suffix}.ini"), QSettings.Format.IniFormat)
    win = MainWindow(Settings(store), autosave_folder=tmp_path / f"recovery{suffix}")
    if keep_weights is not None:
        win.run.ask_keep_weights = lambda: keep_weights
    qtbot.addWidget(win)
    if size is not None:
        win.resize(*size)
    win.show()
    return win


def close_test_window(win: MainWindow) -> None:
    """Close without the "Save the changes?" question."""
    win.prompts_enabled = False
    win.close()


def file_menu_action(win: MainWindow, text: str) -> QAction:
    """The File menu entry whose text (without its '&' mnemonic) starts with ``text``."""
    for act in win.menuBar().actions()[0].menu().actions():
        if act.text().replace("&", "").startswith(text):
            return act
    raise AssertionError(f"no File menu entry {text}")
