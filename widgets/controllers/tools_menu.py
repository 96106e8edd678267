"""The Tools menu: Backprop microscope, Loss landscape & optimizer race, Find learning rate….

Each tool opens in its own non-modal window. Engine objects are never touched from here: the
tools work on copies — ``session.weights_snapshot()`` (taken between two training steps), a
deep copy of the project, and the training path recorded from the weights that snapshots
carry (``weights:*`` probes, sent for small networks) — so training may keep running.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenuBar, QVBoxLayout, QWidget

from engine.datasets.base import Dataset
from engine.datasets.registry import load_dataset
from engine.landscape import LossSurface
from engine.landscape.project import project_surface
from engine.lr_finder import LRFinderResult, find_learning_rate
from engine.microscope import Microscope
from engine.microscope.project import project_microscope
from engine.model import Model
from widgets.controllers.tool_actions import add_tool_actions, find_tools_menu

MAX_PATH = 400  # weight vectors kept for the landscape's training path
MAX_PATH_PARAMS = 5000  # larger networks keep no path (400 × 5000 float64 = 16 MB at most)


class ToolsHost(Protocol):
    """What the tools need from the main window."""

    doc: Any  # app.document.ProjectDocument
    session: Any  # app.session.TrainingSession

    def menuBar(self) -> QMenuBar: ...  # noqa: N802 - Qt name

    def window(self) -> QWidget:
        """The window itself (``QWidget.window()``): owner and parent of the dialogs."""
        ...


class ToolsMenu(QObject):
    def __init__(self, win: ToolsHost) -> None:
        super().__init__(win.window())
        self.win = win
        menu = find_tools_menu(win.menuBar())
        self.actions: dict[str, QAction] = add_tool_actions(menu, (
                ("microscope", "&Backprop microscope…", "Step through one training step: "
                 "forward values, the chain rule edge by edge, the update", self.open_microscope),
                ("landscape", "Loss &landscape && optimizer race…", "Optimizers racing on "
                 "classic surfaces; this network's loss surface", self.open_landscape),
                ("lrfind", "Find &learning rate…", "Sweep the learning rate on a copy of the "
                 "network and apply the suggested value", self.open_lr_finder)))
        self.menu = menu
        self.windows: dict[str, QDialog] = {}
        self.path: list[np.ndarray] = []
        win.session.snapshot_ready.connect(self._record_path)
        win.session.history_cleared.connect(self.path.clear)

    # -- helpers -------------------------------------------------------------------------------
    def _data(self) -> Dataset:
        data = self.win.session.data
        return data if data is not None else load_dataset(self.win.doc.project.dataset)

    def _weights(self) -> dict[str, Any]:
        session = self.win.session
        return dict(session.weights_snapshot()) if session.model is not None else {}

    def _record_path(self, snap: Any) -> None:
        parts = [np.asarray(v, dtype=np.float64).ravel() for k, v in snap.probes.items()
                 if k.startswith("weights:") and "/state:" not in k]
        if parts and sum(p.size for p in parts) <= MAX_PATH_PARAMS:
            self.path.append(np.concatenate(parts))
            if len(self.path) > MAX_PATH:  # thin out evenly, keeping the start and the end
                self.path[:] = self.path[:-1:2] + self.path[-1:]

    def _window(self, key: str, title: str, widget: QWidget) -> QDialog:
        old = self.windows.pop(key, None)
        if old is not None:
            old.close()
        dialog = QDialog(self.win.window())
        dialog.setWindowTitle(title)
        QVBoxLayout(dialog).addWidget(widget)
        dialog.resize(1000, 680)
        self.windows[key] = dialog
        dialog.show()
        return dialog

    # -- the tools -----------------------------------------------------------------------------
    def project_scope(self, index: int) -> Microscope:
        """The microscope of the open project (its current weights) on sample ``index``."""
        project = self.win.doc.project
        model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
        model.set_weights(self._weights())
        return project_microscope(model, self._data(), project.training, index)

    def open_microscope(self) -> QDialog:
        from widgets.views.microscope_view import MicroscopeView

        self.microscope_view = MicroscopeView(self.project_scope)
        return self._window("microscope", "Backprop microscope", self.microscope_view)

    def surface_job(self) -> Callable[[], LossSurface]:
        """A function computing the surface, with every input copied now (GUI thread)."""
        project = copy.deepcopy(self.win.doc.project)
        weights, data, path = self._weights(), self._data(), list(self.path)

        def job() -> LossSurface:
            return project_surface(project.graph, weights, data, project.training, path=path)
        return job

    def open_landscape(self) -> QDialog:
        from widgets.views.landscape_view import LandscapeView

        self.landscape_view = LandscapeView(self.surface_job)
        dialog = self._window("landscape", "Loss landscape and optimizer race",
                              self.landscape_view)
        dialog.finished.connect(self.landscape_view.shutdown)
        return dialog

    def open_lr_finder(self) -> QDialog:
        from widgets.views.lr_finder_dialog import LRFinderDialog

        project = copy.deepcopy(self.win.doc.project)
        data = self.win.session.data

        def sweep(progress: Any) -> LRFinderResult:
            return find_learning_rate(project, data, progress=progress)

        dialog = LRFinderDialog(sweep, self.apply_learning_rate, self.win.window())
        old = self.windows.pop("lrfind", None)
        if old is not None:
            old.close()
        self.windows["lrfind"] = dialog
        dialog.show()
        return dialog

    def apply_learning_rate(self, lr: float) -> None:
        """One undoable change: the project's learning rate becomes ``lr``."""
        options = dict(self.win.doc.project.training.optimizer_options)
        self.win.doc.set_training({"optimizer_options": {**options, "learning_rate": lr}})


def install_tools_menu(win: ToolsHost) -> ToolsMenu:
    return ToolsMenu(win)
