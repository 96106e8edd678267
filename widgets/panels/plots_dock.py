"""The live plot views of the main window and the routing of snapshots to them.

``LivePlots`` owns one of each view from ``widgets.plots`` (loss curves, decision boundary or
regression curve, network view, confusion matrix), tells them about the data and the network,
and forwards every ``Snapshot``. The "Output" view switches between the decision boundary
(2-D inputs), the regression curve (1-D inputs) and a short note for other data. It also
exports any plot as PNG or SVG with pyqtgraph's exporters.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401 - registers pg.exporters
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from widgets.plots import ConfusionView, DecisionPlot, LossPlot, NetworkView, RegressionPlot

NOTE = ("The output map is drawn for data with 2 inputs (like the spiral: the decision "
        "boundary) or 1 input (like the sine: the fitted curve).")


class LivePlots(QObject):
    """Views fed by the training session's snapshots."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.loss = LossPlot()
        self.decision = DecisionPlot()
        self.regression = RegressionPlot()
        self.network = NetworkView()
        self.confusion = ConfusionView()
        self.note = QLabel(NOTE)
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setProperty("role", "muted")
        self.output = QStackedWidget()
        for view in (self.decision, self.regression, self.note):
            self.output.addWidget(view)
        self.mode = "none"  # "decision" | "regression" | "none"
        self.class_names: list[str] = []
        self.run_count = 0

    @property
    def views(self) -> dict[str, QWidget]:
        """Dock title -> widget, in the order the window places them."""
        return {"Output": self.output, "Loss": self.loss, "Network": self.network,
                "Confusion matrix": self.confusion}

    # -- data and structure --------------------------------------------------------------------
    def set_data(self, data: Any) -> None:
        """Show the dataset (``engine.datasets.base.Dataset`` or None: none, or a generative
        model's) in the output view; the loss panel offers the metric the task has."""
        if data is None:
            self.mode = "none"
        elif getattr(data, "is_plane", False) and data.task == "classification":
            self.mode = "decision"  # points in the x₁/x₂ plane even when features are on
            self.decision.set_data(data.x_train_raw, data.y_train, data.x_val_raw, data.y_val,
                                   data.n_classes, list(data.class_names))
        elif getattr(data, "is_line", False):  # x expanded into x, x², …: plot along x
            self.mode = "regression"
            self.regression.set_data(data.x_train_base, data.y_train, data.x_val_base,
                                     data.y_val)
        elif tuple(data.input_shape) == (1,):
            self.mode = "regression"
            self.regression.set_data(data.x_train, data.y_train, data.x_val, data.y_val)
        else:
            self.mode = "none"
        self.class_names = list(getattr(data, "class_names", []) or [])
        # the loss panel's metric: none for a generative model (shown here as no data)
        task = data.task if data is not None else ""
        self.loss.set_metric({"classification": "accuracy", "regression": "R²"}.get(task))
        self.output.setCurrentWidget({"decision": self.decision, "regression": self.regression}
                                     .get(self.mode, self.note))

    def set_structure(self, report: Any, order: list[str]) -> None:
        """Give the network view ``[(layer, units)]`` for the layers with a flat output."""
        layers = []
        for name in order:
            shape = report.shapes.get(name)
            if shape is not None and len(shape) == 1:
                layers.append((name, int(shape[0])))
        self.network.set_structure(layers)

    # -- runs ----------------------------------------------------------------------------------
    def start_run(self, label: str | None = None) -> None:
        self.run_count += 1
        self.loss.start_run(label or f"run {self.run_count}")

    def clear(self) -> None:
        """Forget the runs' curves (Reset: the project stays, its earlier runs go)."""
        self.run_count = 0
        self.loss.clear_runs()

    def reset(self) -> None:
        """Another project: no curve, map, fitted curve, confusion matrix or network colours
        of the old one stays (its data and structure arrive through ``set_data`` and
        ``set_structure``)."""
        self.clear()
        self.decision.clear_map()
        self.regression.clear_curve()
        self.confusion.clear()
        self.network.set_structure(self.network.layers)

    def add_snapshot(self, snap: Any) -> None:
        self.loss.add_snapshot(snap)
        if self.mode == "decision":
            self.decision.update(snap)
        elif self.mode == "regression":
            self.regression.update(snap)
        self.network.update(snap)
        matrix = (snap.probes or {}).get("confusion")
        if matrix is not None:
            self.show_confusion(matrix, self.class_names)

    def show_confusion(self, matrix: np.ndarray, class_names: list[str]) -> None:
        self.confusion.update(matrix, class_names or self.class_names)

    def set_theme(self, name: str) -> None:
        """Recolour every view that supports themes."""
        for view in (self.loss, self.decision, self.regression, self.network, self.confusion):
            setter = getattr(view, "set_theme", None)
            if callable(setter):
                setter(name)

    # -- export --------------------------------------------------------------------------------
    def exportable(self) -> dict[str, QWidget]:
        out = {}
        for name, widget in self.views.items():
            if name == "Output":
                current = self.output.currentWidget()
                if current is None:
                    continue
                widget = current
            if _graphics_view(widget) is not None:
                out[name] = widget
        return out

    def export(self, name: str, path: str) -> None:
        """Save a plot as PNG or SVG (by the file's extension) with pyqtgraph's exporters."""
        view = _graphics_view(self.exportable()[name])
        if view is None:
            raise ValueError(f"the {name} view has no plot to export")
        item = view.getPlotItem() if isinstance(view, pg.PlotWidget) else view.scene()
        if not path.lower().endswith(".svg"):
            exporter = pg.exporters.ImageExporter(item)
            exporter.parameters()["width"] = max(1200, int(view.width() * 2))
            exporter.export(path)
            return
        try:
            pg.exporters.SVGExporter(item).export(path)
        except (ValueError, IndexError):
            # pyqtgraph 0.14 cannot parse some paths Qt 6 writes (e.g. under an image item)
            _render_svg(view, path)


def _render_svg(widget: QWidget, path: str) -> None:
    """Fallback SVG: Qt paints the widget into an SVG file (images stay embedded bitmaps)."""
    generator = QSvgGenerator()
    generator.setFileName(path)
    generator.setSize(widget.size())
    generator.setViewBox(widget.rect())
    generator.setTitle("LayerLab plot")
    painter = QPainter(generator)
    # PySide6's stubs list QWidget.render(painter, QPoint); the plots are QGraphicsViews,
    # whose render(painter) paints the whole view (test_window_panels exports one).
    widget.render(painter)  # type: ignore[call-overload]
    painter.end()


def _graphics_view(widget: QWidget) -> pg.GraphicsView | None:
    if isinstance(widget, pg.GraphicsView):
        return widget
    found = widget.findChildren(pg.GraphicsView)
    return found[0] if found else None
