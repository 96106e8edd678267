"""The Input's "Receives" option in the inspector: the dataset's parts in an editable combo."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox, QLineEdit

from engine.datasets.registry import load_dataset
from widgets.panels.inspector import WHOLE_SAMPLE, Inspector


@pytest.fixture
def inspector(qtbot, doc):
    widget = Inspector(doc)
    qtbot.addWidget(widget)
    widget.resize(420, 900)
    widget.show()
    return widget


@pytest.fixture(scope="module")
def two_parts():
    return load_dataset({"name": "dates", "layout": "encoder-decoder", "n_samples": 60})


def items(combo):
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]


def test_receives_offers_the_dataset_parts_and_undo_restores_them(qtbot, doc, inspector,
                                                                  two_parts):
    name = doc.add_layer("Input", (0.0, 0.0), {"shape": [20], "part": "source"})
    inspector.set_layer(name)
    assert isinstance(inspector.fields["part"].editor, QLineEdit)  # no dataset yet
    inspector.set_dataset(two_parts)
    combo = inspector.fields["part"].editor
    assert isinstance(combo, QComboBox) and combo.isEditable()
    assert items(combo) == [(WHOLE_SAMPLE, ""), ("source", "source"),
                            ("decoder input", "decoder input")]
    assert combo.currentText() == "source"
    combo.activated.emit(2)  # the learner picks "decoder input"
    assert doc.graph.nodes[name].options["part"] == "decoder input"
    assert inspector.fields["part"].editor.currentText() == "decoder input"
    combo = inspector.fields["part"].editor
    combo.activated.emit(0)  # "the whole sample" = ""
    assert doc.graph.nodes[name].options["part"] == ""
    assert combo.currentText() == WHOLE_SAMPLE
    doc.undo_stack.undo()
    assert doc.graph.nodes[name].options["part"] == "decoder input"
    assert inspector.fields["part"].editor.currentText() == "decoder input"
    doc.undo_stack.undo()
    assert doc.graph.nodes[name].options["part"] == "source"
    assert inspector.fields["part"].editor.currentText() == "source"


def test_receives_takes_a_typed_part_name(qtbot, doc, inspector, two_parts):
    name = doc.add_layer("Input", (0.0, 0.0), {"shape": [10]})
    inspector.set_dataset(two_parts)
    inspector.set_layer(name)
    combo = inspector.fields["part"].editor
    assert combo.currentText() == WHOLE_SAMPLE
    combo.lineEdit().setText("  target text ")
    combo.lineEdit().editingFinished.emit()
    assert doc.graph.nodes[name].options["part"] == "target text"
    assert combo.currentText() == "target text"
    doc.undo_stack.undo()
    assert doc.graph.nodes[name].options["part"] == ""


def test_receives_is_a_line_edit_again_for_data_without_parts(qtbot, doc, inspector, two_parts):
    name = doc.add_layer("Input", (0.0, 0.0), {"shape": [2]})
    inspector.set_dataset(two_parts)
    inspector.set_layer(name)
    assert isinstance(inspector.fields["part"].editor, QComboBox)
    inspector.set_dataset(load_dataset({"name": "xor"}))
    assert isinstance(inspector.fields["part"].editor, QLineEdit)
    inspector.set_dataset(None)
    assert isinstance(inspector.fields["part"].editor, QLineEdit)
