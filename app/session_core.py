"""The training session's state and the delivery of its worker's events to the GUI thread.

``SessionCore`` holds what every part of ``app.session.TrainingSession`` shares: the signals
the views listen to, the state (``STATES``), the prepared run, the history, the Coach, the
timeline's checkpoints, and the worker. The worker thread never touches Qt (``app.worker``):
a GUI-thread ``QTimer`` drains its event queue every ``POLL_MS`` while a run is alive, merges
consecutive snapshots (``coalesce_snapshots``: a GUI thread that fell behind draws the latest
state once, every loss kept) and turns them into ``snapshot_ready``, ``state_changed``,
``run_finished``, ``error_occurred`` and ``data_replaced``. States come from what the worker
actually does: ``paused`` is emitted once it has parked.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from app.coach_monitor import CoachMonitor
from app.history import TrainingHistory
from app.preparation import probes_now
from app.worker import TrainingWorker, merge_snapshots
from engine.checkpoints import CheckpointStore
from engine.datasets.base import Dataset
from engine.model import Model
from engine.prepared import Prepared
from engine.project import Project
from engine.snapshots import STEP, STOPPED, Snapshot
from engine.trainer_protocol import RecipeTrainer

log = logging.getLogger(__name__)

# "preparing": a new model is being built off the GUI thread (``app.preparation``)
STATES = ("idle", "preparing", "running", "paused", "finished", "stopped", "error")
HALT_TIMEOUT_S = 1.0
POLL_MS = 8  # how often the GUI thread collects the worker's events while a run is alive


def coalesce_snapshots(events: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """``events`` with each run of consecutive snapshots merged into one (every loss and epoch
    row kept, the newest probes): a GUI thread that fell behind draws the latest state once
    instead of replaying every frame it missed."""
    out: list[tuple[str, Any]] = []
    for kind, payload in events:
        if kind == "snapshot" and out and out[-1][0] == "snapshot":
            out[-1] = (kind, merge_snapshots(out[-1][1], payload))
        else:
            out.append((kind, payload))
    return out


class SessionCore(QObject):
    """Shared state of a training session; every method is called from the GUI thread."""

    snapshot_ready = Signal(object)  # Snapshot
    state_changed = Signal(str)
    error_occurred = Signal(str)
    run_finished = Signal(object)  # the final Snapshot
    history_cleared = Signal()
    data_replaced = Signal(object)  # the Dataset the run trains on from now on
    advice_changed = Signal(list)  # list[engine.coach.Advice]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = TrainingHistory()
        self.project: Project | None = None
        self.prepared: Prepared | None = None
        self.last_snapshot: Snapshot | None = None
        self._state = "idle"
        self._probes: list[str] = []
        self._requests: dict[str, dict[str, Any]] = {}  # introspection probes the views want
        self.coach = CoachMonitor(self.history)
        self._lr_override: float | None = None
        self.step_rate = 0.0  # most steps a second (0: full speed); the training panel's Speed
        self._worker: TrainingWorker | None = None
        self.checkpoint_cap: int | None = None  # the timeline's memory cap (None: by model)
        self.checkpoints = CheckpointStore(self.checkpoint_cap)  # this run's (app.timeline)
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_MS)
        self._poll_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._poll_timer.timeout.connect(self._on_poll_timer_timeout)

    # -- read-only views -------------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    @property
    def model(self) -> Model | None:
        return self.prepared.model if self.prepared else None

    @property
    def data(self) -> Dataset | None:
        return self.prepared.data if self.prepared else None

    @property
    def trainer(self) -> RecipeTrainer | None:
        return self.prepared.trainer if self.prepared else None

    @property
    def probes(self) -> list[str]:
        return list(self._probes)

    @property
    def probe_requests(self) -> dict[str, dict[str, Any]]:
        """The introspection probes the views asked for, ``{name: options}``."""
        return {name: dict(opts) for name, opts in self._requests.items()}

    def set_checkpoint_cap(self, cap_bytes: int) -> None:
        """The timeline's memory cap (the learner's), for this run and the next ones."""
        self.checkpoint_cap = max(0, int(cap_bytes))
        self.checkpoints.set_cap(self.checkpoint_cap)

    def is_worker_alive(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    def wait_for_worker(self, timeout: float = HALT_TIMEOUT_S) -> bool:
        """Block until the worker thread has ended (tests, shutdown); True when it has."""
        return self._worker is None or self._worker.join(timeout)

    # -- shared internals ------------------------------------------------------------------------
    def _probes_now(self) -> dict[str, Any]:
        """Every probe (and requested introspection probe) on the current weights."""
        return probes_now(self.trainer, self._probes, self._requests)

    def _show_probes_of_new_data(self) -> None:
        """A snapshot (no new losses) with probes of the current weights on the new data."""
        probes = self._probes_now()
        if self.last_snapshot is None or not probes:
            return
        snap = replace(self.last_snapshot, event=STEP, batch_losses=(), epoch_rows=(),
                       message=None, probes=probes)
        self._take_snapshot(snap)

    def _halt_worker(self) -> None:
        """Stop the worker and forget it with its unread events."""
        worker, self._worker = self._worker, None
        self._poll_timer.stop()
        if worker is None:
            return
        if not worker.halt(HALT_TIMEOUT_S):
            log.warning("training thread did not stop within %.1f s; abandoned (daemon)",
                        HALT_TIMEOUT_S)

    def _clear_history(self) -> None:
        self.history.clear()
        self.checkpoints = CheckpointStore(self.checkpoint_cap)  # a new run: a new timeline
        self.history_cleared.emit()
        if self.coach.reset():
            self.advice_changed.emit([])

    def _fail(self, message: str) -> None:
        self.error_occurred.emit(message)
        self._set_state("error")

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    # -- worker events (collected in the GUI thread) -----------------------------------------------
    def _on_poll_timer_timeout(self) -> None:
        worker = self._worker
        if worker is None:
            self._poll_timer.stop()
            return
        for kind, payload in coalesce_snapshots(worker.take_events()):
            if worker is not self._worker:  # a handler ended or replaced the run
                return
            if kind == "snapshot":
                self._take_snapshot(payload)
            elif kind == "activity" and self._state in ("running", "paused"):
                self._set_state(payload)
            elif kind == "ended":
                self._end_run(worker, payload)
            elif kind == "failed":
                self._forget_worker(worker)
                self._fail(payload)
            elif kind == "data_replaced" and self.prepared is not None:
                self.prepared.data = payload
                self.data_replaced.emit(payload)
            elif kind == "data_rejected":
                self.error_occurred.emit(payload)

    def _take_snapshot(self, snap: Snapshot) -> None:
        self.history.add(snap)
        self.last_snapshot = snap
        self.snapshot_ready.emit(snap)
        advice = self.coach.take(snap)
        if advice is not None:
            self.advice_changed.emit(advice)

    def _end_run(self, worker: TrainingWorker, final: Snapshot | None) -> None:
        stopped = worker.mode == "stopping"
        self._forget_worker(worker)
        if final is not None:
            stopped = final.event == STOPPED
            self.run_finished.emit(final)
        self._set_state("stopped" if stopped else "finished")

    def _forget_worker(self, worker: TrainingWorker) -> None:
        """The thread has sent its last event: it ends at once."""
        self._worker = None
        self._poll_timer.stop()
        worker.join(HALT_TIMEOUT_S)
