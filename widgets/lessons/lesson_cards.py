"""Lesson cards for the gallery: one per bundled lesson, in course order, with the learner's
progress ("not started", "step 2 of 4 · 1 passed", "done ✓").

``lesson_cards(progress)`` reads ``assets/lessons`` (``engine.lessons.bundled_lessons``; a
damaged file is left out) and returns the cards; the gallery lays them out above the
examples and treats a chosen card like an example: ``card.path`` is the file to open.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine.lessons import Lesson, bundled_lessons
from widgets.forms.card import ClickableCard

Progress = Callable[[str], tuple[int, list[int]]]  # app.settings.Settings.lesson_progress
CARD_W = 328


def progress_text(lesson: Lesson, progress: Progress | None) -> str:
    if progress is None:
        return f"{len(lesson.steps)} steps"
    step, done = progress(lesson.id)
    passed = len({i for i in done if 0 <= i < len(lesson.steps)})
    checked = sum(1 for s in lesson.steps if s.checks)
    if checked and passed >= checked:
        return "done ✓"
    if step == 0 and not passed:
        return f"not started · {len(lesson.steps)} steps"
    return f"step {step + 1} of {len(lesson.steps)} · {passed} passed"


class LessonCard(ClickableCard):
    """A clickable card for one lesson: title, summary, minutes and progress."""

    def __init__(self, path: Path, lesson: Lesson, progress: Progress | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path, self.lesson = path, lesson
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>Lesson {lesson.order}: {html.escape(lesson.title, quote=False)}</b>")
        title.setWordWrap(True)
        layout.addWidget(title)
        about = QLabel(lesson.summary or lesson.goals[0])
        about.setTextFormat(Qt.TextFormat.PlainText)
        about.setWordWrap(True)
        about.setProperty("role", "muted")
        layout.addWidget(about)
        self.progress = QLabel(f"{lesson.minutes} min · {progress_text(lesson, progress)}")
        layout.addWidget(self.progress)
        layout.addStretch(1)
        self.setFixedWidth(CARD_W)
        self.set_selected(False)


def lesson_cards(progress: Progress | None) -> list[LessonCard]:
    return [LessonCard(path, lesson, progress) for path, lesson, _ in bundled_lessons()
            if lesson is not None]
