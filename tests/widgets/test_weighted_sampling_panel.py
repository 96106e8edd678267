"""The training panel's Weighted sampling box: ticking it writes the setting through
doc.set_training (undoable) and a loaded project's setting shows in the box."""

from __future__ import annotations

import pytest


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMessageBox

    from app.examples import example_path
    from app.settings import Settings
    from widgets.main_window import MainWindow

    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    win = MainWindow(settings, autosave_folder=tmp_path / "recovery")
    qtbot.addWidget(win)
    win.show()
    assert win.files.open_example(example_path("xor"))
    yield win
    win.prompts_enabled = False
    win.close()


def test_weighted_sampling_is_ticked_in_the_training_panel_and_undone(window, qtbot) -> None:
    panel = window.training_panel
    box = panel.editors["weighted_sampling"]
    assert not box.isChecked() and not window.doc.project.training.weighted_sampling
    box.setChecked(True)  # what a click does: toggled -> doc.set_training
    assert window.doc.project.training.weighted_sampling is True
    window.doc.undo_stack.undo()
    assert window.doc.project.training.weighted_sampling is False
    assert not box.isChecked()
    window.doc.undo_stack.redo()
    assert box.isChecked()
