"""The background half of a training session: pulls snapshots from the engine's generator.

A ``TrainingWorker`` runs ``trainer.run(should_stop)`` on a daemon ``threading.Thread`` and
hands its results to the GUI thread through a thread-safe queue of ``(kind, payload)`` events
that the session drains with a timer: ``snapshot`` (a possibly merged ``Snapshot``),
``activity`` ("running" when pulling, "paused" once parked), ``ended`` (the final snapshot or
None), ``failed`` (a learner-readable message; the thread then ends), ``data_replaced`` (the
new ``Dataset`` is now trained on) and ``data_rejected`` (why it could not be; training goes
on with the old data).

New data (``update_data``: the learner edited the points) is swapped in between two pulls
(``trainer.replace_data``), or at once while parked, and the next snapshot carries probes of
the new data, so the decision map reacts without waiting for the probe interval.

The worker never touches Qt: every Qt object stays in the GUI thread, so there is no thread
affinity to get wrong, and an abandoned daemon thread (shutdown timeout) cannot call into a
deleted QObject.

Control is a *mode* guarded by a condition variable: ``running`` pulls continuously, ``paused``
blocks before the next pull, ``step`` pulls exactly one optimizer step, ``epoch`` pulls until
the epoch ends, ``stopping`` ends the run. Pause and stop therefore take effect after the chunk
in flight, and chunks are sized (``trainer.config.snapshot_every``) to take about 20 ms.

Throttling happens here: step snapshots are merged (their ``batch_losses`` concatenated) and
queued at most ~30 times a second; epoch-end, parking and final snapshots always are. Which
probes a pull computes is ``app.probe_schedule``'s call: the decision map (or regression
curve) with every emitted snapshot, the other probes as often as their cost allows; all are
recomputed whenever the run comes to rest (pause, single step, end) so a paused picture always
shows the current weights.

Introspection probes (saliency, FGSM, latent points, dynamics, evaluation: see
``engine.introspection``) ride along with the heavy probes: ``set_probe_requests`` hands the
GUI's ``{probe: options}`` over, ``with_introspection`` gives them to the trainer's probe set
(a time budget per frame while running, none at rest), and results arrive in
``snapshot.probes["introspection:NAME"]``. New requests make the next pull compute probes, and
a parked worker wakes up to show them at once.

Weights leave a running model only through ``call_between_steps(fn)``: the training thread
runs ``fn`` (e.g. ``model.get_weights``) between two pulls, while parked or while it waits
under a speed limit, never in the middle of an optimizer step, and hands back a ``Future``.

The timeline's checkpoints (``engine.checkpoints``, given as ``checkpoints``; every recipe)
are recorded here too, on the training thread: before the first pull, after each pull when the
schedule says one is due (a pull ends where the next is due) and at the end of the run.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

from app.probe_schedule import EARLY_S, EMIT_INTERVAL_S, FRAME_PROBES, ProbeSchedule
from app.worker_support import (  # re-exported: the session and tests import them from here
    ChunkSizer,
    merge_snapshots,
    share_the_gil,
    with_introspection,
)
from engine.checkpoints import CheckpointStore
from engine.probes import INTROSPECTION_BUDGET_S, ProbeSet
from engine.snapshots import DIVERGED, STEP, STOPPED, Snapshot
from engine.trainer_protocol import RecipeTrainer
from engine.training import trim_history
from engine.types import LayerLabError

log = logging.getLogger(__name__)

MODES = ("running", "paused", "step", "epoch", "stopping")
TRAINER_HISTORY_KEEP = 10_000  # newest per-epoch entries the trainer keeps (app/history.py)


class TrainingWorker:
    """Runs one training run of ``trainer`` on a daemon thread; controlled from the GUI."""

    def __init__(self, trainer: RecipeTrainer, probes: list[str],
                 mode: str = "running", checkpoints: CheckpointStore | None = None) -> None:
        self.trainer = trainer
        self.checkpoints = checkpoints  # the timeline's (engine.checkpoints), supervised only
        self.events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._cond = threading.Condition()
        self._mode = mode
        self._probes = list(probes)
        self._requests: dict[str, dict[str, Any]] = {}  # introspection probes the GUI wants
        self._requests_new = False  # changed since the last pull (compute them next)
        self._pending_lr: float | None = None
        self._step_rate = 0.0  # most optimizer steps per second (0: as fast as possible)
        self._rate_clock = 0.0  # perf_counter time before which the next pull must wait
        self._new_data: Any = None  # a Dataset waiting to be swapped in
        self._calls: list[tuple[Callable[[], Any], Future[Any]]] = []  # call_between_steps
        self._sizer = ChunkSizer()
        self._pending: Snapshot | None = None  # merged step snapshots not yet emitted
        self._last: Snapshot | None = None  # latest snapshot produced (emitted or pending)
        self._last_sent = 0.0
        self._schedule = ProbeSchedule()
        self._probes_step = -1  # step at which the latest probes were computed
        self._probe_values: dict[str, Any] = {}  # and those probes
        self._paused_total = 0.0
        self._thread = threading.Thread(target=self._main, name="training", daemon=True)

    # -- control (GUI thread) ------------------------------------------------------------------
    def start(self) -> None:
        share_the_gil()
        self._thread.start()

    def request(self, mode: str) -> None:
        """Switch mode; takes effect after the chunk in flight (a stop request is final)."""
        if mode not in MODES:
            raise ValueError(f"unknown worker mode {mode!r}")
        with self._cond:
            if self._mode != "stopping":
                self._mode = mode
            self._cond.notify_all()

    @property
    def mode(self) -> str:
        return self._mode

    def set_learning_rate(self, lr: float) -> None:
        with self._cond:
            self._pending_lr = lr

    def set_step_rate(self, steps_per_second: float) -> None:
        """Slow training down to at most this many steps a second (0: full speed), so a
        learner can watch a small network learn; takes effect at the next chunk."""
        with self._cond:
            self._step_rate = max(0.0, float(steps_per_second))
            self._rate_clock = 0.0
            self._cond.notify_all()

    def update_data(self, data: Any) -> None:
        """Train on ``data`` from the next chunk on (applied at once while paused)."""
        with self._cond:
            self._new_data = data
            self._cond.notify_all()

    def set_probes(self, names: list[str]) -> None:
        with self._cond:
            self._probes = list(names)

    def set_probe_requests(self, requests: dict[str, dict[str, Any]]) -> None:
        """Introspection probes ``{name: options}`` from the next pull on (at once if parked)."""
        with self._cond:
            self._requests = {k: dict(v or {}) for k, v in requests.items()}
            self._requests_new = True
            self._cond.notify_all()

    def call_between_steps(self, fn: Callable[[], Any]) -> Future[Any]:
        """Run ``fn`` on the training thread between two steps; its result (or exception)
        arrives in the returned ``Future``. A thread that has ended answers no more calls:
        check ``is_alive()`` after a timeout."""
        future: Future[Any] = Future()
        with self._cond:
            self._calls.append((fn, future))
            self._cond.notify_all()
        return future

    def _serve_calls(self) -> None:
        """Answer the pending ``call_between_steps`` (training thread, between steps)."""
        with self._cond:
            calls, self._calls = self._calls, []
        for fn, future in calls:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn())
                except Exception as err:  # noqa: BLE001 - handed to the caller
                    future.set_exception(err)

    def halt(self, timeout: float) -> bool:
        """Ask the run to stop and wait up to ``timeout`` s; True when the thread has ended."""
        self.request("stopping")
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def take_events(self) -> list[tuple[str, Any]]:
        """Everything the thread reported since the last call, oldest first."""
        out = []
        while True:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                return out

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- the thread ------------------------------------------------------------------------------
    def _main(self) -> None:
        try:
            final = self._loop()
        except LayerLabError as err:
            self._send("failed", str(err))
        except Exception as err:  # noqa: BLE001 - the thread must end cleanly, whatever happens
            log.exception("training worker crashed")
            self._send("failed", f"Training failed unexpectedly: {type(err).__name__}: {err}")
        else:
            self._send("ended", final)
        finally:
            self._serve_calls()  # the model no longer changes: answer late callers too

    def _loop(self) -> Snapshot | None:
        generator = self.trainer.run(self._should_stop)
        self._record_checkpoint(None)
        try:
            while True:
                self._serve_calls()
                mode = self._wait_for_work()
                if mode == "stopping":
                    return self._stopped_while_parked()
                snap = self._pull(generator, mode)
                self._record_checkpoint(snap)
                if snap is None:  # the generator ended without a final snapshot
                    return self._flush_final(None)
                if snap.is_final:
                    return self._flush_final(snap)
                resting = self._after_pull(snap)
                self._deliver(snap, resting)
                trim_history(self.trainer.history, TRAINER_HISTORY_KEEP)  # long runs
        finally:
            generator.close()

    def _should_stop(self) -> bool:
        return self._mode == "stopping"

    def _wait_for_work(self) -> str:
        """Block while paused (announcing it once); return the mode to run."""
        with self._cond:
            if self._mode != "paused":
                return self._mode
        self._flush_resting()
        self._send("activity", "paused")
        parked = time.perf_counter()
        while True:
            with self._cond:
                while (self._mode == "paused" and self._new_data is None
                       and not self._requests_new and not self._calls):
                    self._cond.wait()
                mode = self._mode
            self._serve_calls()
            if mode != "paused":
                break
            if self._apply_new_data() or self._take_new_requests():  # parked: show them now
                self._probes_step = -1
                self._flush_resting()
        self._paused_total += time.perf_counter() - parked
        if mode != "stopping":
            self._send("activity", "running")
        return mode

    def _pull(self, generator: Any, mode: str) -> Snapshot | None:
        """One chunk of training: apply live settings, then take the next snapshot."""
        config, now = self.trainer.config, time.perf_counter()
        with self._cond:
            lr, self._pending_lr, probes = self._pending_lr, None, list(self._probes)
        if lr is not None:
            self.trainer.set_learning_rate(lr)
        swapped = self._apply_new_data()
        asked = self._take_new_requests()
        config.snapshot_every = 1 if mode == "step" else self._chunk_steps()
        if self.checkpoints is not None:  # end the pull where the next checkpoint is due
            due = self.checkpoints.steps_until_due(self.trainer.step)
            config.snapshot_every = min(config.snapshot_every, due)
        kind = self._schedule.choose(now, swapped or asked or mode == "step", self._step_rate > 0)
        if kind == "full":
            config.probes = self._with_introspection(probes, INTROSPECTION_BUDGET_S)
        else:
            config.probes = [name for name in probes if kind == "frame" and name in FRAME_PROBES]
        before = self._last.step if self._last is not None else 0
        snap = next(generator, None)
        if snap is None:
            return None
        seconds = time.perf_counter() - now
        self._sizer.update(seconds, snap.step - before)
        if mode != "step":
            self._keep_to_step_rate(snap.step - before)
        if snap.probes:
            grid = self.trainer.probe_grid
            self._schedule.computed(kind, now, grid.last_seconds if isinstance(grid, ProbeSet)
                                    else 0.0)
            if kind == "full":  # a frame alone leaves the rest at its own step: stale at rest
                self._probes_step, self._probe_values = snap.step, snap.probes
            else:
                self._probe_values = {**self._probe_values, **snap.probes}
        return self._excluding_pauses(snap)

    def _record_checkpoint(self, snap: Snapshot | None) -> None:
        """A checkpoint of the weights when one is due, and at the end (not of a diverged
        run): on the training thread, between two steps (``engine.checkpoints``: every
        recipe's whole state)."""
        store, trainer = self.checkpoints, self.trainer
        if store is None or (snap is not None and snap.event == DIVERGED):
            return
        metrics = {k: v[-1] for k, v in trainer.history.items() if v and k != "epoch_time"}
        store.maybe_record(trainer, metrics, force=snap is not None and snap.is_final)

    def _chunk_steps(self) -> int:
        """Steps of the next pull: ~20 ms of work, and under a speed limit the steps due until
        the next snapshot is (~1/30 s), so the views still move smoothly. A pull cut short by an
        epoch's end is followed by one that ends on time (a full 1/30 s after it left 33 + 7
        step pulls on the 40-step spiral, and the GUI got a snapshot only every 40 ms)."""
        rate = self._step_rate
        if rate <= 0:
            return self._sizer.steps
        left = EMIT_INTERVAL_S - (time.perf_counter() - self._last_sent)
        window = left if left > EARLY_S else EMIT_INTERVAL_S
        return max(1, min(self._sizer.steps, round(rate * window)))

    def _keep_to_step_rate(self, steps: int) -> None:
        """Under a speed limit, wait until ``steps`` steps are due; a mode change (pause,
        stop) or a new limit ends the wait at once."""
        with self._cond:
            rate = self._step_rate
            if rate <= 0 or steps <= 0:
                return
            now = time.perf_counter()
            self._rate_clock = max(self._rate_clock, now - 0.1) + steps / rate
            mode = self._mode
            while self._mode == mode and self._step_rate == rate:
                left = self._rate_clock - time.perf_counter()
                if left <= 0:
                    break
                if self._calls:  # between two steps: answer them without leaving the wait
                    self._cond.release()
                    try:
                        self._serve_calls()
                    finally:
                        self._cond.acquire()
                    continue
                self._cond.wait(left)

    def _take_new_requests(self) -> bool:
        with self._cond:
            new, self._requests_new = self._requests_new, False
        return new

    def _with_introspection(self, names: list[str], budget_s: float | None) -> list[str]:
        with self._cond:
            requests = self._requests
        return with_introspection(self.trainer, names, requests, budget_s)

    def _apply_new_data(self) -> bool:
        """Swap in the data given by ``update_data``, if any; True when it was swapped."""
        with self._cond:
            data, self._new_data = self._new_data, None
        if data is None:
            return False
        try:
            self.trainer.replace_data(data)
        except LayerLabError as err:
            self._send("data_rejected", str(err))
            return False
        except Exception as err:  # noqa: BLE001 - keep training on the old data
            log.exception("new data rejected")
            self._send("data_rejected", f"The new data cannot be used: {type(err).__name__}: "
                                        f"{err}")
            return False
        self._probes_step = -1  # the probes shown so far were computed on the old data
        self._send("data_replaced", data)
        return True

    def _excluding_pauses(self, snap: Snapshot) -> Snapshot:
        elapsed = max(snap.elapsed - self._paused_total, 1e-9)
        return replace(snap, elapsed=elapsed, samples_per_second=snap.samples_seen / elapsed)

    def _after_pull(self, snap: Snapshot) -> bool:
        """Leave step/epoch mode when its goal is reached; True when the run now rests."""
        with self._cond:
            if self._mode == "step" or (self._mode == "epoch" and snap.event != STEP):
                self._mode = "paused"
            return self._mode in ("paused", "stopping")

    # -- delivery -----------------------------------------------------------------------------
    def _deliver(self, snap: Snapshot, force: bool) -> None:
        """Merge into the pending snapshot; emit when forced or due (~30 Hz).

        Epoch ends are throttled too (tiny datasets finish hundreds of epochs a second);
        their metrics survive the merge in ``epoch_rows``.
        """
        self._last = snap
        merged = merge_snapshots(self._pending, snap)
        due = time.perf_counter() - self._last_sent >= EMIT_INTERVAL_S - EARLY_S
        if force or due:
            if force:
                merged = self._fresh_probes(merged)
            self._pending = None
            self._send_snapshot(merged)
        else:
            self._pending = merged

    def _flush_resting(self) -> None:
        """Before parking: emit what is pending, with probes of the current weights."""
        if self._pending is not None:
            snap, self._pending = self._fresh_probes(self._pending), None
            self._send_snapshot(snap)
        elif self._last is not None and self._stale_probes(self._last):
            refresh = replace(self._last, event=STEP, batch_losses=(), message=None)
            self._send_snapshot(self._fresh_probes(refresh))

    def _flush_final(self, final: Snapshot | None) -> Snapshot | None:
        if final is None:
            if self._pending is not None:
                self._send_snapshot(self._fresh_probes(self._pending))
                final, self._pending = self._pending, None
            return final
        final = self._fresh_probes(merge_snapshots(self._pending, final))
        self._pending = None
        self._send_snapshot(final)
        return final

    def _stopped_while_parked(self) -> Snapshot | None:
        """Stop requested outside a pull: end the run as it stands (no extra step)."""
        if self._last is None:
            return self._flush_final(None)
        base = replace(self._last, event=STOPPED, batch_losses=(), message=None,
                       probes=self._probe_values)
        return self._flush_final(base)

    def _stale_probes(self, snap: Snapshot) -> bool:
        return (bool(self._probes or self._requests) and self._probes_step != snap.step
                and snap.event != DIVERGED)

    def _fresh_probes(self, snap: Snapshot) -> Snapshot:
        """``snap`` with probes recomputed on the current weights, when they are out of date."""
        grid = self.trainer.probe_grid
        if grid is None or not self._stale_probes(snap):
            return snap
        with self._cond:
            names = list(self._probes)
        names = self._with_introspection(names, None)  # at rest: every requested probe
        self._probes_step, self._probe_values = snap.step, grid.compute(names)
        return replace(snap, probes={**snap.probes, **self._probe_values})

    def _send_snapshot(self, snap: Snapshot) -> None:
        self._last_sent = time.perf_counter()
        self._send("snapshot", snap)

    def _send(self, kind: str, payload: Any) -> None:
        self.events.put((kind, payload))
