"""The timeline under the loss curve: drag back to any recorded moment of the run.

``TimelineBar`` is a slider over the run's checkpoints (``engine.checkpoints``, recorded by the
training thread) whose right end is "now". Dragging it to a past moment asks the
``app.timeline.TimelineController`` for that moment's views (computed off the GUI thread on a
copy of the model; a running run pauses), and a banner says "Showing epoch 5 — press Play or
'Back to now'". Play or "Back to now" returns to the present; "Branch from here" trains on
from that moment instead (a new curve from its step, the old one dimmed beside it). It also
shows how many moments are kept and how much memory they use, with the limit the learner may
set, and whether the timeline is saved with the project.

``install_timeline(win)`` puts the bar at the bottom of the window's Loss dock and sends each
moment to the same views a live snapshot reaches (plots, Look inside, training panel, status).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from app.branch_settings import settings_of
from app.timeline import TimelineController, banner_text
from app.timeline_saving import load_timeline, save_timeline
from engine.checkpoints import Checkpoint
from widgets.dialogs.fork_compare_view import open_fork_compare
from widgets.panels.timeline_parts import (
    FittingLabel,
    LookingBack,
    branch_combo,
    fill_branch_combo,
)

MB = 1024 * 1024
EDITED = (" You changed the network: Branch from here (or Play) trains the edited network on "
          "from this moment as a new branch; layers whose weights still fit keep them.")
WEIGHTS_ONLY = (" This moment was saved by an earlier version and keeps only its weights: the "
                "views show it, but training goes on only from now.")


class TimelineHost(Protocol):
    """The window parts the timeline talks to (``widgets.window.main_window.MainWindow``)."""

    session: Any
    doc: Any  # app.document.Document: the canvas's network (a branch may train an edit)
    run: Any  # widgets.controllers.run_controller.RunController
    plots: Any
    inside: Any
    training_panel: Any
    docks: dict[str, QDockWidget]

    def post(self, text: str, level: str = "info") -> None: ...

    def show_run_status(self, snap: Any) -> None: ...


class TimelineBar(QWidget):
    """Slider over the recorded moments (right end: now), banner, Back to now, memory."""

    def __init__(self, controller: TimelineController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.items: list[Checkpoint] = []  # the moments the slider spans (frozen while back)
        self._setting = False  # the slider moves by code, not by the learner
        self.marker: StepMarker | None = None  # the step shown, on the loss plot
        self._build_looking_back()
        self._build_options()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Drag back to see the network as it was at that moment of "
                               "training; the right end is now.")
        self.slider.setRange(0, 0)
        self.slider.setMinimumWidth(90)
        self.position = QLabel("Now")
        self.memory = FittingLabel()  # moments kept and memory used (shown while at now)
        self.branch_box = branch_combo()  # the runs and branches, once there are two (narrow)
        self.branch_box.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for widget, stretch in ((QLabel("Timeline"), 0), (self.branch_box, 0), (self.slider, 1),
                                (self.position, 0), (self.memory, 0), (self.options, 0)):
            row.addWidget(widget, stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addWidget(self.looking_back)
        layout.addLayout(row)
        self._connect()
        self.refresh()

    def _build_looking_back(self) -> None:
        """The one-line banner with Branch from here and Back to now (shown while looking
        back; ``widgets.panels.timeline_parts.LookingBack``)."""
        self.looking_back = LookingBack()
        self.banner = self.looking_back.banner
        self.now_button = self.looking_back.now_button
        self.branch_button = self.looking_back.branch_button
        self.compare_action = self.looking_back.compare_action
        self.compare_window: Any = None  # the open branch-and-parent comparison
        self.looking_back.hide()

    def _build_options(self) -> None:
        """The ⋯ menu: memory limit, save with the project, rename / delete branches."""
        self.limit = QSpinBox()
        self.limit.setRange(1, 4000)
        self.limit.setPrefix("Memory limit ")
        self.limit.setSuffix(" MB")
        self.limit.setToolTip("Most memory the timeline's recorded moments may use; older "
                              "moments are thinned out to stay under it.")
        self.save_action = QAction("Save the timeline with the project", self, checkable=True)
        self.save_action.setToolTip("Save also writes the recorded moments into the project's "
                                    "weights file (NAME.layerlab.npz), so Open can scrub them.")
        self.options = QToolButton()
        self.options.setText("⋯")
        self.options.setToolTip("Timeline options: memory limit, save with the project")
        self.options.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.options)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.limit)
        menu.addAction(holder)
        menu.addAction(self.save_action)
        menu.addSeparator()
        self.rename_action = menu.addAction("Rename this run…")
        self.rename_action.setEnabled(False)
        self.delete_menu = menu.addMenu("Delete a branch")
        self.delete_menu.setEnabled(False)
        self.options.setMenu(menu)

    def _connect(self) -> None:
        controller = self.controller
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.now_button.clicked.connect(controller.back_to_now)
        self.branch_button.clicked.connect(controller.branch_here)
        self.compare_action.triggered.connect(lambda _c=False: self.compare_here())
        self.branch_box.activated.connect(self._on_branch_chosen)
        self.rename_action.triggered.connect(self._on_rename)
        self.limit.editingFinished.connect(self._on_limit_edited)
        controller.branches_changed.connect(self._show_branches)
        controller.returned.connect(self._on_returned)

    # -- state ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Take the newest recorded moments (not while looking back: they stay put)."""
        store = self.controller.store
        if not self.controller.is_scrubbed:
            self.items = store.checkpoints()
            self._set_slider(len(self.items), len(self.items))
        self.slider.setEnabled(self.controller.available and len(self.items) > 0)
        cap = store.cap_bytes
        limit = f" of {cap / MB:.0f}" if cap else ""
        self.memory.setText(f"({len(store)} · {store.bytes / MB:.1f}{limit} MB)"
                            if not store.too_big else "· too big to record")
        self.memory.setToolTip(store.too_big or f"{len(store)} moments of this run are kept, "
                               f"using {store.bytes / MB:.2f} MB"
                               + (f" of at most {cap / MB:.0f} MB." if cap else "."))
        if cap and not self.limit.hasFocus():
            self.limit.blockSignals(True)
            self.limit.setValue(max(1, round(cap / MB)))
            self.limit.blockSignals(False)

    def on_live_snapshot(self, _snap: Any) -> None:
        """A live snapshot reached the views: refresh; while looking back, show the past
        moment again (a pausing run's last snapshot must not replace it)."""
        self.refresh()
        past = self.controller.last_past
        if self.controller.is_scrubbed and past is not None:
            self.controller.moment_ready.emit(past)

    def _set_slider(self, value: int, maximum: int) -> None:
        self._setting = True
        self.slider.setRange(0, maximum)
        self.slider.setValue(value)
        self._setting = False

    def drag_to(self, index: int) -> None:
        """Move the slider to moment ``index`` (``len(items)``: now), as a drag does."""
        self.slider.setValue(index)

    # -- events --------------------------------------------------------------------------------
    def _on_slider_value_changed(self, value: int) -> None:
        if self._setting:
            return
        if value >= len(self.items):
            self.controller.back_to_now()
            return
        checkpoint = self.items[value]
        self.position.setText(checkpoint.label)
        self.branch_button.setVisible(checkpoint.resumable)  # shown, not trained on from
        self.compare_action.setVisible(checkpoint.resumable)
        self.looking_back.show()
        self.memory.hide()
        self.options.hide()
        self.controller.show_checkpoint(checkpoint)
        self.on_network_edited()

    def on_network_edited(self) -> None:
        """The banner of the moment shown, saying what an edit of the network does now."""
        shown = self.controller.shown
        if shown is None:
            return
        self.banner.setText(banner_text(shown.epoch, shown.step)
                            + ("" if shown.resumable else WEIGHTS_ONLY)
                            + (EDITED if self.controller.holds_edit() else ""))

    def _on_returned(self) -> None:
        self.looking_back.hide()
        self.position.setText("Now")
        self.memory.show()
        self.options.show()
        self.refresh()

    # -- branches ------------------------------------------------------------------------------
    def _show_branches(self) -> None:
        """The branch list (shown once there are two), and the Delete menu of the others."""
        c = self.controller
        fill_branch_combo(self.branch_box, [b.name for b in c.branches], c.current)
        self.branch_box.setVisible(len(c.branches) > 1)
        self.rename_action.setEnabled(len(c.branches) > 1)
        self.delete_menu.clear()
        for i, branch in enumerate(c.branches):
            if i != c.current:
                action = self.delete_menu.addAction(branch.name)
                action.triggered.connect(lambda _=False, b=branch: self._delete(b))
        self.delete_menu.setEnabled(len(c.branches) > 1)
        self.refresh()  # the timeline of the branch now training

    def _on_branch_chosen(self, index: int) -> None:
        if not self.controller.switch_to(index):
            self._show_branches()

    def compare_here(self, spec: Any = None) -> Any:
        """The branch and its parent side by side from the moment shown (``spec``: the
        branch's ``VariantSpec``; None: asked); the window, or None."""
        result = open_fork_compare(self.controller, self.window(), spec)
        if isinstance(result, str):
            self.controller.failed.emit(result)
            return None
        if result is not None:
            if self.compare_window is not None:
                self.compare_window.close()
            self.compare_window = result
            result.keep_requested.connect(self.keep_compared)
        return result

    def keep_compared(self, kept: Any) -> None:
        """A run of the comparison (``app.fork_compare.KeptRun``) joins the branch list."""
        branch = self.controller.keep_run(kept.name, kept.project, kept.start, kept.present,
                                          kept.learning_rate, kept.snapshots, kept.moments)
        self.controller.notice.emit(f"'{branch.name}' is kept as a branch: choose it in the "
                                    "timeline's list to train it on from where it ended.")

    def _on_rename(self) -> None:
        c = self.controller
        name, ok = QInputDialog.getText(self, "Rename the run", "Name of this run:",
                                        text=c.branches[c.current].name)
        if ok:
            c.rename(c.current, name)

    def _delete(self, branch: Any) -> None:
        if branch in self.controller.branches:
            self.controller.delete(self.controller.branches.index(branch))

    def _on_limit_edited(self) -> None:
        self.controller.session.set_checkpoint_cap(self.limit.value() * MB)
        self.refresh()

    # -- saving with the project ---------------------------------------------------------------
    @property
    def save_requested(self) -> bool:
        return self.save_action.isChecked()

    def save_to(self, sidecar: Path) -> None:
        """Add the run's moments and branches to the weights file just written."""
        save_timeline(self.controller, sidecar)

    def load_saved(self, sidecar: Path) -> str | None:
        """Take the moments saved in ``sidecar`` after its run was shown
        (``app.timeline_saving``); a learner-readable note, or None without any."""
        loaded, note = load_timeline(self.controller, sidecar)
        if loaded:
            self.save_action.setChecked(True)  # saving again keeps it
        self.refresh()
        return note


