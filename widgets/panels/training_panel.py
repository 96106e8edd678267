"""Training panel: the run controls, live statistics, the run's final message and its settings.

The Play/Pause, Step and Stop buttons show the window's ``QAction``s (one action per command,
shared with the menu, the toolbar and the shortcuts). The settings (loss, optimizer, learning
rate, batches, epochs, schedule, seed, early stopping) are written with ``doc.set_training``
(undoable); the learning rate also reaches a running session at once through
``session.set_learning_rate``. ``show_snapshot`` updates the always-visible statistics.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QWidget,
)

from engine.types import LayerLabError
from widgets.forms.scroll_body import scroll_body
from widgets.forms.wheel_guard import guard_wheel
from widgets.panels.backend_choice import BackendChoice
from widgets.panels.training_choices import (
    BATCH_MODES,
    RECIPE_CHOICES,
    SPEEDS,
    GpuCheck,
    default_learning_rate,
    gpu_status,
    loss_choices,
    optimizer_choices,
    schedule_choices,
    schedule_config,
    schedule_key,
    speed_text,
)

CLASS_WEIGHTS = [("none (every point counts the same)", "none"),
                 ("balanced (rare classes count more)", "balanced")]
CONTROL_NAMES = ("play", "step_batch", "step_epoch", "stop", "reset")
STATS = (("epoch", "Epoch"), ("step", "Step"), ("speed", "Samples/s"),
         ("train_loss", "Train loss"), ("val_loss", "Val. loss"), ("accuracy", "Accuracy"),
         ("elapsed", "Time"))
STAT_COLUMNS = 3  # four did not fit the left dock at 1280×720: "Time" was cut to "Tim"


class TrainingPanel(QWidget):
    """Run controls + statistics + hyper-parameters of the document's training section."""

    def __init__(self, doc, session=None, actions: dict[str, QAction] | None = None,
                 parent: QWidget | None = None, gpu: GpuCheck = gpu_status) -> None:
        super().__init__(parent)
        self.doc, self.session, self._gpu = doc, session, gpu  # gpu: is a GPU usable here?
        self.values: dict[str, QLabel] = {}
        self.editors: dict[str, QWidget] = {}
        layout, scroll, body = scroll_body(self)
        layout.addLayout(self._controls(actions or {}))
        layout.addWidget(self._stats_box())
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)
        layout.addWidget(self._settings_box())
        layout.addStretch(1)
        # never narrower than the controls and statistics (the dock then takes the room)
        self.setMinimumWidth(body.minimumSizeHint().width()
                             + scroll.verticalScrollBar().sizeHint().width() + 4)
        guard_wheel(body)  # the wheel scrolls the panel, never an unfocused setting
        doc.training_changed.connect(self._on_training_changed)
        doc.project_loaded.connect(self._on_project_loaded)
        doc.recipe_changed.connect(self._show_recipe)
        self._on_project_loaded()

    # -- building ------------------------------------------------------------------------------
    def _controls(self, actions: dict[str, QAction]) -> QGridLayout:
        """Run buttons in rows of two (Play, Step batch / Step epoch, Stop / Reset): the
        column fits beside the canvas on a 1280×720 projector."""
        grid = QGridLayout()
        grid.setHorizontalSpacing(4)
        self.buttons: dict[str, QToolButton] = {}
        for i, name in enumerate(n for n in CONTROL_NAMES if n in actions):
            button = QToolButton()
            button.setDefaultAction(actions[name])
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setIconSize(QSize(26, 26))
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            grid.addWidget(button, i // 2, i % 2)
            self.buttons[name] = button
        return grid

    def _stats_box(self) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(4, 0, 4, 0)
        grid.setVerticalSpacing(0)
        for i, (key, title) in enumerate(STATS):
            name = QLabel(title)
            name.setProperty("role", "stat-name")
            value = QLabel("–")
            value.setProperty("role", "stat-value")
            row, column = divmod(i, STAT_COLUMNS)
            grid.addWidget(name, 2 * row, column)
            grid.addWidget(value, 2 * row + 1, column)
            self.values[key] = value
        for column in range(STAT_COLUMNS):
            grid.setColumnStretch(column, 1)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("epoch %v of %m")
        rows = -(-len(STATS) // STAT_COLUMNS)
        grid.addWidget(self.progress, 2 * rows, 0, 1, STAT_COLUMNS)
        return box

    def _settings_box(self) -> QGroupBox:
        box = QGroupBox("Settings")
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # narrow: field below
        self.recipe = _combo(RECIPE_CHOICES)
        self.recipe.setToolTip("How the network learns: from labels, by rebuilding its input "
                               "(autoencoders, VAEs), or as a generator against a "
                               "discriminator (GAN). Its options are in Look inside → Recipe "
                               "settings.")
        self.recipe.activated.connect(self._on_recipe_chosen)
        form.addRow("Recipe", self.recipe)
        self.editors["loss"] = _combo(loss_choices())
        self.editors["class_weight"] = weights = _combo(CLASS_WEIGHTS)
        weights.setToolTip("Cross-entropy only: 'balanced' counts each point of a rare class "
                           "more (N / (K · its count)), so the network cannot ignore it")
        self.editors["weighted_sampling"] = sampling = QCheckBox("draw rare classes more often")
        sampling.setToolTip("Classification only: each epoch draws its points at random, a "
                            "point of a rare class more often (chance ∝ 1 / its class's count), "
                            "so every class fills about the same share of the batches")
        self.editors["optimizer"] = _combo(optimizer_choices())
        lr = QDoubleSpinBox()
        lr.setDecimals(5)
        lr.setRange(0.00001, 10.0)
        lr.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        lr.setKeyboardTracking(False)
        self.editors["learning_rate"] = lr
        self.editors["batch_mode"] = _combo(BATCH_MODES)
        self.editors["batch_size"] = _spin(1, 65536)
        self.editors["epochs"] = _spin(1, 1_000_000)
        self.editors["schedule"] = _combo(schedule_choices())
        self.editors["seed"] = _spin(0, 2**31 - 1)
        self.editors["early_stopping"] = QCheckBox("stop when validation stalls")
        self.editors["patience"] = _spin(1, 10_000)
        self.editors["max_steps_per_second"] = speed = _combo(SPEEDS)
        speed.setToolTip("Slow training down to watch a small network learn step by step; "
                         "changes at once, even while training")
        labels = {"loss": "Loss", "class_weight": "Class weights",
                  "weighted_sampling": "Weighted sampling", "optimizer": "Optimizer",
                  "learning_rate": "Learning rate",
                  "batch_mode": "Batches", "batch_size": "Batch size", "epochs": "Epochs",
                  "schedule": "LR schedule", "seed": "Seed", "early_stopping": "Early stopping",
                  "patience": "Patience (epochs)", "max_steps_per_second": "Speed"}
        for key, label in labels.items():
            form.addRow(label, self.editors[key])
        self._form, self.backend = form, BackendChoice(self.doc, self.session, self._gpu, box)
        form.addRow("Runs on", self.backend.combo)
        form.addRow(self.backend.note)
        self.hint = QLabel("The learning rate and the speed change at once, even while "
                           "training; the other settings apply from the next run (Reset).")
        self.hint.setWordWrap(True)
        self.hint.setProperty("role", "muted")
        form.addRow(self.hint)
        for key, editor in self.editors.items():
            _connect(editor, lambda *_a, k=key: self._on_editor_changed(k))
        return box

    def add_setting_row(self, label: str | None, field: QWidget) -> None:
        """A row of the settings form above its closing hint (``label`` None: full width)."""
        row = self._form.rowCount() - 1  # the hint stays last
        if label is None:
            self._form.insertRow(row, field)
        else:
            self._form.insertRow(row, label, field)

    # -- document → panel ----------------------------------------------------------------------
    def _on_project_loaded(self) -> None:
        self._show_recipe(self.doc.project.recipe)
        self._on_training_changed(self.doc.project.training)
        self.reset_stats()

    def _on_training_changed(self, config: Any) -> None:
        values = {"loss": config.loss, "optimizer": config.optimizer,
                  "class_weight": config.loss_options.get("class_weight", "none"),
                  "weighted_sampling": config.weighted_sampling,
                  "learning_rate": config.optimizer_options.get(
                      "learning_rate", default_learning_rate(config.optimizer)),
                  "batch_mode": config.batch_mode, "batch_size": config.batch_size,
                  "epochs": config.epochs, "schedule": schedule_key(config.schedule),
                  "seed": config.seed, "early_stopping": config.early_stopping,
                  "patience": config.patience,
                  "max_steps_per_second": float(config.max_steps_per_second)}
        for key, value in values.items():
            editor = self.editors[key]
            editor.blockSignals(True)
            _set(editor, value, speed_text if key == "max_steps_per_second" else str)
            editor.blockSignals(False)
        self.editors["batch_size"].setEnabled(config.batch_mode == "mini")
        self.editors["patience"].setEnabled(config.early_stopping)
        self.progress.setMaximum(max(config.epochs, 1))
        self.backend.show_config(config)  # CPU engine / GPU, offered only with a usable GPU
        self._form.setRowVisible(self.backend.combo, self.backend.offered)

    def _show_recipe(self, recipe: str) -> None:
        self.recipe.blockSignals(True)
        _set(self.recipe, recipe)
        self.recipe.blockSignals(False)

    # -- panel → document ----------------------------------------------------------------------
    def _on_recipe_chosen(self, _index: int) -> None:
        try:
            self.doc.set_recipe(str(self.recipe.currentData()))
        except LayerLabError as err:
            self.show_message(str(err), error=True)
            self._show_recipe(self.doc.project.recipe)
    def _on_editor_changed(self, key: str) -> None:
        config = self.doc.project.training
        value = _get(self.editors[key])
        changes: dict[str, Any]
        if key == "learning_rate":
            changes = {"optimizer_options": {**config.optimizer_options, "learning_rate": value}}
            if self.session is not None:
                self.session.set_learning_rate(float(value))
        elif key == "max_steps_per_second":
            changes = {key: float(value)}
            if self.session is not None:
                self.session.set_step_rate(float(value))
        elif key == "optimizer":
            options = {k: v for k, v in config.optimizer_options.items() if k == "learning_rate"}
            changes = {"optimizer": value, "optimizer_options": options}
        elif key == "schedule":
            changes = {"schedule": schedule_config(value)}
        elif key == "class_weight":  # "none" leaves the option out (regression losses lack it)
            options = {k: v for k, v in config.loss_options.items() if k != "class_weight"}
            changes = {"loss_options": options if value == "none" else
                       {**options, "class_weight": value}}
        else:
            changes = {key: value}
        try:
            self.doc.set_training(changes)
        except LayerLabError as err:
            self.show_message(str(err), error=True)
            self._on_training_changed(self.doc.project.training)

    # -- run display ---------------------------------------------------------------------------
    def reset_stats(self) -> None:
        for label in self.values.values():
            label.setText("–")
        self.progress.setValue(0)
        self.message.hide()

    def show_snapshot(self, snap: Any) -> None:
        """Update the statistics from an ``engine.snapshots.Snapshot``."""
        epochs = self.doc.project.training.epochs
        self.values["epoch"].setText(f"{snap.epoch}/{epochs}")
        self.values["step"].setText(f"{snap.step:,}")
        # a run reopened from its weights file has no speed or time of its own: "–", not 0
        speed, elapsed = snap.samples_per_second, snap.elapsed
        self.values["speed"].setText(_compact(speed) if speed > 0 else "–")
        self.values["elapsed"].setText(_duration(elapsed) if elapsed > 0 else "–")
        self.values["train_loss"].setText(_number(snap.train_loss if snap.train_loss is not None
                                                  else _last(snap.batch_losses)))
        self.values["val_loss"].setText(_number(snap.val_loss))
        metrics = snap.metrics or {}
        acc = metrics.get("val_accuracy", metrics.get("train_accuracy"))
        r2 = metrics.get("val_r2", metrics.get("train_r2"))
        self.values["accuracy"].setText(f"{acc:.1%}" if acc is not None else
                                        (f"R² {r2:.3f}" if r2 is not None else "–"))
        top, value = max(epochs, 1), min(snap.epoch, epochs)
        if top != self.progress.maximum() or value * 200 // top != \
                self.progress.value() * 200 // top:  # a visible change: the bar repaints at once
            self.progress.setMaximum(top)
            self.progress.setValue(value)
        if snap.message:
            self.show_message(snap.message, error=snap.event == "diverged")

    def show_message(self, text: str, error: bool = False) -> None:
        """The final message of a run (diverged advice, early stop), shown prominently."""
        self.message.setProperty("role", "banner-error" if error else "banner-info")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.setVisible(bool(text))


# -- small helpers ------------------------------------------------------------------------------
def _combo(choices: list[tuple[str, Any]]) -> QComboBox:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    for text, value in choices:
        combo.addItem(text, value)
    return combo


def _spin(low: int, high: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setKeyboardTracking(False)
    return box


def _connect(editor: QWidget, slot) -> None:
    if isinstance(editor, QComboBox):
        editor.activated.connect(slot)
    elif isinstance(editor, QCheckBox):
        editor.toggled.connect(slot)
    else:
        editor.valueChanged.connect(slot)  # type: ignore[attr-defined]


def _set(editor: QWidget, value: Any, text: Callable[[Any], str] = str) -> None:
    """Show ``value``; a combo without it gets an entry named ``text(value)``."""
    if isinstance(editor, QComboBox):
        index = editor.findData(value)
        if index < 0:
            editor.addItem(text(value), value)
            index = editor.count() - 1
        editor.setCurrentIndex(index)
    elif isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
    elif isinstance(editor, QDoubleSpinBox):
        editor.setValue(float(value))
    else:
        editor.setValue(int(value))  # type: ignore[attr-defined]


def _get(editor: QWidget) -> Any:
    if isinstance(editor, QComboBox):
        return editor.currentData()
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    return editor.value()  # type: ignore[attr-defined]


def _last(values: tuple[float, ...]) -> float | None:
    return values[-1] if values else None


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.4f}" if abs(value) >= 1e-3 else f"{value:.2e}"


def _compact(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.1f} M"
    if value >= 1e3:
        return f"{value / 1e3:.1f} k"
    return f"{value:.0f}"


def _duration(seconds: float) -> str:
    minutes, sec = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes)}:{sec:04.1f}" if minutes else f"{sec:.1f} s"
