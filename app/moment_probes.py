"""The timeline's background computation: the views of a past moment, off the GUI thread.

``MomentProbes.ask(source, moment, base, probes, requests)`` computes the probes of
``moment``'s weights (decision map, neuron maps, confusion matrix, weights, and the
introspection probes the Look-inside views asked for) on a private COPY of the model: a
trainer prepared from ``source`` (``(key, project, data)``: given for a new run or new data,
None to reuse the copy) by ``engine.recipes.prepare``, loaded with the moment's weights and
asked through the worker's probe path (``app.worker.with_introspection``,
``ProbeSet.compute``). Requests coalesce: while one moment is computed, only the newest
wanted one follows. Results arrive on the GUI thread as ``computed((moment, Snapshot))`` or
``failed(str)`` (a learner-readable message). No QtWidgets.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.worker import with_introspection
from engine.recipes import prepare
from engine.snapshots import STEP, Snapshot
from engine.trainer_protocol import RecipeTrainer

log = logging.getLogger(__name__)

POLL_MS = 15


@dataclass(frozen=True)
class Moment:
    """Weights to show, with the counters and metrics of the moment they were taken."""

    weights: dict[str, Any]
    step: int
    epoch: int
    metrics: dict[str, float]
    is_past: bool


class MomentProbes(QObject):
    """One background thread at a time computes the newest wanted moment's views."""

    computed = Signal(object)  # (Moment, Snapshot)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._copy: RecipeTrainer | None = None  # prepared once per run, used by the thread
        self._copy_model: Any = None  # its model (a GAN's: both networks)
        self._lock = threading.Lock()
        self._wanted: tuple[Any, ...] | None = None
        self._busy = False
        self.needs_copy = True  # the next request must bring a source (a new copy)
        self._results: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._drain)

    def ask(self, source: tuple[Any, Any, Any] | None, moment: Moment, base: Snapshot,
            probes: list[str], requests: dict[str, Any]) -> None:
        """Compute ``moment``'s views (GUI thread); ``source``: ``(key, project, data)`` for
        a new private copy, None to reuse the one prepared."""
        if source is not None:
            self.needs_copy = False
        job = (source, moment, base, probes, requests)
        with self._lock:
            if source is None and self._wanted is not None:
                job = (self._wanted[0], *job[1:])  # keep a copy not yet prepared
            self._wanted = job
            start = not self._busy
            self._busy = True
        if start:
            threading.Thread(target=self._work, name="timeline", daemon=True).start()
        self._timer.start()

    def _work(self) -> None:
        """Background thread: compute every wanted moment, newest last, then end."""
        try:
            while True:
                with self._lock:
                    job, self._wanted = self._wanted, None
                    if job is None:
                        self._busy = False
                        return
                source, *rest = job
                if source is not None:
                    _key, project, data = source
                    copied = prepare(project, data)
                    self._copy, self._copy_model = copied.trainer, copied.model
                self._results.put(("moment", self._compute(*rest)))
        except Exception as err:  # noqa: BLE001 - the thread must end cleanly
            log.exception("timeline probes failed")
            with self._lock:
                self._busy, self._wanted = False, None
            self.needs_copy = True  # prepare a new copy next time
            self._results.put(("failed", "The network of that moment could not be shown "
                                         f"({type(err).__name__}); try another moment."))

    def _compute(self, moment: Moment, base: Snapshot, probes: list[str],
                 requests: dict[str, Any]) -> tuple[Moment, Snapshot]:
        trainer, model = self._copy, self._copy_model
        assert trainer is not None and model is not None
        model.set_weights(moment.weights, strict=True)
        grid = trainer.probe_grid
        names = with_introspection(trainer, probes, requests, None)
        values = grid.compute(names) if names and grid is not None else {}
        metrics = moment.metrics
        snap = replace(base, event=STEP, step=moment.step, epoch=moment.epoch,
                       batch_losses=(), epoch_rows=(), message=None, probes=values,
                       metrics=metrics, train_loss=metrics.get("train_loss"),
                       val_loss=metrics.get("val_loss"))
        return moment, snap

    def _drain(self) -> None:
        while True:
            try:
                kind, payload = self._results.get_nowait()
            except queue.Empty:
                break
            if kind == "failed":
                self.failed.emit(payload)
            else:
                self.computed.emit(payload)
        with self._lock:
            idle = not self._busy
        if idle and self._results.empty():
            self._timer.stop()
