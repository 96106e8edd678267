"""File commands of the main window: New, Open, examples, Recent, Save, exports, recovery.

Every file problem (``LayerLabError`` from the engine, ``OSError``) becomes a readable message
box and a line in the problems panel, never a traceback, and nothing in the open project is
lost: a file is read and checked completely (``app.project_io.read_project``) before the
document is replaced. Unsaved changes are protected by a Save / Discard / Cancel question
before New, Open and Quit.

Save writes the trained run beside the project (``NAME.layerlab.npz``: weights copied by the
training thread between two steps, and the history; the timeline's checkpoints too when
"Save the timeline" is ticked, ``widgets.panels.timeline_bar``) when the session's network is the
document's; Open shows a saved run again (map, curves, metrics) or, when it no longer fits
the network, says so and starts from fresh weights. After a timeline branch switch the
shown branch's weights are saved (while it is prepared: those of the moment it goes on
from) with its own history (``session.resume_history``). Save dialogs start in the user's
documents folder (``LayerLab`` inside it), and a bundled example is never written: opened
from anywhere it becomes an untitled copy, and saving into the examples folder is refused.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from app.autosave import discard_recovery, find_recovery, load_recovery
from app.document import project_name_of
from app.project_io import is_bundled, read_checked, read_saved_run
from app.saved_run import history_arrays, same_network
from engine.checkpoints import model_weights
from engine.new_project import new_project
from engine.project import save_weights, weights_path
from engine.types import LayerLabError
from widgets.panels.gallery import ExampleGallery
from widgets.window.window_parts import WindowParts

PROJECT_FILTER = ("LayerLab projects and lessons (*.layerlab.json *.lesson.json);;"
                  "JSON files (*.json);;All files (*)")
SB = QMessageBox.StandardButton


class FileController(QObject):
    """File menu logic for one ``MainWindow`` (its doc, settings, panels and dialogs)."""

    def __init__(self, win: WindowParts, parent: QWidget) -> None:
        """``parent``: the window as a widget (owner, and parent of every dialog)."""
        super().__init__(parent)
        self.win, self.owner = win, parent
        self.doc = win.doc
        self.last_dir = str(documents_folder())
        self.opened_from: Path | None = None  # the file last opened (a bundled example too)

    # -- questions (tests replace these) -------------------------------------------------------
    def ask_unsaved(self) -> SB:
        return QMessageBox.question(
            self.owner, "Unsaved changes",
            f"Save the changes to “{self.win.display_name()}” before closing it?",
            SB.Save | SB.Discard | SB.Cancel, SB.Save)

    def show_error(self, title: str, text: str) -> None:
        self.win.post(text, "error")
        QMessageBox.warning(self.owner, title, text)

    # -- guarding unsaved work -----------------------------------------------------------------
    def maybe_save(self) -> bool:
        """True when the current project may be replaced (saved, discarded or clean)."""
        if not self.doc.is_dirty:
            return True
        answer = self.ask_unsaved()
        if answer == SB.Save:
            return self.save()
        return answer == SB.Discard

    # -- commands ------------------------------------------------------------------------------
    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self.win.prepare_for_new_project()
        self.doc.load(new_project(), None)  # settings that learn (engine.new_project)
        self.opened_from = None
        return True

    def open_dialog(self) -> bool:
        if not self.maybe_save():
            return False
        path, _ = QFileDialog.getOpenFileName(self.owner, "Open project", self.last_dir,
                                              PROJECT_FILTER)
        return self.open_path(path, ask=False) if path else False

    def open_path(self, path: str | Path, ask: bool = True, as_copy: bool = False) -> bool:
        """Open a project file; on any problem show it and keep the current project."""
        if str(path).endswith(".lesson.json"):  # a lesson opens in the Lesson panel
            return bool(self.win.lessons.open_lesson(path, ask=ask))
        if ask and not self.maybe_save():
            return False
        as_copy = as_copy or is_bundled(path)
        try:
            project, report = read_checked(path)  # shapes inferred once, for the document
        except LayerLabError as err:
            self.show_error("Cannot open the project", str(err))
            self.win.settings.remove_recent(path)
            self.win.update_recent_menu()
            return False
        try:
            saved, note = read_saved_run(path), ""
        except LayerLabError as err:
            saved, note = None, str(err)
        self.win.prepare_for_new_project()
        self.doc.load(project, None if as_copy else Path(path), report)
        self.opened_from = Path(path)  # an example's copy has no path: reopen it at start
        if not as_copy:
            self.last_dir = str(Path(path).parent)
            self.win.settings.add_recent(path)
            self.win.update_recent_menu()
        name = project.name if project.name.strip() not in ("", "Untitled") \
            else project_name_of(path)
        self.win.post(f"Opened “{name}”.")
        if note:
            self.win.post(note, "warning")
        if saved is not None:
            self._show_saved_run(*saved, weights_path(path).name)
            timeline_note = self.win.timeline.load_saved(weights_path(path))
            if timeline_note:
                self.win.post(timeline_note)
        return True

    def _show_saved_run(self, weights: dict, history: dict[str, list[float]], name: str) -> None:
        """Load the project into the session and show the saved run (map, curves, metrics)."""
        if not self.win.run.load():
            return  # the run controller said why the project cannot train
        problem = self.win.session.restore_run(weights, history)
        if problem:
            self.win.post(f"The trained weights in “{name}” no longer fit this network: "
                          f"{problem}. The network starts from fresh weights.", "warning")
        else:
            self.win.post(f"Loaded the trained weights from “{name}”: Play trains on from "
                          "them, Reset starts again from fresh weights.")

    def open_example_dialog(self) -> bool:
        if not self.maybe_save():
            return False
        progress = self.win.settings.lesson_progress
        gallery = ExampleGallery(self.owner, lesson_progress=progress)
        if gallery.exec() and gallery.chosen_path is not None:
            return self.open_example(gallery.chosen_path)
        return False

    def open_example(self, path: str | Path) -> bool:
        """Examples open as an unsaved copy, so Save never overwrites the bundled file."""
        return self.open_path(path, ask=False, as_copy=True)

    def save(self) -> bool:
        if self.doc.path is None or is_bundled(self.doc.path):
            return self.save_as()
        return self._save_to(self.doc.path)

    def start_folder(self) -> Path:
        """Where save dialogs open: the last folder used, never the bundled examples."""
        last = Path(self.last_dir)
        if is_bundled(last) or not last.is_dir():
            last = documents_folder()
            last.mkdir(parents=True, exist_ok=True)
        return last

    def save_as(self) -> bool:
        start = str(self.start_folder() / (_slug(self.doc.project.name) + ".layerlab.json"))
        path, _ = QFileDialog.getSaveFileName(self.owner, "Save project as", start, PROJECT_FILTER)
        if not path:
            return False
        if not path.endswith(".json"):
            path += ".layerlab.json"
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        if is_bundled(path):
            self.show_error("Cannot save the project", f"“{path.name}” would go into the bundled "
                            "examples, which stay as they are. Choose another folder (Save As).")
            return False
        try:
            weights, history = self.trained_run()
            self.doc.save(path, weights, history)
            if weights and self.win.timeline.save_requested:
                self.win.timeline.save_to(weights_path(path))
        except (LayerLabError, OSError) as err:
            self.show_error("Cannot save the project", f"“{path.name}” could not be saved: {err}")
            return False
        self.last_dir = str(path.parent)
        self.win.settings.add_recent(path)
        self.win.update_recent_menu()
        extra = f" with its trained weights ({weights_path(path).name})" if weights else ""
        self.win.post(f"Saved {path.name}{extra}.")
        return True

    def trained_run(self) -> tuple[dict | None, dict[str, list[float]] | None]:
        """The session's weights (a consistent copy) and history when they belong to the
        document's network; (None, None) otherwise (not trained, or the network changed)."""
        session = self.win.session
        if session.project is None or not same_network(session.project.graph, self.doc.graph):
            return None, None
        if session.preparing_branch:  # a branch (or one switched back to) is being prepared:
            start = session.present_checkpoint()  # the weights it starts from, once trained
            if start is None or start.step == 0:
                return None, None
            return model_weights(start), history_arrays(session.history)
        if not session.has_trained_weights:
            return None, None
        return session.weights_snapshot(), history_arrays(session.history)

    # -- exports -------------------------------------------------------------------------------
    def export_weights(self) -> bool:
        weights = self.win.run.current_weights()
        if not weights:
            self.show_error("No trained weights", "Train the network first (press Play), then "
                            "export its weights.")
            return False
        start = str(self.start_folder() / (_slug(self.doc.project.name) + ".weights.npz"))
        path, _ = QFileDialog.getSaveFileName(self.owner, "Export weights", start,
                                              "NumPy archives (*.npz)")
        if not path:
            return False
        try:
            save_weights(path, weights, self.win.run.history())
        except (LayerLabError, OSError) as err:
            self.show_error("Cannot export the weights", str(err))
            return False
        self.win.post(f"Exported {len(weights)} weight arrays to {Path(path).name}.")
        return True

    def export_plot(self) -> bool:
        plots = self.win.plots.exportable()
        if not plots:
            self.show_error("No plot to export", "Open a plot panel first.")
            return False
        name, ok = QInputDialog.getItem(self.owner, "Export plot", "Plot:", list(plots), 0, False)
        if not ok:
            return False
        start = str(self.start_folder() / f"{_slug(name)}.png")
        path, chosen = QFileDialog.getSaveFileName(self.owner, "Export plot", start,
                                                   "PNG image (*.png);;SVG drawing (*.svg)")
        if not path:
            return False
        try:
            self.win.plots.export(name, path)
        except (OSError, RuntimeError, ValueError) as err:
            self.show_error("Cannot export the plot", f"The plot could not be saved: {err}")
            return False
        self.win.post(f"Saved the {name} plot to {Path(path).name}.")
        return True

    # -- crash recovery ------------------------------------------------------------------------
    def offer_recovery(self, project_path: str | Path | None) -> bool:
        """After a crash: offer the autosaved copy if it is newer than ``project_path``."""
        found = find_recovery(project_path, self.win.autosave.folder)
        if found is None:
            return False
        answer = QMessageBox.question(
            self.owner, "Recover unsaved work?",
            "LayerLab closed without saving your last changes"
            + (f" to “{Path(project_path).name}”" if project_path else "")
            + ". Recover them from the automatic backup?", SB.Yes | SB.No, SB.Yes)
        if answer != SB.Yes:
            discard_recovery(found)
            return False
        try:
            project = load_recovery(found)
        except LayerLabError as err:
            self.show_error("Cannot recover", str(err))
            return False
        self.doc.load(project, Path(project_path) if project_path else None)
        self.doc.undo_stack.resetClean()  # recovered work is unsaved work
        self.win.post("Recovered your unsaved changes from the automatic backup.")
        return True


def documents_folder() -> Path:
    """``LayerLab`` in the user's documents folder (home when the system names none)."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs or Path.home()) / "LayerLab"


def _slug(name: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name.strip().lower())
    return "_".join(part for part in keep.split("_") if part) or "project"
