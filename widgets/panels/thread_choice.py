"""The training panel's "Threads for training" choice: how many cores one training run may use.

A preference of this computer, not of the project: kept in ``app.settings``
(``training_threads``, 0 = automatic), so it is remembered across starts and never saved in a
project file or undone. The entries are "Automatic (N of M cores; one stays with the window)"
(``engine.threads``' default budget: the usable cores − 1, or ``LAYERLAB_THREADS``) and one
entry per usable core, 1..M.

A choice is saved at once and handed to ``engine.threads.set_budget`` only while no run is
alive (the session idle, finished, stopped or failed): during a run, paused or not, it waits
for the run to end, so the training thread never sees its budget change under it, and the
note says when it applies. At start ``apply_saved`` makes the saved choice the budget unless
the launch chose a count (``--threads N``, ``LAYERLAB_THREADS``): that one holds for the
session and the note says so, until the learner picks an entry here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from engine import threads

RESTING = ("idle", "finished", "stopped", "error")  # session states with no run alive
TOOLTIP = ("How many of this computer's cores one training run may use. Automatic uses all "
           "but one, so the window stays smooth while the network learns. Big networks "
           "(images, long sequences, wide layers) train faster on more threads; tiny ones "
           "like the spiral stay on one, where threads gain nothing. Fewer threads leave more "
           "of the computer to other programs. Applies from the next run and is remembered "
           "for the next start. Starting LayerLab with --threads N or LAYERLAB_THREADS=N "
           "overrides it for that session.")


class ThreadSettings(Protocol):
    """What the choice reads and writes of ``app.settings.Settings``."""

    training_threads: int


class RunState(Protocol):
    """What the choice reads of the training session (``app.session.TrainingSession``)."""

    @property
    def state(self) -> str: ...

    @property
    def state_changed(self) -> Any:
        """A signal with the new state's name (``app.session_core.STATES``)."""
        ...


def automatic_text(cores: int | None = None) -> str:
    """The automatic entry's text, naming the count it stands for on this computer."""
    cores = threads.available_cores() if cores is None else cores
    if os.environ.get(threads.ENV, "").strip():
        return f"Automatic ({threads.default_budget()} of {cores} cores, from {threads.ENV})"
    return f"Automatic ({max(1, cores - 1)} of {cores} cores; one stays with the window)"


def budget_for(choice: int) -> int | None:
    """The ``set_budget`` argument for a saved choice (0, automatic: None)."""
    return None if choice <= 0 else choice


def apply_saved(settings: ThreadSettings) -> bool:
    """At start: the saved choice (at most this computer's cores: settings may come from a
    bigger one) becomes the engine's budget unless the launch chose one (``--threads``,
    ``LAYERLAB_THREADS``). True when it was applied."""
    if not threads.is_default_budget():
        return False
    threads.set_budget(budget_for(min(settings.training_threads, threads.available_cores())))
    return True


class ThreadChoice:
    """A combo box (``combo``) and a note (``note``) for the training panel's settings form."""

    def __init__(self, settings: ThreadSettings, session: RunState | None,
                 parent: QWidget | None = None, cores: int | None = None,
                 set_budget: Callable[[int | None], None] = threads.set_budget) -> None:
        self.settings, self.session, self._set_budget = settings, session, set_budget
        self.cores = threads.available_cores() if cores is None else max(1, cores)
        self.pending: int | None = None  # a choice waiting for the run to end
        self.combo = QComboBox(parent)
        self.combo.setToolTip(TOOLTIP)
        self.combo.setSizeAdjustPolicy(  # as wide as the panel; the list shows whole entries
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(8)
        self.combo.addItem(automatic_text(self.cores), 0)
        for n in range(1, self.cores + 1):
            self.combo.addItem("1 thread" if n == 1 else f"{n} threads", n)
        self.combo.setCurrentIndex(self.combo.findData(min(settings.training_threads,
                                                           self.cores)))
        self.combo.activated.connect(self._on_chosen)
        self.note = QLabel(parent)
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.setProperty("role", "muted")
        if session is not None:
            session.state_changed.connect(self._on_state)
        self._show_note()

    @property
    def choice(self) -> int:
        """The selected entry: 0 for automatic, else a thread count."""
        return int(self.combo.currentData())

    def _run_alive(self) -> bool:
        return self.session is not None and self.session.state not in RESTING

    def _on_chosen(self, _index: int) -> None:
        self.settings.training_threads = self.choice
        self.pending = self.choice
        if not self._run_alive():
            self._apply()
        self._show_note()

    def _on_state(self, state: str) -> None:
        if self.pending is not None and state in RESTING:
            self._apply()
            self._show_note()

    def _apply(self) -> None:
        assert self.pending is not None
        self._set_budget(budget_for(self.pending))
        self.pending = None

    def _show_note(self) -> None:
        """Nothing when the budget in force is the selected entry's; else when the choice
        applies, or that a launch option holds the budget for this session."""
        expected = threads.default_budget() if self.choice == 0 else self.choice
        now, text = threads.budget(), ""
        if self.pending is not None:
            text = "Applies when this run ends (Stop, Reset or the last epoch)."
        elif now != expected:
            text = (f"This session trains on {now} thread{'' if now == 1 else 's'}, as chosen "
                    "when LayerLab started (--threads or LAYERLAB_THREADS).")
        self.note.setText(text)
        self.note.setVisible(bool(text))


class SettingsForm(Protocol):
    """The training panel's settings form (``TrainingPanel.add_setting_row``)."""

    def add_setting_row(self, label: str | None, field: QWidget) -> None: ...


class ThreadHost(Protocol):
    """What ``install_thread_choice`` needs of the window (``MainWindow``)."""

    @property
    def settings(self) -> ThreadSettings: ...

    @property
    def session(self) -> RunState: ...

    @property
    def training_panel(self) -> SettingsForm: ...


def install_thread_choice(window: ThreadHost) -> ThreadChoice:
    """Apply the saved choice (``apply_saved``) and add the "Threads for training" row to the
    window's training panel; returns the choice."""
    apply_saved(window.settings)
    panel = window.training_panel
    choice = ThreadChoice(window.settings, window.session)  # the rows take the widgets
    panel.add_setting_row("Threads for training", choice.combo)
    panel.add_setting_row(None, choice.note)
    return choice