def show_moment(win: TimelineHost, snap: Any) -> None:
    """Send a moment's snapshot to the views a live snapshot reaches (no losses in it)."""
    win.plots.add_snapshot(snap)
    win.inside.add_snapshot(snap)
    win.training_panel.show_snapshot(snap)
    win.show_run_status(snap)


def install_timeline(win: TimelineHost) -> TimelineBar:
    """Create the controller and the bar, put it under the loss curve, wire it up."""
    controller = TimelineController(win.session, win.session)
    controller.settings_source = lambda: settings_of(win.training_panel.doc.project.training)
    controller.graph_source = lambda: copy.deepcopy(win.doc.graph)
    controller.notice.connect(win.post)
    controller.branched.connect(win.run.on_timeline_branched)
    controller.switched.connect(lambda graph, training: show_branch(win, graph, training))
    bar = TimelineBar(controller)
    win.doc.structure_changed.connect(bar.on_network_edited)
    dock = win.docks["loss"]
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(dock.widget(), 1)
    layout.addWidget(bar)
    dock.setWidget(holder)
    controller.moment_ready.connect(lambda snap: show_moment(win, snap))
    bar.marker = StepMarker(win.plots.loss.loss_plot, controller)
    controller.branches_changed.connect(lambda: name_current_run(win, controller))
    loss = win.plots.loss  # a branch's dimmed curves follow its name and go with it
    controller.leaving.connect(loss.rename_run)
    controller.renamed.connect(loss.relabel_runs)
    controller.branch_deleted.connect(loss.drop_runs)
    controller.kept.connect(loss.keep_snapshots)  # a compared run kept: its curve, dimmed
    controller.resumed.connect(loss.resume_run)  # switched back: its curve is current again
    controller.failed.connect(lambda message: win.post(message, "warning"))
    win.session.snapshot_ready.connect(bar.on_live_snapshot)
    win.session.history_cleared.connect(bar.refresh)
    return bar


