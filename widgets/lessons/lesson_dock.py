"""The window's side of lessons: the Lesson dock, opening a lesson, and the ``LessonHost``.

``LessonController(win)`` adds the "Lesson" dock beside the canvas (under the training
panels on the left), opens ``*.lesson.json`` files (File → Open, the gallery, a command-line
argument) into an ``app.lesson_session.LessonSession``, and does for it what only the window
can: open a project (as an unsaved copy, like an example), reset and start a run, load another
project's matching weights into it (the fine-tuning lesson), select a layer, bring a view
(a dock, or a tab of Look inside) to the front and say which views are on screen
(``views_in_front``: a dock counts while it is visible and not covered by another tab; a
Look-inside tab while it is the current tab of that visible dock). Every dock's visibility
and the Look-inside tab changes tell the session (``views_changed``), so a ``view_shown``
check ticks when the learner opens the view. Without a lesson the dock shows the project's
lesson text.
A project opened by anything but the lesson itself (New, Open, a gallery example) closes the
lesson (its progress stays saved; opening the lesson again resumes it) and the dock shows that
project's own lesson paragraph.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer

from app.lesson_session import LessonSession
from engine.lessons import LessonFileError, load_lesson
from engine.lessons.views import INSIDE_VIEWS
from engine.types import LayerLabError
from engine.weights_transfer import match_weights, read_project_weights
from widgets.lessons.lesson_panel import LessonPanel

VIEW_DOCKS = {"decision": "output", "output": "output", "regression": "output", "loss": "loss",
              "network": "network", "confusion": "confusion", "inside": "inside"}


class LessonController(QObject):
    def __init__(self, win: Any) -> None:
        super().__init__(win)
        self.win = win
        self.panel = LessonPanel()
        self.dock = win._add_dock("lesson", "Lesson", self.panel,
                                  Qt.DockWidgetArea.LeftDockWidgetArea)
        win.splitDockWidget(win.docks["training"], self.dock, Qt.Orientation.Vertical)
        self.session: LessonSession | None = None
        self._lesson_opens = False  # the lesson's own setup is opening its project
        self._announced: set[str] = set()  # check ids already announced in the status bar
        for name in set(VIEW_DOCKS.values()):
            dock = win.docks.get(name)
            if dock is not None:
                dock.visibilityChanged.connect(self._on_views_changed)
        win.inside.dock.tabs.currentChanged.connect(self._on_views_changed)

    # -- opening ---------------------------------------------------------------------------------
    def open_lesson(self, path: str | Path, ask: bool = True) -> bool:
        """Read a lesson file and start it where this user left off; a bad file is shown
        as a message and changes nothing."""
        try:
            lesson = load_lesson(path)
        except LessonFileError as err:
            self.win.files.show_error("Cannot open the lesson", str(err))
            return False
        if ask and not self.win.files.maybe_save():
            return False
        self.close_lesson()
        self.session = LessonSession(lesson, self.win.doc, self.win.session, self.win.settings,
                                     self, self)
        self.session.message.connect(lambda text: self.win.post(text, "warning"))
        self.session.checks_changed.connect(self._on_ticked)
        self._announced = set(self.session.passed)
        self.panel.set_lesson(self.session)
        self.session.start()
        self.dock.show()
        self.dock.raise_()
        QTimer.singleShot(0, self, self.make_room)  # after the window's own layout pass
        self.win.post(f"Lesson “{lesson.title}”: follow the steps in the Lesson panel.")
        return True

    def make_room(self) -> None:
        """Give the Lesson tab most of the left column (the palette keeps a few rows and
        scrolls), so the step, its checks and the buttons fit at 1280×720."""
        palette = self.win.docks["palette"]
        total = palette.height() + self.dock.height()
        if total > 0 and not self.dock.isFloating():
            self.win.resizeDocks([palette, self.dock], [total // 3, total - total // 3],
                                 Qt.Orientation.Vertical)

    def _on_ticked(self) -> None:
        """A check just held: say so, and bring the Lesson tab up if the Layer or Data tab
        covered it (the ✓ is the feedback the student is waiting for)."""
        session = self.session
        if session is None:
            return
        for check in session.step.checks:
            if check.id in session.passed and check.id not in self._announced:
                self._announced.add(check.id)
                self.win.post(f"✓ {check.label}")
        if not self.dock.isFloating() and self.dock.visibleRegion().isEmpty():
            self.dock.raise_()

    def close_lesson(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session.deleteLater()
            self.session = None
            self.panel.set_lesson(None)

    def show_project_text(self, text: str) -> None:
        """A project was loaded: unless the lesson opened it, the lesson closes and the panel
        shows the new project's own lesson paragraph."""
        if self.session is not None and not self._lesson_opens:
            self.close_lesson()
        self.panel.show_project_text(text)

    # -- LessonHost ------------------------------------------------------------------------------
    def open_project(self, path: Path) -> bool:
        self._lesson_opens = True
        try:
            return bool(self.win.files.open_example(path))
        finally:
            self._lesson_opens = False

    def reset_run(self) -> None:
        self.win.run.reset()

    def load_weights_from(self, path: Path) -> list[str]:
        """What File → Load weights from another project does, without its dialogs: the
        matching layers of ``path``'s saved weights into the freshly reset network (set
        through the session's safe path); the report's first line goes to the status bar."""
        other = read_project_weights(path)  # ProjectFileError (in words) when missing
        if not self.win.run.load():  # at once, superseding a preparation under way
            raise LayerLabError("the network could not be built to load the weights into.")
        picked, report = match_weights(self.win.session.weights_snapshot(), other)
        lines = report.lines(path.name)
        if not picked or len(self.win.session.restore_weights(picked)) != len(picked):
            raise LayerLabError(" ".join(lines))
        self.win.post(lines[0])
        return lines

    def start_training(self) -> None:
        if self.win.run.state != "running":
            self.win.run.toggle_play()

    def select_layer(self, name: str) -> None:
        self.win.canvas.select_layers([name])
        self.win.inspector.set_layer(name)
        self.dock.raise_()  # selecting brings the Layer tab up; the lesson stays in front

    def show_view(self, view: str) -> None:
        dock = self.win.docks.get("inside" if view in INSIDE_VIEWS else VIEW_DOCKS.get(view, view))
        if dock is not None:
            dock.show()
            dock.raise_()
        if view in INSIDE_VIEWS:
            self.win.inside.dock.show_view(view)

    def views_in_front(self) -> Collection[str]:
        shown = {view for view, name in VIEW_DOCKS.items() if self._dock_on_screen(name)}
        if "inside" in shown:
            key = self.win.inside.current_key()
            if key:
                shown.add(str(key))
        return shown

    def _dock_on_screen(self, name: str) -> bool:
        dock = self.win.docks.get(name)
        return dock is not None and dock.isVisible() and not dock.visibleRegion().isEmpty()

    def _on_views_changed(self, *_: Any) -> None:
        if self.session is not None:
            self.session.views_changed()
