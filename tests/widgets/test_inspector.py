"""The layer inspector (offscreen): generated form, live validation, undoable edits, previews."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox

from engine import activations
from engine.layers import LAYERS
from widgets.canvas import CanvasView
from widgets.panels.inspector import Inspector


@pytest.fixture
def inspector(qtbot, doc):
    widget = Inspector(doc)
    qtbot.addWidget(widget)
    widget.resize(420, 900)
    widget.show()
    return widget


@pytest.fixture
def net(doc):
    source = doc.add_layer("Input", (0.0, 0.0), {"shape": [3]})
    dense = doc.add_layer("Dense", (240.0, 0.0), {"units": 8, "activation": "tanh"})
    assert doc.connect_layers(source, dense) is None
    return source, dense


def test_form_is_generated_from_the_config_spec(inspector, net):
    _, dense = net
    inspector.set_layer(dense)
    specs = LAYERS["Dense"].config_spec
    assert list(inspector.fields) == [s.name for s in specs]
    assert isinstance(inspector.fields["units"].editor, QSpinBox)
    assert inspector.fields["units"].editor.minimum() == 1
    assert isinstance(inspector.fields["use_bias"].editor, QCheckBox)
    assert isinstance(inspector.fields["activation"].editor, QComboBox)
    assert isinstance(inspector.fields["l2"].editor, QDoubleSpinBox)
    assert inspector.fields["units"].editor.value() == 8
    assert inspector.blurb.text() == LAYERS["Dense"].blurb
    assert inspector.shape_label.text() == "Output: 8"
    assert inspector.params_label.text() == "32 trainable parameters"
    inspector.set_layer(None)
    assert inspector.fields == {} and inspector.placeholder.isVisibleTo(inspector)


def test_changing_units_updates_the_canvas_and_undo_restores_it(qtbot, doc, inspector, net):
    canvas = CanvasView(doc)
    qtbot.addWidget(canvas)
    _, dense = net
    inspector.set_layer(dense)
    inspector.fields["units"].editor.setValue(16)
    assert doc.graph.nodes[dense].options["units"] == 16
    assert canvas.canvas.nodes[dense].shape_text == "16"
    assert canvas.canvas.nodes[dense].params_text == "64 params"
    assert inspector.shape_label.text() == "Output: 16"
    doc.undo_stack.undo()
    assert inspector.fields["units"].editor.value() == 8
    assert canvas.canvas.nodes[dense].shape_text == "8"
    doc.undo_stack.redo()
    assert inspector.fields["units"].editor.value() == 16


def test_a_bad_value_shows_the_message_and_changes_nothing(inspector, doc, net):
    source, _ = net
    inspector.set_layer(source)
    edit = inspector.fields["shape"].editor
    assert isinstance(edit, QLineEdit) and edit.text() == "3"
    before_report, before_count = doc.report, doc.undo_stack.count()
    edit.setText("1, -3")
    edit.textEdited.emit("1, -3")
    error = inspector.fields["shape"].error
    assert error.isVisibleTo(inspector) and "positive sizes" in error.text()
    edit.editingFinished.emit()
    assert doc.graph.nodes[source].options["shape"] == [3]
    assert doc.undo_stack.count() == before_count and doc.report is before_report
    assert error.isVisibleTo(inspector)
    edit.setText("1, 28, 28")
    edit.textEdited.emit("1, 28, 28")
    assert not error.isVisibleTo(inspector)
    edit.editingFinished.emit()
    assert doc.graph.nodes[source].options["shape"] == [1, 28, 28]
    assert "Flatten" in doc.report.errors[net[1]]


def test_layer_problem_is_shown_as_a_banner(inspector, doc, net):
    source, dense = net
    doc.set_layer_options(source, {"shape": [1, 4, 4]})
    inspector.set_layer(dense)
    assert inspector.layer_error.isVisibleTo(inspector)
    assert "Flatten" in inspector.layer_error.text()
    assert inspector.shape_label.text() == "Output: ?"


def test_dropout_shows_the_keep_probability_live(inspector, doc, net):
    _, dense = net
    drop = doc.add_layer("Dropout", (480.0, 0.0), {"rate": 0.25})
    doc.connect_layers(dense, drop)
    inspector.set_layer(drop)
    assert inspector.keep_label.text().endswith("= 0.75")
    spin = inspector.fields["rate"].editor
    spin.lineEdit().textEdited.emit("0.4")
    assert inspector.keep_label.text().endswith("= 0.60")
    spin.setValue(0.4)
    assert doc.graph.nodes[drop].options["rate"] == pytest.approx(0.4)
    assert inspector.keep_label.text() == "keep probability = 1 − rate = 0.60"


def test_activation_choice_shows_the_preview_curves(inspector, doc, net):
    _, dense = net
    inspector.set_layer(dense)
    preview = inspector.preview
    assert preview is not None and preview.name == "tanh"
    combo = inspector.fields["activation"].editor
    combo.setCurrentIndex(combo.findData("relu"))
    assert doc.graph.nodes[dense].options["activation"] == "relu"
    assert preview.name == "relu" and "max(0, x)" in preview.formula.text()
    x, y = preview.f_curve.getData()
    _, dy = preview.df_curve.getData()
    np.testing.assert_allclose(y, np.maximum(x, 0.0), atol=1e-6)
    assert dy[0] == 0.0 and dy[-1] == 1.0
    combo.setCurrentIndex(combo.findData("softmax"))
    assert "two scores" in preview.note.text()
    x, y = preview.f_curve.getData()
    np.testing.assert_allclose(y, activations.forward("sigmoid", x), atol=1e-5)


def test_rename_through_the_name_field(inspector, doc, net):
    source, dense = net
    inspector.set_layer(dense)
    inspector.name_edit.setText(source)
    inspector.name_edit.textEdited.emit(source)
    assert "already used" in inspector.name_error.text()
    inspector.name_edit.setText("hidden")
    inspector.name_edit.textEdited.emit("hidden")
    assert not inspector.name_error.isVisibleTo(inspector)
    inspector.name_edit.editingFinished.emit()
    assert "hidden" in doc.graph.nodes and inspector.name == "hidden"
    doc.undo_stack.undo()
    assert inspector.name == dense and inspector.name_edit.text() == dense


def test_removing_the_layer_clears_the_inspector(inspector, doc, net):
    _, dense = net
    inspector.set_layer(dense)
    doc.remove_layers([dense])
    assert inspector.name is None and inspector.fields == {}
    doc.undo_stack.undo()
    inspector.set_layer(dense)
    assert inspector.fields["units"].editor.value() == 8
