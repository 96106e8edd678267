"""Dataset panel: choose or import the data, tune its options, preview it, fix shape mismatches.

The form is generated from the registry's declared options; every edit goes through
``doc.set_dataset`` (undoable). The panel loads the data for a small scatter preview (2-D
points coloured by class, or x/y for 1-D regression) and emits ``dataset_loaded`` so the plots
and the training session reuse it. When the network's Input (or output) does not fit the data
a banner explains it and offers a one-click fix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.datasets.base import Dataset
from engine.datasets.importers import preview_csv
from engine.datasets.registry import dataset_catalog, dataset_option_specs, load_dataset
from engine.types import LayerLabError, format_shape
from widgets.feature_box import FeatureBox
from widgets.import_dialog import choose_import_spec
from widgets.option_form import OptionForm
from widgets.scroll_body import scroll_body
from widgets.theme import CLASS_COLORS, current_colors

PREVIEW_POINTS = 600


class DatasetPanel(QWidget):
    """Dataset choice + options form + preview + input/output fit check."""

    dataset_loaded = Signal(object)  # engine Dataset, or None when it cannot be loaded
    message_posted = Signal(str)

    def __init__(self, doc, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.data: Dataset | None = None
        self.load_error = ""
        self._fix: tuple[str, dict[str, Any]] | None = None
        self._form_name: str | None = None
        self._reload = QTimer(self, singleShot=True, interval=120)
        self._reload.timeout.connect(self.reload)
        self._build()
        doc.dataset_changed.connect(self._on_dataset_changed)
        doc.project_loaded.connect(self._on_project_loaded)
        doc.shapes_changed.connect(self._on_shapes_changed)
        self._on_project_loaded()

    # -- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        layout, scroll, body = scroll_body(self)
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(12)
        self._fill_combo()
        self.combo.activated.connect(self._on_combo_activated)
        layout.addWidget(self.combo)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setProperty("role", "muted")
        layout.addWidget(self.info)
        layout.addWidget(self._build_preview())
        self._build_banner(layout)
        self.form = OptionForm()
        self.form.values_edited.connect(self._on_values_edited)
        layout.addWidget(self.form)
        self.features = FeatureBox()
        self.features.features_chosen.connect(self._on_features_chosen)
        layout.addWidget(self.features)
        row = QHBoxLayout()
        self.import_button = QPushButton("Import CSV / NPY / IDX…")
        self.import_button.clicked.connect(self.import_file)
        row.addWidget(self.import_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)

    def _build_preview(self) -> pg.PlotWidget:
        self.preview = pg.PlotWidget()
        self.preview.setMinimumHeight(190)
        self.preview.setMenuEnabled(False)
        self.preview.setMouseEnabled(False, False)
        self.preview.hideButtons()
        self.scatter = pg.ScatterPlotItem(size=6, pen=None)
        self.preview.addItem(self.scatter)
        return self.preview

    def _build_banner(self, layout: QVBoxLayout) -> None:
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setProperty("role", "banner-error")
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fix_button = QPushButton()
        self.fix_button.setProperty("role", "primary")
        self.fix_button.clicked.connect(self.apply_fix)
        layout.addWidget(self.banner)
        layout.addWidget(self.fix_button)
        self.banner.hide()
        self.fix_button.hide()

    def _fill_combo(self) -> None:
        group = None
        for entry in dataset_catalog():
            if entry["group"] != group:
                group = entry["group"]
                if self.combo.count():
                    self.combo.insertSeparator(self.combo.count())
            self.combo.addItem(f"{entry['title']}  ·  {entry['group']}", entry["name"])

    # -- document → panel ----------------------------------------------------------------------
    def _on_project_loaded(self) -> None:
        self._on_dataset_changed(self.doc.project.dataset)

    def _on_dataset_changed(self, spec: dict[str, Any]) -> None:
        name = spec.get("name", "spiral")
        index = self.combo.findData(name)
        self.combo.setCurrentIndex(max(index, 0))
        if name == self._form_name:
            self.form.set_values(spec)  # never rebuild the editor that is sending the edit
        else:
            try:
                specs = dataset_option_specs(name)
            except LayerLabError as err:
                specs = []
                self._show_error(str(err))
            self.form.file_filter = _file_filter(name)
            self.form.set_specs(specs, spec)
            self._form_name = name
        self._offer_columns(spec)
        self._reload.start()

    def _on_shapes_changed(self, _report: object) -> None:
        self.check_fit()

    # -- panel → document ----------------------------------------------------------------------
    def _on_combo_activated(self, _index: int) -> None:
        name = self.combo.currentData()
        if name and name != self.doc.project.dataset.get("name"):
            self._push({"name": name})

    def _on_values_edited(self) -> None:
        name = self.doc.project.dataset.get("name", "spiral")
        old = self.doc.project.dataset
        form_names = {entry["name"] for entry in self.form.specs}
        # keep what the form does not show (features, drawn points, class names)
        spec: dict[str, Any] = {k: v for k, v in old.items() if k not in form_names}
        spec["name"] = name
        for spec_entry in self.form.specs:
            key, value = spec_entry["name"], self.form.values()[spec_entry["name"]]
            if key in old or value != spec_entry["default"]:
                spec[key] = value
        self._push(spec)

    def _on_features_chosen(self, names: list[str]) -> None:
        """New input columns: change the dataset and the Input shape in one undo step."""
        spec = {k: v for k, v in self.doc.project.dataset.items() if k != "features"}
        if names:
            spec["features"] = names
        inputs = self.doc.graph.input_nodes()
        self.doc.undo_stack.beginMacro("Change input features")
        try:
            self._push(spec)
            if len(inputs) == 1:
                options = dict(self.doc.graph.nodes[inputs[0]].options)
                self.doc.set_layer_options(inputs[0], {**options, "shape": [len(names) or 2]})
        finally:
            self.doc.undo_stack.endMacro()

    def _push(self, spec: dict[str, Any]) -> None:
        try:
            self.doc.set_dataset(spec)
        except LayerLabError as err:
            self._show_error(str(err))

    def import_file(self) -> None:
        spec = choose_import_spec(self)
        if spec is not None:
            self._push(spec)

    # -- loading and preview -------------------------------------------------------------------
    def ensure_current(self) -> None:
        """Load now if a reload is pending (Play pressed right after a dataset edit)."""
        if self._reload.isActive() or (self.data is None and not self.load_error):
            self._reload.stop()
            self.reload()

    def reload(self) -> None:
        """Load the document's dataset for the preview (errors become the banner)."""
        try:
            self.data, self.load_error = load_dataset(dict(self.doc.project.dataset)), ""
        except LayerLabError as err:
            self.data, self.load_error = None, str(err)
        except (OSError, ValueError, MemoryError) as err:
            self.data, self.load_error = None, f"The data cannot be loaded: {err}"
        self._draw_preview()
        self.check_fit()
        self.dataset_loaded.emit(self.data)

    def _draw_preview(self) -> None:
        data = self.data
        if data is None:
            self.info.setText("No data loaded.")
            self.features.hide()
            self.scatter.setData([], [])
            self.preview.hide()
            return
        self.info.setText(describe(data))
        plane = bool(getattr(data, "is_plane", False))
        self.features.setVisible(plane)
        self.features.set_chosen(list(getattr(data, "features", []) or []))
        x, y = data.x_train[:PREVIEW_POINTS], data.y_train[:PREVIEW_POINTS]
        if plane:
            x = data.x_train_raw[:PREVIEW_POINTS]
        if plane or data.input_shape == (2,):
            brushes = [pg.mkBrush(CLASS_COLORS[int(k) % len(CLASS_COLORS)])
                       for k in np.asarray(y).reshape(len(y), -1)[:, 0]]
            self.scatter.setData(x[:, 0], x[:, 1], brush=brushes)
        elif data.input_shape == (1,) and data.task == "regression":
            self.scatter.setData(x[:, 0], np.asarray(y).reshape(len(y), -1)[:, 0],
                                 brush=pg.mkBrush(current_colors().accent))
        else:
            self.scatter.setData([], [])
            self.preview.hide()
            return
        self.preview.show()
        self.preview.getPlotItem().autoRange()

    def _offer_columns(self, spec: dict[str, Any]) -> None:
        if spec.get("name") == "csv" and spec.get("path"):
            try:
                header, _ = preview_csv(spec["path"], 1, spec.get("has_header", "auto"))
            except LayerLabError:
                return
            self.form.set_columns(header)

    # -- fit between data and network ----------------------------------------------------------
    def check_fit(self) -> None:
        """Show the load error, or a mismatch between the data and the network with a fix."""
        self._fix = None
        if self.load_error:
            self._show_error(self.load_error)
            return
        problem = self._input_problem() or self._output_problem()
        if problem is None:
            self.banner.hide()
            self.fix_button.hide()
            return
        text, self._fix, button = problem
        self._show_error(text)
        self.fix_button.setText(button)
        self.fix_button.show()

    def _input_problem(self) -> tuple[str, tuple[str, dict[str, Any]], str] | None:
        data, graph = self.data, self.doc.graph
        inputs = graph.input_nodes()
        if data is None or len(inputs) != 1:
            return None
        node = graph.nodes[inputs[0]]
        shape = tuple(int(s) for s in node.options.get("shape", ()))
        if shape == tuple(data.input_shape):
            return None
        want = format_shape(tuple(data.input_shape))
        text = (f"The data has {want} input value(s) per sample, but the Input layer "
                f"'{node.name}' expects {format_shape(shape)}.")
        return text, (node.name, {**node.options, "shape": list(data.input_shape)}), \
            f"Set Input shape to {want}"

    def _output_problem(self) -> tuple[str, tuple[str, dict[str, Any]], str] | None:
        data, graph = self.data, self.doc.graph
        outputs = graph.output_nodes()
        if data is None or data.task != "classification" or len(outputs) != 1:
            return None
        node = graph.nodes[outputs[0]]
        units = node.options.get("units")
        k = data.n_classes
        if not isinstance(units, int) or units == k or (units == 1 and k == 2):
            return None
        activation = node.options.get("activation")
        fix = {**node.options, "units": k}
        if k > 2 and activation in ("sigmoid", "tanh", "step"):
            fix["activation"] = "softmax"
        text = (f"The data has {k} classes but the output layer '{node.name}' has {units} "
                f"unit(s): one unit per class is needed (or 1 sigmoid unit for 2 classes).")
        return text, (node.name, fix), f"Set '{node.name}' to {k} units"

    def apply_fix(self) -> None:
        if self._fix is None:
            return
        name, options = self._fix
        try:
            self.doc.set_layer_options(name, options)
        except LayerLabError as err:
            self._show_error(str(err))
            return
        self.message_posted.emit(f"Changed '{name}' to fit the data.")

    def _show_error(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()
        self.fix_button.hide()

    @property
    def fix_text(self) -> str:
        """The fix button's label when a fix is offered, else an empty string (for tests)."""
        return self.fix_button.text() if self._fix is not None else ""


def describe(data: Dataset) -> str:
    n_train, n_val = len(data.x_train), len(data.x_val)
    kind = (f"{data.n_classes} classes" if data.task == "classification"
            else f"regression, {data.output_dim} target(s)")
    return (f"{data.description}\n{n_train} training + {n_val} validation samples · "
            f"input {format_shape(tuple(data.input_shape))} · {kind}")


def _file_filter(name: str) -> str:
    return {"csv": "CSV files (*.csv *.txt *.tsv);;All files (*)",
            "numpy": "NumPy files (*.npy *.npz);;All files (*)",
            "idx": "MNIST IDX (*idx* *.gz);;All files (*)"}.get(name, "All files (*)")
