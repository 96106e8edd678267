"""Autosave: every few seconds a dirty document is written to a recovery file (DESIGN.md §6).

The recovery file holds the project JSON plus a ``recovery`` entry (the original path and the
time). It is written atomically (``engine.fileio``), removed when the document is saved or
closed cleanly, and offered on the next start when it is newer than the project it belongs to
(``find_recovery`` / ``load_recovery``), so a crash or a power cut loses at most one interval.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal

from engine.fileio import atomic_write_json, clean_folder_temps
from engine.project import Project
from engine.types import LayerLabError, ProjectFileError

DEFAULT_INTERVAL_MS = 20_000


def default_folder() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".layerlab") / "recovery"


def recovery_path(folder: Path, project_path: str | Path | None) -> Path:
    """One recovery file per project path (``untitled`` for a project never saved)."""
    if not project_path:
        return folder / "untitled.recovery.json"
    resolved = str(Path(project_path).resolve())
    digest = hashlib.sha1(resolved.encode("utf-8")).hexdigest()[:10]
    stem = Path(project_path).name.split(".")[0] or "project"
    return folder / f"{stem}-{digest}.recovery.json"


def find_recovery(project_path: str | Path | None, folder: Path | None = None) -> Path | None:
    """The recovery file for ``project_path`` if it is newer than the project file itself."""
    path = recovery_path(folder or default_folder(), project_path)
    if not path.is_file():
        return None
    if project_path and Path(project_path).is_file():
        if path.stat().st_mtime <= Path(project_path).stat().st_mtime:
            return None
    return path


def load_recovery(path: str | Path) -> Project:
    """Read a recovery file back into a ``Project`` (ProjectFileError when it is damaged)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ProjectFileError(f"The recovery file cannot be read ({err}).") from None
    return Project.from_dict(data, "The recovery file")


def discard_recovery(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)


class Autosaver(QObject):
    """Writes ``doc`` to its recovery file on a timer while it has unsaved changes."""

    recovery_saved = Signal(str)
    autosave_failed = Signal(str)

    def __init__(self, doc, folder: Path | None = None,  # doc: app.document.ProjectDocument
                 interval_ms: int = DEFAULT_INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc, self.folder = doc, Path(folder) if folder else default_folder()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self._written: Path | None = None
        doc.dirty_changed.connect(self._on_dirty_changed)
        doc.path_changed.connect(self._on_path_changed)

    def start(self) -> None:
        """Start autosaving; right after, off the critical path, remove the temps that killed
        saves left in the recovery folder and the project's folder (``clean_temps``)."""
        self.timer.start()
        QTimer.singleShot(0, self.clean_temps)

    def clean_temps(self) -> list[Path]:
        """Remove temps of killed saves (their process gone) from the recovery folder and the
        document's folder; returns what was removed. Never raises."""
        folders = {self.folder} | ({Path(self.doc.path).parent} if self.doc.path else set())
        removed: list[Path] = []
        for folder in folders:
            try:
                removed += clean_folder_temps(folder)
            except OSError:  # an unreadable folder: nothing to clean there
                continue
        return removed

    def stop(self) -> None:
        self.timer.stop()

    @property
    def current_path(self) -> Path:
        return recovery_path(self.folder, self.doc.path)

    def save_now(self) -> Path | None:
        """Write the recovery file if the document has unsaved changes; return its path."""
        if not self.doc.is_dirty:
            return None
        target = self.current_path
        data = self.doc.project.to_dict()
        data["recovery"] = {"original": str(self.doc.path or ""), "saved_at": time.time()}
        try:
            atomic_write_json(target, data)
        except (OSError, TypeError, LayerLabError) as err:
            self.autosave_failed.emit(f"Autosave failed: {err}")
            return None
        if self._written is not None and self._written != target:
            discard_recovery(self._written)
        self._written = target
        self.recovery_saved.emit(str(target))
        return target

    def discard(self) -> None:
        """Remove this document's recovery file (after a save or a clean close)."""
        discard_recovery(self._written)
        discard_recovery(self.current_path)
        self._written = None

    def _on_dirty_changed(self, dirty: bool) -> None:
        if not dirty:
            self.discard()

    def _on_path_changed(self, _path: str) -> None:
        if not self.doc.is_dirty:
            self.discard()
