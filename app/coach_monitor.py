"""The Coach, live: runs ``engine.coach`` over a session's history while it trains.

``CoachMonitor.take(snapshot)`` is called by ``TrainingSession`` for every snapshot (GUI
thread). It collects the ``"introspection:dynamics"`` frames (each once, oldest first) and,
after an epoch ends (or the run ends), runs the rules over the ``TrainingHistory`` at most
once every ``interval`` seconds. It returns the new advice list only when what the Coach says
has changed (kind, severity or message), so the panel is never spammed with the same cards;
otherwise None. The chance level of a classifier (``History.chance_accuracy``) comes from the
latest ``"confusion"`` probe. ``announce(advice)`` gives the cards not yet announced in this
run (one kind once, until ``reset``), so the window can post a one-line notice per new card.
No Qt: the session owns the signal.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from engine.coach import Advice, chance_from_confusion, coach, history_from_columns
from engine.snapshots import Snapshot

DYNAMICS_KEY = "introspection:dynamics"
MAX_FRAMES = 300  # dynamics frames kept for the rules (the newest ones)


class CoachMonitor:
    """Advice from a history (``app.session.TrainingHistory``) and the dynamics frames seen."""

    def __init__(self, history: Any, interval: float = 1.0) -> None:
        self.history, self.interval = history, interval
        self.frames: deque[dict[str, Any]] = deque(maxlen=MAX_FRAMES)
        self.advice: list[Advice] = []
        self._last_frame: Any = None
        self._last_run = -float("inf")
        self._due = False  # an epoch ended since the last run
        self.chance: float | None = None  # majority-class share (classifiers), from "confusion"
        self.announced: set[str] = set()  # advice kinds already announced in this run
        self.linear = False  # the model has no non-linearity (History.linear_model)
        self.adversarial = False  # a GAN run (History.adversarial): no loss-curve rules

    def reset(self) -> bool:
        """Forget the run (new model); True when there was advice to take back."""
        had = bool(self.advice)
        self.frames.clear()
        self.advice, self._last_frame, self._due = [], None, False
        self._last_run = -float("inf")
        self.chance = None
        self.announced.clear()
        return had

    def announce(self, advice: list[Advice]) -> list[Advice]:
        """The cards of ``advice`` whose kind was not announced since ``reset`` (marked now)."""
        fresh = [a for a in advice if a.kind not in self.announced]
        self.announced.update(a.kind for a in fresh)
        return fresh

    def take(self, snap: Snapshot) -> list[Advice] | None:
        """Record ``snap`` (already added to the history); the new advice or None."""
        frame = snap.probes.get(DYNAMICS_KEY)
        if isinstance(frame, dict) and "error" not in frame and frame is not self._last_frame:
            self._last_frame = frame
            self.frames.append(frame)
        confusion = snap.probes.get("confusion")
        if confusion is not None:
            self.chance = chance_from_confusion(confusion)
        self._due = self._due or bool(snap.epoch_rows)
        now = time.monotonic()
        if not (snap.is_final or (self._due and now - self._last_run >= self.interval)):
            return None
        self._last_run, self._due = now, False
        return self._update(coach(self._history(snap)))

    def run_now(self, learning_rate: float | None = None) -> list[Advice]:
        """The rules over everything seen so far (tests, a paused run)."""
        h = self.history
        history = history_from_columns(h.epochs, h.metrics, h.step_losses, list(self.frames),
                                       learning_rate, self.chance, h.first_step)
        history.linear_model = self.linear
        history.adversarial = self.adversarial
        self.advice = coach(history)
        return self.advice

    def _history(self, snap: Snapshot) -> Any:
        h = self.history
        history = history_from_columns(h.epochs, h.metrics, h.step_losses, list(self.frames),
                                       snap.learning_rate, self.chance, h.first_step)
        history.linear_model = self.linear
        history.adversarial = self.adversarial
        return history

    def _update(self, advice: list[Advice]) -> list[Advice] | None:
        def said(items: list[Advice]) -> list[tuple[str, str, str]]:
            return [(a.kind, a.severity, a.message) for a in items]

        if said(advice) == said(self.advice):
            return None
        self.advice = advice
        return advice
