"""The layer inspector: a form generated from the selected layer's ``config_spec``.

``Inspector(doc).set_layer(name)`` shows the layer's blurb, its name (editable: renaming is
undoable), its output shape and parameter count, and one editor per option: spin boxes with
the spec's range, a check box, a combo box for choices, a line edit for shapes and text. Each
value is checked as it is typed by building the layer in the engine; a bad value shows the
engine's message in red under the field and changes nothing. Good values are committed as
undoable commands through the document; the form refreshes from the document's signals, so
undo/redo shows up here too. Dropout shows "keep probability = 1 − rate" live; activation
choices show an ``ActivationPreview``. An Input's "Receives" (``part``) offers the parts of
the dataset given to ``set_dataset`` in an editable combo box ("" reads "the whole sample").
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.document import ProjectDocument
from engine import activations
from engine.graph import ShapeReport
from engine.layers import create_layer, layer_class
from engine.params import ParamSpec
from engine.types import LayerLabError, format_shape
from widgets.forms.suggest_combo import combo_text, show_text, suggestion_combo
from widgets.forms.wheel_guard import guard_wheel
from widgets.forms.wrap_check import WrapCheckBox
from widgets.panels.activation_preview import ActivationPreview
from widgets.window.theme import OKABE_ITO

INT_LIMIT = 2**31 - 1
# Layers that are one activation with a tunable slope: preview them with that slope.
SLOPE_ACTIVATIONS = {"LeakyReLU": ("leaky_relu", "negative_slope"), "ELU": ("elu", "alpha"),
                     "PReLU": ("leaky_relu", "initial_slope")}
ERROR_STYLE = f"color: {OKABE_ITO['vermillion']}; font-weight: 600;"
WHOLE_SAMPLE = "the whole sample"


def option_text(spec: ParamSpec, value: Any) -> str:
    if spec.type == "shape" and isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


class Field(QObject):
    """One option's editor and the red message under it."""

    typed = Signal(str, object)  # option, raw text/value as typed (validate only)
    committed = Signal(str, object)  # option, value to apply

    def __init__(self, spec: ParamSpec, parent: QWidget,
                 suggestions: list[str] | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.editor = (self._suggest_editor(spec, suggestions) if suggestions
                       else self._make_editor(spec))
        self.editor.setToolTip(spec.help)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.box = QWidget(parent)
        column = QVBoxLayout(self.box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.editor)
        column.addWidget(self.error)

    def _make_editor(self, spec: ParamSpec) -> QWidget:
        if spec.type in ("int", "float"):
            spin = QSpinBox() if spec.type == "int" else QDoubleSpinBox()
            low = -INT_LIMIT if spec.min is None else spec.min
            high = INT_LIMIT if spec.max is None else spec.max
            if isinstance(spin, QDoubleSpinBox):
                unit = spec.max is not None and spec.max <= 1 and (spec.min or 0) >= 0
                tiny = spec.default == 0 and spec.max is None  # penalties such as l1, l2
                spin.setDecimals(2 if unit else (5 if tiny else 3))
                spin.setSingleStep(0.05 if unit else (0.0001 if tiny else 0.1))
            if isinstance(spin, QSpinBox):
                spin.setRange(int(low), int(high))
            else:
                spin.setRange(low, high)
            spin.setKeyboardTracking(False)  # valueChanged on Enter, focus-out and arrows
            spin.valueChanged.connect(lambda v: self.committed.emit(spec.name, v))
            spin.lineEdit().textEdited.connect(lambda t: self.typed.emit(spec.name, t))
            return spin
        if spec.type == "bool":
            box = WrapCheckBox(spec.help)  # a long help wraps, never widens the panel
            box.toggled.connect(lambda v: self.committed.emit(spec.name, v))
            return box
        if spec.type == "choice":
            combo = QComboBox()
            for choice in spec.choices:
                combo.addItem(_choice_label(spec, choice), choice)
            combo.currentIndexChanged.connect(
                lambda i: self.committed.emit(spec.name, combo.itemData(i)))
            return combo
        line = QLineEdit()
        line.setPlaceholderText(spec.help)
        line.textEdited.connect(lambda t: self.typed.emit(spec.name, t))
        line.editingFinished.connect(lambda: self.committed.emit(spec.name, line.text()))
        return line

    def _suggest_editor(self, spec: ParamSpec, suggestions: list[str]) -> QComboBox:
        """Pick a suggestion (the dataset's parts) or type another text."""
        combo = suggestion_combo(suggestions, WHOLE_SAMPLE)
        line = combo.lineEdit()
        assert line is not None  # suggestion_combo is editable
        combo.activated.connect(lambda i: self.committed.emit(spec.name, combo.itemData(i)))
        line.textEdited.connect(lambda _t: self.typed.emit(spec.name, combo_text(combo)))
        line.editingFinished.connect(lambda: self.committed.emit(spec.name, combo_text(combo)))
        return combo

    def set_value(self, value: Any) -> None:
        """Show ``value`` without emitting anything (refresh from the document)."""
        editor = self.editor
        editor.blockSignals(True)
        if isinstance(editor, QComboBox) and editor.isEditable():
            show_text(editor, value)
        elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            editor.setValue(value)
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(value)))
        elif isinstance(editor, QLineEdit):
            editor.setText(option_text(self.spec, value))
        editor.blockSignals(False)

    def show_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))


