"""Readable on a projector: the fitted network stays fitted while docks settle, many class or
unit labels are thinned so none overlap."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent

from widgets.canvas import CanvasView
from widgets.canvas.view import MIN_FIT_ZOOM
from widgets.plots import ConfusionView
from widgets.views.hidden_state_view import HiddenStateView

NOBUTTON = Qt.MouseButton.NoButton


@pytest.fixture
def view(qtbot, doc):
    canvas = CanvasView(doc)
    qtbot.addWidget(canvas)
    canvas.resize(1000, 700)
    canvas.show()
    x = 0.0
    for i in range(6):
        doc.add_layer("Input" if i == 0 else "Dense", (x, 0.0), {"shape": [2]} if i == 0
                      else {})
        x += 270.0
    return canvas


def shows_network(view):
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    return visible.contains(view.canvas.network_rect())


def test_a_fitted_network_stays_fitted_when_the_view_narrows(qtbot, view):
    view.fit_to_view()
    wide = view.zoom_level()
    view.resize(420, 700)  # the docks beside the canvas grew
    qtbot.waitUntil(lambda: view.width() == 420)
    qtbot.wait(20)
    assert view.fitted and view.zoom_level() <= wide
    # too wide to fit readably: the zoom stops at MIN_FIT_ZOOM, the inputs show, the rest scrolls
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shows_network(view) or (view.zoom_level() == pytest.approx(MIN_FIT_ZOOM)
                                   and visible.contains(view.canvas.network_rect().topLeft()))


def test_after_zooming_a_resize_keeps_the_learners_zoom(qtbot, view):
    view.fit_to_view()
    centre = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(centre, QPointF(view.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120), NOBUTTON, Qt.KeyboardModifier.ControlModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    view.wheelEvent(wheel)
    zoom = view.zoom_level()
    assert not view.fitted
    view.resize(420, 700)
    qtbot.wait(20)
    assert view.zoom_level() == pytest.approx(zoom)


def test_confusion_matrix_names_every_nth_of_many_classes(qtbot):
    confusion = ConfusionView()
    qtbot.addWidget(confusion)
    confusion.resize(420, 420)
    confusion.show()
    names = ["<pad>", "<unk>", "<s>", " ", *"0123456789abcdefghijklmnopqrstuvwxyz-,"]
    confusion.update(np.eye(len(names), dtype=np.int64) * 3, names)
    ticks = confusion.plot.getAxis("bottom")._tickLevels[0]
    assert 1 < len(ticks) <= 20 and ticks[0][1] == "pad"
    assert confusion.tick_every > 1
    small = len(ticks)
    confusion.resize(160, 160)
    qtbot.waitUntil(lambda: len(confusion.plot.getAxis("bottom")._tickLevels[0]) < small)
    confusion.update(np.eye(3, dtype=np.int64), ["a", "b", "c"])
    assert [t for _, t in confusion.plot.getAxis("left")._tickLevels[0]] == ["a", "b", "c"]


def test_hidden_state_unit_numbers_fit_the_panel(qtbot):
    view = HiddenStateView()
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.show()
    qtbot.waitExposed(view)
    result = {"index": 0, "layers": {"lstm": np.zeros((5, 64), np.float32)}, "gates": {}}
    view.update(SimpleNamespace(probes={"introspection:hidden_states": result}))
    axis, box = view.panel.plot.getAxis("left"), view.panel.plot.getViewBox()

    def fits() -> bool:  # thinned again once the heatmap's layout has settled (one turn)
        labels = [t for _, t in axis._tickLevels[0] if t]
        return 2 <= len(labels) <= box.sceneBoundingRect().height() // 18 + 1

    qtbot.waitUntil(fits, timeout=2000)
