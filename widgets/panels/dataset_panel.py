"""Dataset panel: choose or import the data, tune its options, preview it, fix shape mismatches.

The form is generated from the registry's declared options; every edit goes through
``doc.set_dataset`` (undoable). The panel loads the data for a small preview (2-D points
coloured by class, x/y for 1-D regression, or for images one row of samples per class,
``widgets.panels.image_grid``) and emits ``dataset_loaded`` so the plots and the training
session reuse it. Image data also get the augmentation box (``widgets.panels.augment_box``);
image folders are imported with ``widgets.dialogs.folder_import``. When the network's Input
(or output) does not fit the data a banner explains it and offers a one-click fix.
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

from app.data_loader import DataLoader
from engine.datasets.base import Dataset
from engine.datasets.importers import preview_csv
from engine.datasets.registry import dataset_catalog, dataset_option_specs
from engine.types import LayerLabError
from widgets.dialogs.folder_import import browse_folders_in, choose_folder_spec
from widgets.dialogs.import_dialog import choose_import_spec
from widgets.forms.option_form import OptionForm
from widgets.forms.scroll_body import scroll_body
from widgets.panels.augment_box import AugmentBox
from widgets.panels.data_fit import describe, file_filter, input_problem, output_problem
from widgets.panels.feature_box import FeatureBox
from widgets.panels.image_grid import ImageGrid, class_rows, display_levels, image_samples
from widgets.panels.token_preview import token_lines
from widgets.window.theme import CLASS_COLORS, current_colors

PREVIEW_POINTS = 600
PER_CLASS, MAX_CLASS_ROWS = 6, 10  # the image preview: samples per class row, rows at most


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
        self._reload.timeout.connect(self._load_in_background)
        self._loader = DataLoader(self._apply, self)  # off the GUI thread (app.data_loader)
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
        self.images = ImageGrid(PER_CLASS)
        self.images.setToolTip("Training images as the network receives them, one row per "
                               "class (before augmentation).")
        self.images_note = QLabel()
        self.images_note.setWordWrap(True)
        self.images_note.setProperty("role", "muted")
        layout.addWidget(self.images)
        layout.addWidget(self.images_note)
        self.images.hide()
        self.images_note.hide()
        self.tokens = QLabel()  # token datasets: a few samples as text
        self.tokens.setTextFormat(Qt.TextFormat.PlainText)
        self.tokens.setStyleSheet("font-family: monospace;")
        self.tokens.setWordWrap(True)
        self.tokens.setToolTip("The first training samples as text: input → what the network "
                               "must answer")
        layout.addWidget(self.tokens)
        self.tokens.hide()
        self._build_banner(layout)
        self.form = OptionForm()
        self.form.values_edited.connect(self._on_values_edited)
        layout.addWidget(self.form)
        self.features = FeatureBox()
        self.features.features_chosen.connect(self._on_features_chosen)
        layout.addWidget(self.features)
        self.augment = AugmentBox(self.doc)
        layout.addWidget(self.augment)
        self.augment.hide()
        self.import_button = QPushButton("Import CSV / NPY / IDX…")
        self.import_button.clicked.connect(self.import_file)
        self.folder_button = QPushButton("Import image folder…")
        self.folder_button.setToolTip("A folder with one sub-folder of images per class.")
        self.folder_button.clicked.connect(self.import_folder)
        for button in (self.import_button, self.folder_button):  # stacked: the dock is narrow
            row = QHBoxLayout()
            row.addWidget(button)
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
            self.form.file_filter = file_filter(name)
            self.form.set_specs(specs, spec)
            self._form_name = name
            if name == "image_folder":
                browse_folders_in(self.form)
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

    def import_folder(self) -> None:
        spec = choose_folder_spec(self)
        if spec is not None:
            self._push(spec)

    # -- loading and preview -------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        """The document's dataset changed and its data is not loaded yet (``dataset_loaded``
        follows): a reload is due or running in the background."""
        return self._reload.isActive() or self._loader.pending or (
            self.data is None and not self.load_error)

    def load_soon(self) -> None:
        """Start the due background load now (Play waits for it) instead of after the pause
        that gathers a burst of edits."""
        if self._reload.isActive() or (self.data is None and not self.load_error
                                       and not self._loader.pending):
            self._reload.stop()
            self._load_in_background()

    def ensure_current(self) -> None:
        """Load now, on this thread, if a load is due (callers that need the data at once)."""
        if self.loading:
            self._reload.stop()
            self.reload()

    def _load_in_background(self) -> None:
        self._loader.start(dict(self.doc.project.dataset))

    def reload(self) -> None:
        """Load the document's dataset for the preview at once (errors become the banner)."""
        self._apply(*self._loader.load_now(dict(self.doc.project.dataset)))

    def _apply(self, data: Dataset | None, error: str) -> None:
        """The loaded data (or why not): preview, fit check, ``dataset_loaded``."""
        self.data, self.load_error = data, error
        self._draw_preview()
        self.check_fit()
        self.dataset_loaded.emit(self.data)

    def _draw_preview(self) -> None:
        data = self.data
        self._draw_images(data)
        text = token_lines(data) if data is not None else None
        self.tokens.setText(text or "")
        self.tokens.setVisible(bool(text))
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
        line = bool(getattr(data, "is_line", False))  # x before its polynomial features
        if plane and data.x_train_raw is not None:
            x = data.x_train_raw[:PREVIEW_POINTS]
        elif line and data.x_train_base is not None:
            x = data.x_train_base[:PREVIEW_POINTS]
        if plane or (data.input_shape == (2,) and not line):
            brushes = [pg.mkBrush(CLASS_COLORS[int(k) % len(CLASS_COLORS)])
                       for k in np.asarray(y).reshape(len(y), -1)[:, 0]]
            self.scatter.setData(x[:, 0], x[:, 1], brush=brushes)
        elif (line or data.input_shape == (1,)) and data.task == "regression":
            self.scatter.setData(x[:, 0], np.asarray(y).reshape(len(y), -1)[:, 0],
                                 brush=pg.mkBrush(current_colors().accent))
        else:
            self.scatter.setData([], [])
            self.preview.hide()
            return
        self.preview.show()
        self.preview.getPlotItem().autoRange()

    def _draw_images(self, data: Dataset | None) -> None:
        """Images: one row of samples per class (rows of samples for regression targets)."""
        x = image_samples(data)
        self.images.setVisible(x is not None)
        self.images_note.setVisible(x is not None)
        if x is None or data is None:
            self.augment.set_samples(None)
            return
        if data.task == "classification":
            rows = class_rows(data.y_train, data.n_classes, PER_CLASS, MAX_CLASS_ROWS)
            names = list(data.class_names)
            labels = [names[k] if k < len(names) else str(k) for k in range(len(rows))]
            note = "One row per class: its first training images."
            if data.n_classes > MAX_CLASS_ROWS:
                note += f" (First {MAX_CLASS_ROWS} of {data.n_classes} classes.)"
        else:
            rows = [np.arange(i, min(i + PER_CLASS, len(x))) for i in (0, PER_CLASS)]
            labels, note = ["samples"] * 2, "The first training images."
        keep = [i for i, r in enumerate(rows) if len(r)]
        shown = [x[rows[i]] for i in keep]
        levels = display_levels(np.concatenate([s.reshape(-1) for s in shown]))
        self.images.set_rows(shown, [labels[i] for i in keep], levels)
        self.images_note.setText(note)
        if x.ndim == 4 and tuple(data.input_shape) == tuple(x.shape[1:]):
            mixed = [s[j:j + 1] for j in range(PER_CLASS) for s in shown]  # classes in turn
            self.augment.set_samples(np.concatenate(mixed), levels)
        else:  # the 8×8 digits as vectors
            self.augment.set_samples(None, hint="These digits are vectors of 64 pixels: tick "
                                     "“As images” above to augment them as images.")

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
        # an autoencoder's output is a reconstruction, a GAN has two networks: only the
        # supervised recipes need an output layer with one unit per class
        recipe = getattr(self.doc.project, "recipe", "supervised") or "supervised"
        problem = None if recipe == "gan" else input_problem(self.data, self.doc.graph)
        if problem is None and recipe in ("supervised", "perceptron"):
            problem = output_problem(self.data, self.doc.graph)
        if problem is None:
            self.banner.hide()
            self.fix_button.hide()
            return
        text, self._fix, button = problem
        self._show_error(text)
        if self._fix is not None:  # some problems take more than one edit: no button
            self.fix_button.setText(button)
            self.fix_button.show()

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

    def set_theme(self, name: str) -> None:
        """Restyle the image previews (they also follow the application palette by themselves)."""
        self.images.set_theme(name)
        self.augment.grid.set_theme(name)

    def _show_error(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()
        self.fix_button.hide()

    @property
    def fix_text(self) -> str:
        """The fix button's label when a fix is offered, else an empty string (for tests)."""
        return self.fix_button.text() if self._fix is not None else ""

