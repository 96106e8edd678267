"""The Compare window: side-by-side variants of the open project training at once.

Train ▸ "Duplicate as variant…" opens it with the project as it is (the first run) and the
variant editor (``widgets.dialogs.variant_editor``) for the second; "Add variant…" adds more, four
runs in all (``app.variants.MAX_VARIANTS``). "Train all" starts one ``app.variants.VariantRun``
per run — each its own thread, model and data copy, so the open project and its training
session are never touched. A 100 ms timer drains their snapshots into:

- one loss plot, a curve per variant (its colour; the legend names its difference, e.g.
  "lr 0.1");
- a 2×2 grid of small maps: the decision map (2-D data, ``decision_grid`` probe) or the
  confusion matrix (other classification data, ``confusion`` probe) at each epoch end;
- a table of final metrics, parameters and seconds per epoch.

"Pause all"/"Resume all" and "Stop all" control every run; closing the window stops them.
"""

from __future__ import annotations

import copy
import os
from typing import Any, Protocol

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMenuBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.variants import (
    MAX_VARIANTS,
    VariantRun,
    VariantSet,
    VariantSpec,
    make_variant,
    sharing_note,
)
from engine.project import Project
from engine.snapshots import EPOCH_END_EVENTS, Snapshot
from engine.types import LayerLabError
from widgets.dialogs.variant_editor import VariantEditor
from widgets.plots.decision_plot import image_rect
from widgets.plots.palette import class_blend, class_color, current_style, diverging_lut

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
COLUMNS = ("Variant", "Epochs", "Train loss", "Val loss", "Accuracy / R²", "Parameters",
           "s / epoch", "Note")


class VariantsHost(Protocol):
    """What the Compare window needs from the main window."""

    doc: Any  # app.document.ProjectDocument (its .project)
    session: Any  # app.session.TrainingSession (its .data: the points trained on, or None)

    def menuBar(self) -> QMenuBar: ...  # noqa: N802 - Qt name

    def window(self) -> QWidget: ...


def map_probe(project: Project) -> str:
    """``decision_grid`` for 2-D inputs, else ``confusion``."""
    shapes = project.graph.infer_shapes().shapes
    two_d = [tuple(shapes.get(n, ())) for n in project.graph.input_nodes()] == [(2,)]
    return "decision_grid" if two_d else "confusion"


