"""Tools menu entries of the capacity and evaluation tools: Capacity sweep…, Regression by
formula and by descent…, Initialization side by side….

Each opens a non-modal window working on copies taken on the GUI thread (a deep copy of the
project and the session's data), so training may keep running; applying a sweep's best
value is one undoable document change (a macro of layer-option changes; for a polynomial
degree the dataset's ``poly_degree`` and the Input's shape together).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenuBar, QVBoxLayout, QWidget

from engine.datasets.base import Dataset
from engine.datasets.registry import load_dataset
from engine.sweep import SweepResult, SweepSpec, applied_dataset, applied_graph, run_sweep
from widgets.controllers.tool_actions import add_tool_actions, find_tools_menu


class CapacityHost(Protocol):
    """What these tools need from the main window."""

    doc: Any  # app.document.ProjectDocument
    session: Any  # app.session.TrainingSession

    def menuBar(self) -> QMenuBar: ...  # noqa: N802 - Qt name

    def window(self) -> QWidget:
        """The window itself (``QWidget.window()``): owner and parent of the dialogs."""
        ...


class CapacityTools(QObject):
    def __init__(self, win: CapacityHost) -> None:
        super().__init__(win.window())
        self.win = win
        menu = find_tools_menu(win.menuBar())
        menu.addSeparator()
        self.actions: dict[str, QAction] = add_tool_actions(menu, (
                ("sweep", "&Capacity sweep (U-curve)…", "Train copies of the network with "
                 "more or less capacity and compare training with validation error",
                 self.open_sweep),
                ("regression", "&Regression by formula and by descent…", "The least-squares "
                 "answer next to gradient descent's path towards it", self.open_regression),
                ("init", "&Initialization side by side…", "Activation and gradient histograms "
                 "of every layer for each way of starting the weights", self.open_init)))
        self.windows: dict[str, QDialog] = {}

    def _data(self) -> Dataset:
        data = self.win.session.data
        return data if data is not None else load_dataset(self.win.doc.project.dataset)

    def _show(self, key: str, dialog: QDialog) -> QDialog:
        old = self.windows.pop(key, None)
        if old is not None:
            old.close()
        self.windows[key] = dialog
        dialog.show()
        return dialog

    def _wrap(self, title: str, widget: QWidget) -> QDialog:
        dialog = QDialog(self.win.window())
        dialog.setWindowTitle(title)
        QVBoxLayout(dialog).addWidget(widget)
        dialog.resize(960, 640)
        return dialog

    # -- capacity sweep ----------------------------------------------------------------------
    def sweep_runner(self) -> Callable[..., SweepResult]:
        """A runner over copies of the project and data taken now (GUI thread)."""
        project = copy.deepcopy(self.win.doc.project)
        data = self._data()

        def runner(spec: SweepSpec, progress: Callable[[int, int], None],
                   should_stop: Callable[[], bool]) -> SweepResult:
            return run_sweep(project, spec, data, progress, should_stop)
        return runner

    def open_sweep(self) -> QDialog:
        from widgets.dialogs.sweep_dialog import SweepDialog

        dialog = SweepDialog(self.sweep_runner(), self.apply_sweep_value,
                             self.win.doc.project.training.epochs, self.win.window())
        return self._show("sweep", dialog)

    def apply_sweep_value(self, spec: SweepSpec, value: float) -> None:
        """One undoable change: every layer whose options the value changes (depth: the
        chain reshaped into the sweep's variant)."""
        doc = self.win.doc
        if spec.param == "depth":
            doc.set_hidden_depth(int(value), spec.layer)
            return
        if spec.param == "degree":
            self.apply_degree(int(value))
            return
        graph = applied_graph(doc.project, spec, value)
        changed = [n for n, node in graph.nodes.items()
                   if n in doc.graph.nodes and node.options != doc.graph.nodes[n].options]
        doc.undo_stack.beginMacro(f"Apply {spec.param} {value:g} from the sweep")
        try:
            for name in changed:
                doc.set_layer_options(name, graph.nodes[name].options)
        finally:
            doc.undo_stack.endMacro()

    def apply_degree(self, degree: int) -> None:
        """The sweep's degree-``degree`` columns as the dataset's ``poly_degree`` and the
        Input's shape as their count: one undo step."""
        doc = self.win.doc
        spec, name, options = applied_dataset(doc.project, self._data(), degree)
        doc.undo_stack.beginMacro(f"Apply polynomial degree {degree} from the sweep")
        try:
            doc.set_dataset(spec)
            doc.set_layer_options(name, options)
        finally:
            doc.undo_stack.endMacro()

    # -- regression and initialization -------------------------------------------------------
    def open_regression(self) -> QDialog:
        from widgets.views.regression_paths_view import RegressionPathsView

        view = RegressionPathsView(copy.deepcopy(self.win.doc.project), self._data())
        return self._show("regression", self._wrap("Regression by formula and by descent",
                                                    view))

    def open_init(self) -> QDialog:
        from widgets.views.init_multiples_view import InitMultiplesView

        view = InitMultiplesView(copy.deepcopy(self.win.doc.project), self._data())
        return self._show("init", self._wrap("Initialization side by side", view))


def install_capacity_tools(win: CapacityHost) -> CapacityTools:
    return CapacityTools(win)
