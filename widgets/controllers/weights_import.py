"""File → Load weights from another project…: start from a network trained on something else.

The learner picks another project (its ``.layerlab.json``; the ``.npz`` sidecar Save wrote
beside it is read) or the sidecar itself. The document's network is loaded into the session
(``RunController.load``), the layers whose names and shapes match are chosen by
``engine.weights_transfer.match_weights`` and set through the session's safe weight path
(``Session.restore_weights``, refused while a run is alive: the learner is asked to stop
training first, the GUI thread never writes into a model being trained). A report of what
loaded, what was skipped and why, and what was not used is shown and posted.
``apply_weights`` does the matching, loading and report for any arrays with LayerLab's names:
File → Import weights uses it for a NumPy script's ``NAME_numpy_trained.npz``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.types import LayerLabError
from engine.weights_transfer import TransferReport, match_weights, read_project_weights

FILTER = "LayerLab projects (*.layerlab.json);;Saved weights (*.npz);;All files (*)"


def show_report(win: Any, title: str, lines: list[str]) -> None:
    """The report as one message box (tests replace it)."""
    QMessageBox.information(win, title, "\n\n".join(lines))


def load_from_project(files: Any, path: str | None = None) -> TransferReport | None:
    """Load the matching layers of another project's saved weights into the document's
    network; ``path`` skips the dialog (tests). ``files`` is the window's FileController.
    Returns the report, or None when nothing was loaded."""
    win = files.win
    if win.session.is_worker_alive():
        files.show_error("Training is running", "Stop training first (press Stop), then load "
                         "weights from another project.")
        return None
    if path is None:
        path, _ = QFileDialog.getOpenFileName(win, "Load weights from another project",
                                              str(files.start_folder()), FILTER)
    if not path:
        return None
    try:
        other = read_project_weights(path)
    except (LayerLabError, OSError) as err:
        files.show_error("Cannot load the weights", str(err))
        return None
    return apply_weights(files, Path(path).name, other)


def apply_weights(files: Any, name: str, other: dict[str, Any]) -> TransferReport | None:
    """Load the arrays of ``other`` (``"layer/param"`` -> array, from the file ``name``) whose
    names and shapes match into the document's network and show the report; None when
    nothing was loaded."""
    win = files.win
    if not win.run.load():
        return None
    picked, report = match_weights(win.session.weights_snapshot(), other)
    if picked:
        loaded = win.session.restore_weights(picked)
        if len(loaded) != len(picked):  # the session refused (a run started meanwhile)
            files.show_error("Weights not loaded", "Training started while loading; stop "
                             "training and try again.")
            return None
    lines = report.lines(name)
    win.post(lines[0], "info" if picked else "warning")
    show_report(win, "Weights loaded" if picked else "No layer matched", lines)
    return report if picked else None


def weights_import_slots(win: Any) -> dict[str, Any]:
    """The File menu's slot of this module for ``MainWindow._slots``."""
    return {"load_from_project": lambda: load_from_project(win.files)}