class StepMarker:
    """A dashed vertical line on the loss plot at the step shown while looking back."""

    def __init__(self, plot: Any, controller: TimelineController) -> None:
        pen = pg.mkPen((200, 140, 0), width=2, style=Qt.PenStyle.DashLine)
        self.line = pg.InfiniteLine(angle=90, movable=False, pen=pen)
        self.line.setZValue(50)
        self.line.hide()
        plot.addItem(self.line, ignoreBounds=True)
        self.controller = controller
        controller.moment_ready.connect(self._on_moment_ready)
        controller.returned.connect(self.line.hide)

    def _on_moment_ready(self, snap: Any) -> None:
        if self.controller.is_scrubbed:
            self.line.setPos(float(snap.step))
            self.line.show()


def show_branch(win: TimelineHost, graph: Any, training: Any) -> None:
    """Another branch trains now: the canvas, inspector and training panel show its network
    and settings (``ProjectDocument.show_branch``), and the run needs no reload for them.
    The probes (what the views ask the run, set on the trainer's settings) stay the file's."""
    training = replace(training, probes=list(win.doc.project.training.probes))
    win.doc.show_branch(graph, training)
    win.run.on_timeline_branched()


def name_current_run(win: TimelineHost, controller: TimelineController) -> None:
    """The current curve's name in the loss plot's key, once there are branches."""
    if len(controller.branches) > 1:
        win.plots.loss.rename_run(controller.branches[controller.current].name)
