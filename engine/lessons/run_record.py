"""``RunRecord``: the run half of ``checks.LessonState``, the same for both providers.

``engine.lessons.runner.HeadlessEditor`` (no window) and ``app.lesson_session.LessonSession``
(the Lesson panel) keep what the checks read of a run in three fields and expose them
read-only: ``epoch_rows`` (each finished epoch's metrics, ``{"epoch", "train_loss", ...}``),
``coach_cards`` (the kinds of Coach advice seen, e.g. ``"overfitting"``) and ``answers``
(check id -> the learner's answer). Each provider sets the fields in its ``__init__`` and
clears them when the network changes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any


class RunRecord:
    """Read-only views of ``_rows``, ``_cards`` and ``_answers`` (set by the subclass)."""

    _rows: list[dict[str, float]]
    _cards: set[str]
    _answers: dict[str, Any]

    @property
    def epoch_rows(self) -> Sequence[Mapping[str, float]]:
        return self._rows

    @property
    def coach_cards(self) -> Collection[str]:
        return self._cards

    @property
    def answers(self) -> Mapping[str, Any]:
        return self._answers
