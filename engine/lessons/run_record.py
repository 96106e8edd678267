"""``RunRecord``: the run half of ``checks.LessonState``, the same for both providers.

``engine.lessons.runner.HeadlessEditor`` (no window) and ``app.lesson_session.LessonSession``
(the Lesson panel) keep what the checks read of a run in three fields and expose them
read-only: ``epoch_rows`` (each finished epoch's metrics, ``{"epoch", "train_loss", ...}``),
``coach_cards`` (the kinds of Coach advice seen, e.g. ``"overfitting"``), ``answers``
(check id -> the learner's answer) and ``recorded_runs`` (runs kept by a step's ``record``
for ``compare`` checks: name -> epoch rows). Each provider sets the fields in its
``__init__`` and clears the run's rows and cards when the network changes; ``keep_run``
copies the current run's rows under a name.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any


class RunRecord:
    """Read-only views of ``_rows``, ``_cards``, ``_answers`` and ``_recorded`` (set by the
    subclass)."""

    _rows: list[dict[str, float]]
    _cards: set[str]
    _answers: dict[str, Any]
    _recorded: dict[str, list[dict[str, float]]]

    @property
    def recorded_runs(self) -> Mapping[str, Sequence[Mapping[str, float]]]:
        return self._recorded

    def keep_run(self, name: str) -> None:
        """Keep the current run's rows under ``name`` (an empty run keeps the older one)."""
        if self._rows:
            self._recorded[name] = [dict(r) for r in self._rows]

    @property
    def epoch_rows(self) -> Sequence[Mapping[str, float]]:
        return self._rows

    @property
    def coach_cards(self) -> Collection[str]:
        return self._cards

    @property
    def answers(self) -> Mapping[str, Any]:
        return self._answers