def _choice_label(spec: ParamSpec, choice: str) -> str:
    if spec.name == "activation" or choice in activations.REGISTRY:
        try:
            return activations.get(choice).display_name
        except LayerLabError:
            return choice
    return choice


class Inspector(QWidget):
    """Settings of one layer of the document."""

    def __init__(self, doc: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.name: str | None = None
        self.parts: list[str] = []  # the dataset's input parts, offered for "Receives"
        self.fields: dict[str, Field] = {}
        self.keep_label: QLabel | None = None
        self.preview: ActivationPreview | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # wrap
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        self.column = QVBoxLayout(body)
        self.column.setContentsMargins(10, 10, 10, 10)
        self._build_header()
        self.form_host = QWidget()
        self.column.addWidget(self.form_host)
        self.column.addStretch(1)
        doc.layer_changed.connect(self._on_layer_changed)
        doc.layer_removed.connect(self._on_layer_removed)
        doc.layer_renamed.connect(self._on_layer_renamed)
        doc.shapes_changed.connect(self._on_shapes_changed)
        doc.project_loaded.connect(self._on_project_loaded)
        self.set_layer(None)

    def _build_header(self) -> None:
        self.placeholder = QLabel("Select a layer on the canvas to see and change its settings.")
        self.placeholder.setWordWrap(True)
        self.placeholder.setProperty("role", "muted")
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16pt; font-weight: 700;")
        self.blurb = QLabel()
        self.blurb.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.name_edit.setToolTip("The layer's name: unique, used in messages and plots.")
        self.name_edit.textEdited.connect(self._on_name_typed)
        self.name_edit.editingFinished.connect(self._on_name_committed)
        self.name_error = QLabel()
        self.name_error.setWordWrap(True)
        self.name_error.setStyleSheet(ERROR_STYLE)
        self.name_error.hide()
        self.shape_label = QLabel()
        self.shape_label.setProperty("role", "stat-value")
        self.shape_label.setWordWrap(True)
        self.params_label = QLabel()
        self.params_label.setWordWrap(True)
        self.layer_error = QLabel()
        self.layer_error.setWordWrap(True)
        self.layer_error.setProperty("role", "banner-error")
        self.name_row = QWidget()
        row = QFormLayout(self.name_row)
        row.setContentsMargins(0, 4, 0, 0)
        row.addRow("Name", self.name_edit)
        self.header_widgets = [self.title, self.blurb, self.name_row, self.name_error,
                               self.shape_label, self.params_label, self.layer_error]
        for widget in [self.placeholder, *self.header_widgets]:
            self.column.addWidget(widget)

    # -- public API ----------------------------------------------------------------------------
    def set_layer(self, name: str | None) -> None:
        """Show the settings of layer ``name`` (None: nothing selected)."""
        if name is not None and name not in self.doc.graph.nodes:
            name = None
        self.name = name
        self.placeholder.setVisible(name is None)
        for widget in self.header_widgets:
            widget.setVisible(name is not None)
        self._build_form()
        self.refresh()

    def set_dataset(self, data: Any) -> None:
        """The dataset's parts (``input_parts``) become the suggestions of an Input's
        "Receives"; the form of a shown Input is rebuilt when they change."""
        parts = [str(name) for name, _ in getattr(data, "input_parts", None) or []]
        if parts == self.parts:
            return
        self.parts = parts
        if self.name is not None and self.doc.graph.nodes[self.name].kind == "Input":
            self.set_layer(self.name)

    def refresh(self) -> None:
        """Re-read every value from the document (after an edit, undo or redo)."""
        if self.name is None:
            return
        node = self.doc.graph.nodes[self.name]
        cls = layer_class(node.kind)
        self.title.setText(cls.display_name or cls.kind)
        self.blurb.setText(cls.blurb)
        self.name_edit.setText(self.name)
        self.name_error.hide()
        for key, field in self.fields.items():
            field.set_value(node.options.get(key, field.spec.default))
            field.show_error(None)
        self._update_extras()
        self._on_shapes_changed(self.doc.report)

    # -- form ----------------------------------------------------------------------------------
    def _build_form(self) -> None:
        """A new form for the current layer, filled before it is shown (children show with it)."""
        host = QWidget()
        self.fields, self.keep_label, self.preview = {}, None, None
        if self.name is not None:
            node = self.doc.graph.nodes[self.name]
            form = QFormLayout(host)
            form.setContentsMargins(0, 8, 0, 0)
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            for spec in layer_class(node.kind).config_spec:
                offer = node.kind == "Input" and spec.name == "part" and self.parts
                field = Field(spec, host, self.parts if offer else None)
                field.typed.connect(self._on_field_typed)
                field.committed.connect(self._on_field_committed)
                self.fields[spec.name] = field
                form.addRow(spec.label or spec.name.replace("_", " ").capitalize(), field.box)
                self._add_extras(form, node.kind, spec)
        guard_wheel(host)  # scrolling the panel never changes an unfocused field
        old, self.form_host = self.form_host, host
        self.column.replaceWidget(old, host)
        host.show()  # now, not from the layout's queued show
        old.deleteLater()

    def _add_extras(self, form: QFormLayout, kind: str, spec: ParamSpec) -> None:
        if kind == "Dropout" and spec.name == "rate":
            self.keep_label = QLabel()
            self.keep_label.setStyleSheet("font-weight: 600;")
            form.addRow("", self.keep_label)
            editor = self.fields["rate"].editor  # a QDoubleSpinBox: its text as it is typed
            line = editor.lineEdit() if isinstance(editor, QAbstractSpinBox) else None
            if line is not None:
                line.textEdited.connect(lambda t: self._show_keep(t))
        is_activation = (spec.type == "choice" and bool(spec.choices)
                         and set(spec.choices) <= set(activations.REGISTRY))
        slope = SLOPE_ACTIVATIONS.get(kind)
        if (is_activation or (slope and slope[1] == spec.name)) and self.preview is None:
            self.preview = ActivationPreview()
            form.addRow(self.preview)

    def _update_extras(self) -> None:
        assert self.name is not None
        node = self.doc.graph.nodes[self.name]
        if self.keep_label is not None:
            self._show_keep(node.options.get("rate", 0.0))
        if self.preview is not None:
            slope = SLOPE_ACTIVATIONS.get(node.kind)
            if slope:
                self.preview.set_activation(slope[0], float(node.options.get(slope[1], 0.0)))
            else:
                self.preview.set_activation(str(node.options.get("activation", "linear")))

    def _show_keep(self, rate: Any) -> None:
        if self.keep_label is None:
            return
        try:
            text = f"keep probability = 1 − rate = {1.0 - float(rate):.2f}"
        except ValueError:
            text = "keep probability = 1 − rate"
        self.keep_label.setText(text)

    # -- validation and commits ----------------------------------------------------------------
    def _candidate_error(self, key: str, value: Any) -> str | None:
        """The engine's message for option ``key`` = ``value``, or None when it is fine."""
        assert self.name is not None
        node = self.doc.graph.nodes[self.name]
        try:
            create_layer({"kind": node.kind, "name": self.name, **node.options, key: value})
        except LayerLabError as err:
            return str(err)
        return None

    def _on_field_typed(self, key: str, text: str) -> None:
        if self.name is not None and key in self.fields:
            self.fields[key].show_error(self._candidate_error(key, text.strip()))

    def _on_field_committed(self, key: str, value: Any) -> None:
        if self.name is None or key not in self.fields:
            return
        field = self.fields[key]
        error = self._candidate_error(key, value)
        if error is None:
            try:
                options = dict(self.doc.graph.nodes[self.name].options)
                self.doc.set_layer_options(self.name, {**options, key: value})
            except LayerLabError as err:
                error = str(err)
        field.show_error(error)
        if key == "activation" and error is None and self.preview is not None:
            self.preview.set_activation(str(value))

    def _on_name_typed(self, text: str) -> None:
        new = text.strip()
        taken = new != self.name and new in self.doc.graph.nodes
        message = ("A name cannot be empty." if not new else
                   f"'{new}' is already used by another layer." if taken else "")
        self.name_error.setText(message)
        self.name_error.setVisible(bool(message))

    def _on_name_committed(self) -> None:
        new = self.name_edit.text().strip()
        if self.name is None or new == self.name:
            return
        try:
            self.doc.rename_layer(self.name, new)
        except LayerLabError as err:
            self.name_error.setText(str(err))
            self.name_error.show()

    # -- document signals ----------------------------------------------------------------------
    def _on_layer_changed(self, name: str) -> None:
        if name == self.name:
            self.refresh()

    def _on_layer_removed(self, name: str) -> None:
        if name == self.name:
            self.set_layer(None)

    def _on_layer_renamed(self, old: str, new: str) -> None:
        if old == self.name:
            self.name = new
            self.refresh()

    def _on_project_loaded(self) -> None:
        self.set_layer(None)

    def _on_shapes_changed(self, report: ShapeReport) -> None:
        if self.name is None:
            return
        shape = report.shapes.get(self.name)
        params = report.params.get(self.name)
        self.shape_label.setText(f"Output: {format_shape(shape)}" if shape is not None
                                 else "Output: ?")
        kind = "frozen" if self.name in report.frozen else "trainable"
        self.params_label.setText(f"{params:,} {kind} parameters" if params is not None
                                  else "Parameters: unknown until the problem is fixed")
        error = report.errors.get(self.name, "")
        self.layer_error.setText(f"⚠ {error}" if error else "")
        self.layer_error.setVisible(bool(error))
