"""The training panel's "Runs on" choice (CPU engine / GPU) and the note saying where the
network will train.

The GPU entry is offered only when ``gpu()`` (``training_choices.gpu_status``: numba's CUDA
target and a usable NVIDIA GPU; tests pass a fake) says one is usable, so "cuda" cannot be
chosen on a machine without one. The choice is written with ``doc.set_training`` (undoable)
and applies from the next run. When the project asks for the GPU, the note shows, once the
run is prepared, whether every layer trains on the GPU or which layers keep it on the CPU and
why (``engine.cuda.report.expected_placement``); without a usable GPU it shows the same
one-sentence fallback as ``main.py train`` and the CPU engine trains.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from engine.cuda.report import expected_placement
from engine.cuda.runtime import CudaStatus, fallback_sentence
from widgets.panels.training_choices import GpuCheck, backend_choices


class BackendChoice:
    """A combo box (``combo``) and a note (``note``) for the panel's settings form."""

    def __init__(self, doc: Any, session: Any, gpu: GpuCheck, parent: QWidget) -> None:
        self.doc, self.session = doc, session
        self.status: CudaStatus = gpu()
        self.combo = QComboBox(parent)
        self.combo.setToolTip("Where the network trains: the CPU engine, or the NVIDIA GPU "
                              "(offered only when this computer has one); applies from the "
                              "next run")
        self.combo.activated.connect(self._on_chosen)
        self.note = QLabel(parent)
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.setProperty("role", "muted")
        self._shown_for: object = None  # the prepared run the note describes
        if session is not None:  # a new run is in place: its first snapshot comes
            session.state_changed.connect(lambda _state: self.show_placement())
            session.snapshot_ready.connect(self._on_snapshot)

    @property
    def offered(self) -> bool:
        """Whether there is anything to choose (a GPU, or a project's own CPU backend)."""
        return self.combo.count() > 1

    def show_config(self, config: Any) -> None:
        """Rebuild the entries for the project's ``config.backend`` and select it (the CPU
        engine when it names a GPU this computer lacks)."""
        self.combo.blockSignals(True)
        self.combo.clear()
        for text, value in backend_choices(self.status, config.backend):
            self.combo.addItem(text, value)
        self.combo.setCurrentIndex(max(self.combo.findData(config.backend), 0))
        self.combo.blockSignals(False)
        self.show_placement()

    def show_placement(self) -> None:
        """The note: nothing for the CPU engine; for "cuda", the fallback sentence or (once
        the run is prepared) where each layer trains."""
        lines: list[str] = []
        prepared = self._shown_for = None if self.session is None else self.session.prepared
        if self.doc.project.training.backend == "cuda":
            if not self.status.available:
                lines = [fallback_sentence(self.status.reason)]
            elif prepared is None:
                lines = ["Where each layer trains is shown once the run is prepared."]
            else:
                lines = expected_placement(prepared, self.status)
        self.note.setText("\n".join(line.strip() for line in lines))
        self.note.setVisible(bool(lines))

    def _on_snapshot(self, _snap: Any) -> None:
        if self.session.prepared is not self._shown_for:
            self.show_placement()

    def _on_chosen(self, _index: int) -> None:
        value = self.combo.currentData()
        if value != self.doc.project.training.backend:
            self.doc.set_training({"backend": value})
