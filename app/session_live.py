"""Live changes to a training session: data, probes, learning rate, recipe options, speed.

Each one reaches the run in the training thread between two steps while a run is alive
(through the ``TrainingWorker``), and the loaded trainer at once otherwise (while idle,
paused, ended, or while a new run is being prepared: then it is kept for the new trainer).
"""

from __future__ import annotations

import copy
import math
from typing import Any

from app.preparation import describe_error
from app.session_core import SessionCore
from engine.datasets.base import Dataset
from engine.trainer_protocol import RecipeTrainer


class SessionLive(SessionCore):
    """The live controls of ``app.session.TrainingSession`` (GUI thread)."""

    def update_data(self, data: Dataset, spec: dict[str, Any] | None = None) -> bool:
        """Train on ``data`` from now on, keeping the weights (Playground-style live editing).

        While a run is alive the worker swaps it in between two chunks and ``data_replaced``
        follows; otherwise it is swapped at once and the views get a snapshot with probes of
        the new data. Data that does not fit the network (another input shape, a class beyond
        the output units) gives ``error_occurred`` and training goes on with the old data.
        False when nothing is loaded or the data was rejected at once. ``spec`` (the dataset
        spec ``data`` was loaded from) is recorded in the session's copy of the project.
        """
        if self.prepared is None:
            return False
        if spec is not None and self.project is not None and self.data_problem(data) is None:
            self.project.dataset = copy.deepcopy(spec)
        if self._worker is not None and self._worker.is_alive():
            self._worker.update_data(data)
            return True
        trainer = self.prepared.trainer
        try:
            trainer.replace_data(data)
        except Exception as err:  # noqa: BLE001 - shown to the learner, never raised into Qt
            self.error_occurred.emit(describe_error(err))
            return False
        self.prepared.data = data
        self.data_replaced.emit(data)
        self._show_probes_of_new_data()
        return True

    def data_problem(self, data: Dataset) -> str | None:
        """Why ``update_data(data)`` would be refused (None when it would be accepted).

        Only reads the model and the trainer's settings, so it is safe while a run is alive:
        the window asks before choosing between a live update and a reload.
        """
        trainer = self.trainer
        if trainer is None:
            return "Nothing is loaded for training yet."
        try:
            trainer.check_replacement(data)
        except Exception as err:  # noqa: BLE001 - a message for the learner
            return describe_error(err)
        return None

    def set_probe_requests(self, requests: dict[str, dict[str, Any]]) -> None:
        """The introspection probes the views want, ``{name: options}`` (see
        ``engine.introspection``); they refresh live, and at once while paused or idle.
        The same requests again change nothing (the views resend them on every context
        change; each recompute on the GUI thread can take a few hundred ms)."""
        wanted = {name: dict(opts or {}) for name, opts in requests.items()}
        if _same(wanted, self._requests):
            return
        self._requests = wanted
        if self._worker is not None and self._worker.is_alive():
            self._worker.set_probe_requests(self._requests)
        else:
            self._show_probes_of_new_data()

    def set_probes(self, names: list[str]) -> None:
        """Choose the heavy probes (e.g. add "weights" when the network view opens)."""
        self._probes = list(names)
        if self._worker is not None:
            self._worker.set_probes(self._probes)

    def set_learning_rate(self, lr: float) -> None:
        """Change the learning rate live; the next optimizer step uses it."""
        try:
            value = float(lr)
        except (TypeError, ValueError):
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            self.error_occurred.emit(f"The learning rate must be a positive number, not {lr}.")
            return
        self._lr_override = value
        if self._worker is not None and self._worker.is_alive():
            self._worker.set_learning_rate(value)
        elif self.trainer is not None:
            self.trainer.set_learning_rate(value)

    def set_recipe_options(self, options: dict[str, Any]) -> None:
        """Recipe options (β, KL warm-up, GAN learning rates...) for the loaded trainer, which
        re-reads ``config.recipe_options`` before every chunk. While a run is alive the
        training thread applies them between two steps (``call_between_steps``), never the
        GUI thread; with no run alive they are applied at once."""
        trainer, worker, opts = self.trainer, self._worker, dict(options)
        if trainer is None:
            return

        def apply(target: RecipeTrainer = trainer) -> None:
            target.config.recipe_options = dict(opts)

        if worker is not None and worker.is_alive():
            done = worker.call_between_steps(apply)
            if not worker.is_alive() and not done.done():  # ended before serving it
                apply()
        else:
            apply()

    def set_step_rate(self, steps_per_second: float) -> None:
        """Limit training to this many optimizer steps a second (0: full speed), live."""
        self.step_rate = max(0.0, float(steps_per_second))
        if self._worker is not None and self._worker.is_alive():
            self._worker.set_step_rate(self.step_rate)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """``a == b`` for probe requests, whose options may hold arrays (a picked image): two
    different arrays count as a change."""
    try:
        return bool(a == b)
    except (ValueError, TypeError):  # arrays compared element-wise
        return False
