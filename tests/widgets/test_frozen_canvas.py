"""Freezing a layer from the Layer settings: the canvas draws it frozen, counts split, undo."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QCheckBox

from widgets.canvas import CanvasView
from widgets.panels.inspector import Inspector


def _render(item) -> QImage:
    image = QImage(240, 160, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.translate(120, 80)
    item.paint(painter, None, None)  # type: ignore[arg-type]
    painter.end()
    return image


def test_trainable_switch_freezes_the_layer_on_the_canvas_and_undo_restores(qtbot, doc):
    source = doc.add_layer("Input", (0.0, 0.0), {"shape": [3]})
    dense = doc.add_layer("Dense", (240.0, 0.0), {"units": 8, "activation": "tanh"})
    assert doc.connect_layers(source, dense) is None
    canvas = CanvasView(doc)
    inspector = Inspector(doc)
    qtbot.addWidget(canvas)
    qtbot.addWidget(inspector)
    inspector.set_layer(dense)
    switch = inspector.fields["trainable"].editor
    assert isinstance(switch, QCheckBox) and switch.isChecked()
    item = canvas.canvas.nodes[dense]
    assert not item.frozen
    unfrozen = _render(item)

    switch.setChecked(False)  # the learner unticks "Trainable"
    assert doc.graph.nodes[dense].options["trainable"] is False
    assert item.frozen
    assert item.params_text == "32 params"
    assert "Frozen" in item.toolTip()
    assert _render(item) != unfrozen  # greyed header, hatched body, padlock
    assert doc.report.params_text() == "32 parameters (32 frozen)"
    assert inspector.params_label.text() == "32 frozen parameters"

    doc.undo_stack.undo()
    assert "trainable" not in doc.graph.nodes[dense].options
    assert not item.frozen and _render(item) == unfrozen
    assert inspector.fields["trainable"].editor.isChecked()
    assert doc.report.params_text() == "32 parameters"
    doc.undo_stack.redo()
    assert item.frozen and not inspector.fields["trainable"].editor.isChecked()


def test_a_file_with_a_frozen_layer_opens_frozen_and_the_lock_fits_the_item(qtbot, doc):
    doc.add_layer("Input", (0.0, 0.0), {"shape": [3]})
    dense = doc.add_layer("Dense", (240.0, 0.0), {"units": 4, "trainable": False})
    canvas = CanvasView(doc)
    qtbot.addWidget(canvas)
    item = canvas.canvas.nodes[dense]
    assert item.frozen
    assert item.boundingRect().contains(item.lock_rect())  # no paint trails when dragged
