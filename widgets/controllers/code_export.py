"""File → Export → NumPy / PyTorch script and File → Import weights from PyTorch or NumPy.

Export writes the document's project with a consistent copy of the trained weights
(``RunController.current_weights``: taken by the training thread between two steps; the
initial weights from the seed when nothing was trained) into a folder the learner picks.
Import reads a state dict saved by the exported training script (``.npz``), loads the
document's network into the session and sets the weights whose names and shapes match, so
a large run done elsewhere can be watched in every view; a NumPy script's
``NAME_numpy_trained.npz`` (LayerLab's names) goes through ``weights_import.apply_weights``
with its matching report. Problems become one message box.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.export import export_project
from engine.export.import_back import read_exported_weights, weights_from_torch
from engine.types import LayerLabError
from widgets.controllers import weights_import

TARGET_NAMES = {"numpy": "NumPy", "torch": "PyTorch"}


def export_code(files: Any, target: str, folder: str | None = None) -> bool:
    """Write the project as a ``target`` ("numpy" | "torch") script; ``folder`` skips the
    dialog (tests). ``files`` is the window's ``FileController``."""
    win = files.win
    if folder is None:
        folder = QFileDialog.getExistingDirectory(
            win, f"Export as {TARGET_NAMES[target]} script — choose a folder",
            str(files.start_folder()))
    if not folder:
        return False
    weights = win.run.current_weights()
    try:
        written = export_project(files.doc.snapshot_project(), target, folder,
                                 weights=weights or None, data=win.dataset_panel.data)
    except (LayerLabError, OSError) as err:
        files.show_error(f"Cannot export as {TARGET_NAMES[target]}", str(err))
        return False
    which = "trained" if weights else "initial"
    win.post(f"Exported the network as {written[0].name} with its {which} weights and data "
             f"in {Path(folder).name}.")
    return True


def import_torch_weights(files: Any, path: str | None = None) -> bool:
    """Load weights saved by the exported PyTorch (or NumPy) script into the document's
    network."""
    win = files.win
    if win.session.is_worker_alive():
        files.show_error("Training is running", "Stop training first, then import weights.")
        return False
    if path is None:
        path, _ = QFileDialog.getOpenFileName(win, "Import weights from PyTorch or NumPy",
                                              str(files.start_folder()),
                                              "Weights saved by an exported script (*.npz)")
    if not path:
        return False
    try:
        arrays, kind = read_exported_weights(path)
        if kind == "numpy":  # LayerLab's own names: matched as another project's weights
            return weights_import.apply_weights(files, Path(path).name, arrays) is not None
        weights, unused = weights_from_torch(files.doc.snapshot_project(), arrays)
    except (LayerLabError, OSError) as err:
        files.show_error("Cannot import the weights", str(err))
        return False
    if not weights:
        files.show_error("No weights matched", "None of the arrays in that file belong to this "
                         "network's layers. Was it exported from another project?")
        return False
    if not win.run.load():
        return False
    loaded = win.session.restore_weights(weights)
    total = len(win.session.weights_snapshot())
    extra = f"; {len(unused)} arrays in the file belong to no layer" if unused else ""
    win.post(f"Imported {len(loaded)} of {total} weight arrays from {Path(path).name}{extra}.")
    if len(loaded) < total:
        QMessageBox.information(win, "Some layers kept their weights",
                                f"{total - len(loaded)} weight arrays had no match in the file "
                                "(layers added or changed since the export).")
    return True


def code_export_slots(win: Any) -> dict[str, Any]:
    """The File menu's slots of this module for ``MainWindow._slots``."""
    return {"export_numpy": lambda: export_code(win.files, "numpy"),
            "export_torch": lambda: export_code(win.files, "torch"),
            "import_torch": lambda: import_torch_weights(win.files)}
