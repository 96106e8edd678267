"""What a finished or stopped run showed stops being shown once the network is edited.

After a run ends (finished, stopped, idle after a load), the decision map and the Coach's
advice describe the trained network. When the learner then edits the network itself (adds,
deletes or rewires a layer, changes a layer's options — not only the points or the canvas
positions), the next Play starts a fresh run, so the old weights no longer apply: the map
clears (the points stay) and the Coach's cards go. While a run is active (running or paused)
``RunController`` handles the edit itself (it asks about weights and reloads, which clears
both anyway).
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer

from widgets.controllers.run_controller import ACTIVE, network_of


class StaleRunWindow(Protocol):
    """What is read from ``widgets.window.main_window.MainWindow``."""

    doc: Any  # app.document.ProjectDocument: structure_changed, graph
    session: Any  # app.session.TrainingSession: project, forget_advice()
    run: Any  # RunController: state
    plots: Any  # LivePlots: decision.clear_map()


class StaleRunWatch(QObject):
    """Clears the old run's map and advice after a structural edit of the network."""

    def __init__(self, win: StaleRunWindow, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.win = win
        self._timer = QTimer(self, singleShot=True, interval=0)  # once per burst of edits
        self._timer.timeout.connect(self.check)
        win.doc.structure_changed.connect(self._timer.start)

    def check(self) -> bool:
        """True when the loaded run's network differs from the document's (views cleared)."""
        win = self.win
        loaded = win.session.project
        if loaded is None or win.run.state in ACTIVE:
            return False
        if network_of(loaded.graph) == network_of(win.doc.graph):
            return False  # only the data or the canvas changed: the map still applies
        win.plots.decision.clear_map()
        win.session.forget_advice()
        return True
