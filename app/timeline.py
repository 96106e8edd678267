"""The timeline's controller: shows the network as it was at a recorded checkpoint.

``TimelineController`` turns a ``engine.checkpoints.Checkpoint`` of the session's run (or the
present weights, "Back to now") into a ``Snapshot`` whose probes — decision map, neuron maps,
confusion matrix, weights, and the introspection probes the Look-inside views asked for
(feature maps, saliency, latent space...) — are computed from those weights. The work runs on a
background thread on a private COPY of the model: a trainer prepared once per run from the
session's project and data (``engine.recipes.prepare``), loaded with the moment's weights, and
asked through the same probe functions the worker uses (``app.worker.with_introspection``,
``ProbeSet.compute``); the live model is never read (the present weights: ``weights_snapshot``).
Scrubbing back pauses a running run; Play (the session reports ``running``) returns to now.
"Branch from here" (``branch_here``) trains on from the moment shown instead, with the
learning rate set now: ``session.branch_from`` (the old curve stays dimmed beside the new one).
The optimizer and batch size chosen since (``settings_source``: the training panel's, see
``app.branch_settings``) are applied too, and each branch keeps the settings it trains with.
A network edited on the canvas while looking back (``graph_source``; ``holds_edit``) is a
branch too: the moment is fitted to the edited network (``app.branch_graph``: layers whose
weights still fit keep them), ``notice`` says which, and Play (``takes_play``/``play``)
branches from there as the button does. Each branch keeps its network for switching back.
A reopened project's current branch goes on with its own state and settings at the first Play.
The views: ``app.moment_probes.MomentProbes``. The branch list: ``app.branch_list``.

Signals (GUI thread): ``moment_ready(Snapshot)`` (show it on the views; ``is_past`` tells
whether it is a past one), ``returned()`` (back to the present: the views follow the live
run again), ``failed(str)`` (a learner-readable message), ``notice(str)`` (news for the
learner, e.g. which layers kept their weights), ``branched()`` (a branch now trains: the
session holds the canvas's network), ``switched(graph, training)`` (another branch trains
now, or a reopened one resumes: the window shows its network and settings,
``ProjectDocument.show_branch``), ``resumed(name)`` (back on that branch: its curve and
numbers are current again, ``session.resume_history``), ``kept(name, snapshots)`` (a run of
the Compare window kept as a branch, ``keep_run``: its curve for the loss plot). No QtWidgets.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.branch_graph import describe_edit, edited_network, grafted_start, network_of
from app.branch_list import Branch, history_of, settings_text, unique_name
from app.branch_settings import describe, settings_of
from app.moment_probes import Moment, MomentProbes
from app.preparation import describe_error
from app.timeline_moments import banner_text, blank_snapshot, moment_of
from engine.checkpoints import Checkpoint, CheckpointStore, can_resume
from engine.graph import Graph
from engine.snapshots import Snapshot
from engine.timeline_file import SavedBranch
from engine.training import TrainConfig, Trainer

__all__ = ["Branch", "Moment", "TimelineController", "banner_text", "moment_of", "settings_text"]


class TimelineController(QObject):
    """Asks for the views of a past moment off the GUI thread; see the module docstring."""

    moment_ready = Signal(object)  # Snapshot of the shown moment
    returned = Signal()
    failed = Signal(str)
    notice = Signal(str)  # news for the learner (which layers kept their weights...)
    branched = Signal()  # a new branch trains (the session holds the canvas's network now)
    branches_changed = Signal()  # the list, the current one or a name changed
    leaving = Signal(str)  # the branch of this name stops training (its curve is kept)
    branch_deleted = Signal(str)  # the branch of this name was deleted (its curves go)
    renamed = Signal(str, str)  # old name, new name
    switched = Signal(object, object)  # Graph, TrainConfig: what the session trains now
    kept = Signal(str, object)  # a compared run kept as a branch: its name, its snapshots
    resumed = Signal(str)  # switched back to the branch of this name: its curve is current

    def __init__(self, session: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.shown: Checkpoint | None = None  # the past moment on the views; None: the present
        self.last_past: Snapshot | None = None
        self.probes = MomentProbes(self)  # the background computation of a moment's views
        self.probes.computed.connect(self._on_computed)
        self.probes.failed.connect(self.failed)
        self._generation = 0  # counts new runs and new data: a new copy is needed
        self._sent_key: int | None = None  # the generation of the newest copy asked for
        self.branches: list[Branch] = [Branch("first run")]
        self.current = 0  # index of the branch training now
        self._switching = False  # a branch or a switch clears the history: not a new run
        self._resume_pending = False  # a reopened branch list: Play resumes the current one
        # the branchable settings chosen now (the window sets it: the training panel's)
        self.settings_source: Callable[[], dict[str, Any]] | None = None
        self.graph_source: Callable[[], Graph] | None = None  # the canvas's network (a copy)
        session.history_cleared.connect(self._on_new_run)
        session.data_replaced.connect(self._on_new_data)
        session.state_changed.connect(self._on_state_changed)

    # -- reading -----------------------------------------------------------------------------
    @property
    def store(self) -> CheckpointStore:
        return self.session.checkpoints

    @property
    def available(self) -> bool:
        """The run has a timeline (every recipe's moments can be shown and branched from)."""
        return self.session.prepared is not None

    @property
    def is_scrubbed(self) -> bool:
        return self.shown is not None

    def settings_now(self) -> dict[str, Any] | None:  # the training panel's (or None)
        return self.settings_source() if self.settings_source is not None else None

    def edited_graph(self) -> Graph | None:
        """The canvas's network when it differs from the one the run trains, else None."""
        project = self.session.project
        if project is None or self.graph_source is None:
            return None
        return edited_network(project.graph, self.graph_source())

    def holds_edit(self) -> bool:
        """Looking back at a moment that can be trained on, with the network edited since:
        the edit is for a branch from there (Branch from here or Play), not for now."""
        shown = self.shown  # a GAN's or the perceptron's network is not fitted to an edit
        return shown is not None and shown.fits_graph_edits and self.edited_graph() is not None

    def takes_play(self) -> bool:
        """Play belongs to the timeline: a branch of the edited network from the moment
        shown, or a reopened project's current branch going on with its own state."""
        return self.holds_edit() or self._resume_pending

    def play(self, mode: str = "running") -> bool:
        """Play or Step (``mode``) when ``takes_play``: branch here, or resume the reopened one."""
        if self.holds_edit():
            return self.branch_here(mode)
        return self._resume_pending and self._resume_current(mode)

    # -- commands (GUI thread) ---------------------------------------------------------------
    def show_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Show the views of ``checkpoint`` (pausing a running run first)."""
        if not self.available:
            return
        if self.session.state == "running":
            self.session.pause()
        self.shown = checkpoint
        self._ask(moment_of(checkpoint))

    def branch_here(self, mode: str = "running") -> bool:
        """Train on from the moment shown, with the learning rate, optimizer and batch size
        set now and the canvas's network (a new curve from its step;
        ``session.branch_from``). False when nothing past is shown or it cannot."""
        checkpoint = self.shown
        if checkpoint is None or not checkpoint.resumable:
            return False
        old_graph, graph, kept = self.session.project.graph, self.edited_graph(), ""
        if graph is not None:
            try:
                checkpoint, kept = grafted_start(self.session.project, graph, checkpoint)
            except Exception as err:  # noqa: BLE001 - a message for the learner
                self.failed.emit(f"Cannot branch with the edited network: {describe_error(err)}")
                return False
        if not self._leave_current():
            return False
        settings = self.settings_now()
        old = self.session.project.training
        if not self._switch(lambda: self.session.branch_from(checkpoint, settings=settings,
                                                             graph=graph, mode=mode)):
            return False
        new = self.session.project.training  # the trainer is prepared in the background:
        rate = self.session.branch_rate  # the rate it starts with is known already
        changes = ", ".join(part for part in (
            describe(old, new), describe_edit(old_graph, graph) if graph else "") if part)
        name = (f"branch at step {checkpoint.step:,}" + (f", lr {rate:g}" if rate else "")
                + (f", {changes}" if changes else ""))
        self.branches.append(Branch(name, self.session.learning_rate_override,
                                    settings=settings_of(new), fork_step=checkpoint.step,
                                    graph=copy.deepcopy(self.session.project.graph)))
        self.current = len(self.branches) - 1
        self._resume_pending = False
        self.branches_changed.emit()
        self.branched.emit()
        if graph is not None:
            self.notice.emit(f"The branch trains the edited network from epoch "
                             f"{checkpoint.epoch} ({describe_edit(old_graph, graph)}): {kept}. "
                             "Its timeline starts at the fork; the moments before it belong "
                             "to the network it came from.")
        return True

    def switch_to(self, index: int) -> bool:
        """Train on the branch ``index`` from where it was left (exactly: its whole state was
        kept), with its settings and network; the one left keeps its state for later."""
        if index == self.current or not 0 <= index < len(self.branches):
            return False
        target = self.branches[index]
        run_graph, edit = self.session.project.graph, self.edited_graph()
        if target.present is None or not self._leave_current():
            return False
        present = target.present
        if not self._switch(lambda: self.session.branch_from(
                present, moments=target.moments, learning_rate=target.learning_rate,
                settings=target.settings, graph=target.graph)):
            return False
        target.present, target.moments, self.current = None, [], index
        self._resume_pending = False
        self.branches_changed.emit()
        self.resumed.emit(target.name)
        if target.history is not None:  # its numbers on the views again, its losses saved
            self.session.resume_history(target.history, target.last)
        target.history = target.last = None
        self._show_trained()
        if edit is not None:
            self.notice.emit(f"Your change to the network that had not been trained yet "
                             f"({describe_edit(run_graph, edit)}) was left behind: the canvas "
                             f"shows '{target.name}' now, the network that trains.")
        return True

    def keep_run(self, name: str, project: Any, start: Checkpoint, present: Checkpoint,
                 learning_rate: float | None, snapshots: list[Snapshot],
                 moments: list[Checkpoint] | None = None) -> Branch:
        """Add a Compare window's run (``project``: its network and settings) to the branch
        list, resting at ``present`` (its whole final state). Its moments: this run's before
        ``start``, then its own (``moments``; None: start and present); ``kept``: its curve."""
        names, own = [b.name for b in self.branches], moments or [start, present]
        same = network_of(project.graph) == network_of(self.session.project.graph)
        earlier = [c for c in self.store.checkpoints() if c.step < start.step] if same else []
        branch = Branch(unique_name(names, name), learning_rate, settings_of(project.training),
                        present, earlier + own, start.step, copy.deepcopy(project.graph),
                        *history_of(snapshots))  # its numbers, shown when switched to
        self.branches.append(branch)
        self.kept.emit(branch.name, list(snapshots))
        self.branches_changed.emit()
        return branch

    def _show_trained(self) -> None:
        """``switched`` with the network and settings the session trains now (the rate it
        trains with in the settings), for the window to show them."""
        project = self.session.project
        training: TrainConfig = copy.deepcopy(project.training)
        rate = self.session.learning_rate_override
        if rate is not None:
            training.optimizer_options = {**training.optimizer_options,
                                          "learning_rate": float(rate)}
        self.switched.emit(copy.deepcopy(project.graph), training)

    def _resume_current(self, mode: str = "running") -> bool:
        """A reopened project's first Play: its current branch goes on with its own state
        (saved whole; older files: the saved weights), settings, rate and network."""
        branch = self.branches[self.current]
        present = branch.present
        if present is None:  # saved by an earlier version: the saved weights
            present = self.session.present_checkpoint()
        if present is None:
            return False
        moments = self.store.checkpoints()
        if not self._switch(lambda: self.session.branch_from(
                present, moments=moments, learning_rate=branch.learning_rate,
                settings=branch.settings, graph=branch.graph, mode=mode)):
            return False
        branch.present, self._resume_pending = None, False
        self._show_trained()
        self.notice.emit(f"'{branch.name}' trains on with its own settings ("
                         f"{settings_text(branch)}).")
        return True

    def rename(self, index: int, name: str) -> None:
        if 0 <= index < len(self.branches) and name.strip():
            old, self.branches[index].name = self.branches[index].name, name.strip()
            self.renamed.emit(old, name.strip())
            self.branches_changed.emit()

    def delete(self, index: int) -> bool:
        """Forget a branch that is not training now (its state and timeline)."""
        if index == self.current or not 0 <= index < len(self.branches):
            return False
        gone = self.branches.pop(index)
        self.current -= 1 if index < self.current else 0
        self.branch_deleted.emit(gone.name)
        self.branches_changed.emit()
        return True

    def saved_branches(self) -> tuple[list[SavedBranch], int]:
        """The branch list to save with the timeline (``engine.timeline_file``), the current
        one with its whole state now, and its index; ``([], 0)`` with only the first run."""
        if len(self.branches) < 2:
            return [], 0
        saved = [b.saved() for b in self.branches]
        try:
            state = self._state_now()
        except Exception:  # noqa: BLE001 - saved without it: Play then goes on from the weights
            state = None
        if state is not None:
            present, settings, rate, graph = state
            saved[self.current] = Branch(
                self.branches[self.current].name, rate, settings, present, [],
                self.branches[self.current].fork_step, graph).saved()
        return saved, self.current

    def restore_branches(self, saved: list[SavedBranch], current: int) -> None:
        """Take a saved branch list (after its timeline was loaded into the store); the
        first Play then resumes the current branch (``takes_play``)."""
        if len(saved) > 1 and 0 <= current < len(saved):
            self.branches, self.current = [Branch.from_saved(b) for b in saved], current
            self._resume_pending = True
            self.branches_changed.emit()

    def _state_now(self) -> tuple[Checkpoint, dict[str, Any] | None, float | None,
                                  Graph | None] | None:
        """The current branch's whole state, settings, base rate and network now (a
        reopened one not trained since: as saved); None without a timeline."""
        branch = self.branches[self.current]
        if self._resume_pending and branch.present is not None:
            return branch.present, branch.settings, branch.learning_rate, branch.graph
        present = self.session.present_checkpoint()
        project = self.session.project
        if present is None or project is None:
            return None
        trainer = self.session.trainer  # the base rate it trained with (a rate set while
        rate = (trainer.optimizer.learning_rate  # paused is still pending: the new branch's)
                if isinstance(trainer, Trainer) else trainer.learning_rate()
                if can_resume(trainer) else branch.learning_rate)  # a GAN: its generator's
        canvas = self.graph_source() if self.graph_source is not None else None
        graph = canvas if canvas is not None and edited_network(project.graph, canvas) is None \
            else project.graph  # the canvas's when it is that network: boxes where left
        return present, settings_of(project.training), rate, copy.deepcopy(graph)

    def _leave_current(self) -> bool:
        """Keep the current branch's whole state and timeline before another trains."""
        try:
            state = self._state_now()
        except Exception as err:  # noqa: BLE001 - a message for the learner
            self.failed.emit(f"Could not keep the current run to come back to: {err}")
            return False
        if state is None:
            return False
        branch = self.branches[self.current]
        self.leaving.emit(branch.name)
        branch.present, branch.settings, branch.learning_rate, branch.graph = state
        branch.moments = self.store.checkpoints()
        branch.history, branch.last = self.session.kept_history()
        return True

    def _switch(self, start: Any) -> bool:
        self._switching = True
        try:
            return bool(start())
        finally:
            self._switching = False

    def back_to_now(self) -> None:
        """Show the present weights again (the views then follow the live run)."""
        if self.shown is None:
            return
        self.shown, self.last_past = None, None
        self.returned.emit()
        last = self.session.last_snapshot
        if last is None or not self.available:
            return
        try:
            weights = self.session.weights_snapshot()
        except Exception as err:  # noqa: BLE001 - a message for the learner
            self.failed.emit(f"Could not show the present network: {err}")
            return
        self._ask(Moment(weights, int(last.step), int(last.epoch), dict(last.metrics), False))

    # -- the background computation (``app.moment_probes``) ---------------------------------
    def _ask(self, moment: Moment) -> None:
        base = self.session.last_snapshot  # none yet: a branch that had ended, or preparing
        if base is None and not moment.is_past:
            return
        key, source = self._generation, None
        if key != self._sent_key or self.probes.needs_copy:  # a new run or new data
            source = (key, copy.deepcopy(self.session.project), self.session.data)
            self._sent_key = key
        self.probes.ask(source, moment, base or blank_snapshot(), self.session.probes,
                        self.session.probe_requests)

    def _on_computed(self, result: tuple[Moment, Snapshot]) -> None:
        moment, snap = result
        if moment.is_past != (self.shown is not None):
            return  # the learner moved on (back to now, or scrubbed again)
        if moment.is_past:
            self.last_past = snap
        self.moment_ready.emit(snap)

    # -- session events ----------------------------------------------------------------------
    def _on_new_run(self) -> None:
        """A new model or run: the copy is rebuilt on the next request; back to the present."""
        self._generation += 1
        if not self._switching:  # a new run (Reset, another project): one branch again
            self.branches, self.current = [Branch("first run")], 0
            self._resume_pending = False
            self.branches_changed.emit()
        self.shown, self.last_past = None, None
        self.returned.emit()

    def _on_new_data(self, _data: Any) -> None:
        self._generation += 1  # the learner edited the points: probes of the new data

    def _on_state_changed(self, state: str) -> None:
        if state == "running" and self.shown is not None:
            self.shown, self.last_past = None, None  # Play resumes from the present
            self.returned.emit()
