"""Second newcomer round (issue 18): what a first-time learner saw wrong in the window, each
checked the way they met it — open an example, press Play, edit, open another project."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from app.examples import example_path
from app.settings import Settings
from widgets.main_window import MainWindow

SB = QMessageBox.StandardButton


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: SB.Discard))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: SB.Ok))
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    win = MainWindow(settings, autosave_folder=tmp_path / "recovery")
    win.run.ask_keep_weights = lambda: False
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    yield win
    win.prompts_enabled = False
    win.close()


def open_example(win: MainWindow, key: str) -> None:
    assert win.files.open_example(example_path(key)), key
    win.dataset_panel.ensure_current()


def train_to_end(win: MainWindow, qtbot, timeout: int = 60000) -> None:
    win.run.toggle_play()
    qtbot.waitUntil(lambda: win.run.state in ("finished", "stopped", "error"), timeout=timeout)
    assert win.run.state == "finished"


def test_perceptron_draws_its_decision_line(window, qtbot):
    open_example(window, "perceptron_and")
    train_to_end(window, qtbot)
    plot = window.plots.decision
    image = plot.image.image
    assert image is not None and image.size > 0
    grid = np.asarray(plot._grid)
    assert grid.min() == 0.0 and grid.max() == 1.0  # both sides of the neuron's line
