"""A scripted new user, mouse only: File → New, four layers from the palette (each new one
lands right of the selected layer and is wired from it, so Input → Dense → Dense → Dense takes
four double-clicks and no drags), the Problems panel's fix, Play — and the spiral is learned
(≥ 90 % validation) in 7 actions, with the new-project defaults as they are.

Every action is a real mouse event sent to a widget (pytest-qt's ``qtbot.mouseClick`` /
``mouseDClick``), never a document call. A palette *drag* runs a ``QDrag`` whose ``exec`` waits
for the platform's drag and drop, which offscreen Qt cannot drive; the newcomer uses the
palette's other way in — a double-click on the entry (``widgets/canvas/placement.py``).

With ``LAYERLAB_SHOTS=<folder>`` the window (1280×720) is saved at the key moments as
``newcomer_<n>_<moment>.png`` (``docs/`` holds the set made under Xvfb: ``QT_QPA_PLATFORM=xcb
LAYERLAB_SHOTS=docs xvfb-run -a -s "-screen 0 1280x720x24" pytest -m slow THIS_FILE`` — without
``xcb`` the widget tests' offscreen platform has an 800×800 screen and the window shrinks).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea

from engine.new_project import NEW_TRAINING
from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.window.main_window import MainWindow

LEFT, NOBUTTON = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
SHOTS = os.environ.get("LAYERLAB_SHOTS", "")


class Newcomer:
    """The user: every method is one action (counted) made of real mouse events."""

    def __init__(self, win: MainWindow, qtbot) -> None:
        self.win, self.qtbot, self.actions, self.shots = win, qtbot, 0, 0

    def shot(self, moment: str) -> None:
        if SHOTS:  # the picture shows the whole network (View → Fit, not counted)
            if self.win.doc.graph.nodes:
                self.win.canvas.fit_to_view()
            QApplication.processEvents()
            self.shots += 1
            self.win.grab().save(str(Path(SHOTS) / f"newcomer_{self.shots}_{moment}.png"))

    def menu(self, title: str, text: str) -> None:
        """Open a menu of the menu bar and click one of its entries."""
        self.actions += 1
        bar = self.win.menuBar()
        menu = next(a.menu() for a in bar.actions() if a.text().replace("&", "") == title)
        self.qtbot.mouseClick(bar, LEFT, pos=bar.actionGeometry(menu.menuAction()).center())
        self.qtbot.waitUntil(menu.isVisible)
        entry = next(a for a in menu.actions() if a.text().replace("&", "") == text)
        self.qtbot.mouseClick(menu, LEFT, pos=menu.actionGeometry(entry).center())

    def add_from_palette(self, kind: str) -> str:
        """Double-click the palette entry: the layer appears on the canvas (its new name)."""
        self.actions += 1
        tree = self.win.layer_palette.tree
        item = self.win.layer_palette.items[kind]
        tree.scrollToItem(item)
        before = set(self.win.doc.graph.nodes)
        where = tree.visualItemRect(item).center()
        self.qtbot.mouseClick(tree.viewport(), LEFT, pos=where)
        self.qtbot.mouseDClick(tree.viewport(), LEFT, pos=where)
        (name,) = set(self.win.doc.graph.nodes) - before
        return name

    def click_fix(self) -> str:
        self.actions += 1
        (button,) = self.win.problems.fix_buttons
        label = button.text()
        self.qtbot.mouseClick(button, LEFT)
        return label

    def click_toolbar(self, key: str) -> None:
        self.actions += 1
        button = self.win.toolbar.widgetForAction(self.win.actions[key])
        self.qtbot.mouseClick(button, LEFT)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch, keep_weights=True, size=(1280, 720))
    yield win
    close_test_window(win)


@pytest.mark.slow
def test_a_newcomer_trains_the_spiral_with_the_mouse_in_7_actions(window, qtbot):
    user = Newcomer(window, qtbot)
    user.menu("File", "New")
    doc = window.doc
    assert not doc.graph.nodes and doc.project.dataset == {"name": "spiral"}
    names = [user.add_from_palette(kind) for kind in ("Input", "Dense", "Dense", "Dense")]
    assert [doc.graph.nodes[n].options.get("activation") for n in names[1:]] == ["relu"] * 3
    assert {(e.source, e.target) for e in doc.graph.edges} == set(zip(names, names[1:]))
    assert window.statusBar().currentMessage() == f"Added {names[-1]} after {names[-2]}."
    boxes = [window.canvas.canvas.nodes[n].sceneBoundingRect() for n in names]
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    # one problem left: the output has 16 units for 2 classes — the panel offers the fix
    qtbot.waitUntil(lambda: window.problems.problem_count == 1, timeout=20_000)  # data loaded
    user.shot("added")
    label = user.click_fix()
    assert label == f"Fix: Set '{names[-1]}' to 2 units with softmax"
    qtbot.waitUntil(lambda: window.problems.ready)
    assert window.problems.problems == []  # no warning either: the hidden layers are ReLU
    user.shot("ready")
    user.click_toolbar("play")
    qtbot.waitUntil(lambda: window.session.state == "running", timeout=10_000)
    qtbot.wait(int(1000 * 8 * 100 / NEW_TRAINING["max_steps_per_second"]) // 100)
    user.shot("learning")
    qtbot.waitUntil(lambda: window.session.state in ("finished", "stopped", "error"),
                    timeout=90_000)
    assert window.session.state == "finished"
    user.shot("trained")
    accuracy = window.session.history.metrics["val_accuracy"]
    assert len(accuracy) == NEW_TRAINING["epochs"]
    assert accuracy[-1] >= 0.9, accuracy[-1]
    assert user.actions == 7, user.actions  # New, 4 double-clicks, Fix, Play (was 14)


def wheel(widget, notches: int) -> None:
    """A real wheel event over the middle of ``widget`` (one notch = 120)."""
    centre = QPointF(widget.rect().center())
    glob = QPointF(widget.mapToGlobal(centre.toPoint()))
    event = QWheelEvent(centre, glob, QPoint(0, 0), QPoint(0, 120 * notches), NOBUTTON,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_layer_settings_and_never_edits_an_unfocused_field(window,
                                                                                 qtbot):
    name = window.doc.add_layer("Dense", (0.0, 0.0))
    window.canvas.select_layers([name])
    inspector = window.inspector
    qtbot.waitUntil(lambda: "units" in inspector.fields)
    units = inspector.fields["units"].editor
    activation = inspector.fields["activation"].editor
    area = next(a for a in inspector.findChildren(QScrollArea))
    area.resize(area.width(), 120)  # a short panel: it has something to scroll
    qtbot.waitUntil(lambda: area.verticalScrollBar().maximum() > 0)
    bar = area.verticalScrollBar()
    bar.setValue(0)
    window.canvas.setFocus()
    wheel(units, -1)
    wheel(activation, -1)
    node = window.doc.graph.nodes[name].options
    assert (units.value(), node["units"], node["activation"]) == (16, 16, "relu")
    assert bar.value() > 0  # the panel scrolled instead
    if QApplication.platformName() != "offscreen":
        return  # a bare X server (no window manager) gives no window the keyboard focus
    units.setFocus()
    qtbot.waitUntil(units.hasFocus)
    wheel(units, -1)  # a focused field takes the wheel as usual
    qtbot.waitUntil(lambda: window.doc.graph.nodes[name].options["units"] == 15)
