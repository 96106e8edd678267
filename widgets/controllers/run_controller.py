"""Run control of the main window: the link between the Train actions and the TrainingSession.

It loads the document into the session when needed (after an edit of the network or the data,
or of the settings before a fresh run): Play, Step and Reset have the session prepare the
new run on a background thread (``session.prepare_in_background``; the window stays live,
the status says "Preparing…", the pressed command runs once it is ready, and an edit, Stop,
New or Open meanwhile supersedes it), while the File actions that need the model at once
(restoring a saved run, importing weights, exporting code) use ``load``. It forwards
snapshots to the plots, the training panel and the status bar, keeps Play/Pause in step
with the session's state, and shows errors and a run's final message in words. When the
network changes during a run it pauses and asks whether to keep the trained weights (layers
whose shapes did not change keep theirs: the session copies them between two training steps
and the preparation loads them into the new model) or start afresh.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from app.preparation import KeptWeights
from app.readiness import check_document
from app.saved_run import history_arrays
from engine.frozen import same_but_trainable
from engine.readiness import Problem, errors, refusal
from engine.types import LayerLabError
from widgets.controllers.run_text import network_of, run_summary, same_but_learning_rate
from widgets.window.icons import run_icon
from widgets.window.window_parts import WindowParts

ACTIVE = ("running", "paused")
ENDED = ("finished", "stopped", "error")
STATE_TEXT = {"idle": "Ready", "preparing": "Preparing…", "running": "Training…",
              "paused": "Paused", "finished": "Finished", "stopped": "Stopped",
              "error": "Cannot train"}
PREPARING_TEXT = "Preparing the network and its first pictures…"


class RunController(QObject):
    """Drives ``win.session`` from the window's Train actions and the document's edits."""

    def __init__(self, win: WindowParts, parent: QWidget) -> None:
        """``parent``: the window as a widget (owner, and parent of the questions asked)."""
        super().__init__(parent)
        self.win, self.owner = win, parent
        self.doc, self.session = win.doc, win.session
        self.actions = win.actions
        self.state = "idle"
        self.structure_dirty = True  # the network or the data changed since the last load
        self.settings_dirty = False  # training settings changed (used by the next fresh run)
        self.last_snapshot: Any = None
        self.snapshot_count = 0
        self._asking = False
        self._kept_for_preparation: dict[str, Any] | None = None  # kept by the one under way
        self._after_data: str | None = None  # the command waiting for the dataset's load
        self._structure_timer = QTimer(self, singleShot=True, interval=0)
        self._structure_timer.timeout.connect(self._handle_structure_change)
        s = self.session
        s.snapshot_ready.connect(self._on_snapshot_ready)
        s.state_changed.connect(self._on_state_changed)
        s.error_occurred.connect(self._on_error_occurred)
        s.run_finished.connect(self._on_run_finished)
        s.history_cleared.connect(self._on_history_cleared)
        s.preparation_done.connect(self._on_preparation_done)
        win.dataset_panel.dataset_loaded.connect(self._on_data_loaded)
        self.doc.structure_changed.connect(self._on_structure_changed)
        self.doc.training_changed.connect(self._on_training_changed)
        self._update_actions()

    # -- commands ------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.state == "running":
            self.session.pause()
        else:
            self._start("running")

    def step_batch(self) -> None:
        if self.state != "running":
            self._start("step")

    def step_epoch(self) -> None:
        if self.state != "running":
            self._start("epoch")

    def stop(self) -> None:
        if self._after_data is not None:  # Play was waiting for the data: it will not run
            self._after_data = None
            self._on_state_changed(self.session.state)
        self.session.stop()

    def _on_data_loaded(self, _data: Any) -> None:
        """The dataset panel loaded the document's data: a Play waiting for it runs now."""
        mode, self._after_data = self._after_data, None
        if mode is not None:
            self._start(mode)

    def reset(self) -> None:
        """Fresh random weights, the current settings, and empty curves."""
        self.win.plots.clear()
        self.win.training_panel.reset_stats()
        self.last_snapshot = None
        if self.needs_load() or not self.session.prepare_in_background():
            self.load_in_background()

    def _start(self, mode: str) -> None:
        """Play ("running") or Step ("step", "epoch"): prepare the document's run first when
        it changed, a fresh one after a run ended; queued while a preparation runs, and
        while the dataset panel loads changed data in the background (the check Play runs
        needs it: it then runs on the same data the Problems panel checks)."""
        session, timeline = self.session, self.win.timeline.controller
        panel = self.win.dataset_panel
        if panel.loading and self._after_data is None:
            self._after_data = mode
            panel.load_soon()
            self.win.show_state(STATE_TEXT["preparing"])
            self.win.training_panel.show_message(PREPARING_TEXT)
            return
        if panel.loading:
            self._after_data = mode  # pressed again while waiting: the latest command
            return
        if timeline.takes_play():  # a branch from the moment shown, or a reopened
            problems = self.problems_now()  # project's current branch (Play or Step)
            if timeline.holds_edit() and errors(problems):
                self._fail(refusal(problems))
            else:
                timeline.play(mode)
        elif self.needs_load():
            self.load_in_background(mode, keep_weights=self._keep_weights_now())
        elif session.state in ENDED and not session.preparing:
            session.prepare_in_background(then=mode)
        elif mode == "running":
            session.play()
        elif mode == "step":
            session.step_batch()
        else:
            session.step_epoch()

    # -- loading -------------------------------------------------------------------------------
    def needs_load(self) -> bool:
        """The session does not hold (nor prepare) this version of the document."""
        session = self.session
        return (session.prepared is None and not session.preparing) or self.structure_dirty \
            or (self.settings_dirty and self.state not in ACTIVE)

    def _keep_weights_now(self) -> bool:
        """Whether the next load keeps trained weights (a paused run whose network changed)."""
        if not self.structure_dirty:
            return False
        if self.only_freezing_changed():  # a frozen layer keeps its weights: no question
            return True
        return self.state in ACTIVE and self.session.model is not None \
            and not self.doc.report.errors and self.ask_keep_weights()

    def load_in_background(self, then: str | None = None, keep_weights: bool = False,
                           weights: dict[str, Any] | None = None) -> bool:
        """Have the session prepare the document's run off the GUI thread, then run ``then``
        ("running", "step", "epoch"); refused at once (with the Problems panel's words) when
        the check finds errors, which also drops a preparation of an older version."""
        problems = self.problems_now()
        if errors(problems):
            if self.session.preparing:
                self.session.stop()
            self._fail(refusal(problems))
            return False
        if keep_weights:
            weights = self.current_weights()
        self._kept_for_preparation = weights or None
        self.session.prepare_in_background(self.doc.snapshot_project(),
                                           self.win.dataset_panel.data, then=then,
                                           weights=weights or None)
        self.structure_dirty = self.settings_dirty = False
        return True

    def load(self, keep_weights: bool = False) -> bool:
        """Give the session a copy of the project (and the panel's data) at once, for the
        actions that need the model right away; report problems."""
        problems = self.problems_now()
        if errors(problems):  # the Problems panel's check: refuse with its words
            self._fail(refusal(problems))
            return False
        panel = self.win.dataset_panel
        old = self.current_weights() if keep_weights else {}
        if not self.session.load(self.doc.snapshot_project(), panel.data):
            return False  # error_occurred already explained why
        self.structure_dirty = self.settings_dirty = False
        if old:
            self._restore_weights(old)
        return True

    def problems_now(self) -> list[Problem]:
        """The readiness check (``app.readiness``) the Problems panel shows, on the dataset
        panel's data (loaded first when a reload is pending): Play refuses on any error."""
        panel = self.win.dataset_panel
        panel.ensure_current()
        return check_document(self.doc, panel.data, panel.load_error)

    def _restore_weights(self, old: dict[str, Any]) -> None:
        loaded = self.session.restore_weights(old)
        self._post_kept(KeptWeights(loaded, len(self.session.weights_snapshot())))

    def _post_kept(self, kept: KeptWeights) -> None:
        self.win.post(f"Kept the trained weights of {len(kept.names)} of {kept.total} "
                      "parameter arrays; changed layers start from fresh weights.")

    def _on_preparation_done(self, kept: KeptWeights | None) -> None:
        self._kept_for_preparation = None
        if kept is not None:
            self._post_kept(kept)
        if self.structure_dirty:  # edited while a branch was prepared: as during its run
            self._structure_timer.start()

    def current_weights(self) -> dict[str, Any]:
        """A consistent copy of the weights (taken between two steps while training)."""
        try:
            return self.session.weights_snapshot()
        except LayerLabError as err:
            self.win.post(str(err), "warning")
            return {}

    def history(self) -> dict[str, list[float]]:
        """The run's history as plain lists (for the weights export)."""
        return history_arrays(self.session.history)

    def _run_label(self) -> str:
        cfg = self.doc.project.training
        lr = cfg.optimizer_options.get("learning_rate")
        return f"{cfg.optimizer}" + (f", lr {lr:g}" if lr is not None else "")

    # -- session → views -----------------------------------------------------------------------
    def _on_snapshot_ready(self, snap: Any) -> None:
        self.last_snapshot = snap
        self.snapshot_count += 1
        self.win.plots.add_snapshot(snap)
        self.win.training_panel.show_snapshot(snap)
        self.win.show_run_status(snap)

    def _on_history_cleared(self) -> None:
        self.win.plots.start_run(self._run_label())

    def _on_state_changed(self, state: str) -> None:
        was, self.state = self.state, state
        self._update_actions()
        self.win.problems.set_training(state == "running")
        self.win.show_state(STATE_TEXT.get(state, state))
        if state == "preparing":
            self.win.training_panel.show_message(PREPARING_TEXT)
        elif state == "running" or (was == "preparing" and state != "error"):
            self.win.training_panel.show_message("")

    def _on_error_occurred(self, message: str) -> None:
        self._fail(message)

    def _on_run_finished(self, snap: Any) -> None:
        message = getattr(snap, "message", None) or run_summary(snap)
        if message:
            level = "error" if snap.event == "diverged" else "info"
            self.win.post(message, level)
            self.win.training_panel.show_message(message, error=level == "error")

    def _fail(self, message: str) -> None:
        self.win.post(message, "error")
        self.win.training_panel.show_message(message, error=True)
        self.win.show_state("Cannot train")

    def _update_actions(self) -> None:
        running = self.state == "running"
        play = self.actions["play"]
        play.setText("Pause" if running else "Play")
        play.setIconText(play.text())
        play.setIcon(run_icon("pause" if running else "play"))
        self.actions["step_batch"].setEnabled(not running)
        self.actions["step_epoch"].setEnabled(not running)
        self.actions["stop"].setEnabled(self.state in ACTIVE or self.state == "preparing")

    # -- document edits ------------------------------------------------------------------------
    def forget_run(self) -> None:
        """Another project was loaded (the window's one reset path calls this first): the
        session drops the old run at once, with its unread snapshots; the next Play loads
        the new project."""
        self.session.unload()
        self._after_data = None  # a Play waiting for the old project's data
        self.structure_dirty, self.settings_dirty = True, False
        self.last_snapshot, self.snapshot_count = None, 0

    def _on_training_changed(self, config: Any) -> None:
        loaded = self.session.project
        if loaded is not None and same_but_learning_rate(loaded.training, config):
            return  # the learning rate reached the session live
        self.settings_dirty = True
        if self.session.preparing and not self.session.preparing_branch:  # newer settings win
            self.session.drop_stale_preparation()
            self._structure_timer.start()

    def _on_structure_changed(self) -> None:
        self.structure_dirty = True
        if self.session.preparing and not self.session.preparing_branch:  # never shown: the
            self.session.drop_stale_preparation()  # newer version is prepared instead
        if (self.state in ACTIVE or self.session.preparing) and not self._asking:
            self._structure_timer.start()  # once per burst of edits (a paste, an undo macro)

    def _handle_structure_change(self) -> None:
        if self.session.preparing_branch:  # a timeline branch trains its own network (its
            return  # switch shows it on the canvas); an edit meanwhile is handled once it runs
        if self.session.preparing:  # the newer version wins, with the same command queued
            if self.structure_dirty or self.settings_dirty:
                self.load_in_background(self.session.queued_command,
                                        weights=self._kept_for_preparation)
            return
        if not self.structure_dirty:  # the session holds this network already (a timeline
            return  # branch switch put the branch's network on the canvas)
        if self.state not in ACTIVE or self._try_live_data():
            return
        if self.win.timeline.controller.holds_edit():
            return  # looking back: the edit is for a branch from there (the banner says so)
        was_running = self.state == "running"
        if was_running:
            self.session.pause()
        if errors(self.problems_now()):
            self.win.post("Training paused: fix the problems listed in the Problems panel, "
                          "then press Play.", "warning")
            return
        self._asking = True
        try:
            keep = self.only_freezing_changed() or self.ask_keep_weights()
        finally:
            self._asking = False
        self.load_in_background("running" if was_running else None, keep_weights=keep)

    def on_timeline_branched(self) -> None:
        """A timeline branch trains the canvas's network now: no reload pending for it."""
        loaded = self.session.project
        if loaded is not None and loaded.dataset == self.doc.project.dataset \
                and network_of(loaded.graph) == network_of(self.doc.graph):
            self.structure_dirty = False
        if loaded is not None and same_but_learning_rate(  # the probes: the worker's
                replace(loaded.training, probes=[]), replace(self.doc.project.training, probes=[])):
            self.settings_dirty = False  # it trains the settings shown, too

    def _try_live_data(self) -> bool:
        """Only the data changed (drawn points, noise, size): swap it into the running
        session, Playground style, instead of pausing to ask about weights."""
        loaded = self.session.project
        if loaded is None or network_of(loaded.graph) != network_of(self.doc.graph):
            return False
        panel = self.win.dataset_panel
        panel.ensure_current()
        if panel.data is None or self.session.data_problem(panel.data) is not None:
            return False
        self.session.update_data(panel.data, dict(self.doc.project.dataset))
        self.structure_dirty = False
        return True

    def only_freezing_changed(self) -> bool:
        """The loaded project and the document's differ only in Trainable switches (same
        data and recipe): freezing or unfreezing keeps every weight."""
        loaded, now = self.session.project, self.doc.project
        return (loaded is not None and self.session.model is not None
                and not self.doc.report.errors and loaded.dataset == now.dataset
                and loaded.recipe == now.recipe
                and network_of(loaded.graph) != network_of(self.doc.graph)
                and same_but_trainable(loaded.graph, self.doc.graph))

    def ask_keep_weights(self) -> bool:
        """Ask whether unchanged layers keep their trained weights (tests replace this)."""
        box = QMessageBox(QMessageBox.Icon.Question, "The network changed",
                          "Training is paused because the network changed.\n\nKeep the trained "
                          "weights of the layers that did not change, or start again from fresh "
                          "random weights?", parent=self.owner)
        keep = box.addButton("Keep trained weights", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Reset all weights", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(keep)
        box.exec()
        return box.clickedButton() is keep
