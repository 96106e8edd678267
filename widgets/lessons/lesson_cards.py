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

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from engine.lessons import Lesson, bundled_lessons
from widgets.window.theme import current_colors

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


class LessonCard(QFrame):
    clicked = Signal(object)
    double_clicked = Signal(object)

    def __init__(self, path: Path, lesson: Lesson, progress: Progress | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path, self.lesson = path, lesson
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
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

    def set_selected(self, on: bool) -> None:
        c = current_colors()
        border = c.accent if on else c.border
        self.setStyleSheet(f"LessonCard {{ background: {c.panel}; border: "
                           f"{3 if on else 1}px solid {border}; border-radius: 10px; }}")

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.clicked.emit(self)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.double_clicked.emit(self)


def lesson_cards(progress: Progress | None) -> list[LessonCard]:
    return [LessonCard(path, lesson, progress) for path, lesson, _ in bundled_lessons()
            if lesson is not None]
