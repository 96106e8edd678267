"""Presenter mode at 1280×720: the Loss panel's y axes keep readable numbers — a loss of
~0.5 reads "0.5", not "500" (pyqtgraph froze a ×1000 SI scale when the axes were restyled),
and the short accuracy plot still labels at least two ticks (fewer ticks rather than none)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QMessageBox

from app.examples import example_path
from app.settings import Settings
from widgets.window.main_window import MainWindow
from widgets.window.theme import apply_theme


def _drawn_labels(axis: pg.AxisItem) -> list[str]:
    """The tick labels the axis paints at its current range and size."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else [text for _rect, _flags, text in specs[2]]


def _labelled_values(axis: pg.AxisItem) -> list[str]:
    """Tick strings of the labelled (major) ticks on the current range, at the axis's scale."""
    lo, hi = axis.range
    size = axis.size().height() if axis.orientation in ("left", "right") \
        else axis.size().width()
    spacing, values = axis.tickValues(lo, hi, size)[0]
    return list(axis.tickStrings(values, axis.autoSIPrefixScale * axis.scale, spacing))


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    apply_theme(QApplication.instance(), "light", settings.font_size)
    win = MainWindow(settings, autosave_folder=tmp_path / "recovery")
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    assert win.files.open_example(example_path("spiral"))
    win.set_theme("light")
    yield win
    win.presenter.set_enabled(False)
    win.prompts_enabled = False
    win.close()


def test_presenter_loss_and_accuracy_axes_keep_readable_numbers(window, qtbot):
    loss = window.plots.loss
    loss.min_redraw_interval = 0.0
    window.presenter.actions["presenter"].trigger()  # F5
    assert window.presenter.active
    window.docks["loss"].show()
    rng = np.random.default_rng(0)
    for i in range(1, 41):  # a loss falling from 0.7 to 0.3, accuracy rising 0.5 -> 0.8
        rows = ({"epoch": i // 4, "step": 10 * i, "train_loss": 0.7 - 0.01 * i,
                 "val_loss": 0.72 - 0.01 * i, "train_accuracy": 0.5 + 0.0075 * i,
                 "val_accuracy": 0.45 + 0.0075 * i},) if i % 4 == 0 else ()
        losses = 0.7 - 0.4 * (10 * i - 10 + np.arange(10)) / 400 + rng.normal(0, 0.005, 10)
        loss.add_snapshot(SimpleNamespace(step=10 * i, batch_losses=tuple(losses),
                                          epoch_rows=rows, extra={}))
    qtbot.wait(50)  # the plots take their data's range
    window.presenter.actions["text_larger"].trigger()  # restyles every plot while presenting
    qtbot.wait(50)
    left = loss.loss_plot.getAxis("left")
    lo, hi = loss.loss_plot.vb.viewRange()[1]
    assert 0.2 <= lo and hi <= 0.8  # the loss range the learner sees
    strings = _labelled_values(left)
    assert strings and all(abs(float(s)) < 100 for s in strings), strings
    drawn = _drawn_labels(left)
    assert drawn and all(abs(float(s)) < 100 for s in drawn), drawn
    acc = loss.metric_plot.getAxis("left")
    assert loss.metric_plot.isVisible() and acc.size().height() > 20
    acc_drawn = _drawn_labels(acc)
    assert len(acc_drawn) >= 2, (acc_drawn, acc.range, acc.size().height())
    assert all(0.0 <= float(s) <= 1.0 for s in acc_drawn), acc_drawn
