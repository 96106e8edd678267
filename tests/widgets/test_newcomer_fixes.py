"""What a newcomer met in the window at 1280×720 (issue 18's walk-through), fixed.

- The spiral example trains at 60 steps/s, a rate the Speed combo does not list: it showed a
  bare "60.0" (no unit); now "60 steps/s".
- The learning-rate finder and the capacity sweep greyed out Cancel once the sweep was over and
  offered no Close: the dialog stayed over the toolbar's Play. The middle button now reads
  Cancel while the sweep runs and Close otherwise.
- At 1280×720, Branch from here widened the right column by ~130 px (the canvas fell to 26 %
  of the window and cut off the spiral's output layer): the branch list and the memory
  readout "(39 · 0.1 of 4 MB)" asked for their whole width. The readout now gives way (cut
  with "…", whole in its tooltip) and the list is ~9 characters wide.
- The Data panel at 1280×720 was 48 px wider than its dock ("Polynomial features" beside a
  182 px spin box), so every line in it was cut at the right edge ("in {0, 1" for the AND
  gate). Option forms now put a wide editor under its label; the image datasets' box is
  titled "Augmentation" (its title "Augmentation (training images)" was 8 px too wide).
- The Layer panel was ~1,050 px wide for every layer with a "Trainable" box (a check box's text
  never wraps), so its description read "Fully connected: every output is a we". The box's
  text now wraps (``WrapCheckBox``); a click on the text still toggles it.
- The Problems panel at 1280×720 showed "…has 16 unit(s): one unit per class is needed" but
  its Fix button only after scrolling the list. The header offers "Fix it" for a single fix
  (as it offered "Fix all" for two or more).
- A trained project reopened from its weights file read "Samples/s 0" and "Time 0.0 s" beside
  its 300/300 and 99.0 %, as if the run had taken no time: now "–" (not measured).
- Tools → Initialization side by side: the chosen scheme's button is bold and lost its last
  letter ("Glorot"); each button now has room for its bold label.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea

from app.examples import example_path
from engine.lr_finder import LRFinderResult
from tests.widgets.test_screen_fit import open_window
from widgets.views.lr_finder_dialog import LRFinderDialog


def test_speed_of_an_example_shows_its_unit(window, qtbot):
    speed = window.training_panel.editors["max_steps_per_second"]
    assert speed.currentText() == "60 steps/s"  # the spiral example's own rate
    assert speed.currentData() == 60.0
    # a listed rate keeps its preset name; opening another example shows that one's rate
    assert window.files.open_example(example_path("digits_cnn"))
    assert speed.currentText() == "Full speed"
    window.doc.set_training({"max_steps_per_second": 1000.0})
    qtbot.waitUntil(lambda: speed.currentText() == "Watch — 1,000 steps/s", timeout=2000)
    window.doc.set_training({"max_steps_per_second": 2500.0})
    qtbot.waitUntil(lambda: speed.currentText() == "2,500 steps/s", timeout=2000)


def test_tool_dialog_offers_close_after_its_sweep(qtbot):
    lrs = np.geomspace(1e-6, 10, 50)
    loss = np.linspace(0.9, 0.1, 50)
    result = LRFinderResult(lrs, loss, loss, 0.05, 0.5, False, 0.3, True, 0.137, 0.9, "min/10")
    release = threading.Event()

    def sweep(progress):
        release.wait(10)
        progress(1, 1)
        return result

    dialog = LRFinderDialog(sweep, lambda _lr: None)
    qtbot.addWidget(dialog)
    dialog.show()
    middle = dialog.cancel_button
    assert (middle.text(), middle.isEnabled()) == ("Close", True)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert (middle.text(), middle.isEnabled()) == ("Cancel", True)
    release.set()
    qtbot.waitUntil(lambda: not dialog.running, timeout=5000)
    assert (middle.text(), middle.isEnabled()) == ("Close", True)
    assert dialog.apply_button.isEnabled()
    qtbot.mouseClick(middle, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_capacity_sweep_closes_after_its_run(window, qtbot):
    dialog = window.capacity.open_sweep()
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    dialog.values.setText("2, 4")
    dialog.epochs.setValue(2)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert dialog.cancel_button.text() == "Cancel"
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert (dialog.cancel_button.text(), dialog.cancel_button.isEnabled()) == ("Close", True)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_branching_keeps_the_canvas_width_at_1280x720(qtbot, tmp_path, monkeypatch):
    win = open_window(qtbot, tmp_path, monkeypatch, (1280, 720), "spiral")
    try:
        win.doc.set_training({"epochs": 20, "max_steps_per_second": 0})
        win.run.toggle_play()
        qtbot.waitUntil(lambda: win.run.state == "finished", timeout=60000)
        qtbot.wait(200)
        canvas, loss = win.canvas.width(), win.docks["loss"].width()
        bar = win.timeline
        bar.drag_to(3)
        qtbot.mouseClick(bar.branch_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bar.branch_box.isVisible(), timeout=10000)
        qtbot.waitUntil(lambda: win.run.state == "finished", timeout=60000)
        qtbot.wait(200)
        assert bar.memory.text().startswith("(") and bar.memory.toolTip()
        assert bar.minimumSizeHint().width() <= loss, (bar.minimumSizeHint(), loss)
        assert win.docks["loss"].width() <= loss + 2  # was +133 px
        assert win.canvas.width() >= canvas - 2, (win.canvas.width(), canvas)
    finally:
        win.prompts_enabled = False
        win.close()


@pytest.mark.parametrize("example", ["perceptron_and", "digits_cnn"])
def test_data_panel_fits_its_dock_at_1280x720(qtbot, tmp_path, monkeypatch, example):
    win = open_window(qtbot, tmp_path, monkeypatch, (1280, 720), example)
    try:
        win.docks["dataset"].raise_()
        qtbot.wait(100)
        (area,) = [a for a in win.docks["dataset"].findChildren(QScrollArea)
                   if a.widget() is not None and a.isVisible()][:1]
        room, need = area.viewport().width(), area.widget().minimumSizeHint().width()
        assert need <= room, (need, room)  # was 374 > 326: the text cut at the dock's edge
        assert area.widget().width() <= room
    finally:
        win.prompts_enabled = False
        win.close()


def test_layer_panel_fits_its_dock_at_1280x720(qtbot, tmp_path, monkeypatch):
    win = open_window(qtbot, tmp_path, monkeypatch, (1280, 720), "spiral")
    try:
        win.canvas.select_layers(["hidden1"])
        win.docks["inspector"].raise_()
        qtbot.wait(100)
        (area,) = [a for a in win.docks["inspector"].findChildren(QScrollArea)
                   if a.widget() is not None and a.isVisible()][:1]
        room, need = area.viewport().width(), area.widget().minimumSizeHint().width()
        assert need <= room, (need, room)  # was 1,048 > 326
        box = win.inspector.fields["trainable"].editor
        assert box.isChecked() and "frozen" in box.text()
        assert box.width() <= room and box.height() >= 2 * box.fontMetrics().height()  # wrapped
        area.ensureWidgetVisible(box)
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton,
                         pos=box.rect().center() + box.rect().topRight() / 4)  # on the text
        qtbot.waitUntil(lambda: win.doc.graph.nodes["hidden1"].options.get("trainable") is False,
                        timeout=2000)
        assert not box.isChecked()
    finally:
        win.prompts_enabled = False
        win.close()


def test_single_fix_is_offered_in_the_problems_header(window, qtbot):
    panel = window.problems
    assert not panel.fix_all_button.isVisible()  # the spiral is ready: nothing to fix
    window.doc.set_layer_options("output", {"units": 16})
    qtbot.waitUntil(lambda: panel.fix_all_button.isVisible(), timeout=3000)
    assert panel.fix_all_button.text() == "Fix it"
    assert "2 units" in panel.fix_all_button.toolTip()
    qtbot.mouseClick(panel.fix_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.ready, timeout=3000)
    assert window.doc.graph.nodes["output"].options["units"] == 2
    assert not panel.fix_all_button.isVisible()
    window.doc.undo_stack.undo()  # one undo step takes the fix back
    qtbot.waitUntil(lambda: not panel.ready, timeout=3000)
    assert window.doc.graph.nodes["output"].options["units"] == 16


def test_reopened_trained_project_shows_no_zero_speed(window, qtbot, tmp_path):
    panel = window.training_panel
    window.doc.set_training({"epochs": 5, "max_steps_per_second": 0})
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.run.state == "finished", timeout=60000)
    assert panel.values["speed"].text() not in ("0", "–")  # measured while it ran
    path = tmp_path / "trained.layerlab.json"
    assert window.files._save_to(path)
    assert window.files.open_path(path, ask=False)
    qtbot.waitUntil(lambda: panel.values["epoch"].text() == "5/5", timeout=5000)
    assert panel.values["accuracy"].text().endswith("%")  # the saved run is shown
    assert panel.values["speed"].text() == "–"  # was "0"
    assert panel.values["elapsed"].text() == "–"  # was "0.0 s"


def test_initialization_buttons_have_room_for_their_bold_label(window, qtbot):
    from PySide6.QtGui import QFont, QFontMetrics
    from PySide6.QtWidgets import QStyle, QStyleOptionButton

    from widgets.views.init_multiples_view import InitMultiplesView

    window.capacity.open_init()
    view = window.capacity.windows["init"].findChild(InitMultiplesView)
    qtbot.waitUntil(view.isVisible, timeout=3000)
    for button in view.buttons.buttons():
        button.setChecked(True)  # checked: bold
        qtbot.wait(10)
        bold = QFont(button.font())
        bold.setBold(True)
        option = QStyleOptionButton()
        button.initStyleOption(option)
        room = button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option,
                                             button).width()
        assert room >= QFontMetrics(bold).horizontalAdvance(button.text()), button.text()
