"""What the window's controllers need from the window: the ``WindowParts`` protocol.

``widgets.controllers.run_controller.RunController`` and
``widgets.controllers.file_actions.FileController`` drive the document, the training session and
a few panels of ``widgets.window.main_window.MainWindow``; they are typed against this protocol
(which ``MainWindow`` satisfies) instead of a plain ``QMainWindow`` probed with attribute
look-ups. Members are read-only properties so the window may hold each part as a plain
attribute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtGui import QAction

if TYPE_CHECKING:  # the parts import their controllers' modules: types only
    from app.autosave import Autosaver
    from app.document import ProjectDocument
    from app.session import TrainingSession
    from app.settings import Settings
    from widgets.controllers.run_controller import RunController
    from widgets.lessons.lesson_dock import LessonController
    from widgets.panels.dataset_panel import DatasetPanel
    from widgets.panels.plots_dock import LivePlots
    from widgets.panels.problems_panel import ProblemsPanel
    from widgets.panels.timeline_bar import TimelineBar
    from widgets.panels.training_panel import TrainingPanel


class WindowParts(Protocol):
    """The main window as its run and file controllers see it."""

    @property
    def doc(self) -> ProjectDocument: ...

    @property
    def session(self) -> TrainingSession: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def actions(self) -> dict[str, QAction]:
        """The window's actions by key ("play", "stop", "save"...)."""
        ...

    @property
    def plots(self) -> LivePlots: ...

    @property
    def training_panel(self) -> TrainingPanel: ...

    @property
    def dataset_panel(self) -> DatasetPanel: ...

    @property
    def problems(self) -> ProblemsPanel: ...

    @property
    def run(self) -> RunController: ...

    @property
    def timeline(self) -> TimelineBar: ...

    @property
    def lessons(self) -> LessonController: ...

    @property
    def autosave(self) -> Autosaver: ...

    def post(self, text: str, level: str = "info") -> None:
        """One line in the status bar and the Problems log (level: info, warning, error)."""
        ...

    def show_state(self, text: str) -> None: ...

    def show_run_status(self, snap: Any) -> None: ...

    def display_name(self) -> str: ...

    def update_recent_menu(self) -> None: ...

    def prepare_for_new_project(self) -> None: ...