class VariantTile(QWidget):
    """One variant's map (decision map or confusion matrix) under its coloured title."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("(no variant)")
        self.plot = pg.PlotWidget()
        self.plot.setMinimumSize(160, 140)
        self.plot.hideButtons()
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=4, pen=pg.mkPen("#00000080"))
        self.plot.addItem(self.points)
        self.shown = False
        self.hint = QLabel("Its map appears at the end of the first epoch.", wordWrap=True)
        box = QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.addWidget(self.title)
        box.addWidget(self.hint)
        box.addWidget(self.plot, 1)

    def no_map(self) -> None:
        """The run ended without a map (regression, generative): say so."""
        self.hint.setText("No map for this kind of data: compare the curves and the table.")

    def set_title(self, text: str, colour: str) -> None:
        self.title.setText(f"<b style='color:{colour}'>■</b> {text}")

    def set_points(self, data: Any) -> None:
        """The training points ``(N, 2)`` of 2-D data over the map, coloured by class."""
        x = getattr(data, "x_train_raw", None)
        x = np.asarray(data.x_train if x is None else x)
        y = np.asarray(data.y_train)
        if x.ndim != 2 or x.shape[1] != 2 or len(y) != len(x):
            return
        if np.issubdtype(y.dtype, np.integer) and y.ndim == 1:
            labels = y
        elif y.ndim == 1 or y.shape[1] == 1:
            y = y.reshape(-1)
            labels = (y > (float(y.min()) + float(y.max())) / 2).astype(int)
        else:
            labels = y.argmax(axis=1)
        self.points.setData(x[:, 0], x[:, 1],
                            brush=[pg.mkBrush(class_color(int(k))) for k in labels])

    def show_snapshot(self, snap: Snapshot) -> None:
        probes = snap.probes or {}
        grid, extent = probes.get("decision_grid"), probes.get("grid_extent")
        if grid is not None and extent is not None:
            grid = np.asarray(grid)
            if grid.ndim == 3 and grid.shape[2] == 2:
                grid = grid[..., 1]
            style = current_style()
            if grid.ndim == 2:
                self.image.setLookupTable(diverging_lut(style))
                self.image.setImage(grid, autoLevels=False, levels=(0.0, 1.0))
            else:
                self.image.setLookupTable(None)
                self.image.setImage(class_blend(grid, style), autoLevels=False)
            self.image.setRect(image_rect(np.asarray(extent), grid.shape[:2]))
            self.shown = True
        elif probes.get("confusion") is not None:
            matrix = np.asarray(probes["confusion"], dtype=float)
            rows = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1.0)
            self.image.setLookupTable(None)
            self.image.setImage(rows[::-1], autoLevels=False, levels=(0.0, 1.0))
            self.image.setRect(0, 0, matrix.shape[1], matrix.shape[0])
            self.shown = True
        self.hint.setVisible(not self.shown)


class VariantsWindow(QDialog):
    """Non-modal window comparing up to four runs of copies of ``project``."""

    def __init__(self, project: Project, data: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare variants")
        self.base = copy.deepcopy(project)
        self.base.training.probes = [map_probe(self.base)]
        self.data = data
        self.specs: list[VariantSpec] = [VariantSpec()]
        self.group: VariantSet | None = None
        self.curves: list[pg.PlotDataItem] = []
        self.losses: list[list[tuple[int, float]]] = []
        self.curve_start: list[tuple[int, float]] = []  # where every curve starts (a fork)
        self._build()
        self.timer = QTimer(self, interval=100)
        self.timer.timeout.connect(self.poll)
        self.refresh()

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.add_button = QPushButton("Add variant…")
        self.train_button = QPushButton("Train all")
        self.pause_button = QPushButton("Pause all")
        self.stop_button = QPushButton("Stop all")
        self.add_button.clicked.connect(lambda: self.add_variant())
        self.train_button.clicked.connect(self.train_all)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop_all)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.train_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.note = QLabel(wordWrap=True)
        self.loss_plot = pg.PlotWidget(title="Training loss per epoch")
        self.loss_plot.setLabel("bottom", "epoch")
        self.loss_plot.setLogMode(y=True)
        self.legend = self.loss_plot.addLegend(offset=(-10, 10))
        grid = QGridLayout()
        self.tiles = [VariantTile(self) for _ in range(MAX_VARIANTS)]
        for i, tile in enumerate(self.tiles):
            grid.addWidget(tile, i // 2, i % 2)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        top = QHBoxLayout()
        top.addWidget(self.loss_plot, 1)
        top.addLayout(grid, 1)
        box = QVBoxLayout(self)
        box.addLayout(buttons)
        box.addWidget(self.note)
        box.addLayout(top, 1)
        box.addWidget(self.table)
        self.resize(1000, 640)

    def refresh(self) -> None:
        """Buttons, note, tiles and table rows follow the variants and their runs."""
        running = self.group is not None and self.group.running
        labels = self.labels()
        self.add_button.setEnabled(self.can_add and not running and len(labels) < MAX_VARIANTS)
        self.train_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.note.setText(sharing_note(len(labels), os.cpu_count() or 1)
                          + (f" Up to {MAX_VARIANTS} variants." if self.can_add else ""))
        for i, tile in enumerate(self.tiles):
            if i < len(labels):
                tile.set_title(labels[i], COLOURS[i])
            tile.setVisible(i < len(labels))
        self.table.setRowCount(len(labels))
        for row, label in enumerate(labels):
            self._set_cell(row, 0, label)

    can_add = True  # the learner may add variants (not in a branch-and-parent comparison)

    def labels(self) -> list[str]:
        """The runs' names, in order (their tiles, rows and curves)."""
        return [spec.label() for spec in self.specs]

    def new_runs(self) -> list[VariantRun]:
        """The runs "Train all" starts (not started yet)."""
        return [VariantRun(make_variant(self.base, spec), spec.label(), self.data)
                for spec in self.specs]

    def _set_cell(self, row: int, col: int, text: str) -> None:
        item = self.table.item(row, col)
        if item is None:
            self.table.setItem(row, col, QTableWidgetItem(text))
        elif item.text() != text:
            item.setText(text)

    # -- actions ------------------------------------------------------------------------------
    def add_variant(self, spec: VariantSpec | None = None) -> bool:
        """Add ``spec`` (None: ask with the variant editor); False when nothing was added."""
        if len(self.specs) >= MAX_VARIANTS or (self.group is not None and self.group.running):
            return False
        if spec is None:
            editor = VariantEditor(self.base, len(self.specs) + 1, self)
            if not editor.exec():
                return False
            spec = editor.spec()
        try:
            make_variant(self.base, spec)
        except LayerLabError as exc:
            self.note.setText(f"That variant cannot be made: {exc}")
            return False
        self.specs.append(spec)
        self.refresh()
        return True

    def train_all(self) -> None:
        """Start every variant from its seed (earlier curves are cleared)."""
        group = VariantSet()
        for run in self.new_runs():
            group.add(run)
        self.loss_plot.clear()
        self.legend.clear()
        self.curves = [self.loss_plot.plot([], [], pen=pg.mkPen(COLOURS[i], width=2),
                                           name=run.label)
                       for i, run in enumerate(group.runs)]
        self.losses = [list(self.curve_start) for _ in group.runs]
        self.group = group
        group.start_all()
        self.pause_button.setText("Pause all")
        self.timer.start()
        self.refresh()

    def toggle_pause(self) -> None:
        if self.group is None:
            return
        if any(run.paused for run in self.group.runs):
            self.group.resume_all()
            self.pause_button.setText("Pause all")
        else:
            self.group.pause_all()
            self.pause_button.setText("Resume all")

    def stop_all(self) -> None:
        if self.group is not None:
            self.group.stop_all(timeout=1.0)
        self.poll()

    # -- live update --------------------------------------------------------------------------
    def poll(self) -> None:
        """Move new snapshots into the curves, maps and table."""
        if self.group is None:
            return
        for i, run in enumerate(self.group.runs):
            snaps = run.drain()
            ends = [s for s in snaps if s.event in EPOCH_END_EVENTS or s.is_final]
            for snap in ends:
                if snap.train_loss is not None and np.isfinite(snap.train_loss):
                    if not self.losses[i] or self.losses[i][-1][0] != snap.epoch:
                        self.losses[i].append((snap.epoch, float(snap.train_loss)))
            with_map = [s for s in snaps if s.probes]
            if with_map:
                if not self.tiles[i].shown and run.data is not None and "grid_extent" in (
                        with_map[-1].probes):
                    self.tiles[i].set_points(run.data)
                self.tiles[i].show_snapshot(with_map[-1])
            elif not run.alive and not self.tiles[i].shown:
                self.tiles[i].no_map()
            if ends:
                xs, ys = zip(*self.losses[i], strict=True) if self.losses[i] else ((), ())
                self.curves[i].setData(list(xs), list(ys))
            self._fill_row(i, run)
        if not self.group.running:
            self.timer.stop()
        self.refresh()

    def _fill_row(self, row: int, run: VariantRun) -> None:
        result = run.result()
        m = result.metrics
        accuracy = m.get("val_accuracy", m.get("train_accuracy"))
        r2 = m.get("val_r2", m.get("train_r2"))
        score = (f"{accuracy:.1%}" if accuracy is not None else
                 f"R² {r2:.3f}" if r2 is not None else "–")
        cells = (str(result.epochs), _num(m.get("train_loss")), _num(m.get("val_loss")),
                 score, f"{result.params:,}",
                 _num(result.seconds_per_epoch), result.message or "")
        for col, text in enumerate(cells, start=1):
            self._set_cell(row, col, text)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.timer.stop()
        if self.group is not None:
            self.group.stop_all(timeout=1.0)
        super().closeEvent(event)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


class VariantsMenu:
    """Train ▸ "Duplicate as variant…": opens the Compare window on a copy of the project."""

    def __init__(self, win: VariantsHost) -> None:
        self.win = win
        self.window: VariantsWindow | None = None
        menu = _train_menu(win.menuBar())
        menu.addSeparator()
        self.action = QAction("Duplicate as &variant…", win.window())
        tip = ("Train copies of this project side by side, each with a setting changed, and "
               "compare their curves")
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.action.triggered.connect(lambda _c=False: self.open())
        menu.addAction(self.action)

    def open(self, ask: bool = True) -> VariantsWindow:
        """A fresh Compare window on the project as it is now (then the variant editor)."""
        if self.window is not None:
            self.window.close()
        self.window = VariantsWindow(self.win.doc.project, self.win.session.data,
                                     self.win.window())
        self.window.show()
        if ask:
            self.window.add_variant()
        return self.window


def _train_menu(bar: QMenuBar) -> QMenu:
    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == "Train":
            return menu
    return bar.addMenu("&Train")


def install_variants_menu(win: VariantsHost) -> VariantsMenu:
    return VariantsMenu(win)
