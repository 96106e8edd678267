"""The small form behind "Duplicate as variant…": what the new variant changes.

``VariantEditor(project, runs_after)`` starts from the project's own values — learning rate,
optimizer, batch size, and for a chosen layer its units and activation (Dense) or dropout
rate (Dropout) — and ``spec()`` returns an ``app.variants.VariantSpec`` holding only what the
learner changed. It can also add a Dropout after a layer or take a Dropout layer out (the other
layers keep their weights: a timeline branch goes on from its checkpoint with them).
``learning_rate``: the rate the differences are counted from (default: the project's). The
note under the form says how the runs will share this machine's cores.
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.variants import VariantSpec, sharing_note
from engine.activations import NAMES as ACTIVATIONS
from engine.graph import Node
from engine.optimizers import OPTIMIZER_NAMES
from engine.project import Project

EDITABLE_KINDS = ("Dense", "Dropout")


class VariantEditor(QDialog):
    """Choose a variant's differences; ``spec()`` after ``exec()`` accepted."""

    def __init__(self, project: Project, runs_after: int, parent: QWidget | None = None,
                 learning_rate: float | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Duplicate as variant")
        self.project = project
        cfg = project.training
        self._lr0 = float(learning_rate if learning_rate is not None
                          else cfg.optimizer_options.get("learning_rate", 0.01))
        form = QFormLayout()
        self.lr = QDoubleSpinBox(decimals=5, minimum=0.00001, maximum=10.0,
                                 singleStep=0.001, value=self._lr0)
        self.lr.setToolTip("Size of each optimizer step")
        self.optimizer = QComboBox()
        self.optimizer.addItems(list(OPTIMIZER_NAMES))
        self.optimizer.setCurrentText(cfg.optimizer)
        self.batch = QSpinBox(minimum=1, maximum=100_000, value=int(cfg.batch_size))
        self.batch.setToolTip("Samples per optimizer step (mini-batch)")
        form.addRow("Learning rate", self.lr)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Batch size", self.batch)
        self._add_layer_rows(form)
        self.note = QLabel(sharing_note(runs_after, os.cpu_count() or 1), wordWrap=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add variant")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.note)
        box.addWidget(buttons)

    def _add_layer_rows(self, form: QFormLayout) -> None:
        """A layer to change (Dense or Dropout) and its units, activation, dropout rate."""
        self.layer = QComboBox()
        self.layer.addItem("(no layer change)", "")
        for name, node in self.project.graph.nodes.items():
            if node.kind in EDITABLE_KINDS:
                self.layer.addItem(f"{name} ({node.kind})", name)
        self.units = QSpinBox(minimum=1, maximum=4096)
        self.activation = QComboBox()
        self.activation.addItems(ACTIVATIONS)
        self.rate = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=0.95, singleStep=0.05)
        form.addRow("Layer", self.layer)
        form.addRow("Units", self.units)
        form.addRow("Activation", self.activation)
        form.addRow("Dropout rate", self.rate)
        self.take_out = QCheckBox("Take this dropout layer out")
        form.addRow("", self.take_out)
        self.add_after = QComboBox()
        self.add_after.addItem("(none)", "")
        for name, node in self.project.graph.nodes.items():
            if node.kind != "Dropout" and self.project.graph.out_edges(name):
                self.add_after.addItem(name, name)
        self.add_after.setToolTip("Put a new Dropout layer on this layer's output")
        self.add_rate = QDoubleSpinBox(decimals=2, minimum=0.05, maximum=0.95, singleStep=0.05,
                                       value=0.2)
        form.addRow("Add dropout after", self.add_after)
        form.addRow("New dropout rate", self.add_rate)
        self.layer.currentIndexChanged.connect(self._load_layer)
        self._load_layer()

    def _node(self) -> Node | None:  # the chosen layer's graph node, or None
        name = self.layer.currentData()
        return self.project.graph.nodes.get(name) if name else None

    def _load_layer(self) -> None:
        node = self._node()
        dense = node is not None and node.kind == "Dense"
        dropout = node is not None and node.kind == "Dropout"
        for widget, on in ((self.units, dense), (self.activation, dense),
                           (self.rate, dropout), (self.take_out, dropout)):
            widget.setEnabled(on)
        if node is None:
            return
        if dense:
            self.units.setValue(int(node.options.get("units", 1)))
            self.activation.setCurrentText(str(node.options.get("activation", "linear")))
        if dropout:
            self.rate.setValue(float(node.options.get("rate", 0.5)))

    def spec(self) -> VariantSpec:
        """Only the settings that differ from the project."""
        cfg = self.project.training
        training: dict[str, object] = {}
        if abs(self.lr.value() - self._lr0) > 1e-12:
            training["learning_rate"] = float(self.lr.value())
        if self.optimizer.currentText() != cfg.optimizer:
            training["optimizer"] = self.optimizer.currentText()
        if self.batch.value() != cfg.batch_size:
            training["batch_size"] = int(self.batch.value())
        layers: dict[str, dict[str, object]] = {}
        remove: tuple[str, ...] = ()
        node = self._node()
        if node is not None:
            changed: dict[str, object] = {}
            if node.kind == "Dense":
                if self.units.value() != node.options.get("units"):
                    changed["units"] = int(self.units.value())
                if self.activation.currentText() != node.options.get("activation"):
                    changed["activation"] = self.activation.currentText()
            elif self.take_out.isChecked():
                remove = (node.name,)
            elif abs(self.rate.value() - float(node.options.get("rate", 0.5))) > 1e-9:
                changed["rate"] = float(self.rate.value())
            if changed:
                layers[node.name] = changed
        after = self.add_after.currentData()
        dropout = {after: float(self.add_rate.value())} if after else {}
        return VariantSpec(training, layers, dropout, remove)
