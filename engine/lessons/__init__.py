"""Lessons: versioned JSON files of steps with checks on the live state (docs/LESSONS.md).

``loader`` reads files, ``checks`` judges a ``LessonState``, ``actions`` is the vocabulary of
setup and solution, ``runner`` plays a lesson's reference solution headless, ``richtext``
renders step text. No Qt here: the window's side is ``app.lesson_session`` and
``widgets.lessons.lesson_panel``.
"""

from engine.lessons.loader import LESSONS_DIR, bundled_lessons, load_lesson, parse_lesson
from engine.lessons.model import SUFFIX, Action, Check, Lesson, LessonFileError, Step

__all__ = ["LESSONS_DIR", "SUFFIX", "Action", "Check", "Lesson", "LessonFileError", "Step",
           "bundled_lessons", "load_lesson", "parse_lesson"]
